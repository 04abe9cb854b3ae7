"""The language's constants (pi, e, inf, nan, in every namespace) are constants in every command
that finds a formula's inputs (diff, check, tangent, taylor, critical): never an input to
differentiate by, and inf/nan are values, never names to declare."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.language.names import CONSTANTS


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def output(result) -> str:
    return result.stdout + result.stderr


NOT_FINITE = "is not a finite real number"


def test_the_language_knows_inf_and_nan_in_every_namespace():
    for base in ("pi", "e", "inf", "nan"):
        for prefix in ("", "np.", "math.", "numpy."):
            assert prefix + base in CONSTANTS


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_diff_never_differentiates_by_a_constant(name):
    result = gradcli("diff", f"x + {name}")
    text = output(result)
    assert f"d{name}" not in text
    if name.rpartition(".")[2] in ("inf", "nan"):  # x + inf: infinite (or nan) for every x
        assert result.exit_code == 2 and NOT_FINITE in text, text
    else:
        assert result.exit_code == 0 and "= 1" in text, text


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_check_tangent_and_taylor_see_one_input(name):
    for args in (
        ("check", f"x + {name}", "--expect", "1"),
        ("tangent", f"x + {name}", "--x", "1"),
        ("taylor", f"x + {name}", "--x", "1"),
    ):
        text = output(gradcli(*args))
        assert "--wrt" not in text and "one input" not in text, (args, text)
        assert f"inputs x, {name}" not in text, (args, text)
    if name.rpartition(".")[2] in ("pi", "e"):
        assert "right" in output(gradcli("check", f"x + {name}", "--expect", "1"))


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_critical_samples_only_the_inputs(name):
    text = output(gradcli("critical", f"x**2 + {name}"))
    assert f"{name} in [" not in text and f"f(x, {name})" not in text, text


def test_an_infinity_of_constants_alone_stays_a_value():
    result = gradcli("diff", "maximum(x, -inf)")
    assert result.exit_code == 0 and "= 1" in result.stdout, output(result)
    result = gradcli("grad", "clip(x, 0, inf)", "--x", "2", "--plain")
    assert result.exit_code == 0 and result.stdout.split() == ["1.0"], output(result)
