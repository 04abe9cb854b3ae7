"""The architecture's rules hold, and breaking one fails: the import contracts of pyproject.toml.

The parts are layered (commands > render | symbolic > program > language > engine), sympy is
imported only by `symbolic`, rich only by `render`, click only by `commands`, and the engine
imports no other part. CI runs `lint-imports` too; these tests also show that a broken rule is
caught, with the import that broke it.
"""

from __future__ import annotations

import ast
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


# ---------------------------------------------------------------- one pipeline, followed

PARTS = ("engine", "language", "program", "symbolic", "render", "commands")
PACKAGE = ROOT / "gradcli"


def _part(filename: str) -> str | None:
    path = Path(filename)
    if not path.is_relative_to(PACKAGE):
        return None
    first = path.relative_to(PACKAGE).parts[0]
    return first if first in PARTS else None


def steps_of(argv: list[str]) -> list[str]:
    """The parts a command's own code calls into, in order, repeats folded: the pipeline's steps.

    Reading a record that flows between the parts (its fields, `agrees`, the records modules
    themselves) is data, not a step, and is left out.
    """
    from gradcli.commands import main
    from gradcli.record import Record

    steps: list[str] = []

    def on_call(frame, event, _arg):
        if event != "call" or frame.f_back is None:
            return
        callee = _part(frame.f_code.co_filename)
        if callee in (None, "commands") or _part(frame.f_back.f_code.co_filename) != "commands":
            return
        if Path(frame.f_code.co_filename).stem == "records":
            return
        if isinstance(frame.f_locals.get("self"), Record):
            return
        if not steps or steps[-1] != callee:
            steps.append(callee)

    sys.setprofile(on_call)
    try:
        main(argv)
    except SystemExit:
        pass
    finally:
        sys.setprofile(None)
    return steps


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["grad", "x**2", "--x", "3"], ["language", "program", "symbolic", "render"]),
        (
            ["grad", "x**3", "--x", "2", "--order", "2"],
            ["language", "program", "symbolic", "render"],
        ),
        (["grad", "x**2", "--x", "3", "--plain"], ["language", "program", "render"]),
        (["jacobian", "x * [3., 4.]", "--x", "2"], ["language", "program", "symbolic", "render"]),
        (
            ["hessian", "x**2 * y", "--x", "1", "--y", "2"],
            ["language", "program", "symbolic", "render"],
        ),
        (["tape", "y = x*x; z = y*y", "--x", "3"], ["language", "program", "symbolic", "render"]),
    ],
)
def test_a_request_goes_down_the_parts_once_in_order(argv, expected, capsys):
    assert steps_of(argv) == expected


# The one read of an engine private that stays, and why: the numeric backend takes a tensor's
# array on its hot path, where a method call per operation shows in the long-program benchmark.
PRIVATE_READS_ALLOWED = {("program/backend.py", "_value")}


def _engine_private_names() -> set[str]:
    """Every `self._name` the engine's modules assign or read: the engine's private state."""
    names = set()
    for path in (ROOT / "gradcli" / "engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                names.add(node.attr)
    return names


def test_no_part_reads_the_engines_private_state():
    private = _engine_private_names()
    assert {"_entries", "_id", "_rules_run", "_value"} <= private  # the scan sees the engine
    found = []
    package = ROOT / "gradcli"
    for path in package.rglob("*.py"):
        where = path.relative_to(package).as_posix()
        if where.startswith("engine/"):
            continue
        tree = ast.parse(path.read_text())
        own = {"self", "cls"} | {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in own)
                and (where, node.attr) not in PRIVATE_READS_ALLOWED
            ):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "use the engine's public accessors instead:\n" + "\n".join(found)
