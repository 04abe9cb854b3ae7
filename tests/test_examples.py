"""Every example in examples/ runs, and prints what its `.out` file says it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".py", ".sh"))


def run_example(path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, str(path)] if path.suffix == ".py" else ["bash", str(path)]
    bin_dir = str(Path(sys.executable).parent)  # the `gradcli` script installed beside python
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_and_prints_its_recorded_output(path: Path):
    done = run_example(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == path.with_suffix(".out").read_text()


def test_every_example_has_its_recorded_output():
    assert EXAMPLES
    for path in EXAMPLES:
        assert path.with_suffix(".out").exists(), f"{path.name} has no .out file"
