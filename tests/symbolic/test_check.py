"""The cross-check: the tape's gradients against sympy, or against finite differences."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from gradcli import record
from gradcli.language.parser import parse
from gradcli.program.forward import run_forward
from gradcli.program.records import Check, Declaration, Report, Request
from gradcli.program.run import evaluate
from gradcli.program.tolerances import compare, tolerances
from gradcli.symbolic import expected, fast, finite, workers
from gradcli.symbolic.check import cross_check
from gradcli.symbolic.translate import symbolic_derivative, to_sympy

W = [[0.5, -1.0], [0.25, 0.75], [-0.5, 0.2]]


def make(program: str, *declared, dtype=np.float64, **options) -> Request:
    declarations = tuple(
        Declaration(name, kind, np.asarray(value, dtype=dtype)) for name, kind, value in declared
    )
    return Request(parse(program), declarations, dtype=np.dtype(dtype), **options)


def checked(program: str, *declared, check=None, **options):
    request = make(program, *declared, **options)
    evaluation = evaluate(request)
    return evaluation, cross_check(request, Report(evaluation), **(check or {}))


def agree(checks) -> bool:
    return all(c.agrees for per in checks for c in per.values())


# ---------------------------------------------------------------- symbolic


def test_square_at_three():
    _, (checks,) = checked("x**2", ("x", "variable", 3.0))
    assert checks == {"x": Check("symbolic", "2*x", 6.0, 0.0, True)}


def test_several_inputs_show_each_partial_derivative():
    _, (checks,) = checked("x*y + sin(x)", ("x", "variable", 0.5), ("y", "variable", 2.0))
    assert checks["x"].expression == "y + cos(x)"
    assert checks["y"].expression == "x"
    assert checks["x"].expected == pytest.approx(2.0 + np.cos(0.5))
    assert agree([checks])


def test_seed_matmul_mean_checks_every_gradient_that_is_not_none():
    evaluation, (checks,) = checked(
        "y = x @ w + b; loss = mean(y**2)",
        ("x", "constant", [[1, 2, 3]]),
        ("w", "variable", W),
        ("b", "variable", [0, 0]),
    )
    assert list(checks) == ["w", "b"]  # x is a constant: None, with a reason, not checked
    assert checks["w"].method == "symbolic"
    assert checks["w"].expression == "6 partial derivatives"
    np.testing.assert_allclose(checks["w"].expected, evaluation.results[0].gradients["w"])
    assert agree([checks])


def test_seed_dense_with_relu_checks_the_created_variables():
    _, (checks,) = checked(
        "y = dense(x, 2, activation=relu); loss = mean(y**2)", ("x", "constant", [[1, 2, 3]])
    )
    assert list(checks) == ["dense/kernel", "dense/bias"]
    assert {c.method for c in checks.values()} == {"symbolic"}
    assert np.shape(checks["dense/kernel"].expected) == (3, 2)
    assert agree([checks])


def test_seed_no_auto_watch_checks_only_the_watched_input():
    _, (checks,) = checked(
        "y0 = sin(x0); y1 = softplus(x1); y = y0 + y1; ys = sum(y)",
        ("x0", "variable", [1.0, 2.0]),
        ("x1", "variable", [0.5, -1.0]),
        auto_watch=False,
        watch=("x1",),
    )
    assert list(checks) == ["x1"]
    np.testing.assert_allclose(checks["x1"].expected, 1 / (1 + np.exp(-np.array([0.5, -1.0]))))
    assert agree([checks])


def test_seed_assign_add_holds_the_delta_constant():
    _, (checks,) = checked(
        "x3 = assign_add(x1, x0); y = x3**2", ("x0", "variable", 3.0), ("x1", "variable", 0.0)
    )
    assert list(checks) == ["x1"]  # x0's only path runs through assign_add
    assert checks["x1"] == Check("symbolic", "2*x1 + 6", 6.0, 0.0, True)


def test_assign_then_read_is_the_variable_itself_as_on_the_tape():
    evaluation, (checks,) = checked("assign(x, 5.0); y = x*x", ("x", "variable", 3.0))
    assert evaluation.results[0].gradients["x"] == 10.0
    assert checks["x"].expected == 10.0 and checks["x"].agrees


def test_several_targets_and_an_intermediate_source():
    evaluation, (for_z, for_y) = checked(
        "y = x*x; z = y*y", ("x", "variable", 3.0), targets=("z", "y"), wrt=("x", "y")
    )
    assert [r.target for r in evaluation.results] == ["z", "y"]
    assert (for_z["x"].expression, for_z["x"].expected) == ("4*x**3", 108.0)
    assert (for_z["y"].expression, for_z["y"].expected) == ("2*y", 18.0)  # y is held as a symbol
    assert (for_y["x"].expected, for_y["y"].expected) == (6.0, 1.0)
    assert agree([for_z, for_y])


def test_stop_gradient_and_stopped_statements_are_constants():
    _, (checks,) = checked("y = stop_gradient(x)*x", ("x", "variable", 3.0))
    assert checks["x"] == Check("symbolic", "3", 3.0, 0.0, True)
    _, (checks,) = checked("y = x*x; z = y + x", ("x", "variable", 3.0), stop=("y",))
    assert checks["x"].expected == 1.0 and checks["x"].agrees


def test_relu_at_exactly_zero_follows_tensorflow():
    evaluation, (checks,) = checked("relu(x) + relu(-x)", ("x", "variable", 0.0))
    assert evaluation.results[0].gradients["x"] == 0.0
    assert checks["x"].method == "symbolic" and checks["x"].expected == 0.0
    assert checks["x"].agrees


def test_power_follows_tensorflow_where_the_base_is_not_positive():
    # TensorFlow: d/dy x**y is 0 where x <= 0 (sympy alone would say x**y*log(x): nan)
    for x in (-2.0, 0.0):
        _, (checks,) = checked("x**y", ("x", "variable", x), ("y", "variable", 2.0))
        assert (checks["x"].expected, checks["y"].expected) == (2 * x, 0.0)
        assert agree([checks])
    _, (checks,) = checked("x**y", ("x", "variable", 2.0), ("y", "variable", 1.5))
    assert checks["y"].expression == "x**y*log(x)" and checks["y"].agrees


def test_non_finite_expected_matches_non_finite_gradient():
    _, (checks,) = checked("sqrt(x)", ("x", "variable", 0.0))  # sympy: zoo; the tape: inf
    # a derivative that is not a number neither agrees nor disagrees: it is not defined
    assert checks["x"].method == "symbolic" and not checks["x"].defined
    assert not checks["x"].agrees and checks["x"].max_abs_err == 0.0
    assert compare([np.nan], [np.nan], 1e-7, 1e-9) == (0.0, True)
    assert not compare([np.nan], [np.inf], 1e-7, 1e-9)[1]
    assert not compare([np.inf], [-np.inf], 1e-7, 1e-9)[1]
    assert compare([np.inf], [-np.inf], 1e-7, 1e-9, unsigned=[True])[1]


def test_filled_in_zeros_carry_reasons_and_are_not_checked():
    _, (checks,) = checked(
        "y = x*x + c",
        ("x", "variable", 2.0),
        ("c", "constant", 1.0),
        ("u", "variable", 1.0),
        unconnected="zero",
    )
    # c's zero is not d y / d c (which is 1): it is TensorFlow's "not watched", filled with 0
    assert set(checks) == {"x"} and checks["x"].agrees


def test_float32_uses_float32_tolerances():
    request = make("y = x**2 + 0.1*x", ("x", "variable", 3.0), dtype=np.float32)
    evaluation = evaluate(request)
    gradient = evaluation.results[0].gradients["x"]
    assert gradient.dtype == np.float32
    assert tolerances(request, gradient, "symbolic") == (1e-4, 1e-5)
    assert tolerances(request, gradient, "finite-difference") == (1e-2, 1e-3)
    (checks,) = cross_check(request, Report(evaluation))
    assert checks["x"].agrees and 0 < checks["x"].max_abs_err < 1e-5  # 0.1 is rounded to float32
    # an error that float32 cannot explain is caught
    off = _with_gradient(evaluation, "x", gradient * np.float32(1.001))
    assert not cross_check(request, Report(off))[0]["x"].agrees


def _with_gradient(evaluation, source, value, index=0):
    result = evaluation.results[index]
    gradients = {**result.gradients, source: np.asarray(value)}
    results = list(evaluation.results)
    results[index] = record.replace(result, gradients=gradients)
    return record.replace(evaluation, results=tuple(results))


def test_a_wrong_gradient_is_detected_symbolically():
    request = make("y = sin(x) * w", ("x", "variable", 0.3), ("w", "variable", [1.0, 2.0]))
    evaluation = evaluate(request)
    wrong = _with_gradient(evaluation, "w", evaluation.results[0].gradients["w"] + [0, 1e-3])
    (checks,) = cross_check(request, Report(wrong))
    assert checks["x"].agrees
    assert checks["w"].method == "symbolic" and not checks["w"].agrees
    assert checks["w"].max_abs_err == pytest.approx(1e-3)
    misshapen = _with_gradient(evaluation, "w", [1.0, 2.0, 3.0])
    assert cross_check(request, Report(misshapen))[0]["w"] == Check(
        "symbolic", "2 partial derivatives", pytest.approx([0.3, 0.3], rel=0.02), np.inf, False
    )


# ---------------------------------------------------------------- finite differences


def test_above_32_elements_finite_differences_along_three_directions():
    x = np.linspace(-1.0, 1.0, 100)
    request = make("y = sum(sin(x)**2) + mean(x * c)", ("x", "variable", x), ("c", "frozen", 2.0))
    evaluation = evaluate(request)
    (checks,) = cross_check(request, Report(evaluation))
    assert list(checks) == ["x"]
    check = checks["x"]
    assert check.method == "finite-difference"
    assert check.expression == "along 3 random directions"  # expected: 3 directional derivatives
    assert np.shape(check.expected) == (3,) and check.agrees
    wrong = _with_gradient(evaluation, "x", evaluation.results[0].gradients["x"] * 1.01)
    assert not cross_check(request, Report(wrong))[0]["x"].agrees


def test_an_op_without_a_sympy_form_falls_back_to_finite_differences():
    _, (checks,) = checked("where(x > 0, x*x, -x)", ("x", "variable", 2.0))
    assert checks["x"].method == "finite-difference"
    assert checks["x"].expected == pytest.approx(4.0)
    assert checks["x"].agrees


def test_whatever_sympy_raises_falls_back_to_finite_differences(monkeypatch):
    def fail(*args):
        raise TypeError("cannot determine truth value of Relational")

    monkeypatch.setattr(expected, "to_float", fail)
    _, (checks,) = checked("abs(log(x))", ("x", "variable", 0.5))
    assert checks["x"].method == "finite-difference"
    assert checks["x"].expected == pytest.approx(-2.0) and checks["x"].agrees


def test_finite_differences_hold_what_the_tape_does_not_differentiate():
    # stop_gradient, assign_add, assign and a created dense layer, beyond the symbolic limit
    x = np.linspace(-1.0, 1.0, 40)
    _, (checks,) = checked(
        "s = stop_gradient(x) * x; assign_add(v, sum(x)); assign(u, 2.0)\n"
        "h = dense(reshape(x, (1, 40)), 2); t = sum(s) + v * v + u * u + sum(h**2)",
        ("x", "variable", x),
        ("v", "variable", 1.5),
        ("u", "variable", 0.5),
    )
    assert list(checks) == ["x", "v", "u", "dense/kernel", "dense/bias"]
    assert {c.method for c in checks.values()} == {"finite-difference"}
    assert agree([checks])


def test_finite_differences_for_an_intermediate_and_several_targets():
    x = np.linspace(0.5, 1.5, 40)
    _, checks = checked(
        "y = x * x; z = sum(y * y)", ("x", "variable", x), targets=("z", "y"), wrt=("x", "y")
    )
    assert all(c.method == "finite-difference" for per in checks for c in per.values())
    assert agree(checks)


def test_max_symbolic_elements_is_a_parameter():
    _, (checks,) = checked("x**2", ("x", "variable", 3.0), check={"max_symbolic_elements": 0})
    assert checks["x"].method == "finite-difference"
    assert checks["x"].expected == pytest.approx(6.0) and checks["x"].agrees


# ---------------------------------------------------------------- nothing hangs
# Hang guards, not timings: each bound is far above what a busy machine needs and far below what
# the unguarded work takes (minutes, or forever). How fast is for benchmarks/ to say.
HANG = 20.0  # seconds


@pytest.fixture
def sympy_imported():
    """Timed tests time the check, not sympy's import (the first check in a process pays it)."""
    import sympy  # noqa: F401


def test_a_slow_simplify_stops_at_the_budget(sympy_imported):
    start = time.monotonic()
    _, (checks,) = checked(
        "sin(64*x)/sqrt(cos(64*x))", ("x", "variable", 0.1), check={"budget": 0.5}
    )
    assert time.monotonic() - start < HANG
    assert checks["x"].method == "symbolic" and checks["x"].agrees
    assert checks["x"].expression == "32*sin(64*x)**2/cos(64*x)**(3/2) + 64*sqrt(cos(64*x))"


@pytest.mark.parametrize(
    "program, x",
    [("x**1e12", 1.0000001), ("x * 9**9**9", 2.0), ("exp(exp(exp(exp(x))))", 10.0)],
)
def test_huge_numbers_do_not_hang(program, x, sympy_imported):
    start = time.monotonic()
    _, (checks,) = checked(program, ("x", "variable", x))
    assert time.monotonic() - start < HANG
    assert checks["x"].agrees or not checks["x"].defined  # an overflow is not a disagreement


def test_sympy_past_its_timeout_falls_back_to_finite_differences(monkeypatch):
    compute = expected.gradients

    def slow(*args):
        time.sleep(3 * HANG)
        return compute(*args)

    monkeypatch.setattr(expected, "gradients", slow)
    start = time.monotonic()
    # abs: a form the symengine path (fast.py) leaves to sympy
    _, (checks,) = checked("abs(x)**3", ("x", "variable", 2.0), check={"timeout": 0.2})
    assert time.monotonic() - start < HANG  # it did not wait for the worker
    assert checks["x"].method == "finite-difference"
    assert checks["x"].expected == pytest.approx(12.0) and checks["x"].agrees
    if workers.ISOLATION != "thread" and hasattr(os, "waitpid"):
        with pytest.raises(ChildProcessError):  # the late worker was killed and reaped
            os.waitpid(-1, os.WNOHANG)


def test_in_a_thread_when_the_process_cannot_fork(monkeypatch):
    monkeypatch.setattr(workers, "ISOLATION", "thread")
    _, (checks,) = checked("x*x*y", ("x", "variable", 3.0), ("y", "variable", 2.0))
    assert (checks["x"].expression, checks["x"].expected) == ("2*x*y", 12.0)
    assert agree([checks])


# ---------------------------------------------------------------- the reusable translation


def test_to_sympy_and_symbolic_derivative():
    request = make("y = x * w; z = sum(y**2)", ("x", "variable", 2.0), ("w", "variable", [1, 3]))
    statements, symbols, point = to_sympy(request)
    x = symbols["x"][()]
    assert [str(s) for s in symbols["w"]] == ["w[0]", "w[1]"]
    assert point[x] == 2.0 and all(s.is_real for s in point)
    assert list(statements) == ["y", "z"] and statements["y"].shape == (2,)
    derivative = symbolic_derivative(request, "z", "x")  # 2*x*(w0**2 + w1**2), with Floats
    assert float(derivative.xreplace(point)) == 40.0
    assert derivative.free_symbols == {x, *symbols["w"]}
    assert symbolic_derivative(request, None, "w").shape == (2,)


def test_importing_the_check_does_not_import_sympy():
    modules = (
        "gradcli.symbolic.check, gradcli.symbolic.expected, gradcli.symbolic.finite, "
        "gradcli.symbolic.translate, gradcli.commands.group"
    )
    code = f"import sys, {modules}; assert 'sympy' not in sys.modules, 'sympy imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_finite_differences_hold_stopped_statements():
    x = np.linspace(0.5, 1.5, 40)
    evaluation, (checks,) = checked("y = x*x; z = sum(y + x)", ("x", "variable", x), stop=("y",))
    np.testing.assert_array_equal(evaluation.results[0].gradients["x"], np.ones(40))
    assert checks["x"].method == "finite-difference" and checks["x"].agrees


FAST_PROGRAMS = [
    ("x**2", 3.0),
    ("x**3 - 2*x", 1.5),
    ("sin(x)", 0.3),
    ("exp(x)", 1.0),
    ("2*cos(x) + 1", 0.3),
    ("x**2*sin(x)", 3.0),
    ("log(x)/x", 2.0),
    ("sqrt(x) + x**3", 4.0),
    ("tanh(x)", 0.5),
    ("sigmoid(x) + softplus(x)", 0.5),
    ("y = x*x; z = y*2.5; sum(z)", 2.0),
    ("1/x", 0.0),
    ("log(x)", -1.0),
    ("x**2.5", 2.0),
    ("sum(x**2)", [1.0, 2.0, 3.0]),
    ("mean(exp(x) @ x)", [0.5, -1.0]),
    ("abs(x)", 2.0),
    ("2**x", 2.0),
]


@pytest.mark.parametrize("program, value", FAST_PROGRAMS)
def test_the_symengine_path_answers_only_as_sympy_would(program, value):
    # the oracle: sympy's own answer (expected.py), for every key the fast path answers
    request = make(program, ("x", "variable", value))
    evaluation = evaluate(request)
    base = run_forward(request)
    wanted = [(0, None, "x")]
    found = fast.gradients(request, base, wanted, timeout=HANG)
    answers, _ = expected.gradients(request, base, wanted)
    for key, answer in found.items():
        assert isinstance(answers[key], expected.Expected)
        assert answer.expression == answers[key].expression
        np.testing.assert_allclose(answer.values, answers[key].values, rtol=1e-12, atol=1e-12)
        gradient = evaluation.results[0].gradients["x"]
        np.testing.assert_allclose(answer.values, gradient, rtol=1e-9)


def test_the_symengine_path_leaves_to_sympy_what_it_cannot_show_as_sympy_would():
    answered = set()
    for program, value in FAST_PROGRAMS:
        request = make(program, ("x", "variable", value))
        found = fast.gradients(request, run_forward(request), [(0, None, "x")], timeout=HANG)
        if found:
            answered.add(program)
    # 2*x, cos, exp and vectors (not shown) are answered; simplified, kinked, variable
    # exponents, infinite and complex values are sympy's
    assert {"x**2", "sin(x)", "exp(x)", "sum(x**2)", "mean(exp(x) @ x)"} <= answered
    assert not answered & {"x**2*sin(x)", "abs(x)", "2**x", "1/x", "log(x)", "tanh(x)"}


@pytest.mark.parametrize(
    "program, value",
    [("where(x > 0, x*x, -x)", 2.0), ("where(x > 0, x*x, -x)", [1.0, 2.0, 3.0])],
)
def test_finite_differences_start_only_the_runs_the_time_left_affords(program, value):
    request = make(program, ("x", "variable", value))
    evaluation = evaluate(request)
    base = run_forward(request)
    wanted = {(0, None, "x"): np.asarray(evaluation.results[0].gradients["x"])}
    clock = finite.Clock(10.0)
    clock.run_seconds = 6.0  # a forward run that two would not fit in the time left
    (check,) = finite.gradients(request, base, wanted, clock).values()
    assert not check.checked and check.agrees
    assert check.expression == "over the 10 s budget"
    roomy = finite.Clock(10.0)
    roomy.run_seconds = 1e-3
    (check,) = finite.gradients(request, base, wanted, roomy).values()
    assert check.checked and check.method == "finite-difference" and check.agrees


def test_the_whole_check_keeps_to_its_seconds():
    _, (checks,) = checked("x**2", ("x", "variable", 3.0), check={"seconds": 0.0})
    assert checks["x"].method == "not checked" and checks["x"].agrees
    assert checks["x"].expression == "over the 0 s budget" and checks["x"].expected is None
