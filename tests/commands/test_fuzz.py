"""Fuzzing every command with random argument lists: no input may break gradcli.

Each example builds one command line from random small programs (the language's own function
names and operators, with right and wrong static arguments), random values (numbers, lists,
constructors, and small files written into a temporary folder), and random option words, good and
bad. Whatever the words, gradcli must answer with an exit code it documents (0, 1 or 2; never 3),
no traceback, one paragraph on stderr when it refuses, and nothing written outside the folder it
runs in. A hang shows as a test that does not finish: every run gets small limits (elements, tape
operations, sympy's budget, plot points), so each answers in well under a second.

The examples are derandomized and their number fixed, so CI runs the same command lines every
time. Each failure this test found is also a regular test (`tests/commands/test_bad_input.py`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.commands.group import cli
from gradcli.engine.primitives import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ------------------------------------------------------------------------ the words

NAMES = ["x", "y", "w"]
BAD_NAMES = ["lambda", "None", "True", "sum", "pi", "1a", "a-b", "__x", "seed", "x.y"]
OPS = {op.name: op for op in REGISTRY.values() if op.public}
STATIC = [
    "0", "1", "-1", "2", "0.5", "True", "relu", "'0'", "None", "(0, 1)", "(0, 0)", "[0]", "(2,)",
    "(-1,)", "(-2,)", "(1, 0)", "2.5", "1e300", "(1, (2,))", "99999999999999999999",
]  # fmt: skip
NUMBERS = ["3", "-1.5", "0", "inf", "nan", "1e309", "-0.0", "pi", "2e-320"]
VALUES = [
    "[1, 2]", "[[1, 2], [3, 4]]", "[[1], [2, 3]]", "[]", "[[]]", "zeros(3)", "ones((2, 2))",
    "normal((2, 3))", "eye(2)", "linspace(0, 1, 4)", "arange(3)", "full((2,), 2)",
    "zeros((1,) * 3)", "zeros((" + "1," * 40 + "))", "[" * 40 + "1" + "]" * 40,
    "uniform((2,), 1, 0)",
    "zeros(-1)", "zeros(1e10)", "foo", "", "1 +", "@good.csv", "@good.json", "@deep.json",
    "@deep.npy", "@bad.npy", "@ragged.csv", "@missing.csv", "@", "@dir",
]  # fmt: skip
OPTION_WORDS = {
    "program": [
        ["--seed", "-1"], ["--seed", "x"], ["--seed", "7"], ["--dtype", "float32"], ["--json"],
        ["--plain"], ["--format", "csv"], ["--format", "nope"], ["--no-check"], ["--check"],
        ["--wrt", "x"], ["--wrt", "nosuch"], ["--target", "nosuch"], ["--watch", "x"],
        ["--stop", "y"], ["--unconnected", "zero"], ["--no-auto-watch"], ["--max-depth", "0"],
        ["--max-depth", "3"], ["--max-program-chars", "-1"], ["--max-program-chars", "5"],
        ["--max-elements", "-5"], ["--var", "lambda=3"], ["--frozen", "y=2"],
        ["--const", "w=1"], ["--const", "=1"], ["--bogus"], ["--"], ["-"], ["--x"],
    ],
    "grad": [["--order", "2"], ["--order", "0"], ["--order", "99999"], ["--max-tape-ops", "0"]],
    "tape": [["--dot"]],
    "diff": [
        ["--order", "2"], ["--order", "99999"], ["--budget", "nan"], ["--budget", "inf"],
        ["--budget", "-1"], ["--format", "latex"], ["--plain"], ["--json"], ["--wrt", "x"],
        ["--wrt", "nosuch"], ["--at", "x=1"], ["--at", "x"], ["--bogus"],
    ],
    "check": [
        ["--seed", "-1"], ["--points", "0"], ["--points", "3"], ["--budget", "1e300"],
        ["--wrt", "x"], ["--at", "x=1"], ["--json"], ["--format", "nope"],
    ],
    "plot": [
        ["--width", "100000000"], ["--width", "40"], ["--height", "100000000"],
        ["--height", "4"], ["--points", "2"], ["--size", "10x10"], ["-o", "out.png"],
        ["-o", "out.txt"], ["--at", "x=-1:1"], ["--x", "1:-1"], ["--x", "a:b"], ["--x", "-inf:1"],
    ],
    "functions": [["--json"], ["--plain"], ["--format", "markdown"], ["--format", "nope"]],
}  # fmt: skip
# The guards come last, so they win over a random word: small limits keep each run short.
GUARDS = {
    "grad": ["--max-elements", "10000", "--max-tape-ops", "3000"],
    "tape": ["--max-elements", "10000"],
    "jacobian": ["--max-elements", "10000"],
    "hessian": ["--max-elements", "10000"],
    "diff": ["--budget", "0.3", "--order", "1"],
    "check": ["--budget", "0.3", "--points", "3"],
    "plot": ["--points", "30", "--width", "40", "--height", "4"],
    "functions": [],
}
WRITTEN = ["out.png", "out.txt"]  # the only names a run may write, and only into its folder


@st.composite
def expressions(draw, depth: int = 0) -> str:
    """A small program expression: names, numbers, operators and calls with static arguments."""
    leaf = st.sampled_from([*NAMES, *NAMES, "1", "2.5", "pi", "True", "nosuch", "[x, y]"])
    if depth >= 2 or draw(st.integers(0, 3)) == 0:
        return draw(leaf)
    kind = draw(st.sampled_from(["call", "call", "binary", "unary", "index"]))
    inner = expressions(depth + 1)
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/", "**", "@", "<", "=="]))
        return f"({draw(inner)} {op} {draw(inner)})"
    if kind == "unary":
        return f"-{draw(inner)}"
    if kind == "index":
        return f"{draw(inner)}[{draw(st.sampled_from(['0', '1:', '-1', '0.5', '::2', '5']))}]"
    name = draw(st.sampled_from(sorted(OPS)))
    op = OPS[name]
    count = 2 if op.variadic else op.arity
    inputs = [draw(inner) for _ in range(count)]
    arguments = [f"[{', '.join(inputs)}]"] if op.variadic else inputs
    for param, _ in op.params:
        choice = draw(st.integers(0, 2))
        if choice == 1:
            arguments.append(f"{param}={draw(st.sampled_from(STATIC))}")
        elif choice == 2:
            arguments.append(draw(st.sampled_from(STATIC)))
    return f"{name}({', '.join(arguments)})"


@st.composite
def programs(draw) -> str:
    statements = [draw(expressions()) for _ in range(draw(st.integers(1, 2)))]
    if len(statements) == 2 and draw(st.booleans()):
        statements[0] = f"y = {statements[0]}"
    return "; ".join(statements)


def declarations(values: st.SearchStrategy) -> st.SearchStrategy:
    name = st.sampled_from([*NAMES, *NAMES, *BAD_NAMES])
    return st.lists(st.tuples(name, values), max_size=3).map(
        lambda pairs: [word for n, v in pairs for word in (f"--{n}", v)]
    )


def option_words(*families: str) -> st.SearchStrategy:
    pool = [words for family in families for words in OPTION_WORDS[family]]
    return st.lists(st.sampled_from(pool), max_size=3).map(lambda chosen: sum(chosen, []))


VALUE = st.sampled_from([*NUMBERS, *VALUES])


def command_lines() -> st.SearchStrategy:
    program_command = st.tuples(
        st.sampled_from(["grad", "tape", "jacobian", "hessian"]),
        programs(),
        declarations(VALUE),
        option_words("program", "grad"),
    ).map(lambda t: [t[0], t[1], *t[2], *(w for w in t[3] if t[0] == "grad" or w != "--order")])
    diff = st.tuples(programs(), declarations(VALUE), option_words("diff")).map(
        lambda t: ["diff", t[0], *t[1], *t[2]]
    )
    check = st.tuples(
        programs(), expressions(), declarations(st.sampled_from(NUMBERS)), option_words("check")
    ).map(lambda t: ["check", t[0], "--expect", t[1], *t[2], *t[3]])
    plot = st.tuples(
        programs(),
        st.sampled_from(["-1:1", "-pi:pi", "1:1", "0:1e308", "x", *NUMBERS]),
        option_words("plot"),
    ).map(lambda t: ["plot", t[0], "--x", t[1], *t[2]])
    functions = st.tuples(
        st.sampled_from([[], ["sin"], ["nosuch"], ["sum", "exp"]]), option_words("functions")
    ).map(lambda t: ["functions", *t[0], *t[1]])
    return st.one_of(program_command, diff, check, plot, functions)


# ------------------------------------------------------------------------ the run


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The folder every run starts in, with the small files that values name."""
    path = tmp_path_factory.mktemp("fuzz")
    (path / "good.csv").write_text("a,b\n1,2\n3,4\n")
    (path / "ragged.csv").write_text("1,2\n3\n")
    (path / "good.json").write_text("[[1, 2], [3, 4]]")
    (path / "deep.json").write_text("[" * 50 + "1" + "]" * 50)
    np.save(path / "deep.npy", np.zeros((1,) * 40))
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1," * 70 + "), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # numpy pads the header to 64 bytes
    (path / "bad.npy").write_bytes(
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(8)
    )
    (path / "dir").mkdir()
    return path


def run_checked(words: list[str], folder: Path, monkeypatch) -> None:
    """Run one command line in `folder` and hold it to the rules every command keeps."""
    monkeypatch.chdir(folder)
    before = {p.name for p in folder.iterdir()}
    command = words[0] if words else ""
    result = CliRunner().invoke(cli, [*words, *GUARDS.get(command, [])], env={"COLUMNS": "80"})
    shown = (
        f"gradcli {' '.join(map(repr, words))}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    )
    assert result.exit_code in (0, 1, 2, 4), shown  # 4: not defined at the point (nan, inf)
    if result.exit_code == 4:
        assert "not defined" in result.stdout + result.stderr, shown
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text, shown
        assert "internal error" not in text, shown
    if result.exit_code == 2:
        assert result.stderr.strip(), shown
        if not result.stderr.startswith("Usage:"):  # a bare `gradcli` shows its help instead
            assert "\n\n" not in result.stderr.strip(), shown  # one paragraph
    new = {p.name for p in folder.iterdir()} - before
    assert new <= set(WRITTEN), shown
    for name in new:
        (folder / name).unlink()
    for name in WRITTEN:  # never into the project or the home folder
        assert not (ROOT / name).exists(), shown
        assert not (Path.home() / name).exists(), shown


@FUZZ
@given(words=command_lines())
def test_no_command_line_breaks_gradcli(words, folder, monkeypatch):
    run_checked(words, folder, monkeypatch)


@settings(FUZZ, max_examples=150)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "grad",
                "diff",
                "plot",
                "check",
                "tape",
                "x**2",
                "--x",
                "3",
                "--at",
                "x=1",
                "--expect",
                "2*x",
                "--json",
                "--",
                "-",
                "@good.csv",
                "--order",
                "=",
                "--x=",
                "--var",
                "--help",
                "nosuch",
                "",
                " ",
                "\x00",
                "é",
                "--budget",
                "nan",
            ]
        ),
        max_size=6,
    )
)
def test_no_word_salad_breaks_gradcli(words, folder, monkeypatch):
    run_checked(words, folder, monkeypatch)
