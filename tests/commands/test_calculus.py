"""`gradcli tangent`, `taylor` and `critical`: hand-computed answers, sympy and the engine as
oracles, the numeric search against the exact one, bad input, formats and start-up."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.commands.group import cli

x = sp.Symbol("x", real=True)


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def bad(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 2, result.stdout
    return result.stderr


# ---------------------------------------------------------------- tangent


def test_tangent_of_x_cubed_at_2_is_exact():
    assert ok("tangent", "x**3", "--at", "x=2", "--plain") == "y = 12*x - 16\ny = -x/12 + 49/6\n"
    document = json.loads(ok("tangent", "x**3", "--x", "2", "--json"))
    assert document["slope"] == {"exact": "12", "latex": "12", "value": 12.0}
    assert document["intercept"]["exact"] == "-16"
    assert document["value"]["exact"] == "8"
    assert document["tangent"]["latex"] == "y = 12 x - 16"


@pytest.mark.parametrize(
    "expression, at",
    [("exp(x)", 1.0), ("sin(x)*x", 0.5), ("log(x)", 2.0), ("1/(1 + x**2)", -1.5), ("x**0.5", 4)],
)
def test_tangent_slope_and_intercept_agree_with_sympy(expression, at):
    document = json.loads(ok("tangent", expression, "--at", f"x={at}", "--json"))
    f = sp.sympify(expression.replace("log", "ln"), locals={"x": x})
    slope = float(sp.diff(f, x).subs(x, at))
    intercept = float(f.subs(x, at)) - slope * at
    assert document["slope"]["value"] == pytest.approx(slope, rel=1e-12)
    assert document["intercept"]["value"] == pytest.approx(intercept, rel=1e-12, abs=1e-12)
    normal = document["normal"]["text"]
    assert normal.startswith("y = ")
    # the normal line passes through the point with slope -1/m
    line = sp.sympify(normal[4:], locals={"x": x, "e": sp.E})
    assert float(sp.diff(line, x)) == pytest.approx(-1 / slope)
    assert float(line.subs(x, at)) == pytest.approx(float(f.subs(x, at)))


def test_tangent_exact_when_the_input_is_and_symbolic_constants_stay():
    assert ok("tangent", "exp(x)", "--at", "x=1", "--plain") == "y = e*x\ny = -x/e + e + 1/e\n"
    assert ok("tangent", "sin(x)", "--at", "x=pi", "--plain") == "y = -x + pi\ny = x - pi\n"
    assert ok("tangent", "0.5*x**2", "--at", "x=0.5", "--plain").startswith("y = x/2 - 1/8\n")


def test_tangent_vertical_and_horizontal():
    assert ok("tangent", "sqrt(x)", "--at", "x=0", "--plain") == "x = 0\ny = 0\n"
    assert ok("tangent", "x**2", "--at", "x=0", "--plain") == "y = 0\nx = 0\n"


TANGENT_PLOT = """\
f(x) = x**3   at x = 2
  f(2)  = 8
  f'(2) = 12
tangent:  y = 12*x - 16
normal:   y = -x/12 + 49/6

f(x) = x**3
64 |                                        *
   |                                      **
   |                                   ***
   |                                ***  ....
   |                            ****.....
   |                      **o***.
-1 |**********************-------------------
   +-----------------------------------------
    -1                 1.5                  4
* f(x)   . y = 12*x - 16
"""


def test_tangent_draws_f_and_its_tangent_in_plain_characters():
    out = ok("tangent", "x**3", "--at", "x=2", "--range", "-1:4", "--width", "45", "--height", "7")
    assert out == TANGENT_PLOT
    assert out.isascii()


# ---------------------------------------------------------------- taylor


def test_taylor_of_exp_at_0_to_order_4():
    out = ok("taylor", "exp(x)", "--at", "x=0", "--order", "4", "--plain")
    assert out == "1 + x + x**2/2 + x**3/6 + x**4/24\n"
    document = json.loads(ok("taylor", "exp(x)", "--at", "x=0", "--order", "4", "--json"))
    assert [c["exact"] for c in document["coefficients"]] == ["1", "1", "1/2", "1/6", "1/24"]
    assert document["remainder"] == "O(x**5)"
    for row in document["errors"]:
        polynomial = sum(row["x"] ** k / math.factorial(k) for k in range(5))
        assert row["polynomial"] == pytest.approx(polynomial, rel=1e-14)
        assert row["f"] == pytest.approx(math.exp(row["x"]), rel=1e-14)
        # Lagrange's remainder bound: |x|**5/5! * max exp on [0, x]
        bound = abs(row["x"]) ** 5 / 120 * math.exp(max(row["x"], 0))
        assert row["error"] <= bound * (1 + 1e-9)


@pytest.mark.parametrize(
    "expression, at, order",
    [("sin(x)", 1.0, 5), ("log(x)", 1.0, 4), ("1/(1 - x)", 0.5, 6), ("atan(x)", 0.0, 7)],
)
def test_taylor_coefficients_are_the_derivatives_over_k_factorial(expression, at, order):
    document = json.loads(
        ok("taylor", expression, "--at", f"x={at}", "--order", str(order), "--json")
    )
    f = sp.sympify(expression.replace("log", "ln"), locals={"x": x})
    a = sp.nsimplify(at)
    for k, coefficient in enumerate(document["coefficients"]):
        expected = sp.diff(f, x, k).subs(x, a) / sp.factorial(k)
        assert sp.simplify(sp.sympify(coefficient["exact"]) - expected) == 0


def test_taylor_away_from_0_in_powers_of_x_minus_a_and_removable_singularities():
    assert ok("taylor", "x**2", "--at", "x=1", "--plain") == "1 + 2*(x - 1) + (x - 1)**2\n"
    out = ok("taylor", "sin(x)/x", "--at", "x=0", "--order", "4", "--plain")
    assert out == "1 - x**2/6 + x**4/120\n"
    latex = ok("taylor", "log(x)", "--at", "x=1", "--order", "2", "--format", "latex")
    assert (
        latex
        == r"x - 1 - \frac{\left(x - 1\right)^{2}}{2} + O\left(\left(x - 1\right)^{3}\right)" + "\n"
    )


def test_taylor_pretty_shows_the_remainder_errors_and_plot():
    out = ok("taylor", "cos(x)", "--at", "x=0", "--order", "2", "--width", "50")
    assert "  P(x) = 1 - x**2/2\n  f(x) = P(x) + O(x**3)\n" in out
    assert "* f(x)   . P(x), order 2" in out


def test_taylor_has_no_polynomial_where_f_is_not_differentiable():
    assert "not a polynomial in x" in bad("taylor", "sqrt(x)", "--at", "x=0")
    assert "from the left and from the right differ" in bad("taylor", "abs(x)", "--at", "x=0")


COEFFICIENTS = st.lists(st.integers(-5, 5), min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(coefficients=COEFFICIENTS, center=st.integers(-3, 3))
def test_a_polynomials_taylor_polynomial_of_its_degree_is_itself_and_its_tangent_exact(
    coefficients, center
):
    polynomial = sum(c * x**k for k, c in enumerate(coefficients))
    expression = f"{sp.sstr(polynomial)} + 0*x"  # x is an input even of a constant
    order = str(len(coefficients) - 1)
    taylor = ok("taylor", expression, "--at", f"x={center}", "--order", order, "--plain")
    assert sp.expand(sp.sympify(taylor, locals={"x": x}) - polynomial) == 0
    tangent, _ = ok("tangent", expression, "--at", f"x={center}", "--plain").splitlines()
    slope = sp.diff(polynomial, x).subs(x, center)
    line = slope * x + polynomial.subs(x, center) - slope * center
    assert sp.expand(sp.sympify(tangent[4:], locals={"x": x}) - line) == 0


# ---------------------------------------------------------------- critical


def points_of(*args) -> tuple[str, list]:
    # time enough for sympy on a busy machine (a later --budget in `args` wins)
    document = json.loads(ok("critical", "--budget", "60", *args, "--json"))
    return document["method"], [(p["kind"], *p["at"].values()) for p in document["points"]]


def test_critical_points_of_x_cubed_minus_3x():
    method, points = points_of("x**3 - 3*x", "--x", "-3:3")
    assert method == "symbolic"
    assert points == [("maximum", -1.0), ("minimum", 1.0)]


def test_a_saddle_of_two_inputs():
    method, points = points_of("x**2 - y**2", "--x", "-5:5", "--y", "-5:5")
    assert (method, points) == ("symbolic", [("saddle", 0.0, 0.0)])


HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
HIMMELBLAU_MINIMA = [
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
]


def test_himmelblau_numerically_four_minima_a_maximum_and_four_saddles():
    # sympy cannot solve this cubic system within the budget: the numeric search answers
    document = json.loads(
        ok("critical", HIMMELBLAU, "--x", "-5:5", "--y", "-5:5", "--budget", "0.5", "--json")
    )
    assert document["method"] == "numeric"
    assert "within --budget 0.5 s" in document["why_numeric"]
    kinds = [p["kind"] for p in document["points"]]
    assert sorted(kinds) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    minima = [tuple(p["at"].values()) for p in document["points"] if p["kind"] == "minimum"]
    for expected in HIMMELBLAU_MINIMA:
        assert any(np.allclose(found, expected, atol=1e-6) for found in minima), expected
    for p in document["points"]:
        if p["kind"] == "minimum":
            assert p["value"] == pytest.approx(0.0, abs=1e-20)
    (maximum,) = [p for p in document["points"] if p["kind"] == "maximum"]
    assert np.allclose(list(maximum["at"].values()), [-0.270845, -0.923039], atol=1e-6)
    assert maximum["value"] == pytest.approx(181.617, abs=1e-3)


def test_numeric_path_when_sympy_has_no_closed_form():
    # f' = sin(x) + x*cos(x): tan(x) = -x has no closed form
    method, points = points_of("x*sin(x)", "--x", "-3:3")
    assert method == "numeric"
    root = 2.0287578381104342  # tan(x) = -x, from scipy.optimize.brentq to 1e-16
    assert [kind for kind, _ in points] == ["maximum", "minimum", "maximum"]
    assert np.allclose([at for _, at in points], [-root, 0.0, root], atol=1e-12)


@pytest.mark.parametrize(
    "args",
    [
        ("x**3 - 3*x", "--x", "-3:3"),
        ("x**4 - 2*x**2", "--x", "-2:2"),
        ("x**3", "--x", "-1:1"),
        ("x**4", "--x", "-1:1"),
        ("exp(-x**2)", "--x", "-2:2"),
        ("x**2 - y**2 + x*y", "--x", "-2:2", "--y", "-2:2"),
        ("x**3 - 3*x + y**2", "--x", "-2:2", "--y", "-2:2"),
        ("x*y*(x + y - 1)", "--x", "-1:2", "--y", "-1:2"),
    ],
)
def test_the_numeric_search_finds_what_sympy_finds(args):
    method, exact = points_of(*args)
    assert method == "symbolic"
    method, numeric = points_of(*args, "--budget", "0")  # no time for sympy
    assert method == "numeric"
    assert [p[0] for p in numeric] == [p[0] for p in exact]
    assert np.allclose([p[1:] for p in numeric], [p[1:] for p in exact], atol=1e-7)


def test_higher_derivatives_decide_when_f_second_is_zero():
    assert points_of("x**3", "--x", "-1:1")[1] == [("inflection", 0.0)]
    assert points_of("x**4", "--x", "-1:1")[1] == [("minimum", 0.0)]
    assert points_of("-x**6", "--x", "-1:1", "--budget", "0")[1] == [("maximum", 0.0)]
    assert points_of("x**4 + y**4", "--x", "-1:1", "--y", "-1:1")[1] == [("inconclusive", 0.0, 0.0)]


def test_critical_pretty_table_says_how_they_were_found_and_marks_the_plot():
    out = ok("critical", "x**3 - 3*x", "--x", "-3:3", "--width", "60", "--budget", "60")
    assert "found symbolically" in out
    assert "  maximum  -1   2   -6\n  minimum   1  -2    6\n" in out
    assert out.count("o") >= 2
    out = ok("critical", "x*sin(x)", "--x", "-3:3", "--width", "60")
    assert "found numerically: Newton's method" in out
    out = ok(
        "critical", "x**2 - y**2", "--x", "-1:1", "--y", "-1:1", "--width", "40", "--budget", "60"
    )
    assert "|" in out and "s saddle" in out and out.count("s") >= 3


def test_critical_plain_is_one_line_per_point():
    assert ok("critical", "x**3 - 3*x", "--x", "-3:3", "--plain", "--budget", "60") == (
        "maximum -1.0 2.0\nminimum 1.0 -2.0\n"
    )


# ---------------------------------------------------------------- bad input, images, start-up


@pytest.mark.parametrize(
    "args, message",
    [
        (["tangent", "x*y", "--at", "x=1"], "tangent needs EXPR of one input (EXPR has 2: x, y)"),
        (["tangent", "x**2"], "give the point, e.g. --at x=2"),
        (["tangent", "sum([x, x])*[1, 2]", "--at", "x=1"], "must be a number"),
        (["tangent", "log(x)", "--at", "x=-1"], "not a finite real number"),
        (["tangent", "x**2", "--at", "x=1", "--range", "2:1"], "a larger one"),
        (["taylor", "exp(x)", "--at", "x=0", "--order", "31"], "0<=x<=30"),
        (["taylor", "exp(x)", "--at", "x=0", "--order", "-1"], "0<=x<=30"),
        (["taylor", "2"], "taylor needs EXPR of one input (EXPR has none)"),
        (["critical", "x*y*z"], "critical needs EXPR of one or two inputs (EXPR has 3"),
        (["critical", "x**2", "--x", "1:1"], "a larger one"),
        (["critical", "x**2", "--x", "3"], "give a range LO:HI"),
        (["critical", "x*[1, 2]", "--x", "-1:1"], "must be a number"),
        (["critical", "(x - y)**2", "--x", "-1:1", "--y", "-1:1"], "not isolated"),
        (["critical", "x*0 + 1", "--x", "-1:1"], "not isolated"),
        (["critical", "x**2", "--x", "-1:1", "-o", "p.pdf"], "a .png or an .svg"),
        (["critical"], 'missing EXPR: e.g. gradcli critical "x**3 - 3*x" --x -3:3'),
    ],
)
def test_bad_input_exits_2_with_a_message(args, message):
    assert message in bad(*args)


@pytest.mark.parametrize(
    "args",
    [
        ("tangent", "x**3", "--at", "x=2"),
        ("taylor", "exp(x)", "--at", "x=0"),
        ("critical", "x**3 - 3*x", "--x", "-3:3"),
        ("critical", "x**2 - y**2", "--x", "-1:1", "--y", "-1:1"),
    ],
)
def test_images_have_the_requested_size(tmp_path, args):
    pytest.importorskip("matplotlib", reason='an optional extra: pip install "gradcli[plot]"')
    path = tmp_path / "plot.png"
    out = ok(*args, "-o", str(path), "--size", "640x480")
    assert f"wrote {path} (640x480)" in out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (640, 480)


def test_without_matplotlib_o_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    result = gradcli("tangent", "x**2", "--at", "x=1", "-o", str(tmp_path / "t.png"))
    assert result.exit_code == 2
    assert 'tangent -o needs matplotlib, an optional extra: pip install "gradcli[plot]"' in (
        result.stderr
    )


# start-up: what a plain homework command must not load (rich 30 ms, matplotlib 300 ms, the
# other commands' modules)
NOT_FOR_HOMEWORK = [
    "rich",
    "matplotlib",
    *(f"gradcli.commands.{m}" for m in ("grad", "tape", "jacobian", "hessian", "diff", "check")),
    *("gradcli.commands.plot", "gradcli.commands.functions", "gradcli.render.tables"),
]


@pytest.mark.parametrize(
    "args",
    [
        ["tangent", "x**3", "--at", "x=2", "--plain"],
        ["taylor", "exp(x)", "--at", "x=0", "--plain"],
        ["critical", "x**3 - 3*x", "--x", "-3:3", "--plain"],
    ],
)
def test_plain_homework_commands_load_only_what_they_need(args):
    code = (
        "import sys\n"
        "from gradcli.commands.group import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"loaded = [m for m in {NOT_FOR_HOMEWORK!r} if m in sys.modules]\n"
        "assert not loaded, f'loaded {loaded}'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


# ---------------------------------------------------------------- fuzzing

from .test_fuzz import FUZZ, NUMBERS, folder, programs, run_checked  # noqa: E402, F401

POINTS = st.sampled_from(["x=1", "x=0", "x=-1.5", "x=pi", "y=1", "x=", "x=nan", "x=1:2", "x"])
RANGES = st.sampled_from(["-1:1", "-pi:pi", "1:1", "0:1e308", "a:b", "-inf:1", *NUMBERS])
SMALL = ["--budget", "0.3", "--width", "40", "--height", "4"]  # last: they win over random words


def homework_lines() -> st.SearchStrategy:
    words = st.lists(
        st.sampled_from(
            [["--json"], ["--plain"], ["--format", "latex"], ["--order", "0"], ["--order", "31"],
             ["--range", "2:1"], ["--range", "-1:1"], ["--size", "10x10"], ["-o", "out.txt"],
             ["--y", "-1:1"], ["--x", "2"], ["--bogus"]]
        ),
        max_size=2,
    ).map(lambda chosen: sum(chosen, []))  # fmt: skip
    point = st.tuples(st.sampled_from(["tangent", "taylor"]), programs(), POINTS, words).map(
        lambda t: [t[0], t[1], "--at", t[2], *t[3], *SMALL]
    )
    critical = st.tuples(programs(), RANGES, words).map(
        lambda t: ["critical", t[0], "--x", t[1], *t[2], *SMALL]
    )
    return st.one_of(point, critical)


@settings(FUZZ, max_examples=120)
@given(words=homework_lines())
def test_no_command_line_breaks_tangent_taylor_or_critical(words, folder, monkeypatch):  # noqa: F811
    run_checked(words, folder, monkeypatch)
