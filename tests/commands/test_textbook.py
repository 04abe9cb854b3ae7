"""Answers in textbook form (issue 12): the derivative `diff`, `check` and grad's cross-check
show is written as a textbook would (e, not E; abs, not Abs; exact fractions; a common factor
taken out where shorter) and in gradcli's own language, so that pasted back as `check --expect`
it is checked right. And `functions --plain --labels`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def plain_derivative(expression: str) -> str:
    result = gradcli("diff", expression, "--plain")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


TEXTBOOK = [
    ("x^e", "e*x**(e - 1)"),  # was E*x**E/x
    ("x/3", "1/3"),
    ("x*e^2", "e**2"),  # was exp(2)
    ("x*e^x", "(x + 1)*exp(x)"),  # was x*exp(x) + exp(x)
    ("x*exp(-x^2)", "(1 - 2*x**2)*exp(-x**2)"),
    ("x^2*sin(x)", "x**2*cos(x) + 2*x*sin(x)"),  # a factor x alone is not taken out
    ("abs(x)^3", "3*x*abs(x)"),  # was x**2*sign(x) + 2*x*abs(x); before that ... Abs(x)
    ("x^2/3 + x/3", "2*x/3 + 1/3"),
]


@pytest.mark.parametrize("expression, shown", TEXTBOOK, ids=[e for e, _ in TEXTBOOK])
def test_diff_writes_the_derivative_as_a_textbook_does(expression, shown):
    assert plain_derivative(expression) == shown


@pytest.mark.parametrize(
    "expression",
    ["x^e", "x*e^x", "x*e^2", "abs(x)^3", "max(x, 1)*x", "e^(x^2)/x", "x/3 + x^pi", "abs(sin(x))"],
)
def test_what_diff_prints_is_checked_right_when_pasted_back_as_the_answer(expression):
    shown = plain_derivative(expression)
    assert "E" not in shown and "Abs" not in shown and "Max" not in shown
    result = gradcli("check", expression, "--expect", shown)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("right:")


def test_diff_json_carries_the_textbook_form():
    result = gradcli("diff", "x^e", "--json")
    derivative = json.loads(result.stdout)["derivatives"][0]
    assert derivative["derivative"] == "e*x**(e - 1)"
    assert derivative["latex"] == "e x^{e - 1}"


def test_check_shows_the_derivative_in_textbook_form_in_text_and_json():
    result = gradcli("check", "x^e", "--expect", "e*x^(e-1)")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "  the derivative is  e*x**(e - 1)"
    document = json.loads(gradcli("check", "abs(x)^3", "--expect", "3*x*abs(x)", "--json").stdout)
    assert document["verdict"] == "right"
    assert "abs(x)" in document["derivative"] and "Abs" not in document["derivative"]


def test_a_wrong_answer_names_the_difference_in_gradclis_language():
    result = gradcli("check", "x^e", "--expect", "x^(e-1)")
    assert result.exit_code == 1
    assert "E" not in result.stdout


def test_the_steps_answer_is_diffs_and_abs_is_written_abs():
    result = gradcli("diff", "abs(x^2 - 1)", "--steps", "--plain")
    assert result.stdout.splitlines()[0] == "d/dx abs(x**2 - 1)"
    assert "Abs(" not in result.stdout
    last = gradcli("diff", "x*e^x", "--steps", "--plain").stdout.splitlines()[-1]
    assert last == "answer: d/dx x*e**x = (x + 1)*exp(x)"


def test_grads_cross_check_shows_exact_fractions_where_the_input_was_exact():
    def shown(expression: str) -> str:
        result = gradcli("grad", expression, "--x", "2", "--check", "--json")
        return json.loads(result.stdout)["results"][0]["check"]["x"]["expression"]

    assert shown("x/3") == "1/3"
    assert shown("0.5*x^3") == "3*x**2/2"
    # a number that is no small fraction (an inexact input) stays a decimal
    assert shown("0.1234567891*x^2").startswith("0.246913578")


def test_functions_plain_labels_start_each_line_with_the_name():
    plain = gradcli("functions", "--plain").stdout.splitlines()
    labelled = gradcli("functions", "--plain", "--labels").stdout.splitlines()
    assert len(labelled) == len(plain)
    assert "sin: sin(x) -> cos(x)" in labelled
    for line, bare in zip(labelled, plain):
        name, rest = line.split(": ", 1)
        assert rest == bare and bare.startswith(name + "(")


def test_functions_labels_without_plain_is_refused():
    result = gradcli("functions", "--labels")
    assert result.exit_code == 2
    assert "--labels is for --plain" in result.stderr
