"""`check` says why no point compares when a part of EXPR or ANSWER is not a real number
(arccos(2)): the NotRealError with its caret that `diff` gives, not "found no point"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("expr", "answer", "said", "caret_line"),
    [
        ("maximum(x, arccos(2))", "1", "arccos(2) is not a real number", "  maximum(x, arccos(2))"),
        ("x + sqrt(-1 - x**2)", "1", "sqrt(-1 - x**2) is not a real number", "  x + sqrt("),
        ("x**2", "arccos(2)*x", "arccos(2) is not a real number", "  arccos(2)*x"),
    ],
)
def test_a_part_that_is_not_real_is_said_with_a_caret(expr, answer, said, caret_line):
    result = gradcli("check", expr, "--expect", answer)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("not real (column ") and said in lines[0], result.stderr
    assert lines[1].startswith(caret_line) and "^" in lines[2], result.stderr
    assert "found no point" not in result.stderr
    diff = gradcli("diff", expr) if answer == "1" else None
    if diff is not None:  # the same message diff gives
        assert diff.exit_code == 2 and diff.stderr.splitlines()[0] == lines[0]


def test_a_part_not_real_in_a_branch_never_taken_everywhere_still_compares():
    result = gradcli("check", "where(x > 0, x, sqrt(-1))", "--expect", "1")
    assert result.exit_code == 0 and result.stdout.startswith("right"), result.output
