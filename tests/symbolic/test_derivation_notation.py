"""`gradcli diff --steps` on the notation students type (`ln`, `log(x, b)`, `|x|`, `x^x`, `2x^3`,
`sec`, the inverse hyperbolic functions): the rules in order, the answer (by hand and sympy's),
and every expression the steps show typed back into gradcli's own parser.
"""

from __future__ import annotations

import pytest
import sympy as sp
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.language.analysis import free_names
from gradcli.language.parser import parse
from gradcli.program.point import make_request
from gradcli.symbolic.derivation import Step, derive
from gradcli.symbolic.homework import derivation_steps

C, V, M, D, P = "constant", "variable", "constant_multiple", "difference", "product"
PW, CH, LG, TR, IT = "power", "chain", "logarithm", "trigonometric", "inverse_trigonometric"
HY, IH, AB, LD = "hyperbolic", "inverse_hyperbolic", "absolute_value", "logarithmic_differentiation"

# (EXPR as a student types it, the rules in order, the derivative by hand)
STUDENT_TABLE = [
    ("sinh(ln(x))", [CH, HY, LG], "cosh(log(x))/x"),
    ("log(x, 2)", ["logarithm_base"], "1/(x*log(2))"),  # was [M, LG]: log(x)/log(2)
    ("log2(x)", [LG], "1/(x*log(2))"),
    ("log10(x)", [LG], "1/(x*log(10))"),
    ("ln(x^2 + 1)", [CH, LG, "sum", PW, C], "2*x/(x**2 + 1)"),
    ("sec(x)", [TR], "sec(x)*tan(x)"),
    ("csc(x)", [TR], "-csc(x)*cot(x)"),
    ("cot(3x)", [CH, TR, M, V], "-3/sin(3*x)**2"),
    ("|x|", [AB], "sign(x)"),
    ("|x^2 - 1|", [CH, AB, D, PW, C], "2*x*sign(x**2 - 1)"),
    ("x^x", [LD, P, V, LG], "x**x*(log(x) + 1)"),
    ("2x^3", [M, PW], "6*x**2"),
    ("π*x^2", [M, PW], "2*pi*x"),
    ("arctan(x^2)", [CH, IT, PW], "2*x/(x**4 + 1)"),
    ("atan(x)", [IT], "1/(x**2 + 1)"),
    ("asinh(x)", [IH], "1/sqrt(x**2 + 1)"),
    ("arcsinh(x^2)", [CH, IH, PW], "2*x/sqrt(x**4 + 1)"),
    ("acosh(x)", [IH], "1/(sqrt(x - 1)*sqrt(x + 1))"),
    ("arccosh(2x)", [CH, IH, M, V], "2/(sqrt(2*x - 1)*sqrt(2*x + 1))"),
    ("atanh(x)", [IH], "1/(1 - x**2)"),
    ("arctanh(x^2)", [CH, IH, PW], "2*x/(1 - x**4)"),
]


def request_for(text: str):
    program = parse(text)
    return make_request(program, free_names(program), {})


def rules(step: Step) -> list[str]:
    return [step.rule] + [name for sub in step.substeps for name in rules(sub)]


def shown(step: Step) -> list[str]:
    """Every expression a step shows, and its substeps'."""
    texts = [step.expression, step.derivative]
    return texts + [text for sub in step.substeps for text in shown(sub)]


def same(a, b) -> bool:
    difference = a - b
    return difference == 0 or sp.simplify(difference) == 0


@pytest.mark.parametrize("text, expected_rules, by_hand", STUDENT_TABLE)
def test_student_spelling(text, expected_rules, by_hand):
    step, answer, _, f = derive(request_for(text), "x")
    assert rules(step) == expected_rules
    x = next(s for s in f.free_symbols if s.name == "x")
    assert same(answer, sp.diff(f, x))
    assert same(answer, sp.sympify(by_hand, locals={"x": x}))


@pytest.mark.parametrize("text", [case[0] for case in STUDENT_TABLE])
def test_every_shown_expression_and_the_answer_parse_back(text):
    """What the steps show is gradcli's language (abs, not sympy's Abs); the final answer, typed
    back into gradcli, is the derivative."""
    ((tree, simplify),) = derivation_steps(request_for(text), ["x"], 5.0)
    for expression in shown(tree) + [simplify.expression, simplify.derivative]:
        parse(expression)
    f = derive(request_for(text), "x")[3]
    x = next(s for s in f.free_symbols if s.name == "x")
    typed_back = derive(request_for(simplify.derivative), "x")[3]
    assert same(typed_back.subs(sp.Symbol("x", real=True), x), sp.diff(f, x))


def test_absolute_value_is_shown_as_abs():
    result = CliRunner().invoke(cli, ["diff", "|x|*sin(x)", "--steps", "--plain"])
    assert result.exit_code == 0, result.output
    assert "Abs(" not in result.output
    assert "d/dx abs(x) = sign(x)" in result.output
    assert "answer: d/dx abs(x)*sin(x) = sin(x)*sign(x) + cos(x)*abs(x)" in result.output


def test_inverse_hyperbolic_steps_in_the_terminal():
    result = CliRunner().invoke(cli, ["diff", "arcsinh(x^2)", "--steps", "--plain"])
    assert result.exit_code == 0, result.output
    assert "Inverse hyperbolic rule: d/du asinh(u) = 1/sqrt(u**2 + 1)" in result.output
    assert "answer: d/dx asinh(x**2) = 2*x/sqrt(x**4 + 1)" in result.output


@pytest.mark.parametrize(
    "text, at, expected",
    [
        ("arcsinh(x)", "0.75", 0.8),  # 1/sqrt(1 + 0.5625) = 1/1.25
        ("asinh(x)", "0.75", 0.8),
        ("arccosh(x)", "1.25", 1 / 0.75),  # 1/sqrt(1.5625 - 1)
        ("acosh(x)", "1.25", 1 / 0.75),
        ("arctanh(x)", "0.5", 4 / 3),  # 1/(1 - 0.25)
        ("atanh(x)", "0.5", 4 / 3),
    ],
)
def test_inverse_hyperbolic_functions_are_in_the_language(text, at, expected):
    result = CliRunner().invoke(cli, ["grad", text, "--x", at, "--plain"])
    assert result.exit_code == 0, result.output
    assert float(result.stdout) == pytest.approx(expected, rel=1e-12)
