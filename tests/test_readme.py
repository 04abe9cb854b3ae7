"""The README stays true: its console sessions print what they show, its Python blocks run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcli.commands import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def console_sessions() -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, shown output lines) for every `$ gradcli ...` line."""
    sessions = []
    for body in blocks("console"):
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            if not command.startswith("gradcli "):
                continue
            code = 0
            marker = re.search(r"\s+# exit code (\d)$", command)
            if marker:
                code, command = int(marker.group(1)), command[: marker.start()]
            sessions.append((command, code, shown))
    return sessions


def gradcli_env() -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }


SESSIONS = console_sessions()


@pytest.mark.parametrize("command, code, shown", SESSIONS, ids=[s[0][:60] for s in SESSIONS])
def test_readme_command_prints_what_the_readme_shows(command, code, shown, monkeypatch):
    # in-process through click's CliRunner (a subprocess each was two thirds of the suite's
    # time); the installed script itself is run once, below
    monkeypatch.chdir(ROOT)
    words = shlex.split(command)[1:]
    done = CliRunner().invoke(cli, words, env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert done.exit_code == code, done.stderr
    printed = [line.rstrip() for line in (done.stdout + done.stderr).rstrip("\n").split("\n")]
    if "..." in shown:  # an excerpt: the shown lines appear, in order
        remaining = iter(printed)
        for line in (line for line in shown if line != "..."):
            assert any(p == line.rstrip() for p in remaining), f"missing: {line!r}"
    else:
        assert printed == [line.rstrip() for line in shown]


def test_the_installed_script_prints_the_readme_first_example():
    done = subprocess.run(
        ["gradcli", "grad", "x**2", "--x", "3", "--plain"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=gradcli_env(),
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "6.0\n", "")


def test_readme_has_console_sessions_for_grad():
    assert any(command.startswith("gradcli grad") for command, _, _ in SESSIONS)


@pytest.mark.parametrize("source", blocks("python"))
def test_readme_python_block_runs(source):
    done = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_readme_quick_start_names_the_test_command_that_ci_runs():
    assert 'pip install -e ".[test]" && python -m pytest -q' in README
    assert "python -m pytest -q" in (ROOT / ".ci" / "run").read_text()
