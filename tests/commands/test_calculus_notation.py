"""`tangent`, `taylor` and `critical` with issue 12's notation: a point typed as a constant
expression (`--at x=pi/4`), lines with Euler's number as a student writes it (`-x/e + e + 1/e`,
typed back into gradcli), and `critical --format latex`.
"""

from __future__ import annotations

import json
import math

import pytest
import sympy as sp
from click.testing import CliRunner

from gradcli.commands.group import cli

x = sp.Symbol("x", real=True)


def ok(*args) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


def value_at(expression: str, point: float) -> float:
    """gradcli's own value of a line's right-hand side: the text typed back into gradcli."""
    document = json.loads(ok("grad", f"{expression} + 0*x", "--x", repr(point), "--json"))
    return document["results"][0]["value"]


def test_the_normal_line_of_exp_at_1_is_tidy_and_types_back():
    tangent, normal = ok("tangent", "exp(x)", "--at", "x=1", "--plain").splitlines()
    assert (tangent, normal) == ("y = e*x", "y = -x/e + e + 1/e")
    for point in (-1.0, 0.5, 2.0):  # the normal through (1, e) with slope -1/e
        assert value_at(normal[4:], point) == pytest.approx(math.e - (point - 1) / math.e)
        assert value_at(tangent[4:], point) == pytest.approx(math.e * point)
    latex = ok("tangent", "exp(x)", "--at", "x=1", "--format", "latex")
    assert latex == "y = e x\ny = - \\frac{x}{e} + e + \\frac{1}{e}\n"


def test_exp_of_a_number_in_a_line_is_a_power_of_e():
    document = ok("tangent", "exp(2x)", "--at", "x=0.5", "--plain")
    assert document == "y = 2*e*x\ny = -x/(2*e) + e + 1/(4*e)\n"


@pytest.mark.parametrize("command", ["tangent", "taylor"])
def test_a_point_typed_as_a_constant_expression_is_exact(command):
    out = ok(command, "sin(x)", "--at", "x=pi/4")
    assert "x = pi/4 = 0.7853981634" in out
    if command == "tangent":
        assert "f(pi/4)  = sqrt(2)/2 = 0.7071067812" in out
        assert "tangent:  y = sqrt(2)*x/2 - sqrt(2)*pi/8 + sqrt(2)/2" in out
    else:
        assert "P(x) = sqrt(2)/2 + sqrt(2)*(x - pi/4)/2" in out


@pytest.mark.parametrize("point", ["2", "0.5", "-3"])
def test_a_plain_number_point_is_shown_as_typed(point):
    out = ok("tangent", "x^2", "--at", f"x={point}")
    assert out.splitlines()[0] == f"f(x) = x^2   at x = {point}"


def test_critical_latex_is_a_tabular_with_exact_values():
    latex = ok("critical", "x^3 - x", "--x", "-3:3", "--format", "latex")
    assert latex.splitlines() == [
        r"\begin{tabular}{lrrr}",
        r"kind & $x$ & $f$ & $f''$ \\",
        r"\hline",
        r"maximum & $- \frac{\sqrt{3}}{3}$ & $\frac{2 \sqrt{3}}{9}$ & $-3.464101615$ \\",
        r"minimum & $\frac{\sqrt{3}}{3}$ & $- \frac{2 \sqrt{3}}{9}$ & $3.464101615$ \\",
        r"\end{tabular}",
    ]
    # the exact entries are sympy's LaTeX of the true critical points: 3x^2 - 1 = 0
    root = sp.sqrt(3) / 3
    assert sp.latex(root) in latex and sp.latex(root**3 - root) in latex


def test_critical_latex_with_two_inputs_and_none_found():
    latex = ok("critical", "x^2 - y^2", "--x", "-1:1", "--y", "-1:1", "--format", "latex")
    assert r"kind & $x$ & $y$ & $f$ & $\det H$ \\" in latex
    assert r"saddle & $0$ & $0$ & $0$ & $-4$ \\" in latex
    none = ok("critical", "exp(x)", "--x", "-3:3", "--format", "latex")
    assert r"\multicolumn{4}{l}{no critical points in the range} \\" in none


def test_critical_latex_writes_tiny_numbers_with_powers_of_ten():
    himmelblau = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    latex = ok("critical", himmelblau, "--x", "-5:5", "--y", "-5:5", "--format", "latex")
    rows = [line for line in latex.splitlines() if line.startswith(("minimum", "maximum"))]
    assert len(rows) == 5  # four minima and the local maximum
    assert "e-" not in latex and "e+" not in latex


@pytest.mark.parametrize(
    "expression, at, expected",
    [
        ("sqrt(x)", "1", "1 + (x - 1)/2 - (x - 1)**2/8"),  # was x - 1/2: a wrong polynomial
        ("exp(x)", "-1", "1/e + (x + 1)/e + (x + 1)**2/(2*e)"),
        ("exp(x)", "1", "e + e*(x - 1) + e*(x - 1)**2/2"),
    ],
)
def test_taylor_text_is_the_polynomial_when_typed_back(expression, at, expected):
    text = ok("taylor", expression, "--at", f"x={at}", "--order", "2", "--plain").strip()
    assert text == expected
    f = sp.sympify(expression, locals={"x": x})
    series = sp.series(f, x, int(at), 3).removeO()
    assert sp.simplify(sp.sympify(text, locals={"x": x, "e": sp.E}) - series) == 0
    for point in (-0.5, 0.25, 2.0):  # and gradcli reads it as the same polynomial
        assert value_at(text, point) == pytest.approx(float(series.subs(x, point)), rel=1e-12)
