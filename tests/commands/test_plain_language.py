"""`diff --plain` answers in gradcli's own language, whatever form the derivative takes
(Piecewise with or/and conditions, Heaviside, max/min, sign, inf): its output pastes back into
`check --expect` and is judged right, for every primitive of the registry with a sympy form."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.engine.primitives import REGISTRY

# The primitives `diff "f(x)"` has no formula for, and why: diff differentiates a formula of
# numbers, and these take a list, a matrix, a shape or an axis, or belong to the tape only.
NO_FORMULA = {
    "stop_gradient": "a tape operation",
    "softmax": "needs an axis",
    "log_softmax": "needs an axis",
    "einsum": "takes a list",
    "concat": "takes a list",
    "stack": "takes a list",
    "reshape": "needs a shape",
    "expand_dims": "needs an axis",
    "broadcast_to": "needs a shape",
    "matmul": "multiplies matrices",
    "solve": "solves a matrix equation",
}
WITH_FORM = sorted(name for name, op in REGISTRY.items() if op.public and op.sympy is not None)


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def call(name: str) -> str:
    """f(x, c, ...): x first, each further input a constant inside the registry's domain."""
    op = REGISTRY[name]
    if name == "where":
        return "where(x > 0.6, x**2, -x)"
    constants = []
    for index in range(1, op.arity):
        lo, hi = op.domain[index] if index < len(op.domain) else (-3.0, 3.0)
        constants.append(f"{lo + 0.6 * (hi - lo):g}")
    return f"{name}({', '.join(['x', *constants])})"


def assert_pastes_back(expr: str) -> None:
    result = gradcli("diff", expr, "--plain")
    assert result.exit_code == 0, result.stderr
    answer = result.stdout.splitlines()[0]
    assert "Piecewise" not in answer and "Heaviside" not in answer, answer
    check = gradcli("check", expr, "--expect", answer)
    assert check.exit_code == 0 and check.stdout.startswith("right"), (answer, check.output)


@pytest.mark.parametrize("name", [n for n in WITH_FORM if n not in NO_FORMULA])
def test_every_primitives_derivative_pastes_back_as_an_answer(name):
    assert_pastes_back(call(name))


@pytest.mark.parametrize("name", sorted(NO_FORMULA))
def test_the_primitives_without_a_formula_are_refused_not_printed(name):
    assert name in WITH_FORM  # the list names primitives that exist
    assert gradcli("diff", call(name), "--plain").exit_code == 2


@pytest.mark.parametrize(
    "expr",
    [
        "clip(x, -1, 1)",  # Piecewise((0, (x > 1) | (x < -1)), (1, True))
        "clip(x**2, 0.5, 1)",
        "clip(x, 0, 1)**2",
        "maximum(abs(x), 1)",  # sign inside a where
        "where(x > 1, x, 0) * clip(x, 0, 2)",
        "maximum(x, 0)*abs(x)",
        "clip(x, 0, inf) + maximum(x**2, 1)",
    ],
)
def test_piecewise_forms_paste_back(expr):
    assert_pastes_back(expr)


def test_or_conditions_become_nested_where():
    result = gradcli("diff", "clip(x, -1, 1)", "--plain")
    assert result.stdout.splitlines()[0] == "where(x > 1, 0, where(x < -1, 0, 1))"


def test_a_condition_that_is_a_value_prints_as_itself():
    # where(c, ...) of a value c: its Piecewise condition is an atom (not a comparison), which
    # once sent the printer into endless recursion ("sympy failed: RecursionError")
    done = gradcli("diff", "where(y, x**2, x)", "--wrt", "x", "--plain")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "where(y, 2*x, 1)"
    checked = gradcli("check", "where(y, x**2, x)", "--expect", "where(y, 2*x, 1)", "--wrt", "x")
    assert checked.exit_code == 0 and checked.output.startswith("right"), checked.output


def test_the_catalogue_writes_rules_in_the_language():
    # gradcli functions (and the README's table) show each rule as diff --plain would
    done = gradcli("functions", "--plain")
    assert done.exit_code == 0
    for sympy_only in ("Piecewise", "Abs(", "Heaviside", "DiracDelta"):
        assert sympy_only not in done.output
    assert "relu(x) -> where(x > 0, 1, 0)" in done.output
