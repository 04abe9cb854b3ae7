"""`gradcli diff --steps`' derivations: the rules a textbook applies, in order, and the answer.

Two oracles for every case: the answer written by hand in the table, and sympy's own derivative
of the same expression (`simplify(rules' answer - diff) == 0`). The property test builds random
expressions from the registry's primitives and asserts the steps never fail and always give
sympy's derivative.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gradcli.engine.primitives import FORWARD_ON_OBJECTS, REGISTRY, Op
from gradcli.errors import NotRealError
from gradcli.language.analysis import free_names
from gradcli.language.parser import parse
from gradcli.program.point import make_request
from gradcli.symbolic.derivation import Deriver, Step, derive
from gradcli.symbolic.formula import formula
from gradcli.symbolic.homework import derivation_steps
from gradcli.symbolic.written import Term, family, table_entry


def request_for(text: str):
    program = parse(text)
    return make_request(program, free_names(program), {})


def rules(step: Step) -> list[str]:
    """The rule names in reading order (depth first, as the steps are numbered)."""
    return [step.rule] + [name for sub in step.substeps for name in rules(sub)]


def same(a, b) -> bool:
    difference = a - b
    return difference == 0 or sp.simplify(difference) == 0


def derived(text: str, wrt: str | None = None):
    request = request_for(text)
    name = wrt or free_names(request.program)[0]
    step, real, _, f = derive(request, name)
    symbols = {s.name: s for s in f.free_symbols}
    symbols.setdefault(name, sp.Symbol(name, real=True))
    return step, real, f, symbols


C, V, M = "constant", "variable", "constant_multiple"
S, D, P, Q = "sum", "difference", "product", "quotient"
PW, CH, EX, LG = "power", "chain", "exponential", "logarithm"
TR, IT, HY, AB = "trigonometric", "inverse_trigonometric", "hyperbolic", "absolute_value"
LD, TB = "logarithmic_differentiation", "table"

QUOTIENT_OF_PRODUCTS = (
    "((exp(x) + x*exp(x))*x**2*cos(x) - x*exp(x)*(2*x*cos(x) - x**2*sin(x)))/(x**4*cos(x)**2)"
)

# (EXPR, --wrt, the rules in order, the derivative by hand)
TABLE = [
    # constant, variable, constant multiple, sum and difference, power
    ("x", None, [V], "1"),
    ("x + 5", None, [S, V, C], "1"),
    ("sin(2) + x", None, [S, C, V], "1"),
    ("7*x", None, [M, V], "7"),
    ("x*7", None, [M, V], "7"),
    ("pi*x**2", None, [M, PW], "2*pi*x"),
    ("-x**2", None, [M, PW], "-2*x"),
    ("x**2/2", None, [M, PW], "x"),
    ("x**5", None, [PW], "5*x**4"),
    ("x**-2", None, [PW], "-2/x**3"),
    ("x**0.5", None, [PW], "1/(2*sqrt(x))"),
    ("sqrt(x)", None, [PW], "1/(2*sqrt(x))"),
    ("square(x)", None, [PW], "2*x"),
    ("3*x**2 - 2*x + 1", None, [D, M, PW, M, V, C], "6*x - 2"),
    ("x**3 + x**2 + x", None, [S, PW, PW, V], "3*x**2 + 2*x + 1"),
    # product and quotient
    ("x*sin(x)", None, [P, V, TR], "sin(x) + x*cos(x)"),
    ("x**2*sin(x)", None, [P, PW, TR], "2*x*sin(x) + x**2*cos(x)"),
    ("x*exp(-x)", None, [P, V, CH, EX, M, V], "(1 - x)*exp(-x)"),
    ("exp(x)*cos(x)", None, [P, EX, TR], "exp(x)*(cos(x) - sin(x))"),
    ("x*sin(x)*exp(x)", None, [P, V, TR, EX], "exp(x)*(sin(x) + x*cos(x) + x*sin(x))"),
    ("3*x*sin(x)", None, [M, P, V, TR], "3*sin(x) + 3*x*cos(x)"),
    ("1/x", None, [Q, C, V], "-1/x**2"),
    ("sin(x)/x", None, [Q, TR, V], "(x*cos(x) - sin(x))/x**2"),
    ("(x + 1)/(x - 1)", None, [Q, S, V, C, D, V, C], "-2/(x - 1)**2"),
    (
        "x*sin(x)/(x**2 + 1)",
        None,
        [Q, P, V, TR, S, PW, C],
        "((sin(x) + x*cos(x))*(x**2 + 1) - 2*x**2*sin(x))/(x**2 + 1)**2",
    ),
    (
        "(x*exp(x))/(x**2*cos(x))",
        None,
        [Q, P, V, EX, P, PW, TR],
        QUOTIENT_OF_PRODUCTS,
    ),
    ("1/(1 + exp(-x))", None, [Q, C, S, C, CH, EX, M, V], "exp(-x)/(1 + exp(-x))**2"),
    # exponential and logarithm, any base
    ("exp(x)", None, [EX], "exp(x)"),
    ("e**x", None, [EX], "exp(x)"),
    ("2**x", None, [EX], "2**x*log(2)"),
    ("exp(3*x)", None, [CH, EX, M, V], "3*exp(3*x)"),
    ("2**(x**2)", None, [CH, EX, PW], "2*x*2**(x**2)*log(2)"),
    ("log(x)", None, [LG], "1/x"),
    ("log(x**2 + 1)", None, [CH, LG, S, PW, C], "2*x/(x**2 + 1)"),
    ("log(x)/log(2)", None, [M, LG], "1/(x*log(2))"),  # log(x, 2) once the language has it
    ("log(x)/log(10)", None, [M, LG], "1/(x*log(10))"),  # log10(x) likewise
    ("log(sin(x))", None, [CH, LG, TR], "cos(x)/sin(x)"),
    # trigonometric, with chains
    ("sin(x)", None, [TR], "cos(x)"),
    ("cos(x)", None, [TR], "-sin(x)"),
    ("tan(x)", None, [TR], "1/cos(x)**2"),
    ("-cos(x)", None, [M, TR], "sin(x)"),
    ("sin(x**2)", None, [CH, TR, PW], "2*x*cos(x**2)"),
    ("cos(3*x + 1)", None, [CH, TR, S, M, V, C], "-3*sin(3*x + 1)"),
    ("sin(x)**2", None, [CH, PW, TR], "2*sin(x)*cos(x)"),
    ("tan(x)**3", None, [CH, PW, TR], "3*tan(x)**2/cos(x)**2"),
    ("sin(cos(x))", None, [CH, TR, TR], "-sin(x)*cos(cos(x))"),
    ("sin(cos(x**2))", None, [CH, TR, CH, TR, PW], "-2*x*sin(x**2)*cos(cos(x**2))"),
    ("exp(sin(x**2))", None, [CH, EX, CH, TR, PW], "2*x*cos(x**2)*exp(sin(x**2))"),
    ("sqrt(1 - x**2)", None, [CH, PW, D, C, PW], "-x/sqrt(1 - x**2)"),
    ("(x**2 - 1)**3", None, [CH, PW, D, PW, C], "6*x*(x**2 - 1)**2"),
    # inverse trigonometric
    ("arcsin(x)", None, [IT], "1/sqrt(1 - x**2)"),
    ("arccos(x)", None, [IT], "-1/sqrt(1 - x**2)"),
    ("arctan(x)", None, [IT], "1/(1 + x**2)"),
    ("arctan(x**2)", None, [CH, IT, PW], "2*x/(1 + x**4)"),
    ("arcsin(2*x)", None, [CH, IT, M, V], "2/sqrt(1 - 4*x**2)"),
    # hyperbolic
    ("sinh(x)", None, [HY], "cosh(x)"),
    ("cosh(x)", None, [HY], "sinh(x)"),
    ("tanh(x)", None, [HY], "1 - tanh(x)**2"),
    ("sinh(log(x))", None, [CH, HY, LG], "cosh(log(x))/x"),
    ("cosh(x**2)", None, [CH, HY, PW], "2*x*sinh(x**2)"),
    # absolute value
    ("abs(x)", None, [AB], "sign(x)"),
    ("abs(x**2 - 1)", None, [CH, AB, D, PW, C], "2*x*sign(x**2 - 1)"),
    ("abs(sin(x))", None, [CH, AB, TR], "cos(x)*sign(sin(x))"),
    # logarithmic differentiation
    ("x**x", None, [LD, P, V, LG], "x**x*(log(x) + 1)"),
    ("x**sin(x)", None, [LD, P, TR, LG], "x**sin(x)*(cos(x)*log(x) + sin(x)/x)"),
    (
        "(x**2 + 1)**x",
        None,
        [LD, P, V, CH, LG, S, PW, C],
        "(x**2 + 1)**x*(log(x**2 + 1) + 2*x**2/(x**2 + 1))",
    ),  # fmt: skip
    # every other primitive, by its table entry; what has no rule, by the table
    ("sigmoid(x)", None, [TB], "exp(-x)/(1 + exp(-x))**2"),
    ("softplus(x)", None, [TB], "1/(1 + exp(-x))"),
    ("softplus(x**2)", None, [CH, TB, PW], "2*x/(1 + exp(-x**2))"),
    ("log1p(x)", None, [TB], "1/(1 + x)"),
    ("expm1(2*x)", None, [CH, TB, M, V], "2*exp(2*x)"),
    ("erf(x)", None, [TB], "2*exp(-x**2)/sqrt(pi)"),
    ("relu(x)", None, [TB], "Piecewise((1, x > 0), (0, True))"),
    ("where(x > 0, x**2, x)", None, [TB], "Piecewise((2*x, x > 0), (1, True))"),
    ("maximum(x, 1)", None, [TB], "Piecewise((1, x >= 1), (0, True))"),
    ("sum([x, x**2])", None, [TB], "1 + 2*x"),
    # several statements, and partial derivatives
    ("y = x*x; z = sin(y); z*2", None, [M, CH, TR, P, V, V], "4*x*cos(x**2)"),
    ("x*y**2", "y", [M, PW], "2*x*y"),
    ("x*y**2", "x", [M, V], "y**2"),
    ("sin(x*y)", "y", [CH, TR, M, V], "x*cos(x*y)"),
    ("x**y", "y", [EX], "x**y*log(x)"),
    ("x**y", "x", [PW], "y*x**(y - 1)"),
]


def test_the_table_has_every_rule_and_sixty_cases():
    assert len(TABLE) >= 60
    used = {rule for _, _, names, _ in TABLE for rule in names}
    assert used >= {C, V, M, S, D, P, Q, PW, CH, EX, LG, TR, IT, HY, AB, LD, TB}


@pytest.mark.parametrize("text, wrt, expected_rules, by_hand", TABLE, ids=[c[0] for c in TABLE])
def test_textbook_derivative(text, wrt, expected_rules, by_hand):
    step, answer, f, symbols = derived(text, wrt)
    assert rules(step) == expected_rules
    x = symbols[wrt or "x"]
    assert same(answer, sp.diff(f, x))
    assert same(answer, sp.sympify(by_hand, locals=symbols))


# ---------------------------------------------------------------- what the steps say


def test_x_exp_minus_x_is_a_product_as_written_not_a_quotient():
    step, *_ = derived("x*exp(-x)")
    assert (step.rule, step.expression) == ("product", "x*exp(-x)")
    assert [s.expression for s in step.substeps] == ["x", "exp(-x)"]


def test_the_chain_rule_says_let_u_and_nested_chains_take_the_next_letter():
    step, *_ = derived("sin(cos(x**2))")
    assert step.let[:2] == ("u", "cos(x**2)")
    outer, inner = step.substeps
    assert (outer.wrt, outer.expression, outer.derivative) == ("u", "sin(u)", "cos(u)")
    assert inner.let[:2] == ("v", "x**2")


def test_a_letter_that_names_an_input_is_not_used_for_the_chain():
    step, *_ = derived("sin(u*x)", "x")
    assert step.let[0] == "v"


def test_softplus_derivative_is_named_sigmoid_from_the_registry_forms():
    step, *_ = derived("softplus(x**2)")
    table = step.substeps[0]
    assert (table.rule, table.expression, table.derivative) == (
        "table",
        "softplus(u)",
        "sigmoid(u)",
    )
    assert step.derivative == "2*x*sigmoid(x**2)"


def test_absolute_value_gives_the_sign_and_where_it_is_not_differentiable():
    step, *_ = derived("abs(x)")
    assert step.derivative == "sign(x)"
    assert "not differentiable at x = 0" in step.notes
    step, *_ = derived("abs(x**2 - 1)")
    assert step.notes == ("not differentiable where x**2 - 1 = 0: at x = -1, 1",)
    step, *_ = derived("abs(x**2 + 1)")
    assert step.notes == ("x**2 + 1 is never 0: differentiable everywhere",)
    step, *_ = derived("abs(sin(x))")
    assert step.notes == ("not differentiable where sin(x) = 0",)
    step, *_ = derived("abs(x**4 - 2)")
    assert step.notes == ("not differentiable where x**4 - 2 = 0: at x = -2**(1/4), 2**(1/4)",)
    step, *_ = derived("abs(x**3 - 3*x + 1)")  # three real roots, none of them short to write
    assert step.notes[0].endswith("at x = about -1.87939, about 0.347296, about 1.53209")
    step, *_ = derived("abs(x**2 - pi)")
    assert step.notes == ("not differentiable where x**2 - pi = 0",)


def test_sum_rule_takes_every_term_at_once_as_written():
    step, *_ = derived("3*x**2 - 2*x + 1")
    assert step.expression == "3*x**2 - 2*x + 1"
    assert step.statement == "(f - g + h)' = f' - g' + h'"
    assert [s.expression for s in step.substeps] == ["3*x**2", "2*x", "1"]


def test_logarithmic_differentiation_lets_ln_y_be_g_ln_f():
    step, *_ = derived("x**x")
    assert step.let[:2] == ("ln(y)", "x*log(x)")
    assert step.derivative == "x**x*(log(x) + 1)"
    assert step.notes == ("ln(f) needs f > 0: valid where x > 0",)


def test_power_rule_says_what_sqrt_is():
    step, *_ = derived("sqrt(x)")
    assert step.notes == ("sqrt(x) = x**(1/2)",)


def test_latex_of_the_expression_is_as_written():
    step, *_ = derived("x*exp(-x)")
    assert step.expression_latex == r"x e^{- x}"


# ---------------------------------------------------------------- a new primitive needs no new rule


def op(name, form):
    return Op(name, lambda x: x, (lambda *a: a,), form, "test")


@pytest.mark.parametrize(
    "form, expected",
    [
        (lambda sp, x: sp.asinh(x), ("inverse_hyperbolic", "asinh")),
        (lambda sp, x: sp.acosh(x), ("inverse_hyperbolic", "acosh")),
        (lambda sp, x: sp.atanh(x), ("inverse_hyperbolic", "atanh")),
        (lambda sp, x: sp.cot(x), ("trigonometric", "cot")),
        (lambda sp, x: sp.log(x) / sp.log(2), ("logarithm", 2)),
        (lambda sp, x: sp.log(x) / sp.log(10), ("logarithm", 10)),
        (lambda sp, x: 2**x, ("exponential", 2)),
        (lambda sp, x: 1 / x, ("power", -1)),
        (lambda sp, x: x * sp.tanh(sp.log(1 + sp.exp(x))), ("table", None)),
    ],
)
def test_a_new_primitive_is_put_in_its_family_by_its_sympy_form(form, expected):
    assert family(op("new", form)) == expected


def test_a_new_primitive_is_derived_through_its_form(monkeypatch):
    new = op("mish", lambda sp, x: x * sp.tanh(sp.log(1 + sp.exp(x))))
    monkeypatch.setitem(REGISTRY, "mish", new)
    x = sp.Symbol("x", real=True)
    two = sp.Integer(2)
    inner = Term("power", (Term("symbol", (), x, x), Term("number", (), two, two)), x**2, x**2)
    mish = Term("mish", (inner,), new.sympy(sp, x**2), sp.Function("mish")(x**2))
    derived_mish = Deriver(x, {"x"}).derive(mish)
    assert rules(derived_mish.step) == ["chain", "table", "power"]
    assert same(derived_mish.real, sp.diff(new.sympy(sp, x**2), x))
    assert table_entry(new) is not None


# ---------------------------------------------------------------- never a crash: random expressions

UNARY = sorted(
    name
    for name, o in REGISTRY.items()
    if o.arity == 1 and not o.params and o.kind == "elementwise" and o.sympy is not None
    and o.sympy != FORWARD_ON_OBJECTS and o.grads[0] is not None and name != "sign" and o.public
)  # fmt: skip
BINARY = ["+", "-", "*", "/", "**"]
FUNCTIONS = ["maximum", "minimum"]  # no rule of their own: by the table
PARAMETRIC = ["leaky_relu", "gelu"]  # primitives with parameters: by the table
LEAVES = st.sampled_from(["x", "x", "y", "2", "3", "0.5", "pi"])


def expressions(depth: int):
    if depth == 0:
        return LEAVES
    smaller = expressions(depth - 1)
    return st.one_of(
        LEAVES,
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY + PARAMETRIC), smaller),
        st.builds(lambda a, o, b: f"({a}){o}({b})", smaller, st.sampled_from(BINARY), smaller),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(FUNCTIONS), smaller, smaller),
    )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(expressions(3))
@example("elu(elu(x))")
@example("abs(abs(x))")
@example("(x)-(x)")
def test_steps_never_fail_and_always_give_sympys_derivative(text):
    request = request_for(text)
    inputs = free_names(request.program)
    if not inputs:
        return
    try:
        formula(request)
    except NotRealError:  # maximum(x, arccos(2)): a part that is not real, said with a caret
        assume(False)
    for name in inputs:
        step, answer, _, f = derive(request, name)
        assert step.rule and step.derivative
        symbol = sp.Symbol(name, real=True)
        difference = answer - sp.diff(f, symbol)
        if difference == 0:
            continue
        # sympy cannot always show sign(|x|)*sign(x) = sign(x), nor nested Piecewise equal:
        # those are compared in numbers, at points on both sides of the kinks where f is real
        if difference.has(sp.sign, sp.Piecewise):
            assert _zero_where_real(difference, f, symbol), text
        else:
            assert sp.expand(difference) == 0 or sp.simplify(difference) == 0, text


def _zero_where_real(difference, f, symbol) -> bool:
    """`difference` is 0 at each sample point where f and each of its parts is a finite real
    number (a derivative off f's real domain is not a derivative of the real function)."""
    for value in (0.37, 1.3, 2.1, -0.8, -1.7):
        point = {s: 0.61 for s in f.free_symbols | difference.free_symbols}
        point[symbol] = value
        try:
            # every part of f real, not only f: |arccos(1.3)| is real, arccos(1.3) is not
            parts = [f] + [p for p in sp.preorder_traversal(f) if p.args and isinstance(p, sp.Expr)]
            values = [complex(sp.N(part.subs(point))) for part in parts]
            if any(at.imag != 0 or not math.isfinite(at.real) for at in values):
                continue
            number = complex(sp.N(difference.subs(point)))
        except (TypeError, ValueError):  # a condition on a complex value: off the real domain
            continue
        if not abs(number) < 1e-8:
            return False
    return True


# ---------------------------------------------------------------- through the worker


def test_worker_gives_the_tree_and_the_simplify_step():
    ((tree, simplify),) = derivation_steps(request_for("x*exp(-x)"), ["x"], 2.0)
    assert tree.rule == "product" and simplify.rule == "simplify"
    assert simplify.expression == "-x*exp(-x) + exp(-x)"
    assert simplify.derivative == "(1 - x)*exp(-x)"


def test_when_simplify_runs_out_of_time_the_step_says_so(monkeypatch):
    from gradcli.symbolic import derivation_worker

    def slow(expr):
        import time

        time.sleep(5)

    monkeypatch.setattr(sp, "simplify", slow)
    monkeypatch.setattr(derivation_worker, "import_sympy", lambda: sp)
    ((tree, simplify),) = derivation_steps(request_for("x*exp(-x)"), ["x"], 0.2)
    assert simplify.notes == ("not simplified: sympy ran out of time (0.2 s, --budget)",)
    # the textbook's form (a common factor taken out) costs no simplify: it is shown still
    assert simplify.derivative == "(1 - x)*exp(-x)"


def test_when_the_rules_run_out_of_time_the_error_says_so(monkeypatch):
    import time

    from gradcli.symbolic import derivation, homework

    def slow(request, name):
        time.sleep(5)

    monkeypatch.setattr(derivation, "derive", slow)
    monkeypatch.setattr(homework, "SYMPY_TIMEOUT", 0.2)
    with pytest.raises(homework.SymbolicError) as raised:
        derivation_steps(request_for("x*exp(-x)"), ["x"], 1.0)
    assert raised.value.message.startswith("the steps did not finish within 0.2 s")
    assert "without --steps gives the derivative alone" in raised.value.message


def test_the_simplify_step_says_what_a_named_primitive_stands_for():
    ((tree, simplify),) = derivation_steps(request_for("softplus(x**2)"), ["x"], 2.0)
    assert simplify.expression == "2*x*sigmoid(x**2)"
    assert simplify.notes == ("sigmoid(x) = 1/(1 + exp(-x))",)
    assert simplify.derivative == "2*x*exp(x**2)/(exp(x**2) + 1)"
