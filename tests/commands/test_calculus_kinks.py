"""`gradcli jacobian` and `gradcli hessian` at a kink: a note per Jacobian entry (the one-sided
derivatives of that output by that input) and per Hessian entry (the one-sided derivatives of a
first derivative), in the table, on stderr with --plain, and in --json; checked against one-sided
finite differences written here with numpy (the oracle), and none where the program is smooth."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from gradcli.commands.group import cli

H = 1e-7  # the oracle's one-sided step


def gradcli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_sided(function, point: np.ndarray, axis: int) -> tuple[float, float]:
    """(left, right) derivatives of `function` at `point` along `axis`, by first-order one-sided
    differences."""
    step = np.zeros_like(point)
    step[axis] = H
    f0 = function(point)
    return (f0 - function(point - step)) / H, (function(point + step) - f0) / H


def relu(v: float) -> float:
    return max(v, 0.0)


JACOBIAN_ROWS = {  # the program's outputs, written again in numpy, of (x, y)
    0: lambda p: abs(p[0]),
    1: lambda p: relu(p[0] - p[1]),
}


def test_jacobian_json_has_a_kink_per_entry_whose_sides_differ():
    result = gradcli("jacobian", "[abs(x), relu(x - y)]", "--x", "0", "--y", "0", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    (entry,) = document["results"]
    kinks = {(kink["element"][0], kink["source"]): kink for kink in entry["kinks"]}
    point = np.zeros(2)
    expected = set()
    for row, function in JACOBIAN_ROWS.items():
        for axis, source in enumerate("xy"):
            left, right = one_sided(function, point, axis)
            if abs(left - right) > 1e-3:
                expected.add((row, source))
                kink = kinks[row, source]
                assert abs(kink["left"] - left) < 1e-5 and abs(kink["right"] - right) < 1e-5
                assert kink["gradient"] == entry["jacobians"][source][row]
    # abs(x) by y is smooth (0 both sides): no kink there
    assert set(kinks) == expected == {(0, "x"), (1, "x"), (1, "y")}


def test_jacobian_table_names_the_output_of_each_kink():
    result = gradcli("jacobian", "[abs(x), relu(x - y)]", "--x", "0", "--y", "0")
    text = " ".join(result.stdout.split())
    assert (
        "note: x = 0 is a kink of relu(x - y) (relu() at 0): the derivative from "
        "the left is 0, from the right 1; the Jacobian entry shown, 0, is TensorFlow's "
        "convention there"
    ) in text
    assert "note: x = 0 is a kink of abs(x)" in text
    assert "note: y = 0 is a kink of abs(x)" not in text


def test_jacobian_plain_keeps_stdout_and_writes_the_notes_on_stderr():
    result = gradcli("jacobian", "[abs(x), relu(x - y)]", "--x", "0", "--y", "0", "--plain")
    assert result.stdout == "0.0 -0.0\n0.0 -0.0\n"
    notes = result.stderr.splitlines()
    assert len(notes) == 3 and all(line.startswith("note: ") for line in notes)
    assert "is a kink of relu(x - y)" in notes[1]


def test_a_vector_jacobian_names_each_element():
    document = json.loads(gradcli("jacobian", "relu(x)", "--x", "[0, 1, -1]", "--json").stdout)
    (kink,) = document["results"][0]["kinks"]
    assert kink["source"] == "x[0]" and kink["element"] == [0]
    assert (kink["left"], kink["right"]) == (0.0, 1.0)
    assert "kink of (relu(x))[0]" in gradcli("jacobian", "relu(x)", "--x", "[0, 1, -1]").stdout


def f_hessian(p: np.ndarray) -> float:
    return abs(p[0]) * p[1] + p[0] ** 2


def gradient(p: np.ndarray) -> np.ndarray:
    """f_hessian's first derivatives written by hand, with TensorFlow's convention abs'(0) = 0
    at the kink: what the Hessian differentiates."""
    x, y = p
    return np.array([y * np.sign(x) + 2 * x, abs(x)])


def test_hessian_json_kinks_are_one_sided_differences_of_the_gradient():
    result = gradcli("hessian", "abs(x)*y + x**2", "--x", "0", "--y", "1", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    kinks = {(kink["gradient_of"], kink["source"]): kink for kink in document["kinks"]}
    point = np.array([0.0, 1.0])
    expected = {}
    for row, of in enumerate("xy"):
        for axis, source in enumerate("xy"):
            left, right = one_sided(lambda p, row=row: gradient(p)[row], point, axis)
            if abs(left - right) > 1e-3 or abs(left) > 1e3:
                expected[of, source] = (left, right)
    assert set(kinks) == set(expected) == {("x", "x"), ("y", "x")}
    # d/dy f = |x| kinks at 0: -1 from the left, 1 from the right
    assert (kinks["y", "x"]["left"], kinks["y", "x"]["right"]) == (-1.0, 1.0)
    # d/dx f = y sign(x) + 2x jumps at 0: both one-sided differences grow without bound
    assert expected["x", "x"][0] > 1e3 and expected["x", "x"][1] > 1e3
    assert kinks["x", "x"]["left"] == kinks["x", "x"]["right"] == "inf"
    assert kinks["x", "x"]["gradient"] == document["hessian"]["x"]["x"] == 2.0


def test_hessian_table_and_plain_say_the_kinks():
    table = " ".join(gradcli("hessian", "abs(x)*y + x**2", "--x", "0", "--y", "1").stdout.split())
    assert (
        "note: x = 0 is a kink of the derivative by y (abs() at 0): the derivative from the "
        "left is -1, from the right 1; the second derivative shown, 0, is TensorFlow's "
        "convention there (abs'(0) = 0)"
    ) in table
    assert "note: x = 0 is a jump of the derivative by x (abs() at 0)" in table
    # the cross-check shows the second derivative where it exists, never sympy's DiracDelta
    assert "DiracDelta" not in table and "x, x symbolic 2 2.0" in table
    plain = gradcli("hessian", "abs(x)*y + x**2", "--x", "0", "--y", "1", "--plain")
    assert plain.stdout == "2.0 0.0\n0.0 0.0\n"
    assert plain.stderr.count("note: ") == 2


def test_smooth_points_have_no_notes():
    jacobian = gradcli("jacobian", "[abs(x), relu(x - y)]", "--x", "1", "--y", "0", "--json")
    assert "kinks" not in json.loads(jacobian.stdout)["results"][0]
    hessian = gradcli("hessian", "abs(x)*y + x**2", "--x", "0.5", "--y", "1", "--json")
    assert "kinks" not in json.loads(hessian.stdout)
    assert "note:" not in gradcli("hessian", "x**2*y", "--x", "0", "--y", "1").stdout
