"""The symengine fast path (`symbolic.fast`): where it answers, its answer is sympy's.

The oracle is gradcli itself with the fast path turned off: every command below must write the
same output, byte for byte, with and without it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.symbolic import fast, workers


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def without_fast_path(monkeypatch, *args: str) -> tuple[int, str]:
    with monkeypatch.context() as patch:
        patch.setattr(fast, "gradients", lambda *a: {})
        patch.setattr(fast, "comparison", lambda *a: None)
        return run(*args)


COMMANDS = [
    ("check", "x**2", "--expect", "2*x"),
    ("check", "x**3 - 2*x", "--expect", "3*x**2 - 2"),
    ("check", "sin(x)", "--expect", "cos(x)"),
    ("check", "exp(x)*2", "--expect", "2*exp(x)"),
    ("check", "x**2", "--expect", "2*x + 1"),  # wrong: sympy's
    ("check", "x**2*y", "--expect", "2*x*y", "--wrt", "x"),
    ("check", "x**2", "--expect", "2*x", "--json"),
    ("check", "0.5*x**2", "--expect", "x"),  # not an integer literal: sympy's
    ("grad", "x**2", "--x", "3"),
    ("grad", "sin(x) + x**3", "--x", "0.5", "--json", "--check"),
    ("grad", "sum(x**2)", "--x", "[1, 2, 3]"),
    ("grad", "mean(exp(w @ x))", "--x", "[1, 2]", "--w", "[[0.5, 1], [2, 3]]", "--json", "--check"),
    ("tape", "x**2", "--x", "3"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_the_fast_path_writes_what_sympy_would(monkeypatch, args):
    monkeypatch.setattr(workers, "ISOLATION", "thread")  # monkeypatches reach the worker
    assert run(*args) == without_fast_path(monkeypatch, *args)


def test_the_fast_path_answers_the_everyday_commands(monkeypatch):
    asked = []
    for name in ("gradients", "comparison"):
        original = getattr(fast, name)

        def spy(*args, original=original, name=name):
            found = original(*args)
            asked.append((name, bool(found)))
            return found

        monkeypatch.setattr(fast, name, spy)
    run("grad", "x**2", "--x", "3")
    run("check", "x**2", "--expect", "2*x")
    run("check", "x**2", "--expect", "2*x + 1")
    assert asked == [("gradients", True), ("comparison", True), ("comparison", False)]
