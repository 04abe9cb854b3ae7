"""Issue 12: the notation students type, and the max/min trap, through the command line.

Each spelling is accepted with the right number (and sympy's check agrees), or refused with exit
2 and the fix in the message."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def plain(*args) -> str:
    result = gradcli(*args, "--plain")
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.strip()


def refused(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.stderr


# ---------------------------------------------------------------- the max/min trap


def test_max_of_x_and_0_is_the_larger_of_the_two():
    assert plain("grad", "max(x, 0)", "--x", "-2") == "0.0"
    assert plain("grad", "max(x, 0)", "--x", "2") == "1.0"
    assert plain("grad", "min(x, 0)", "--x", "-2") == "1.0"
    assert plain("grad", "max(x, 0, 2*x)", "--x", "3") == "2.0"  # several values fold
    assert plain("grad", "min(x, 1, x**2)", "--x", "0.5") == "1.0"  # min(0.5, 1, 0.25): x**2


def test_max_of_several_values_is_checked_by_sympy_and_agrees():
    result = gradcli("grad", "max(x, 0)", "--x", "-2")
    assert result.exit_code == 0
    assert "Target: max(x, 0) = 0.0" in result.stdout
    assert "all gradients agree with sympy" in result.stdout


@pytest.mark.parametrize(
    "program",
    ["max(x)", "max(x, axis=0)", "np.max(x, 0)", "np.amax(x, 0)", "tf.reduce_max(x, 0)",
     "reduce_max(x, 0)", "tf.math.reduce_max(x, axis=0)"],
)  # fmt: skip
def test_the_reductions_keep_their_meaning(program):
    assert plain("grad", program, "--x", "[1, 3, 2]") == "[0.0,1.0,0.0]"


def test_min_reduction_with_a_library_spelling_takes_a_positional_axis():
    assert plain("grad", "sum(np.min(x, 1))", "--x", "[[1, 3], [4, 2]]") == (
        "[[1.0,0.0],[0.0,1.0]]"
    )


@pytest.mark.parametrize(
    ("program", "value", "message"),
    [
        ("max(x, axis=3)", "[1, 2]", "axis 3 is out of range for an input of 1 dimension"),
        ("np.max(x, 1)", "[1, 2]", "axis 1 is out of range for an input of 1 dimension"),
        ("tf.reduce_min(x, -3)", "[[1, 2]]", "axis -3 is out of range"),
        ("max(x, axis=0)", "2", "axis 0 is out of range for an input of 0 dimensions"),
        ("max(x, axis='0')", "[1, 2]", "axis is a whole number or a tuple of them, not '0'"),
        ("max(x, axis=0.5)", "[1, 2]", "axis is a whole number or a tuple of them, not 0.5"),
        ("max(x, 0, keepdims=True)", "1", "max(a, b, ...) with several values is the"),
    ],
)
def test_a_bad_axis_is_an_error_with_a_caret(program, value, message):
    stderr = refused("grad", program, "--x", value)
    assert message in stderr
    assert stderr.rstrip().endswith("^")


def test_elementwise_max_works_where_a_program_must_be_elementwise():
    result = gradcli("grad", "max(x, 0)", "--x", "linspace(-1, 1, 3)", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == ["-1.0,0.0,0.0", "0.0,0.0,1.0", "1.0,1.0,1.0"]


# ---------------------------------------------------------------- notation


def sec(x):
    return 1 / math.cos(x)


NOTATION = [
    # (program, x, the derivative at x)
    ("x^2", 3.0, 6.0),
    ("x^-1", 2.0, -0.25),
    ("2x", 5.0, 2.0),
    ("3(x+1)", 5.0, 3.0),
    ("2pi*x", 1.0, 2 * math.pi),
    ("2π*x", 1.0, 2 * math.pi),
    ("π*x", 1.0, math.pi),
    ("x²", 3.0, 6.0),
    ("x³", 2.0, 12.0),
    ("x⁻¹", 2.0, -0.25),
    ("2x²", 3.0, 12.0),
    ("x·x", 3.0, 6.0),
    ("x×x", 3.0, 6.0),
    ("x÷2", 3.0, 0.5),
    ("x − 1", 3.0, 1.0),
    ("|x|", -2.0, -1.0),
    ("||x| - 1|", 0.5, -1.0),
    ("2|x - 3|", 1.0, -2.0),
    ("e^x", 1.0, math.e),
    ("e**x", 1.0, math.e),
    ("ln(x)", 2.0, 0.5),
    ("log10(x)", 10.0, 1 / (10 * math.log(10))),
    ("log2(x)", 2.0, 1 / (2 * math.log(2))),
    ("log(x, 2)", 2.0, 1 / (2 * math.log(2))),
    ("math.log(x, 10)", 10.0, 1 / (10 * math.log(10))),
    ("sec(x)", 0.5, sec(0.5) * math.tan(0.5)),
    ("csc(x)", 0.5, -1 / math.sin(0.5) / math.tan(0.5)),
    ("cot(x)", 0.5, -1 / math.sin(0.5) ** 2),
    ("arcsec(x)", 2.0, 1 / (2 * math.sqrt(3))),
    ("asec(x)", -2.0, 1 / (2 * math.sqrt(3))),
    ("arccsc(x)", 2.0, -1 / (2 * math.sqrt(3))),
    ("acsc(x)", 2.0, -1 / (2 * math.sqrt(3))),
    ("arccot(x)", 2.0, -1 / 5),
    ("acot(x)", -2.0, -1 / 5),
]


@pytest.mark.parametrize(("program", "x", "expected"), NOTATION, ids=[n[0] for n in NOTATION])
def test_notation_is_accepted_with_the_right_derivative(program, x, expected):
    assert float(plain("grad", program, "--x", repr(x))) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("program", "x", "expected"), NOTATION, ids=[n[0] for n in NOTATION])
def test_notation_is_checked_by_sympy_like_every_other_spelling(program, x, expected):
    result = gradcli("grad", program, "--x", repr(x))
    assert result.exit_code == 0, result.stderr
    assert "all gradients agree with sympy" in result.stdout


def test_the_issue_s_own_examples():
    assert plain("grad", "x^2", "--x", "3") == "6.0"
    assert plain("grad", "max(x, 0)", "--x", "-2") == "0.0"
    assert plain("grad", "sin(x)", "--x", "pi/6") == "0.8660254037844387"
    result = gradcli("diff", "ln(x)*x")
    assert result.exit_code == 0 and "= log(x) + 1" in result.stdout


def test_euler_s_number_reaches_sympy_by_name():
    result = gradcli("grad", "e**x + pi*x", "--x", "1")
    assert result.exit_code == 0
    assert "exp(x) + pi" in result.stdout and "2.718281828" not in result.stdout
    result = gradcli("grad", "x^e + e*x", "--x", "2")
    assert result.exit_code == 0 and "e*(x + x**e)/x" in result.stdout


def test_diff_reads_the_notation():
    result = gradcli("diff", "x^2 + 2x + |x|")
    assert result.exit_code == 0 and "= 2*x + sign(x) + 2" in result.stdout
    result = gradcli("check", "x^2", "--expect", "2x")
    assert result.exit_code == 0 and result.stdout.startswith("right")


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("2 x", "to multiply, write 2*x or 2x (no space)"),
        ("3 (x+1)", "to multiply, write 3*(...) or 3(...) with no space"),
        ("1e-x", "an exponent needs digits, as in 1e-3 (for times e: 1*e)"),
        ("|x", "'|' was never closed"),
        ("x | 1", "'|' stands only around a value, as in |x| for abs(x)"),
        ("2 |x|", "to multiply by |...|, write 2*|...| or 2|...| (no space)"),
    ],
)
def test_notation_that_cannot_be_read_says_how_to_write_it(program, message):
    stderr = refused("grad", program, "--x", "1")
    assert message in stderr and "^" in stderr


# ---------------------------------------------------------------- values and points


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--x", "pi/6"), "0.8660254037844387"),
        (("--at", "x=pi/6"), "0.8660254037844387"),
        (("--x", "30*pi/180"), "0.8660254037844387"),
        (("--x", "π/6"), "0.8660254037844387"),
        (("--x", "2pi"), "1.0"),
        (("--x", "-pi"), "-1.0"),
        (("--x", "sqrt(2)/2"), repr(math.cos(math.sqrt(2) / 2))),
        (("--x", "1e-3"), repr(math.cos(1e-3))),
        (("--x", "[pi, 2*pi]"), "[-1.0,1.0]"),
    ],
)
def test_a_declared_value_may_be_a_constant_expression(args, expected):
    assert plain("grad", "sin(x)", *args) == expected


def test_a_point_may_be_a_constant_expression_in_the_homework_commands():
    result = gradcli("diff", "sin(x)", "--at", "x=pi/3")
    assert result.exit_code == 0 and "at x = 1.047197551: 0.5" in result.stdout


def test_grad_takes_at_as_diff_and_check_do():
    assert plain("grad", "x*y", "--at", "x=2", "--at", "y=3") == "3.0\n2.0"
    assert "--at takes NAME=VALUE" in refused("grad", "x", "--at", "3")


@pytest.mark.parametrize(
    ("value", "message", "caret"),
    [
        ("pi/", "expected an expression after '/'", "     ^"),
        ("pie/6", "(did you mean 'pi'?)", "  ^^^"),
        ("sum(3)", "sum() cannot compute a value", "  ^^^^^^"),
        ("sin(1, 2)", "sin(x) takes 1 number(s), got 2", "  ^^^^^^^^^"),
    ],
)
def test_a_value_that_is_not_a_constant_expression_is_an_error_with_a_caret(value, message, caret):
    stderr = refused("grad", "x", "--x", value)
    assert message in stderr
    assert stderr.rstrip("\n").endswith("\n" + caret)


# ---------------------------------------------------------------- messages that teach


@pytest.mark.parametrize(
    ("program", "advice"),
    [
        ("logistic(x)", "write sigmoid(x)"),
        ("expit(x)", "write sigmoid(x)"),
        ("ReLU(x)", "write relu(x) (names are lower case)"),
        ("tf.nn.swish(x)", "write x*sigmoid(x)"),
        ("logsoftmax(x)", "write log_softmax(x)"),
        ("lg(x)", "write log10(x) (or log2(x))"),
        ("cbrt(x)", "write x**(1/3) (for x > 0)"),
        ("softmaxx(x)", "did you mean 'softmax'"),
        ("sigmod(x)", "did you mean 'sigmoid'"),
        ("log100(x)", "did you mean 'log10'"),
    ],
)
def test_names_that_do_not_exist_suggest_what_does(program, advice):
    assert advice in refused("grad", program, "--x", "0.5")


def test_log10_exists_and_is_not_mistaken_for_log1p():
    assert float(plain("grad", "log10(x)", "--x", "1")) == pytest.approx(1 / math.log(10))


def test_an_unquoted_list_says_to_quote_it():
    stderr = refused("grad", "sum(x)", "--x", "[1,", "2]")
    assert 'quote the whole value: --x "[1, 2]"' in stderr
    stderr = refused("diff", "x", "--x", "[1,", "2,", "3]")
    assert '--x "[1, 2, 3]"' in stderr
    stderr = refused("grad", "sum(x)", "--at", "x=[1,", "2]")
    assert "the end of an unquoted list?" in stderr and '--at "x=[1, 2]"' in stderr


def test_a_list_without_brackets_suggests_them():
    assert 'write it in brackets and quote it, "[1, 2]"' in refused("grad", "x", "--x", "1,2")
