"""`gradcli tangent` and `gradcli taylor` --json carry the point in exact form ("at_exact"), as
they carry the exact values and coefficients: the point as typed (pi/4, e, 1/10), its LaTeX, and
its float, which is "at"."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli


def document(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "typed, exact, latex, value",
    [
        ("pi/4", "pi/4", "\\frac{\\pi}{4}", math.pi / 4),
        ("e", "e", "e", math.e),
        ("0.1", "1/10", "\\frac{1}{10}", 0.1),
        ("2", "2", "2", 2.0),
    ],
)
@pytest.mark.parametrize("command", ["tangent", "taylor"])
def test_the_point_is_exact_as_the_values_are(command, typed, exact, latex, value):
    found = document(command, "x**2", "--at", f"x={typed}", "--json")
    assert found["at"] == value
    assert found["at_exact"] == {"exact": exact, "latex": latex, "value": value}
