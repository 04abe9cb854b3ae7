"""The expression as the student wrote it: a tree of `Term`s for `gradcli diff --steps`.

sympy rewrites an expression as it builds it (`x*exp(-x)` is stored as a power of `exp(x)`,
`softplus(u)` as `log(exp(u) + 1)`), so steps read from a sympy expression follow sympy's form,
not the student's. Here the program is walked by the same walker that runs it (`WrittenBackend`,
a `formula.FormulaBackend` that also remembers each operation): every scalar operation becomes a
`Term` holding the primitive's name, its operands, its value in sympy (evaluated: what the rules
differentiate and what `gradcli diff` differentiates) and its written form (unevaluated, each
primitive shown by its own name: `softplus(x**2)`, `x*exp(-x)`).

What a primitive *is* comes from its sympy form (`family`): a form that is one sympy function of
its input (`sin(x)`, `asinh(x)`, `Abs(x)`) belongs to that function's family, a power of the input
(`x**2`, `sqrt(x)`) to the power rule, `a**x` to the exponential rule, `log(x)/log(b)` to the
logarithm rule; anything else is differentiated from its table entry (`table_entry`): the sympy
form's derivative, named after the registry primitive it equals when there is one
(softplus' derivative is `sigmoid(u)`). So a new primitive is covered without a new rule.

sympy is imported inside functions only.
"""

from __future__ import annotations

import functools

from gradcli.engine.primitives import FORWARD_ON_OBJECTS, REGISTRY, Op
from gradcli.program.records import Request

from .expressions import NoSympyForm, plain_text
from .formula import FormulaBackend, form_text, run_scalar
from .sympy_import import import_sympy

# sympy functions by rule family: the family of a primitive whose form is F(x)
FAMILIES = {
    "trigonometric": ("sin", "cos", "tan", "cot", "sec", "csc"),
    "inverse_trigonometric": ("asin", "acos", "atan", "acot", "asec", "acsc"),
    "hyperbolic": ("sinh", "cosh", "tanh", "coth", "sech", "csch"),
    "inverse_hyperbolic": ("asinh", "acosh", "atanh", "acoth", "asech", "acsch"),
    "exponential": ("exp",),
    "logarithm": ("log",),
    "absolute_value": ("Abs",),
}
SAMPLES = (0.3, 0.7, 1.9)  # where a derivative is compared with another primitive's form
SOLVE_DEGREE = 4  # where |u| is not differentiable is solved for polynomials up to this degree
MAX_ROOT_TEXT = 24  # characters of an exact root shown; a longer one is shown as a decimal


class Term:
    """One operation as written. `op`: a registry name, "symbol", "number" or "opaque" (a value
    the walker built from arrays: differentiated by the table); `expr`: its value in sympy;
    `shown`: its written form (unevaluated sympy, for printing only)."""

    __slots__ = ("op", "operands", "expr", "shown")

    def __init__(self, op: str, operands: tuple, expr, shown):
        self.op, self.operands, self.expr, self.shown = op, operands, expr, shown


class WrittenBackend(FormulaBackend):
    """`FormulaBackend` that also keeps a `Term` for every scalar value it builds."""

    def __init__(self, request: Request):
        super().__init__(request)
        self.terms: dict[int, Term] = {}
        self._alive: list = []  # the arrays whose ids index `terms`

    def _remember(self, array, term: Term):
        self.terms[id(array)] = term
        self._alive.append(array)
        return array

    def term_of(self, value) -> Term | None:
        try:
            return self.terms.get(id(self.read(value)))
        except NoSympyForm:  # not a value of this backend (a static argument)
            return None

    def make_symbols(self, name, value):
        symbols = super().make_symbols(name, value)
        if symbols.shape == () and getattr(symbols[()], "is_Symbol", False):
            symbol = symbols[()]
            self._remember(symbols, Term("symbol", (), symbol, symbol))
        return symbols

    def literal(self, value):
        out = super().literal(value)
        if not isinstance(value, bool):
            self._remember(out, Term("number", (), out[()], out[()]))
        return out

    def apply(self, op: Op, inputs: list, params: dict, node):
        out = super().apply(op, inputs, params, node)
        if out.shape != () or op.kind == "compare":
            return out
        operands = [self.term_of(v) for v in inputs]
        if op.name == "divide" and _is_log_with_base(node) and all(operands):
            # log(x, b), which the walker applies as log(x)/log(b): one term, as written
            x, b = (t.operands[0] for t in operands)
            shown = log_base_function()(x.shown, b.shown)
            return self._remember(out, Term("log_base", (x, b), out[()], shown))
        if op.kind in ("elementwise", "other") and all(operands) and len(inputs) == op.arity:
            shown = written(self.sp, op, [t.shown for t in operands])
            return self._remember(out, Term(op.name, tuple(operands), out[()], shown))
        return self._remember(out, Term("opaque", (), out[()], out[()]))


def _is_log_with_base(node) -> bool:
    """The walker's log(x)/log(b) for `log(x, b)` (`walker.LOG_WITH_BASE`)."""
    from gradcli.language.names import LOG_WITH_BASE
    from gradcli.language.syntax import Call

    return (
        isinstance(node, Call)
        and node.func.name in LOG_WITH_BASE
        and len(node.args) == 2
        and not node.keywords
    )


@functools.cache
def log_base_function():
    """log(x, b) unevaluated, for showing only: `log(x, 2)` in text, `\\log_{2}(x)` in LaTeX
    (sympy's log(x, b) is log(x)/log(b) as soon as it is built)."""
    sp = import_sympy()

    class log_base(sp.Function):  # noqa: N801 - the name sympy's printers would show
        nargs = 2

        def _sympystr(self, printer):
            return f"log({printer._print(self.args[0])}, {printer._print(self.args[1])})"

        def _latex(self, printer):
            x, b = (printer._print(a) for a in self.args)
            return rf"\log_{{{b}}}{{\left({x} \right)}}"

    return log_base


def written_tree(request: Request) -> tuple[Term, dict]:
    """(the last statement as a Term, {input name: Symbol}); NoSympyForm when it has none."""
    backend = WrittenBackend(request)
    last, symbols = run_scalar(request, backend)
    term = backend.terms.get(id(last)) or Term("opaque", (), last[()], last[()])
    return term, symbols


def written(sp, op: Op, operands: list):
    """The operation applied to its operands' written forms, unevaluated."""
    a = operands[0] if operands else None
    if op.name in ("add", "subtract"):
        b = operands[1]
        if op.name == "subtract":
            b = -b if b.is_Number else sp.Mul(-1, b, evaluate=False)
        return sp.Add(*(a.args if a.is_Add else (a,)), b, evaluate=False)  # a + b + c, no parens
    if op.name == "multiply":
        return sp.Mul(*(a.args if a.is_Mul else (a,)), operands[1], evaluate=False)
    if op.name == "divide":
        reciprocal = sp.Pow(operands[1], -1, evaluate=False)
        return reciprocal if a == 1 else sp.Mul(a, reciprocal, evaluate=False)
    if op.name == "power":
        return sp.Pow(a, operands[1], evaluate=False)
    if op.name == "negative":
        return sp.Mul(-1, a, evaluate=False)
    function = single_function(op)
    if function is not None and len(operands) == 1:
        return getattr(sp, function)(a, evaluate=False)
    return sp.Function(op.name)(*operands)


@functools.cache
def _form_of_t(op: Op):
    """(the symbol t, the primitive's form at t) for a unary elementwise primitive, else None."""
    if op.sympy is None or op.sympy == FORWARD_ON_OBJECTS or op.arity != 1 or op.params:
        return None
    if op.kind not in ("elementwise", "other") or op.grads[0] is None:
        return None
    sp = import_sympy()
    t = sp.Symbol("t", real=True)
    try:
        form = op.sympy(sp, t)
    except Exception:  # noqa: BLE001 - a form that needs more than a symbol: no family
        return None
    return (t, sp.sympify(form))


def single_function(op: Op) -> str | None:
    """The sympy function's name when the primitive's form is one function of its input."""
    found = _form_of_t(op)
    if found is None:
        return None
    t, form = found
    if form.is_Function and form.args == (t,):
        name = type(form).__name__
        if any(name in names for names in FAMILIES.values()):
            return name
    return None


@functools.cache
def family(op: Op) -> tuple[str, object]:
    """(the rule family, a detail) of a unary primitive, read from its sympy form: a family of
    FAMILIES with the sympy function's name; "power" with the exponent (`x**2`, `sqrt(x)`);
    "exponential" with the base (`2**x`); "logarithm" with the base (`log(x)/log(2)`);
    otherwise "table"."""
    function = single_function(op)
    if function is not None:
        return next(name for name, names in FAMILIES.items() if function in names), function
    found = _form_of_t(op)
    if found is None:
        return "table", None
    t, form = found
    if form.is_Pow and form.base == t and form.exp.is_number:
        return "power", form.exp
    if form.is_Pow and form.exp == t and form.base.is_number and form.base.is_positive:
        return "exponential", form.base
    if form.is_Mul and len(form.args) == 2:
        logs = [a for a in form.args if a.func.__name__ == "log" and a.args == (t,)]
        if logs:
            other = form / logs[0]
            if other.is_Pow and other.exp == -1 and other.base.func.__name__ == "log":
                return "logarithm", other.base.args[0]
    return "table", None


@functools.cache
def table_entry(op: Op) -> tuple | None:
    """(t, d/dt of the form at t, its written form) for a unary primitive: the derivative of
    its sympy form, written as another primitive of the registry when it equals that
    primitive's form (`sigmoid(t)` for softplus), else as sympy writes it. None without a
    form of one input."""
    found = _form_of_t(op)
    if found is None:
        return None
    sp = import_sympy()
    t, form = found
    derivative = sp.diff(form, t)
    return t, derivative, _named(sp, op, t, derivative)


def _named(sp, op: Op, t, derivative):
    """`derivative` as f(t) for the registry primitive f whose form equals it, else itself."""
    if derivative.is_number or derivative.has(sp.Piecewise, sp.DiracDelta, sp.Heaviside):
        return derivative
    for other in REGISTRY.values():
        found = _form_of_t(other) if other is not op else None
        if found is None or other.name in ("identity",):
            continue
        form = found[1].xreplace({found[0]: t})
        if form.is_Function and form.args == (t,) and derivative == form:
            return sp.Function(other.name)(t) if single_function(other) is None else form
        try:
            same = all(abs(complex(sp.N((derivative - form).subs(t, v)))) < 1e-12 for v in SAMPLES)
            if same and sp.simplify(derivative - form) == 0:
                return sp.Function(other.name)(t)
        except (TypeError, ValueError, ArithmeticError):
            continue
    return derivative


# ---------------------------------------------------------------- the expression's shape


def is_symbol(term: Term, wrt) -> bool:
    return term.op == "symbol" and term.expr == wrt


def signed_terms(term: Term, sign: int) -> list[tuple[int, Term]]:
    """a + b - c as [(1, a), (1, b), (-1, c)]: the sum rule takes every term at once."""
    if term.op == "add":
        return signed_terms(term.operands[0], sign) + signed_terms(term.operands[1], sign)
    if term.op == "subtract":
        return signed_terms(term.operands[0], sign) + signed_terms(term.operands[1], -sign)
    return [(sign, term)]


def factors(sp, term: Term) -> list[Term]:
    """a*b*c as [a, b, c]; -a as [-1, a]; a/c (c constant) as [a, 1/c]."""
    if term.op == "multiply":
        return [f for operand in term.operands for f in factors(sp, operand)]
    if term.op == "negative":
        minus = sp.Integer(-1)
        return [Term("number", (), minus, minus), *factors(sp, term.operands[0])]
    if term.op == "divide":
        numerator, denominator = term.operands
        reciprocal = 1 / denominator.expr
        shown = sp.Pow(denominator.shown, -1, evaluate=False)
        return [*factors(sp, numerator), Term("number", (), reciprocal, shown)]
    return [term]


def product_term(sp, factors: list[Term]) -> Term:
    expr = sp.Mul(*[f.expr for f in factors])
    return Term("multiply", tuple(factors), expr, sp.Mul(*[f.shown for f in factors],
                                                         evaluate=False))  # fmt: skip


def rewritten(sp, term: Term, shown: list):
    """The term's written form with its operands replaced (the chain rule's f(u))."""
    if term.op == "log_base":
        return log_base_function()(*shown)
    return written(sp, REGISTRY[term.op], shown)


def sum_statement(signs: list[int], wrt) -> tuple[str, str]:
    names = "fghkmn"[: len(signs)] if len(signs) <= 6 else None
    if names is None:
        return (
            "(f1 + f2 + ...)' = f1' + f2' + ...",
            r"(f_1 + f_2 + \dots)' = f_1' + f_2' + \dots",
        )
    parts = [("" if i == 0 and s > 0 else (" + " if s > 0 else " - ")) + n
             for i, (s, n) in enumerate(zip(signs, names))]  # fmt: skip
    before = "".join(parts)
    after = "".join(p + "'" for p in parts)
    return f"({before})' = {after}", f"({before})' = {after}"


def product_statement(count: int) -> tuple[str, str]:
    names = "fghkmn"[:count] if count <= 6 else None
    if names is None:
        return ("(f1*f2*...)' = f1'*f2*... + f1*f2'*... + ...",
                r"(f_1 f_2 \cdots)' = f_1' f_2 \cdots + f_1 f_2' \cdots + \dots")  # fmt: skip
    terms = ["*".join(n + ("'" if i == j else "") for j, n in enumerate(names))
             for i in range(count)]  # fmt: skip
    text = f"({'*'.join(names)})' = {' + '.join(terms)}"
    return text, text.replace("*", " ")


def kink(sp, inner, wrt) -> str:
    """Where |inner| is not differentiable: where inner = 0, solved for the real roots of a
    polynomial of small degree in `wrt` alone."""
    where = f"not differentiable where {plain_text(sp, inner)} = 0"
    if inner.free_symbols != {wrt} or not inner.is_polynomial(wrt):
        return where
    try:
        polynomial = sp.Poly(inner, wrt)
        if polynomial.degree() > SOLVE_DEGREE or not (
            polynomial.domain.is_ZZ or polynomial.domain.is_QQ
        ):
            return where
        roots = list(dict.fromkeys(sp.real_roots(polynomial)))
    except Exception:  # noqa: BLE001 - no roots found: say where, not at which points
        return where
    if not roots:
        return f"{plain_text(sp, inner)} is never 0: differentiable everywhere"
    return f"{where}: at {wrt} = {', '.join(_root_text(sp, r) for r in roots)}"


def _root_text(sp, root) -> str:
    """An exact root when it reads easily (1, -2**(1/4)), else "about" its value to 6 digits."""
    exact = plain_text(sp, root)
    if len(exact) <= MAX_ROOT_TEXT and "RootOf" not in exact:
        return exact
    return f"about {float(root):.6g}"


def rebuilt(shown):
    """An unevaluated expression rebuilt bottom-up, so that sympy evaluates each node."""
    if not shown.args:
        return shown
    return shown.func(*[rebuilt(a) for a in shown.args])


def named_forms(sp, display) -> tuple[str, ...]:
    """What each primitive named in a shown derivative stands for, as the simplify step
    rewrites it: ("sigmoid(x) = 1/(1 + exp(-x))",)."""
    from sympy.core.function import AppliedUndef

    names = sorted({type(f).__name__ for f in display.atoms(AppliedUndef)})
    forms = [(name, form_text(REGISTRY[name])) for name in names if name in REGISTRY]
    return tuple(f"{name}(x) = {form}" for name, form in forms if form)
