"""`gradcli diff` where abs, sign or where switch: the derivative where it exists (never sympy's
DiracDelta), and where it does not, said in every format; the points checked against one-sided
finite differences (the oracle), and the answers pasteable into `gradcli check --expect`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli

H = 1e-6


def gradcli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_abs_is_sign_for_x_not_0_and_has_no_derivative_at_0():
    result = gradcli("diff", "|x|")
    assert result.exit_code == 0
    assert "= sign(x)" in result.stdout
    assert result.stdout.rstrip().endswith(
        "for x != 0: at x = 0 it does not exist (the derivative from the left is -1, "
        "from the right 1)"
    )


def test_the_second_derivative_of_abs_is_0_not_a_delta():
    result = gradcli("diff", "|x|", "--order", "2", "--plain")
    assert result.stdout == "0\n"
    assert result.stderr == (
        "note: for x != 0: at x = 0 it does not exist (the first derivative from the left is "
        "-1, from the right 1)\n"
    )


@pytest.mark.parametrize(
    "expression, order",
    [("|x|", 2), ("sign(x)", 1), ("x*sign(x)", 2), ("abs(x)^3", 4), ("relu(x)", 2)]
    + [("where(x > 0, x**2, 0)", 3), ("abs(x - y)", 2), ("abs(sin(x))", 2)],
)
def test_no_distribution_is_ever_the_answer(expression, order):
    for fmt in ("json", "pretty", "latex"):  # one derivative, each renderer
        result = gradcli("diff", expression, "--order", str(order), "--format", fmt)
        assert result.exit_code == 0
        for word in ("DiracDelta", "Heaviside", "delta", "theta"):
            assert word not in result.output


def test_steps_answer_where_it_exists():
    result = gradcli("diff", "sign(x)", "--steps", "--plain")
    assert result.stdout.splitlines()[-1] == "answer: d/dx sign(x) = 0"
    assert "DiracDelta(u) = 0 where u != 0" in result.stdout


def one_sided(function, at: float) -> tuple[float, float]:
    return (function(at) - function(at - H)) / H, (function(at + H) - function(at)) / H


# (expression, numpy function, the point where the first derivative does not exist)
KINKED = [
    ("|x|", np.abs, 0.0),
    ("abs(x - 1)", lambda x: abs(x - 1), 1.0),
    ("relu(x)", lambda x: max(x, 0.0), 0.0),
    ("maximum(x, 2)", lambda x: max(x, 2.0), 2.0),
    ("abs(x**2 - 4)", lambda x: abs(x**2 - 4), 2.0),
]


@pytest.mark.parametrize("expression, function, at", KINKED, ids=[k[0] for k in KINKED])
def test_the_points_said_are_where_one_sided_differences_differ(expression, function, at):
    document = json.loads(gradcli("diff", expression, "--json").stdout)
    (derivative,) = document["derivatives"]
    left, right = one_sided(function, at)
    assert abs(left - right) > 0.5  # the oracle: a kink there
    said = derivative["not_defined"]
    assert f"at x = {at:g} it does not exist" in said
    assert f"from the left is {left:.0f}, from the right {right:.0f}" in said
    assert f"x != {at:g}" in derivative["defined_for"]
    # and the value there is not defined
    at_point = json.loads(gradcli("diff", expression, "--at", f"x={at}", "--json").stdout)
    assert at_point["derivatives"][0]["value"] is None


@pytest.mark.parametrize(
    "expression, function",
    [("abs(x)^3", lambda x: abs(x) ** 3), ("x*abs(x)", lambda x: x * abs(x))],
)
def test_a_smooth_enough_abs_says_nothing_where_one_sided_differences_agree(expression, function):
    left, right = one_sided(function, 0.0)
    assert abs(left - right) < 1e-4  # the oracle: differentiable at 0
    result = gradcli("diff", expression, "--json")
    assert "not_defined" not in json.loads(result.stdout)["derivatives"][0]


def test_abs_cubed_is_in_its_shortest_textbook_form_and_checks_right():
    assert gradcli("diff", "abs(x)^3", "--plain").stdout == "3*x*abs(x)\n"
    assert gradcli("diff", "abs(x)^3", "--order", "2", "--plain").stdout == "6*abs(x)\n"
    third = gradcli("diff", "abs(x)^3", "--order", "3", "--plain")
    assert third.stdout == "6*sign(x)\n" and "at x = 0 it does not exist" in third.stderr
    assert gradcli("check", "abs(x)^3", "--expect", "3*x*abs(x)").stdout.startswith("right:")


@pytest.mark.parametrize("expression", ["|x|", "sign(x)", "relu(x)", "abs(x - 1)", "x*abs(x)"])
def test_the_answer_pasted_into_check_is_right(expression):
    shown = gradcli("diff", expression, "--plain").stdout.strip()
    result = gradcli("check", expression, "--expect", shown)
    assert result.exit_code == 0 and result.stdout.startswith("right:"), result.output


def test_latex_carries_the_condition_and_plain_stdout_stays_the_formula():
    assert gradcli("diff", "|x|", "--format", "latex").stdout == (
        "\\operatorname{sign}{\\left(x \\right)} \\qquad (x \\neq 0)\n"
    )
    plain = gradcli("diff", "|x|", "--plain")
    assert plain.stdout == "sign(x)\n" and plain.stderr.startswith("note: for x != 0")


def test_partial_derivatives_name_theirs_and_a_switch_not_solved_is_said():
    result = gradcli("diff", "abs(x)*y", "--plain")
    assert result.stdout == "y*sign(x)\nabs(x)\n"
    assert result.stderr == (
        "note: d/dx: for x != 0: at x = 0 it does not exist (the derivative from the left is "
        "-y, from the right y)\n"
    )
    unsolved = gradcli("diff", "abs(sin(x))", "--json")
    derivative = json.loads(unsolved.stdout)["derivatives"][0]
    assert derivative["not_defined"] == "where sin(x) = 0 it may not exist (not checked)"


def test_a_jump_is_said_and_a_smooth_program_says_nothing():
    result = gradcli("diff", "where(x > 0, 1, 0)")
    assert "the function jumps: from the left 0, from the right 1" in result.stdout
    for expression in ("x**2", "sin(x)*y", "elu(x)"):  # elu's first derivative exists at 0
        assert gradcli("diff", expression, "--plain").stderr == ""


def test_a_one_sided_derivative_is_written_as_the_answer_is():
    # a sympy Float in the note once printed as 0.300000000000000 beside the answer's 0.3
    done = gradcli("diff", "leaky_relu(x, 0.3)")
    assert done.exit_code == 0, done.output
    assert "from the left is 0.3, from the right 1" in done.output
    assert "0.30000" not in done.output
