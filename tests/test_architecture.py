"""The architecture's rules hold, and breaking one fails: the import contracts of pyproject.toml.

The parts are layered (commands > render | symbolic > program > language > engine), sympy is
imported only by `symbolic`, rich only by `render`, click only by `commands`, and the engine
imports no other part. CI runs `lint-imports` too; these tests also show that a broken rule is
caught, with the import that broke it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, line, rule",
    [
        ("engine/nest.py", "import rich", "gradcli.engine is not allowed to import rich"),
        (
            "program/records.py",
            "from gradcli.symbolic import translate",
            "gradcli.program is not allowed to import gradcli.symbolic",
        ),
        ("render/report.py", "import click", "gradcli.render is not allowed to import click"),
    ],
)
def test_breaking_a_rule_fails_with_the_import_that_broke_it(tmp_path, module, line, rule):
    shutil.copytree(ROOT / "gradcli", tmp_path / "gradcli")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    broken = tmp_path / "gradcli" / module
    broken.write_text(broken.read_text() + f"\n{line}  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert rule in done.stdout
    dotted = "gradcli." + module.removesuffix(".py").replace("/", ".")
    assert f"{dotted} -> " in done.stdout
