"""The differences from TensorFlow (issue 14) as a user meets them on the command line: each
program of the issue with TensorFlow's number (TensorFlow 2.21, float64) beside gradcli's, and the
cross-check agreeing with the answer; einsum and solve in the language."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("program", "x", "ours", "tensorflow"),
    [
        ("where(x > 0, sqrt(x), 0)", "0", "0.0", "0.0"),  # closed: sqrt's zero-safe kernel
        ("maximum(sqrt(x), 1)", "0", "0.0", "0.0"),
        ("expm1(x)", "-40", "4.248354255291589e-18", "4.248354255291589e-18"),  # closed
        ("sqrt(relu(x))", "-1", "0.0", "nan"),  # kept: the exact 0 (README's table)
        ("sigmoid(x)", "40", "4.248354255291589e-18", "0.0"),  # kept: every digit
        ("tanh(x)", "20", "1.6993417021166355e-17", "0.0"),
        ("elu(x)", "-40", "4.248354255291589e-18", "0.0"),
    ],
)
def test_the_issues_programs_print_the_answer_we_chose(program, x, ours, tensorflow):
    result = gradcli("grad", program, "--x", x, "--plain")
    assert (result.exit_code, result.stdout) == (0, ours + "\n"), (
        f"TensorFlow 2.21, float64 prints {tensorflow}"
    )


def test_wrt_an_intermediate_reached_through_ones_like():
    # TensorFlow 2.21, float64: 4.0 (it records ones_like, so y is on the tape)
    result = gradcli("grad", "y = ones_like(x) * 2; z = y*y", "--x", "1", "--wrt", "y", "--plain")
    assert (result.exit_code, result.stdout) == (0, "4.0\n")


def test_clip_with_lo_above_hi_is_lo_and_the_cross_check_agrees():
    # TensorFlow 2.21, float64: value 2.0 (lo), gradients x 0, lo 1, hi 0
    args = ("grad", "clip(x, lo, hi)", "--x", "0", "--lo", "2", "--hi", "1")
    result = gradcli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    (target,) = json.loads(result.stdout)["results"]
    assert target["value"] == 2.0
    assert target["gradients"] == {"x": 0.0, "lo": 1.0, "hi": 0.0}
    table = gradcli(*args)
    assert table.exit_code == 0 and "all gradients agree with sympy" in table.stdout


@pytest.mark.parametrize(
    "program",
    [
        'sum(einsum("ij,jk->ik", a, b))',
        'einsum("ii->", a @ a)',
        'sum(einsum("ij->j", a) ** 2)',
        "sum(solve(a, b) ** 2)",
        "sum(tf.linalg.solve(a, b))",
    ],
)
def test_einsum_and_solve_in_the_language_agree_with_sympy(program):
    result = gradcli("grad", program, "--a", "[[3, 1], [1, 2]]", "--b", "[[1], [3]]")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "all gradients agree with sympy" in result.stdout


def test_einsum_with_too_few_tensors_is_a_clear_error():
    result = gradcli("grad", 'einsum("ij,jk->ik", a)', "--a", "[[1, 2], [3, 4]]")
    assert result.exit_code == 2
    assert "names 2 operand(s), but 1 tensor(s) were given" in result.stderr
    assert "Traceback" not in result.stderr
