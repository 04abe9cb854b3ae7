"""Homework mode: `gradcli diff`, `check`, `plot`, `functions`, and `grad --format csv`."""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.engine import primitives as ops

ROOT = Path(__file__).resolve().parents[2]


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ---------------------------------------------------------------- diff


def test_diff_latex_is_sympys_own_latex_of_the_same_derivative():
    x = sp.Symbol("x")
    expected = sp.latex(sp.diff(x**2 * sp.sin(x), x))
    assert ok("diff", "x**2*sin(x)", "--format", "latex") == expected + "\n"


PRETTY = r"""d / 2       \    2
--\x *sin(x)/ = x *cos(x) + 2*x*sin(x)
dx
"""


def test_diff_pretty_golden():
    assert ok("diff", "x**2*sin(x)") == PRETTY


def test_diff_every_input_in_order_of_appearance_is_the_gradient():
    assert ok("diff", "x*y**2", "--plain") == "y**2\n2*x*y\n"
    assert ok("diff", "x*y**2", "--wrt", "y", "--plain") == "2*x*y\n"


def test_diff_literals_are_exact_and_constants_symbolic():
    assert ok("diff", "0.5*x**2 + sin(pi*x)", "--plain") == "x + pi*cos(pi*x)\n"


def test_diff_simplifies_only_when_clearly_shorter():
    assert ok("diff", "(x**2 - 1)/(x - 1)", "--plain") == "1\n"
    assert ok("diff", "x**2*sin(x)", "--plain") == "x**2*cos(x) + 2*x*sin(x)\n"


def test_diff_order_and_evaluation_at_a_point_in_floating_point():
    assert ok("diff", "x**3", "--order", "2", "--plain") == "6*x\n"
    value = ok("diff", "x**2*sin(x)", "--at", "x=3", "--plain").strip()
    assert float(value) == pytest.approx(9 * math.cos(3) + 6 * math.sin(3), rel=1e-12)
    document = json.loads(ok("diff", "x*y", "--x", "2", "--y", "3", "--json"))
    assert document["at"] == {"x": 2.0, "y": 3.0}
    assert [(d["wrt"], d["derivative"], d["value"]) for d in document["derivatives"]] == [
        ("x", "y", 3.0),
        ("y", "x", 2.0),
    ]


def test_diff_of_a_piecewise_program():
    out = ok("diff", "where(x > 0, x**2, 0)", "--plain")
    assert out == "where(x > 0, 2*x, 0)\n"  # in gradcli's language: it parses back


def test_diff_statements_are_substituted():
    assert ok("diff", "y = x*x; 2*sin(y)", "--plain") == "4*x*cos(x**2)\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["[x, x**2]"], "must be a number"),
        (["x**2", "--wrt", "y"], "no input named 'y'"),
        (["x*y", "--at", "x=1"], "missing: y"),
        (["x**2", "--x", "[1, 2]"], "a number is needed"),
        (["stop_gradient(x)*x"], "tape operation"),
        (["3"], "no inputs"),
        (["x**2 +"], "syntax error"),
    ],
)
def test_diff_bad_input_exits_2(args, message):
    result = gradcli("diff", *args)
    assert result.exit_code == 2
    assert message in result.stderr


# ---------------------------------------------------------------- check


@pytest.mark.parametrize("answer", ["cos(x)*x + sin(x)", "x*cos(x)+sin(x)"])
def test_check_accepts_equivalent_forms(answer):
    result = gradcli("check", "x*sin(x)", "--expect", answer)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("right:")
    assert "the difference simplifies to 0" in result.stdout


def test_check_rejects_a_wrong_answer_with_a_counterexample():
    result = gradcli("check", "x*sin(x)", "--expect", "x*cos(x)", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["verdict"] == "wrong"
    assert document["derivative"] == "x*cos(x) + sin(x)"
    where = document["counterexample"]
    x = where["point"]["x"]
    assert where["answer"] == pytest.approx(x * math.cos(x))
    assert where["derivative"] == pytest.approx(x * math.cos(x) + math.sin(x))
    text = gradcli("check", "x*sin(x)", "--expect", "x*cos(x)").stdout
    assert text.splitlines() == [
        "wrong: x*cos(x) is not the derivative of x*sin(x) with respect to x",
        "  at x = 1:  your answer is 0.5403023059, the derivative is 1.381773291",
        "  the derivative is  x*cos(x) + sin(x)",
    ]


def test_check_an_answer_right_only_at_the_given_point_says_so():
    result = gradcli("check", "x**2", "--expect", "4*x - 6", "--x", "3")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "wrong: 4*x - 6 is right at x = 3 only, not the derivative of x**2 " + (
        "with respect to x"
    )
    assert lines[1] == "  at x = 3:  both are 6"
    assert lines[2] == "  at x = 1:  your answer is -2, the derivative is 2"


def test_check_a_number_at_the_point():
    assert gradcli("check", "x**2", "--expect", "6", "--x", "3").exit_code == 0
    wrong = gradcli("check", "x**2", "--expect", "7", "--x", "3")
    assert wrong.exit_code == 1
    assert "is 6, not 7" in wrong.stdout
    rounded = gradcli("check", "sin(x)", "--expect", "0.54", "--x", "1")  # cos(1) = 0.5403
    assert rounded.exit_code == 0 and "right when rounded to 2 decimal places" in rounded.stdout
    assert gradcli("check", "sin(x)", "--expect", "0.55", "--x", "1").exit_code == 1


def test_check_samples_in_the_domain_of_the_functions_used():
    document = json.loads(ok("check", "log(x)", "--expect", "1/x", "--json"))
    assert document["numeric"]["points"] == 20
    lo, hi = document["numeric"]["extent"]["x"]
    assert 0.2 <= lo < hi <= 3
    # log(x - 2) has no registry narrowing: points where it is not finite are skipped
    document = json.loads(ok("check", "log(x - 2)", "--expect", "1/(x - 2)", "--json"))
    assert document["numeric"]["extent"]["x"][0] > 2


def test_check_numerically_when_sympy_cannot():
    document = json.loads(ok("check", "stop_gradient(x)*x", "--expect", "x", "--json"))
    assert document["verdict"] == "right"
    assert document["symbolic"]["result"] == "unavailable"


def test_check_several_inputs_needs_wrt_and_counterexamples_differ_per_input():
    assert gradcli("check", "x*y", "--expect", "x").exit_code == 2
    assert gradcli("check", "x*y", "--expect", "x", "--wrt", "y").exit_code == 0
    wrong = gradcli("check", "x*y", "--expect", "y", "--wrt", "y")
    assert wrong.exit_code == 1
    assert "at x = 1, y = 2:" in wrong.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["x**2", "--expect", "2*t"], "'t', which is not an input"),
        (["x**2", "--expect", "2*x +"], "syntax error"),
        (["x**2"], "Missing option '--expect'"),
    ],
)
def test_check_bad_input_exits_2(args, message):
    result = gradcli("check", *args)
    assert result.exit_code == 2
    assert message in result.stderr


# ---------------------------------------------------------------- grad --format csv


def test_csv_parses_and_matches_finite_differences():
    out = ok("grad", "sin(x)*exp(-x**2)", "--x", "linspace(-3,3,7)", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["x", "sin(x)*exp(-x**2)", "d(sin(x)*exp(-x**2))/dx"]
    data = np.array(rows[1:], dtype=float)
    x, f, df = data.T

    def func(t):
        return np.sin(t) * np.exp(-(t**2))

    h = 1e-6
    np.testing.assert_allclose(x, np.linspace(-3, 3, 7))
    np.testing.assert_allclose(f, func(x), rtol=1e-15)
    np.testing.assert_allclose(df, (func(x + h) - func(x - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_csv_several_inputs_of_one_shape_and_a_scalar_parameter():
    out = ok("grad", "a*x*y", "--x", "[1,2]", "--y", "[3,4]", "--a", "2", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["x", "y", "a*x*y", "d(a*x*y)/dx", "d(a*x*y)/dy"],
        ["1.0", "3.0", "6.0", "6.0", "2.0"],
        ["2.0", "4.0", "16.0", "8.0", "4.0"],
    ]


def test_csv_of_a_scalar_program_is_one_row():
    assert ok("grad", "x**2", "--x", "3", "--format", "csv") == "x,x**2,d(x**2)/dx\n3.0,9.0,6.0\n"


@pytest.mark.parametrize(
    "program, message",
    [
        ("sum(x**2)", "no input has that shape"),
        ("x - mean(x)", "mean() combines different elements of x"),
        ("x * x[::-1]", "indexing combines"),
    ],
)
def test_csv_refuses_programs_that_are_not_elementwise(program, message):
    result = gradcli("grad", program, "--x", "[1,2,3]", "--format", "csv")
    assert result.exit_code == 2
    assert message in result.stderr


# ---------------------------------------------------------------- plot

TEXT_PLOT = """\
f(x) = x**3 - 3*x
 18 |                                                      *
    |                                                    **
    |                                                  **
    |                                               ***
  0 |------------******o*********---------------****--------
    |        ****                ********o******
    |     ***
    |   **
    | **
-18 |*
f'(x)
 24 |*                                                     *
    | **                                                 **
    |   **                                             **
    |     *                                           *
    |      **                                       **
    |        ***                                 ***
    |           **                             **
    |             ***                       ***
  0 |----------------**o**-------------**o**----------------
 -3 |                     *************
    +-------------------------------------------------------
     -3                         0                          3
extrema (zeros of f'):
  max  x = -1  f = 2
  min  x = 1  f = -2
"""


def test_text_plot_golden_at_a_fixed_width():
    out = ok("plot", "x**3 - 3*x", "--x", "-3:3", "--width", "60", "--height", "10")
    assert out == TEXT_PLOT


def test_plot_marks_extrema_refined_beyond_the_grid():
    out = ok("plot", "sin(x)*exp(-x**2)", "--x", "-3:3", "--width", "40", "--height", "5")
    # f'(x) = 0 where cos(x) = 2x sin(x): x = +-0.653271...
    assert "  min  x = -0.653271  f = -0.396653" in out
    assert "  max  x = 0.653271  f = 0.396653" in out
    assert "no extrema" in ok("plot", "1/x**2", "--x", "-3:3", "--width", "40")  # a pole


def test_plot_png_has_the_requested_size(tmp_path):
    try:
        import matplotlib  # noqa: F401
    except ImportError:  # an optional extra: CI does not install it
        pytest.skip('matplotlib is not installed (pip install "gradcli[plot]")')
    path = tmp_path / "plot.png"
    out = ok("plot", "x**3 - 3*x", "--x", "-3:3", "-o", str(path), "--size", "640x480")
    assert out.startswith(f"wrote {path} (640x480)")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (640, 480)


def test_plot_without_matplotlib_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    result = gradcli("plot", "x**2", "--x", "-1:1", "-o", str(tmp_path / "p.png"))
    assert result.exit_code == 2
    assert 'pip install "gradcli[plot]"' in result.stderr
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["x**2", "--x", "-1:1", "-o", "p.pdf"], "a .png or an .svg"),
        (["sum(x)", "--x", "-1:1"], "sum() combines"),
        (["a*x", "--x", "-1:1"], "give a a value"),
        (["x**2", "--x", "1:-1"], "a larger one"),
    ],
)
def test_plot_bad_input_exits_2(args, message):
    result = gradcli("plot", *args)
    assert result.exit_code == 2
    assert message in result.stderr


# ---------------------------------------------------------------- functions


def test_functions_list_is_the_registry():
    entries = json.loads(ok("functions", "--json"))
    public = [op for op in ops.REGISTRY.values() if op.public]
    assert [e["name"] for e in entries] == [op.name for op in public]
    for entry, op in zip(entries, public):
        assert entry["aliases"] == list(op.aliases)
        assert entry["doc"] == op.doc
        assert entry["domain"] == {name: list(d) for name, d in zip(entry["domain"], op.domain)}
    spelled = {name for e in entries for name in e["spellings"]}
    assert spelled == set(ops.spellings())


def test_functions_rules_come_from_the_sympy_forms():
    plain = ok("functions", "--format", "plain").splitlines()
    assert "sin(x) -> cos(x)" in plain
    assert "log(x) -> 1/x" in plain
    assert "multiply(x, y) -> d/dx: y; d/dy: x" in plain
    assert "less(x, y) -> no gradient" in plain


@functools.cache
def _unwrapped_catalogue_words() -> frozenset:
    """The words of the catalogue at 1,000 columns, where nothing wraps (once for every width)."""
    wide = CliRunner().invoke(cli, ["functions"], env={"COLUMNS": "1000"})
    return frozenset(wide.stdout.split())


@pytest.mark.parametrize("width", [60, 100, 130])
def test_functions_table_cuts_no_word_at_any_width(width):
    """The catalogue at 60 columns (shown as records), 100 (columns given widths that hold their
    longest words, where rich's own shares would fold some) and 130 (rich's own wrapping): every
    word is a word of the unwrapped table, and no line is wider than the terminal."""
    run = CliRunner().invoke(cli, ["functions"], env={"COLUMNS": str(width)})
    words = _unwrapped_catalogue_words()
    cut = [
        w
        for w in run.stdout.split()
        if w not in words and w.rstrip(":") not in words and set(w) != {"-"}  # rules: any length
    ]
    assert cut == [] and run.exit_code == 0
    assert all(len(line) <= width for line in run.stdout.splitlines())


def test_functions_rules_agree_with_the_tape():
    """Each one-input rule the table shows, run as a program of our own language, equals the
    tape's gradient inside the function's domain (rules the language cannot spell are skipped)."""
    entries = json.loads(ok("functions", "--json"))
    checked = 0
    for entry in entries:
        rule = entry["derivative"]
        if entry["kind"] != "elementwise" or len(entry["domain"]) != 1 or not rule:
            continue
        if "Piecewise" in rule or rule == "no gradient":
            continue
        lo, hi = entry["domain"]["x"]
        x = repr(0.3 * lo + 0.7 * hi)
        tape = float(ok("grad", f"{entry['name']}(x)", "--x", x, "--plain", "--no-check"))
        document = json.loads(ok("grad", f"({rule}) + 0*x", "--x", x, "--json", "--no-check"))
        assert document["results"][0]["value"] == pytest.approx(tape, rel=1e-12), entry
        checked += 1
    assert checked >= 15


def _markdown() -> str:
    return ok("functions", "--format", "markdown")


def test_readme_function_table_is_the_registry():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- functions:start -->\n(.*?)<!-- functions:end -->", readme, re.S)
    assert match is not None, "README.md lost its <!-- functions:start/end --> markers"
    assert match.group(1).strip() == _markdown().strip(), (
        "README.md's function table differs from the registry: paste the output of "
        "gradcli functions --format markdown between the markers"
    )


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["diff", "check", "plot", "functions"])
def test_every_command_has_a_docstring_and_examples(command):
    out = ok(command, "--help")
    assert "Examples:" in out
    assert f"gradcli {command}" in out
