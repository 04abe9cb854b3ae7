"""Messages a student meets (issue 12's leftovers): a part of a formula that is not a real number
says so with a caret (never sympy's TypeError), a value that is not a number says so (never
"did you mean 'np.e'" for 'nope'), two operators in a row and a lone superscript say what is
wrong at the caret (not "unpacking"), and π multiplies what directly follows it as a number does
(2πx is 2*pi*x)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.commands.group import cli
from gradcli.language.parser import parse
from gradcli.language.unparse import unparse


def gradcli(*args: str):
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------- not real

# (a constant part, numpy's value of it: the oracle that it is no real number)
NOT_REAL = [
    ("arccos(2)", lambda: np.arccos(2.0)),
    ("arcsin(3)", lambda: np.arcsin(3.0)),
    ("log(-1)", lambda: np.log(-1.0)),
    ("sqrt(-2)", lambda: np.sqrt(-2.0)),
    ("arccosh(0.5)", lambda: np.arccosh(0.5)),
    ("(-1)**0.5", lambda: np.power(-1.0, 0.5)),
]


@pytest.mark.parametrize("part, numpy_value", NOT_REAL, ids=[p for p, _ in NOT_REAL])
def test_a_part_that_is_not_real_is_said_with_a_caret(part, numpy_value):
    with np.errstate(all="ignore"):
        assert np.isnan(numpy_value())  # the oracle: numpy has no real number for it either
    expression = f"maximum(x, {part})"  # a comparison: once sympy's TypeError
    result = gradcli("diff", expression)
    assert result.exit_code == 2
    first, line, caret = result.stderr.splitlines()
    assert first.startswith(f"not real (column 12): {part} is not a real number: ")
    assert line == f"  {expression}" and caret == "  " + " " * 11 + "^" * len(part)
    assert "sympy" not in result.stderr and "TypeError" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "--steps"),
        ("tangent", "--at", "x=1"),
        ("taylor", "--at", "x=1"),
        ("critical",),
    ],
)
def test_every_formula_command_says_it(args):
    result = gradcli(args[0], "maximum(x, arccos(2))", *args[1:])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "not real (column 12): arccos(2) is not a real number: 2 is outside the domain of arccos"
    )


@pytest.mark.parametrize(
    "expression, said",
    [
        ("maximum(x, 1/0)", "1/0 is not a finite real number: it is infinite"),
        ("x*log(0)", "log(0) is not a finite real number: it is infinite"),
        ("clip(x, 0/0, 1)", "0/0 is not a finite real number: it holds nan"),
        ("sqrt(-1 - x**2)", "sqrt(-1 - x**2) is not a real number: not for any real x"),
    ],
)
def test_infinite_nan_and_never_real_parts_too(expression, said):
    result = gradcli("diff", expression)
    assert result.exit_code == 2 and said in result.stderr.splitlines()[0]


def test_real_constants_and_domains_that_depend_on_x_still_work():
    assert gradcli("diff", "x + arccos(1/2)", "--plain").stdout == "1\n"
    assert gradcli("diff", "arccos(x/2)", "--plain").exit_code == 0
    assert gradcli("diff", "sqrt(x - 5)", "--plain").stdout == "1/(2*sqrt(x - 5))\n"


# ---------------------------------------------------------------- values


def test_a_value_that_is_a_word_is_not_a_number_and_suggests_no_np_e():
    result = gradcli("diff", "x*y", "--at", "x=1", "--at", "y=nope")
    assert result.exit_code == 2
    assert "'nope' is not a number" in result.stderr and "np.e" not in result.stderr
    close = gradcli("grad", "x", "--x", "pie")
    assert close.exit_code == 2 and "(did you mean 'pi'?)" in close.stderr


def test_a_value_that_names_another_input_says_so():
    result = gradcli("diff", "x*y", "--at", "x=y", "--at", "y=1")
    assert result.exit_code == 2
    assert result.stderr.startswith("bad value: --at x: 'y' is an input of EXPR, not a number")


# ---------------------------------------------------------------- operators


@pytest.mark.parametrize(
    "expression, message, caret",
    [
        ("x^^2", "'^' cannot follow '^': two operators in a row (a power is x^2 or x**2)", 2),
        ("2^^3", "'^' cannot follow '^': two operators in a row", 2),
        ("x***2", "'*' cannot follow '**': two operators in a row", 3),
        ("x*^2", "'^' cannot follow '*': two operators in a row", 2),
        ("²", "the superscript '²' is a power: write it after its base, as in x²", 0),
        ("x + ³", "the superscript '³' is a power: write it after its base, as in x³", 4),
        ("x^²", "'²' is already a power: write x² or x^2", 2),
        ("^x", "'^' is a power: write it after its base, as in x^2", 0),
    ],
)
def test_misplaced_operators_say_what_is_wrong_at_the_caret(expression, message, caret):
    result = gradcli("grad", expression, "--x", "1")
    assert result.exit_code == 2
    first, _, marks = result.stderr.splitlines()[:3]
    assert message in first and "unpacking" not in first
    assert marks.index("^") - 2 == caret


@pytest.mark.parametrize("expression", ["f(**x)", "sin(*x)", "**x"])
def test_python_unpacking_is_still_named(expression):
    assert "unpacking" in gradcli("grad", expression, "--x", "1").stderr


# ---------------------------------------------------------------- π


@pytest.mark.parametrize(
    "implicit, explicit",
    [
        ("πx", "pi*x"),
        ("2πx", "2*pi*x"),
        ("πr^2", "pi*r**2"),
        ("π(x+1)", "pi*(x+1)"),
        ("ππx", "pi*pi*x"),
        ("πsin(x)", "pi*sin(x)"),
        ("π|x|", "pi*abs(x)"),
        ("sin(2πx)", "sin(2*pi*x)"),
    ],
)
def test_pi_multiplies_what_directly_follows_it(implicit, explicit):
    assert unparse(parse(implicit).statements[0].value) == unparse(
        parse(explicit).statements[0].value
    )
    name = "r" if "r" in explicit else "x"
    ours = gradcli("grad", implicit, f"--{name}", "0.7", "--plain")
    theirs = gradcli("grad", explicit, f"--{name}", "0.7", "--plain")
    assert ours.exit_code == 0 and ours.stdout == theirs.stdout


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    coefficient=st.sampled_from(["", "2", "0.5", "13"]),
    name=st.sampled_from(["x", "rate", "t_1", "sin(x)", "(x - 1)", "π"]),
)
def test_pi_reads_as_a_product_in_every_combination(coefficient, name):
    implicit = f"{coefficient}π{name}"
    explicit = "*".join(p for p in (coefficient, "pi", name.replace("π", "pi")) if p)
    assert unparse(parse(implicit).statements[0].value) == unparse(
        parse(explicit).statements[0].value
    )


@pytest.mark.parametrize(
    "expression, message",
    [
        ("π x", "unexpected name 'x' after π: to multiply, write π*x or πx (no space)"),
        ("xπ", "to multiply by π after a value, write *π (x*π)"),
        ("π2", "unexpected number '2' after an expression"),
    ],
)
def test_what_is_not_a_product_with_pi_is_refused(expression, message):
    result = gradcli("grad", expression, "--x", "1")
    assert result.exit_code == 2 and message in result.stderr
