"""`program.minimize` on the classic test functions, against known minima and scipy.optimize."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import UsageError
from gradcli.language.parser import parse
from gradcli.program.minimize import Settings, classify, default_method, minimize
from gradcli.program.records import Declaration, Request


def request(source: str, dtype=np.float64, consts: dict | None = None, **inputs) -> Request:
    declared = [Declaration(n, "variable", np.asarray(v, dtype=dtype)) for n, v in inputs.items()]
    declared += [
        Declaration(n, "constant", np.asarray(v, dtype=dtype)) for n, v in (consts or {}).items()
    ]
    return Request(program=parse(source), declarations=tuple(declared), dtype=np.dtype(dtype))


ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
BEALE = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
BOOTH = "(x + 2*y - 7)**2 + (2*x + y - 5)**2"


@pytest.mark.parametrize("method", ["newton", "bfgs"])
def test_rosenbrock_from_the_classic_start_reaches_one_one(method):
    result = minimize(request(ROSENBROCK, x=-1.2, y=1.0), Settings(method=method))
    assert result.reason == "converged" and result.gradient_norm <= 1e-6
    np.testing.assert_allclose(result.point, [1.0, 1.0], atol=1e-6)
    assert result.target < 1e-12 and result.curvature.kind == "minimum"


def test_rosenbrock_with_adam_and_gd_heads_for_one_one():
    adam = minimize(
        request(ROSENBROCK, x=-1.2, y=1.0),
        Settings(method="adam", learning_rate=0.02, steps=3000),
    )
    np.testing.assert_allclose(adam.point, [1.0, 1.0], atol=0.02)
    gd = minimize(
        request(ROSENBROCK, x=-1.2, y=1.0),
        Settings(method="gd", learning_rate=0.001, steps=2000),
    )
    assert gd.reason == "step limit" and gd.steps == 2000
    assert gd.target < 0.1 and np.all(np.diff(gd.targets[100:]) <= 0)  # down the valley


@pytest.mark.parametrize(
    "start, minimum",
    [
        ((3.2, 1.8), (3.0, 2.0)),
        ((-2.7, 3.0), (-2.805118, 3.131312)),
        ((-3.6, -3.1), (-3.779310, -3.283186)),
        ((3.4, -1.7), (3.584428, -1.848126)),
    ],
)
@pytest.mark.parametrize("method", ["newton", "bfgs"])
def test_himmelblau_each_of_its_four_minima_from_a_start_near_it(start, minimum, method):
    result = minimize(request(HIMMELBLAU, x=start[0], y=start[1]), Settings(method=method))
    assert result.reason == "converged"
    np.testing.assert_allclose(result.point, minimum, atol=1e-5)
    assert abs(result.target) < 1e-10 and result.curvature.kind == "minimum"


def test_beale_and_booth_reach_their_known_minima():
    beale = minimize(request(BEALE, x=1.0, y=1.0), Settings(method="bfgs"))
    np.testing.assert_allclose(beale.point, [3.0, 0.5], atol=1e-5)
    booth = minimize(request(BOOTH, x=0.0, y=0.0), Settings())
    np.testing.assert_allclose(booth.point, [1.0, 3.0], atol=1e-9)
    assert booth.method == "newton" and booth.method_is_default and booth.steps == 1


def test_a_convex_quadratic_in_50_inputs_takes_newton_one_step():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((50, 50))
    a = m @ m.T + 50 * np.eye(50)
    b = rng.standard_normal(50)
    result = minimize(
        request("0.5 * sum(x * (A @ x)) - sum(b * x)", x=np.zeros(50), consts={"A": a, "b": b}),
        Settings(method="newton"),
    )
    assert result.steps == 1 and result.reason == "converged"
    np.testing.assert_allclose(result.point, np.linalg.solve(a, b), rtol=1e-9, atol=1e-12)
    assert result.curvature is None  # more than 32 scalar inputs: no eigenvalues


def test_least_squares_on_100_points_is_the_normal_equations_answer():
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(100), rng.uniform(-2, 2, 100), rng.uniform(-2, 2, 100)])
    y = x @ np.array([0.5, -1.5, 2.0]) + 0.1 * rng.standard_normal(100)
    expected = np.linalg.solve(x.T @ x, x.T @ y)
    for method in ("bfgs", "newton"):
        result = minimize(
            request("mean((X @ w - y)**2)", w=np.zeros(3), consts={"X": x, "y": y}),
            Settings(method=method),
        )
        assert result.reason == "converged"
        np.testing.assert_allclose(result.point, expected, rtol=1e-6, atol=1e-8)


def test_logistic_regression_matches_scipy_bfgs_loss():
    from scipy.optimize import minimize as scipy_minimize

    rng = np.random.default_rng(2)
    features = rng.standard_normal((200, 3))
    labels = (features @ [1.5, -2.0, 0.5] + 0.8 * rng.standard_normal(200) > 0).astype(float)
    source = "z = X @ w + b; mean(log(1 + exp(-z)) + (1 - t) * z)"

    def loss(p):
        z = features @ p[:3] + p[3]
        return float(np.mean(np.log1p(np.exp(-z)) + (1 - labels) * z))

    reference = scipy_minimize(loss, np.zeros(4), method="BFGS", options={"gtol": 1e-8})
    result = minimize(
        request(source, w=np.zeros(3), b=0.0, consts={"X": features, "t": labels}),
        Settings(method="bfgs"),
    )
    assert result.reason == "converged"
    assert abs(result.target - reference.fun) <= 1e-6
    np.testing.assert_allclose(result.point, reference.x, atol=1e-3)


# ---------------------------------------------------------------- stopping, bounds, maximize


def test_every_stopping_reason():
    assert minimize(request("x**2", x=1.0), Settings()).reason == "converged"
    limited = minimize(request("x**2", x=1.0), Settings(method="gd", steps=3))
    assert (limited.reason, limited.steps, len(limited.targets)) == ("step limit", 3, 4)
    diverged = minimize(request("x**4", x=3.0), Settings(method="gd", learning_rate=1.0))
    assert diverged.reason == "diverged: non-finite values"
    last = (diverged.targets[-1], diverged.gradient_norms[-1])
    assert np.isfinite(diverged.target) and not np.all(np.isfinite(last))
    assert diverged.curvature is None  # no second-derivative test at a point it ran away from
    # gd bounces across abs's kink: the target stops changing but the gradient does not
    stuck = minimize(request("abs(x)", x=0.05), Settings(method="gd", learning_rate=0.1))
    assert stuck.reason == "no progress" and stuck.gradient_norm == 1.0


def test_gd_with_momentum_overshoots_but_is_not_stopped_for_it():
    result = minimize(request("x**2", x=1.0), Settings(method="gd", momentum=0.9))
    assert result.reason == "converged" and abs(result.point[0]) < 1e-6


def test_a_bound_is_kept_by_projection_and_the_answer_on_it_converges():
    for method in ("gd", "adam", "newton", "bfgs"):
        settings = Settings(method=method, learning_rate=0.1, bounds={"x": (-1.0, 2.0)})
        if method in ("newton", "bfgs"):
            settings = Settings(method=method, bounds={"x": (-1.0, 2.0)})
        result = minimize(request("(x - 3)**2 + (y + 1)**2", x=0.0, y=0.0), settings)
        assert result.reason == "converged", method
        np.testing.assert_allclose(result.point, [2.0, -1.0], atol=1e-3)
        assert result.at_bounds == ("x",) and result.gradient_norm > 1
        assert np.all(result.points is None or result.points[:, 0] <= 2.0)


def test_a_start_outside_the_bounds_is_moved_onto_them():
    result = minimize(request("(x - 3)**2", x=12.0), Settings(bounds={"x": (0.0, 10.0)}))
    assert result.point[0] == pytest.approx(3.0) and "outside the bounds" in result.notes[0]


def test_maximize_finds_the_largest_value_and_calls_it_a_maximum():
    result = minimize(request("sin(x)", x=1.0), Settings(maximize=True))
    assert result.point[0] == pytest.approx(np.pi / 2) and result.target == pytest.approx(1.0)
    assert result.curvature.kind == "maximum" and result.targets[-1] == result.target


def test_a_saddle_point_is_named_by_the_hessians_eigenvalues():
    curvature = classify(np.array([[2.0, 0.0], [0.0, -3.0]]), np.dtype(np.float64))
    assert curvature.kind == "saddle point"
    np.testing.assert_allclose(curvature.eigenvalues, [-3.0, 2.0])
    assert classify(np.diag([1.0, 0.0]), np.dtype(np.float64)).kind == "inconclusive"
    # newton from the saddle's own axis is damped away from it toward a minimum
    result = minimize(request("x**2 - y**2 + y**4", x=0.5, y=0.1), Settings(method="newton"))
    np.testing.assert_allclose(np.abs(result.point), [0.0, np.sqrt(0.5)], atol=1e-6)
    assert result.curvature.kind == "minimum"


def test_the_default_method_follows_the_size():
    assert [default_method(n) for n in (1, 10, 11, 2000, 2001)] == [
        "newton",
        "newton",
        "bfgs",
        "bfgs",
        "adam",
    ]


def test_float32_runs_in_float32_and_still_converges_with_a_float32_tolerance():
    result = minimize(request(ROSENBROCK, np.float32, x=-1.2, y=1.0), Settings(tol=1e-3))
    assert result.values()["x"].dtype == np.float32
    np.testing.assert_allclose(result.point, [1.0, 1.0], atol=1e-2)


def test_frozen_and_constant_inputs_stay_and_a_disconnected_input_is_noted():
    declared = (
        Declaration("x", "variable", np.array(0.0)),
        Declaration("y", "variable", np.array(5.0)),
        Declaration("a", "frozen", np.array(2.0)),
        Declaration("c", "constant", np.array(1.0)),
    )
    program = parse("(x - a)**2 + c")
    result = minimize(Request(program=program, declarations=declared), Settings())
    assert result.names == ("x", "y")
    np.testing.assert_allclose(result.point, [2.0, 5.0])
    assert result.target == pytest.approx(1.0)
    assert result.notes == ("the target does not depend on y: it stays where it started",)


@pytest.mark.parametrize(
    "source, inputs, message",
    [
        ("[x, x]", {"x": 1.0}, "scalar target"),
        ("x**2", {}, "no trainable input"),
        ("dense([[1.0]], 2)", {"x": 1.0}, "creates variables"),
        ("3.0", {"x": 1.0}, "does not depend on any trained input"),
    ],
)
def test_problems_that_cannot_be_minimized_are_usage_errors(source, inputs, message):
    with pytest.raises(UsageError, match=message):
        minimize(request(source, **inputs), Settings())


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    method=st.sampled_from(["newton", "bfgs"]),
)
def test_any_convex_quadratic_is_solved_by_newton_and_bfgs(size, seed, method):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((size, size))
    a = m @ m.T + 0.5 * np.eye(size)  # positive definite, condition number within reach
    b = rng.standard_normal(size)
    result = minimize(
        request("0.5 * sum(x * (A @ x)) - sum(b * x)", x=np.zeros(size), consts={"A": a, "b": b}),
        Settings(method=method),
    )
    assert result.reason == "converged"
    np.testing.assert_allclose(result.point, np.linalg.solve(a, b), atol=1e-5)
    assert result.curvature.kind == "minimum"


@settings(max_examples=25, deadline=None)
@given(
    lo=st.floats(-5, 0),
    width=st.floats(0.1, 5),
    start=st.floats(-10, 10),
    method=st.sampled_from(["gd", "adam", "newton", "bfgs"]),
)
def test_every_point_visited_is_inside_the_bounds(lo, width, start, method):
    hi = lo + width
    settings_ = Settings(method=method, bounds={"x": (lo, hi)}, keep_points=True, steps=200)
    result = minimize(request("(x - 2)**2 + sin(3*x)", x=start), settings_)
    assert np.all((result.points >= lo) & (result.points <= hi))
    assert lo <= result.point[0] <= hi
