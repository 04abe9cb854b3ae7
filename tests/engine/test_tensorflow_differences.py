"""Every difference from TensorFlow found by running random programs beside `tf.GradientTape`
(issue 14), each closed or kept on purpose, pinned with TensorFlow's own number beside ours.

TensorFlow is not installed here: each `TF` value below is what TensorFlow 2.21 in float64 gives,
either as measured when the differences were found (the issue's programs) or as its gradient
kernels compute it (tensorflow/python/ops/math_grad.py, nn_grad.py, cwise_ops_gradients.h and
relu_op_functor.h, read rule by rule); the comment beside each says which. Exact values come from
mpmath at 50 digits. The README's "Deliberate differences from TensorFlow" table lists the kept
ones.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import gradcli as gc

pytestmark = pytest.mark.usefixtures("clean_engine")

TENSORFLOW = "TensorFlow 2.21, float64"
mpmath.mp.dps = 50


def gradient_at(function, *values):
    """d function / d each input, at `values` (constants, watched), as floats (None: no path)."""
    xs = [gc.constant(float(v)) for v in values]
    with gc.GradientTape() as tape:
        tape.watch(xs)
        y = function(*xs)
    return [None if g is None else float(g) for g in tape.gradient(y, xs)]


def same(ours: float, theirs: float) -> bool:
    return (math.isnan(ours) and math.isnan(theirs)) or ours == theirs


# ---------------------------------------------------------------- closed: we give TF's number

# (program, x, TensorFlow's d/dx, where TensorFlow's number comes from)
ZERO_UPSTREAM = [
    # sqrt's kernel is zero-safe (mul_no_nan in scalar_sqrt_gradient_op): a zero gradient
    # arriving at sqrt(0) is 0, not 0 * inf. Measured (the random programs).
    ("safe sqrt", lambda x: gc.where(x > 0, gc.sqrt(x), 0.0), 0.0, 0.0, "measured"),
    ("maximum(sqrt(x), 1)", lambda x: gc.maximum(gc.sqrt(x), 1.0), 0.0, 0.0, "measured"),
    # sqrt(-1) is nan in the forward; the zero arriving there still gives 0 (the same kernel)
    ("safe sqrt below 0", lambda x: gc.where(x > 0, gc.sqrt(x), 0.0), -1.0, 0.0, "kernel"),
    # log, log1p, pow, arcsin and division multiply by 1/x, 1/(1+x), x**(y-1), 1/sqrt(1-x*x)
    # and 1/y with a plain multiply (math_grad.py's _LogGrad, _Log1pGrad, _PowGrad, _AsinGrad,
    # _RealDivGrad): 0 * inf is nan there, and we give the same nan
    ("safe log", lambda x: gc.where(x > 0, gc.log(x), 0.0), 0.0, math.nan, "kernel"),
    ("safe log1p", lambda x: gc.where(x > -1, gc.log1p(x), 0.0), -1.0, math.nan, "kernel"),
    ("safe x**0.5", lambda x: gc.where(x > 0, x**0.5, 0.0), 0.0, math.nan, "kernel"),
    ("safe arcsin", lambda x: gc.where(x < 1, gc.asin(x), 0.0), 1.0, math.nan, "kernel"),
    ("safe arccos", lambda x: gc.where(x < 1, gc.acos(x), 0.0), 1.0, math.nan, "kernel"),
    ("safe 1/x", lambda x: gc.where(x != 0, 1.0 / x, 0.0), 0.0, math.nan, "kernel"),
]


@pytest.mark.parametrize(
    ("function", "x", "tensorflow"),
    [pytest.param(f, x, tf, id=name) for name, f, x, tf, _source in ZERO_UPSTREAM],
)
def test_a_zero_gradient_at_an_infinite_local_derivative_gives_tensorflows_answer(
    function, x, tensorflow
):
    with np.errstate(all="ignore"):
        (ours,) = gradient_at(function, x)
    assert same(ours, tensorflow), f"{TENSORFLOW} gives {tensorflow}, gradcli {ours}"


def test_an_intermediate_reached_through_ones_like_is_a_source():
    x = gc.Variable(1.0)
    with gc.GradientTape(persistent=True) as tape:
        y = gc.ones_like(x) * 2.0
        z = y * y
        w = gc.zeros_like(x) + 3.0
        v = w * y
    assert float(tape.gradient(z, y)) == 4.0  # TensorFlow 2.21, float64: 4.0 (measured)
    assert float(tape.gradient(v, w)) == 2.0
    assert tape.gradient(z, x) is None  # ones_like has no gradient, in TensorFlow as here


@pytest.mark.parametrize(("x", "lo", "hi"), [(0.0, 2.0, 1.0), (1.5, 2.0, 1.0), (3.0, 2.0, 1.0)])
def test_clip_with_lo_above_hi_is_lo_with_the_gradient_to_lo(x, lo, hi):
    # TensorFlow's clip_by_value is max(min(x, hi), lo): lo, and the gradient goes to lo
    # (measured: value 2.0, gradients (0, 1, 0)); numpy's clip would give hi
    assert float(gc.clip(gc.constant(x), lo, hi)) == lo
    assert gradient_at(lambda a, b, c: gc.clip(a, b, c), x, lo, hi) == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    ("x", "expected"), [(-1.0, [0.0, 1.0, 0.0]), (0.5, [1.0, 0.0, 0.0]), (2.0, [0.0, 0.0, 1.0])]
)
def test_clip_with_lo_below_hi_is_unchanged(x, expected):
    assert gradient_at(lambda a, b, c: gc.clip(a, b, c), x, -0.5, 1.0) == expected


# ---------------------------------------------------------------- no cancellation in the answer


def exact(expression) -> float:
    return float(expression)


# (name, function, x, exact derivative, TensorFlow's d/dx). TensorFlow's: expm1 and softplus
# from math_grad.py (grad * exp(x), grad * sigmoid(x)); sigmoid and tanh from
# cwise_ops_gradients.h (y * (1 - y), 1 - y * y, y the answer); elu from relu_op_functor.h
# ((y + 1) * grad below 0)
EXTREMES = [
    ("expm1(-40)", gc.expm1, -40.0, mpmath.exp(-40), 4.248354255291589e-18),
    ("expm1(-700)", gc.expm1, -700.0, mpmath.exp(-700), 9.85967654375977e-305),
    ("sigmoid(40)", gc.sigmoid, 40.0, mpmath.exp(-40) / (1 + mpmath.exp(-40)) ** 2, 0.0),
    ("sigmoid(-40)", gc.sigmoid, -40.0, mpmath.exp(-40) / (1 + mpmath.exp(-40)) ** 2, None),
    ("sigmoid(700)", gc.sigmoid, 700.0, mpmath.exp(-700) / (1 + mpmath.exp(-700)) ** 2, 0.0),
    ("tanh(20)", gc.tanh, 20.0, mpmath.sech(20) ** 2, 0.0),
    ("tanh(-20)", gc.tanh, -20.0, mpmath.sech(20) ** 2, 0.0),
    ("tanh(5)", gc.tanh, 5.0, mpmath.sech(5) ** 2, None),
    ("tanh(300)", gc.tanh, 300.0, mpmath.sech(300) ** 2, 0.0),
    ("softplus(-40)", gc.nn.softplus, -40.0, 1 / (1 + mpmath.exp(40)), None),
    ("softplus(40)", gc.nn.softplus, 40.0, 1 / (1 + mpmath.exp(-40)), None),
    ("elu(-40)", gc.nn.elu, -40.0, mpmath.exp(-40), 0.0),
    ("log1p(1e-20)", gc.log1p, 1e-20, 1 / (1 + mpmath.mpf(1e-20)), None),
    ("log1p(-0.999)", gc.log1p, -0.999, 1 / (1 + mpmath.mpf(-0.999)), None),
    ("exp(-700)", gc.exp, -700.0, mpmath.exp(-700), None),
]


@pytest.mark.parametrize(
    ("function", "x", "expected"),
    [pytest.param(f, x, exact(e), id=name) for name, f, x, e, _tf in EXTREMES],
)
def test_gradients_keep_their_digits_at_extreme_inputs(function, x, expected):
    (ours,) = gradient_at(function, x)
    assert ours == pytest.approx(expected, rel=1e-14, abs=1e-320)


@pytest.mark.parametrize(
    ("function", "x", "expected", "tensorflow"),
    [
        pytest.param(f, x, exact(e), tf, id=name)
        for name, f, x, e, tf in EXTREMES
        if tf is not None and tf != exact(e)
    ],
)
def test_where_tensorflow_loses_the_digits_we_keep_them(function, x, expected, tensorflow):
    """Kept on purpose (README: deliberate differences): TensorFlow's kernels rebuild these
    derivatives from the rounded answer (sigmoid(40) is 1.0), and lose every digit."""
    (ours,) = gradient_at(function, x)
    assert tensorflow == 0.0 and ours == pytest.approx(expected, rel=1e-14)


def test_expm1_now_gives_tensorflows_answer():
    (ours,) = gradient_at(gc.expm1, -40.0)
    assert ours == 4.248354255291589e-18  # TensorFlow 2.21, float64: grad * exp(x), the same


# ---------------------------------------------------------------- kept on purpose


def test_sqrt_of_relu_below_zero_is_exactly_zero_where_tensorflow_gives_nan():
    # TensorFlow 2.21, float64: nan (measured): sqrt's kernel sends 1 * 0.5 / 0 = inf, and
    # relu's multiplies it by 0. relu's gradient here is a `where`: exactly 0, the true slope
    with np.errstate(all="ignore"):
        (ours,) = gradient_at(lambda x: gc.sqrt(gc.nn.relu(x)), -1.0)
    assert ours == 0.0


def test_the_euclidean_norm_at_zero_has_gradient_zero_where_tensorflow_gives_nan():
    # TensorFlow 2.21, float64: [nan, nan] (tf.norm is sqrt(reduce_sum(x * x)); 0.5 / 0 * 0)
    x = gc.constant([0.0, 0.0])
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = gc.norm(x)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 0.0]


def test_batch_jacobian_of_dependent_examples_is_the_block_diagonal():
    # y[b] = x[b] * (x[0] + x[1]): the examples depend on each other. TensorFlow 2.21, float64:
    # [[[6.]], [[6.]]] (it differentiates sum over b of y[b, j], so each example's answer adds
    # the others' dependence on it: its docs say the examples must be independent). gradcli
    # answers each example's own derivative d y[b] / d x[b], the full Jacobian's diagonal blocks
    x = gc.constant([[1.0], [2.0]])
    with gc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * gc.reduce_sum(x)
    full = tape.jacobian(y, x).numpy().reshape(2, 2)
    ours = tape.batch_jacobian(y, x).numpy()
    assert ours.tolist() == [[[4.0]], [[5.0]]]
    assert ours.ravel().tolist() == np.diag(full).tolist()
    assert full.sum(axis=0).tolist() == [6.0, 6.0]  # what TensorFlow's batch_jacobian gives
