"""Bad input on the command line, class by class: each once ended in an internal error (exit 3), a
hang, or a misleading message. Now each is exit 2 and one paragraph that says what is wrong. The
fuzz test (`test_fuzz.py`) hunts for more; what it found is here too."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.language.limits import MAX_BUDGET_SECONDS, MAX_ORDER, MAX_PLOT_HEIGHT, MAX_PLOT_WIDTH


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def refused(*args) -> str:
    """stderr of a command that must refuse its input: exit 2, one paragraph, no traceback."""
    result = gradcli(*args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "\n\n" not in result.stderr.strip()
    return result.stderr


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "program",
    [
        *(f"{f}(x, axis={a})" for f in ("sum", "mean", "max", "prod", "squeeze")
          for a in ("0.5", "True", "relu", "'0'")),
        *(f"{f}([x, x], axis={a})" for f in ("concat", "stack") for a in ("0.5", "True", "relu")),
        "reshape(x, 2.5)", "reshape(x, relu)", "transpose(x, perm=1.5)", "expand_dims(x, 0.5)",
        "broadcast_to(x, 2.5)", "leaky_relu(x, alpha=relu)", "sum(x, keepdims=relu)",
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["grad", "tape", "jacobian"])
def test_a_static_argument_of_the_wrong_kind_is_bad_arguments(command, program):
    assert "bad arguments" in refused(command, program, "--x", "[[1, 2]]")


@pytest.mark.parametrize("command", ["diff", "check"])
def test_the_homework_commands_check_static_arguments_too(command):
    extra = ["--expect", "1"] if command == "check" else []
    stderr = refused(command, "sum(x, axis=0.5)", *extra)
    assert "axis is a whole number or a tuple of them, not 0.5" in stderr
    assert "^^^" in stderr  # the caret is under 0.5


def test_stack_of_nothing_says_it_needs_a_tensor():
    assert "stack(values, axis=0): needs at least one tensor" in refused("grad", "stack([])")


def test_booleans_in_arithmetic_are_bad_arguments_found_by_the_fuzz_test():
    for program in ("abs(-True)", "sign(True)"):
        assert "does not take True/False" in refused("grad", program)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    "value",
    ["[" * 65 + "1" + "]" * 65, "[" * 33 + "1" + "]" * 33, "zeros((" + "1," * 70 + "))"],
)
def test_a_value_of_too_many_dimensions_is_bad_value(value):
    assert "dimensions" in refused("grad", "sum(x)", "--x", value)


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["--lambda", "3"], "'lambda' is a Python keyword"),
        (["--None", "1"], "'None' is a Python keyword"),
        (["--True", "1"], "'True' is a constant of the language"),
        (["--sum", "1"], "'sum' is a function or constant of the language"),
        (["--pi", "1"], "'pi' is a function or constant of the language"),
        (["--var", "lambda=3"], "'lambda' is a Python keyword"),
        (["--frozen", "sin=3"], "'sin' is a function or constant"),
        (["--const", "1a=3"], "'1a' is not a valid input name"),
    ],
)
def test_a_name_no_program_can_refer_to_is_refused_at_declaration(words, reason):
    assert reason in refused("grad", "1", *words)


def test_the_homework_commands_refuse_such_names_too():
    assert "Python keyword" in refused("diff", "x", "--at", "None=1")


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["grad", "x", "--x", "1", "--seed", "-1"], "--seed takes an integer >= 0"),
        (["check", "x", "--expect", "1", "--seed", "-1"], "--seed"),
        (["check", "x", "--expect", "1", "--budget", "inf"], "--budget takes seconds"),
        (["check", "x", "--expect", "1", "--budget", "nan"], "--budget takes seconds"),
        (["check", "x", "--expect", "1", "--budget", "1e300"], "--budget takes seconds"),
        (["diff", "x", "--budget", "nan"], f"from 0 to {MAX_BUDGET_SECONDS:g}"),
        (["diff", "x", "--budget", "inf"], "--budget takes seconds"),
        (["grad", "x", "--x", "1", "--max-program-chars", "-1"], "--max-program-chars"),
        (["grad", "x", "--x", "1", "--max-elements", "-1"], "--max-elements"),
        (["grad", "x", "--x", "1", "--max-depth", "0"], "--max-depth"),
        (["grad", "x", "--x", "1", "--order", "99999"], f"1<=x<={MAX_ORDER}"),
        (["plot", "x", "--x", "-1:1", "--width", "100000000"], f"30<=x<={MAX_PLOT_WIDTH}"),
        (["plot", "x", "--x", "-1:1", "--height", "100000000"], f"3<=x<={MAX_PLOT_HEIGHT}"),
    ],
)
def test_options_out_of_their_bounds_are_usage_errors(words, message):
    assert message in refused(*words)


def test_the_largest_order_is_still_answered():
    result = gradcli("grad", "x**3", "--x", "2", "--order", str(MAX_ORDER), "--plain")
    assert result.exit_code == 0 and float(result.stdout) == 0.0


# ---------------------------------------------------------------- plot


def test_plot_of_an_unknown_function_says_unknown_function():
    stderr = refused("plot", "nosuch(x)", "--x", "-1:1")
    assert "unknown function 'nosuch'" in stderr and "combines" not in stderr


@pytest.mark.parametrize(
    ("command", "example"),
    [("plot", "gradcli plot"), ("diff", "gradcli diff"), ("check", "gradcli check")],
)
def test_a_missing_expr_shows_an_example_of_the_same_command(command, example):
    extra = ["--expect", "1"] if command == "check" else []
    assert f"missing EXPR: e.g. {example} " in refused(command, *extra)
