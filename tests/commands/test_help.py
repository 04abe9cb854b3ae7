"""Every command explains itself: help with examples, and a place in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcli.commands.group import LAZY_COMMANDS, cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
COMMANDS = cli.list_commands(None)


def test_every_command_is_listed_and_each_lazy_one_is_where_the_table_says():
    assert COMMANDS == sorted(LAZY_COMMANDS)
    for name, module in LAZY_COMMANDS.items():
        command = cli.get_command(None, name)
        assert command is not None and command.callback.__module__ == f"gradcli.commands.{module}"
    assert sorted(cli.commands) == COMMANDS  # nothing registered that the table does not name


def help_of(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_group_help_lists_every_command_and_shows_examples():
    text = help_of()
    assert "Examples:" in text
    for name in COMMANDS:
        assert name in text


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    text = help_of(name)
    assert "Examples:" in text
    assert f"gradcli {name} " in text


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_appears_in_the_readme(name):
    assert f"gradcli {name}" in README


def test_no_program_shows_a_short_usage_with_an_example():
    result = CliRunner().invoke(cli, ["grad"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") <= 2
    assert 'gradcli grad "x**2" --x 3' in result.stderr
