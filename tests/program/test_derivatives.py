"""grad --order N, jacobian and hessian: nested tapes, against closed forms, finite differences and
sympy, through the API and the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli
from gradcli.language.parser import parse
from gradcli.program import derivatives
from gradcli.program.derivatives import derivatives_of_order, hessian, jacobian
from gradcli.program.records import Declaration, Report, Request
from gradcli.record import replace
from gradcli.symbolic.check import cross_check


def request(program: str, **declared) -> Request:
    options = {
        k: declared.pop(k) for k in ("stop", "wrt", "targets", "unconnected") if k in declared
    }
    declarations = []
    for name, value in declared.items():
        kind, value = value if isinstance(value, tuple) else ("variable", value)
        declarations.append(Declaration(name, kind, np.asarray(value, dtype=np.float64)))
    return Request(parse(program), tuple(declarations), **options)


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"}, catch_exceptions=False)


def run_json(*args) -> dict:
    result = gradcli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def finite_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f(x)[i] / d x[j] by central differences, shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    columns = []
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    out = np.stack(columns, axis=-1)
    return out.reshape(np.shape(f(x)) + x.shape)


# ---------------------------------------------------------------- grad --order N


def test_the_third_derivative_of_x_cubed_at_two_is_six():
    result = gradcli("grad", "x**3", "--x", "2", "--order", "3", "--plain")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "6.0\n", "")


def test_order_tables_say_what_they_show_and_check_with_sympy():
    result = gradcli("grad", "x**3", "--x", "2", "--order", "3")
    assert result.exit_code == 0
    assert "Derivatives of order 3" in result.stdout
    assert "x       symbolic  6           6.0" in result.stdout
    assert "all derivatives agree with sympy" in result.stdout
    data = run_json("grad", "x**3", "--x", "2", "--order", "3")
    assert data["order"] == 3 and data["results"][0]["gradients"] == {"x": 6.0}
    assert "order" not in run_json("grad", "x**3", "--x", "2")  # grad's document is unchanged


def test_order_n_through_a_chain_matches_the_closed_form_and_both_checks():
    req = request("y = x*x; z = sin(y)*x", x=0.7)
    evaluation = derivatives_of_order(req, 4)
    a = 0.7
    closed = (
        -4 * a * (-4 * a**4 * math.sin(a * a) + 20 * a * a * math.cos(a * a) + 15 * math.sin(a * a))
    )
    assert float(evaluation.results[0].gradients["x"]) == pytest.approx(closed, rel=1e-12)
    (symbolic,) = cross_check(req, Report(evaluation))
    (numeric,) = cross_check(req, Report(evaluation), max_symbolic_elements=0)
    assert symbolic["x"].method == "symbolic" and symbolic["x"].agrees
    assert numeric["x"].method == "finite-difference" and numeric["x"].agrees


def test_order_two_of_several_targets_and_sources():
    data = run_json(
        "grad",
        "y = x*x*w; z = y*y",
        "--x",
        "3",
        "--w",
        "2",
        "--target",
        "z",
        "--target",
        "y",
        "--order",
        "2",
    )
    z, y = data["results"]
    assert z["gradients"] == {"x": 12 * 9 * 4, "w": 2 * 81}  # z = x**4 w**2
    assert y["gradients"] == {"x": 4.0, "w": 0.0}


def test_a_derivative_that_does_not_depend_on_the_source_makes_the_next_zero():
    evaluation = derivatives_of_order(request("3*x + c", x=2.0, c=("constant", 1.0)), 2)
    result = evaluation.results[0]
    assert float(result.gradients["x"]) == 0.0
    assert result.reasons["x"] == "the 1st derivative does not depend on x: the 2nd is 0"
    assert result.gradients["c"] is None  # as grad says: a constant is not watched
    assert result.reasons["c"] == "constant: not watched (add --watch c)"


def test_order_on_a_tensor_source_is_a_clear_usage_error():
    result = gradcli("grad", "sum(x**3)", "--x", "[1, 2]", "--order", "2")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: --order 2 needs scalar sources, but 'x' has shape (2,)")
    assert result.stderr.count("\n") == 1
    result = gradcli("grad", "x**3", "--x", "2", "--order", "0")
    assert result.exit_code == 2 and "--order" in result.stderr


def test_a_high_order_stops_at_the_recording_limit_which_a_flag_raises():
    # each order records about three times the operations of the one before: bounded
    program = ["grad", "sin(x)*exp(x*x)", "--x", "0.5", "--order", "5", "--no-check"]
    result = gradcli(*program, "--max-tape-ops", "50")
    assert result.exit_code == 2
    assert result.stderr.startswith("limit exceeded: --order 5: the ")
    assert "more than the limit of 50" in result.stderr and "--max-tape-ops" in result.stderr
    assert gradcli(*program, "--plain").exit_code == 0


def test_order_respects_stop_gradient_and_stop():
    assert gradcli(
        "grad", "stop_gradient(x*x)*x", "--x", "3", "--order", "2", "--plain"
    ).stdout == ("0.0\n")
    stopped = gradcli("grad", "y = x*x; z = y*x*x", "--x", "3", "--stop", "y", "--order", "2")
    assert stopped.exit_code == 0
    assert "x       ()     18.0" in stopped.stdout  # d2/dx2 (9 x**2) with y held at 9


# ---------------------------------------------------------------- jacobian


def test_jacobian_of_x_times_a_list_against_finite_differences():
    report = jacobian(request("x * [3., 4.]", x=2.0))
    got = report.evaluation.results[0].gradients["x"]
    np.testing.assert_allclose(got, finite_jacobian(lambda x: x * np.array([3.0, 4.0]), 2.0))
    assert got.shape == (2,)  # target.shape + source.shape = (2,) + ()
    assert gradcli("jacobian", "x * [3., 4.]", "--x", "2", "--plain").stdout == "3.0\n4.0\n"


def test_jacobian_of_matmul_programs_against_finite_differences():
    w = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    x = np.array([0.3, -0.7, 1.1])
    req = request("y = W @ x; tanh(y)", W=w, x=x)
    got = jacobian(req).evaluation.results[0].gradients
    np.testing.assert_allclose(got["x"], finite_jacobian(lambda v: np.tanh(w @ v), x), rtol=1e-7)
    np.testing.assert_allclose(got["W"], finite_jacobian(lambda m: np.tanh(m @ x), w), rtol=1e-7)
    assert got["W"].shape == (2, 2, 3)
    (checks,) = cross_check(req, jacobian(req), max_symbolic_elements=0)
    assert {s: (c.method, c.agrees) for s, c in checks.items()} == {
        "W": ("finite-difference", True),
        "x": ("finite-difference", True),
    }
    np.testing.assert_allclose(checks["x"].expected, got["x"], rtol=1e-7)


def test_jacobian_of_a_row_times_a_matrix_has_four_axes_shown_as_json():
    args = ("jacobian", "x @ W", "--var", "x=[[1., 2.]]", "--W", "[[1, 2], [3, 4]]")
    data = run_json(*args)
    result = data["results"][0]
    assert result["jacobian_shapes"] == {"x": [1, 2, 1, 2], "W": [1, 2, 2, 2]}
    expected = finite_jacobian(lambda m: np.array([[1.0, 2.0]]) @ m, np.array([[1.0, 2], [3, 4]]))
    np.testing.assert_allclose(result["jacobians"]["W"], expected, atol=1e-9)
    table = gradcli(*args).stdout
    assert "as JSON (more than two axes)\n[[[[1.0, 3.0]], [[2.0, 4.0]]]]" in table
    assert "all Jacobians agree with sympy" in table


def test_jacobian_matrix_table():
    result = gradcli("jacobian", "W @ x", "--const", "W=[[1,2],[3,4]]", "--x", "[1,1]")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("Jacobian d(W @ x)/dx, shape (2, 2)")
    assert lines[start + 1 : start + 5] == [
        "d(W @ x)/dx  x[0]  x[1]",
        "-----------------------",
        "(W @ x)[0]   1.0   2.0",
        "(W @ x)[1]   3.0   4.0",
    ]
    assert "Jacobian d(W @ x)/dW: None (constant: not watched (add --watch W))" in result.stdout


def test_a_wrong_jacobian_is_caught_with_exit_code_one(monkeypatch):
    def wrong(req):
        report = jacobian(req)
        result = report.evaluation.results[0]
        bad = replace(result, gradients={"x": result.gradients["x"] + 1})
        return replace(report, evaluation=replace(report.evaluation, results=(bad,)))

    monkeypatch.setattr(derivatives, "jacobian", wrong)
    result = gradcli("jacobian", "x * [3., 4.]", "--x", "2")
    assert result.exit_code == 1
    assert "1 Jacobian disagrees: x" in result.stdout


# ---------------------------------------------------------------- hessian


A, B = 0.7, -1.3


def closed_hessian(a: float, b: float) -> list:
    c, s = math.cos(a * b), math.sin(a * b)
    return [[2 * b - b * b * s, 2 * a + c - a * b * s], [2 * a + c - a * b * s, -a * a * s]]


def test_hessian_of_x2y_plus_sin_xy_against_the_closed_form_and_sympy():
    import sympy as sp

    req = request("x**2 * y + sin(x*y)", x=A, y=B)
    result = hessian(req)
    got = [[float(result.blocks[a][b]) for b in "xy"] for a in "xy"]
    np.testing.assert_allclose(got, closed_hessian(A, B), rtol=1e-13)
    x, y = sp.symbols("x y")
    expected = sp.hessian(x**2 * y + sp.sin(x * y), (x, y)).subs({x: A, y: B})
    np.testing.assert_allclose(got, np.array(expected, dtype=float), rtol=1e-13)
    assert result.symmetric and result.asymmetry == 0.0
    checks = cross_check(req, result)
    assert all(
        checks[a][b].method == "symbolic" and checks[a][b].agrees for a in "xy" for b in "xy"
    )
    assert checks["y"]["y"].expression == "-x**2*sin(x*y)"
    numeric = cross_check(req, result, max_symbolic_elements=0)
    assert all(numeric[a][b].method == "finite-difference" for a in "xy" for b in "xy")
    assert all(numeric[a][b].agrees for a in "xy" for b in "xy")


def test_hessian_command_table_json_and_plain():
    args = ("hessian", "x**2 * y + sin(x*y)", "--x", str(A), "--y", str(B))
    table = gradcli(*args)
    assert table.exit_code == 0
    assert (
        "Hessian\n   x            y\n----------------------------\nx  -1.26573868  1.295297346\n"
        in (table.stdout)
    )
    assert "symmetric: yes" in table.stdout
    assert "all second derivatives agree with sympy" in table.stdout
    data = run_json(*args)
    np.testing.assert_allclose(
        [[data["hessian"][a][b] for b in "xy"] for a in "xy"], closed_hessian(A, B), rtol=1e-13
    )
    assert data["symmetry"] == {"max_abs_asymmetry": 0.0, "symmetric": True}
    plain = gradcli(*args, "--plain").stdout.splitlines()  # a row per line
    rows = [[float(v) for v in line.split()] for line in plain]
    assert np.allclose(rows, closed_hessian(A, B), rtol=1e-13)


def test_hessian_blocks_of_a_tensor_and_a_scalar_source():
    req = request("sum(x**3) + x[0]*x[1]*y", x=[1.0, 2.0], y=2.0, c=("constant", 1.0))
    result = hessian(req)
    assert result.blocks["x"]["x"].tolist() == [[6.0, 2.0], [2.0, 12.0]]
    assert result.blocks["x"]["y"].tolist() == [2.0, 1.0] == result.blocks["y"]["x"].tolist()
    assert float(result.blocks["y"]["y"]) == 0.0
    assert result.blocks["c"] == {"x": None, "y": None, "c": None}
    assert result.blocks["x"]["c"] is None
    checks = cross_check(req, result)
    assert all(check.agrees for row in checks.values() for check in row.values())
    assert gradcli("hessian", "sum(x**3)", "--x", "[1, 2]", "--plain").stdout == (
        "6.0 0.0\n0.0 12.0\n"
    )
    # every element of every source, a row per line; None where a source has no gradient
    plain = gradcli("hessian", "sum(x**3) + x[0]*x[1]*y", "--x", "[1, 2]", "--y", "2", "--plain")
    assert plain.stdout == "6.0 2.0 2.0\n2.0 12.0 1.0\n2.0 1.0 0.0\n"
    with_constant = gradcli(
        "hessian", "x*y + c", "--x", "1", "--y", "2", "--const", "c=1", "--plain"
    )
    assert with_constant.stdout == "0.0 1.0 None\n1.0 0.0 None\nNone None None\n"


def test_hessian_holds_stopped_values_constant():
    result = hessian(request("y = x*x; z = y*x", x=3.0, stop=("y",)))
    assert float(result.blocks["x"]["x"]) == 0.0
    result = hessian(request("z = stop_gradient(x*x)*x + x**3", x=3.0))
    assert float(result.blocks["x"]["x"]) == 18.0


def test_hessian_needs_one_scalar_target():
    result = gradcli("hessian", "x * [1., 2.]", "--x", "3")
    assert result.exit_code == 2
    assert "hessian needs a scalar target" in result.stderr
    result = gradcli("hessian", "y = x*x; z = y*y", "--x", "3", "--target", "y", "--target", "z")
    assert result.exit_code == 2


def test_an_asymmetric_or_wrong_hessian_exits_one(monkeypatch):
    def wrong(req):
        result = hessian(req)
        blocks = {a: dict(row) for a, row in result.blocks.items()}
        blocks["x"]["y"] = blocks["x"]["y"] + 1.0
        return replace(result, blocks=blocks, symmetric=False, asymmetry=1.0)

    monkeypatch.setattr(derivatives, "hessian", wrong)
    result = gradcli("hessian", "x*y", "--x", "1", "--y", "2")
    assert result.exit_code == 1
    assert "NOT symmetric" in result.stdout
    assert "1 second derivative disagrees: x, y" in result.stdout


# ---------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize("command", ["jacobian", "hessian", "tape"])
def test_commands_share_grads_errors_and_formats(command):
    result = gradcli(command, "x**2 + q", "--x", "3")
    assert result.exit_code == 2 and result.stderr.startswith("unknown name")
    result = gradcli(command, "x**2", "--x", "3", "--format", "csv")
    assert result.exit_code == 2 and "--format csv is for gradcli grad" in result.stderr
    result = gradcli(command, "x**2", "--x", "3", "--json", "--plain")
    assert result.exit_code == 2 and "choose one output format" in result.stderr


@pytest.mark.parametrize("command", ["jacobian", "hessian", "tape"])
def test_every_command_has_help_with_examples(command):
    result = gradcli(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"gradcli {command} " in result.stdout
    assert "--var NAME=VALUE" in result.stdout  # grad's declarations


def test_grad_help_shows_order():
    text = gradcli("grad", "--help").stdout
    assert "--order N" in text and "--order 3 --plain" in text
