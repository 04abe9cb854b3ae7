"""`gradcli diff --steps` of log(x, b): one "Logarithm rule, base b" step as written (not a
constant multiple of log(x)/log(b)), through the chain rule for log(f, b); a base that varies is
the quotient rule; the answer is sympy's derivative (the oracle) whatever the base."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from gradcli.commands.group import cli


def steps(expression: str, *args: str) -> dict:
    result = CliRunner().invoke(
        cli, ["diff", expression, "--steps", "--json", *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["derivations"][0]


def rules(step: dict) -> list[str]:
    return [step["rule"]] + [rule for sub in step["substeps"] for rule in rules(sub)]


def test_log_base_2_is_one_step_as_written():
    first = steps("log(x, 2)")["steps"][0]
    assert first["rule"] == "logarithm_base" and first["title"] == "Logarithm rule, base b"
    assert first["statement"] == "d/dx log(x, 2) = 1/(x*log(2))"
    assert first["expression_latex"] == "\\log_{2}{\\left(x \\right)}"
    assert first["notes"] == ["log(x, 2) = ln(x)/ln(2)"]


X, B = sp.symbols("x b", positive=True)


@pytest.mark.parametrize(
    "expression, expected, wrt, rule",
    [
        ("log(x, 2)", sp.log(X, 2), "x", "logarithm_base"),
        ("log(x**2, 3)", sp.log(X**2, 3), "x", "logarithm_base"),
        ("ln(sin(x), 10)", sp.log(sp.sin(X), 10), "x", "logarithm_base"),
        ("x*log(x, 2)", X * sp.log(X, 2), "x", "logarithm_base"),
        ("log(x, b)", sp.log(X, B), "x", "logarithm_base"),
        ("log(2, x)", sp.log(2, X), "x", "quotient"),
        ("log(x, b)", sp.log(X, B), "b", "quotient"),
    ],
)
def test_the_answer_is_sympys_derivative(expression, expected, wrt, rule):
    derivation = steps(expression, "--wrt", wrt)
    symbol = {"x": X, "b": B}[wrt]
    answer = sp.sympify(derivation["answer"], locals={"x": X, "b": B})
    assert sp.simplify(answer - sp.diff(expected, symbol)) == 0  # the oracle
    found = rules(derivation["steps"][0])
    assert rule in found and "constant_multiple" not in found


def test_a_base_that_varies_is_the_quotient_of_two_logarithms():
    assert steps("log(2, x)")["steps"][0]["rule"] == "quotient"
