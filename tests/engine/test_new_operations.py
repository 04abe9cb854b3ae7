"""The operations added for TensorFlow's guides, beyond what the registry-wide tests check:
known values, stability at the extremes, the ords of `norm`, `clip_by_norm` and
`clip_by_global_norm` against TensorFlow's formulas, the new `Dense` activations, and the small
compatibilities (`constant(name=, shape=)`, 0-d integer tensors as integers, `stop_gradient`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import gradcli as gc
from gradcli.engine.primitives import REGISTRY
from gradcli.errors import ArgumentError, ShapeError

pytestmark = pytest.mark.usefixtures("clean_engine")


def gradient(function, value, **params):
    x = gc.constant(value)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = function(x, **params)
    return y, tape.gradient(y, x)


def test_softmax_and_log_softmax_do_not_overflow():
    with np.errstate(all="raise"):
        y, g = gradient(lambda x: gc.nn.softmax(x)[0], [1000.0, 1000.0])
        assert y.numpy().tolist() == 0.5 and g.numpy().tolist() == [0.25, -0.25]
        y = gc.nn.log_softmax(gc.constant([1000.0, 0.0]))
        assert y.numpy().tolist() == [0.0, -1000.0]


def test_logsumexp_keeps_large_and_infinite_values():
    with np.errstate(all="raise"):
        assert float(gc.reduce_logsumexp(gc.constant([1000.0, 1000.0]))) == 1000 + math.log(2)
    assert float(gc.math.reduce_logsumexp(gc.constant([-np.inf, -np.inf]))) == -np.inf
    _, g = gradient(gc.reduce_logsumexp, [[0.0, 0.0], [1.0, 1.0]], axis=1)
    np.testing.assert_allclose(g.numpy(), [[0.5, 0.5], [0.5, 0.5]], rtol=1e-15)


def test_elu_gradient_keeps_its_digits_for_large_negative_inputs():
    _, g = gradient(gc.nn.elu, -40.0)
    assert float(g) == pytest.approx(math.exp(-40.0), rel=1e-15)  # exp(-40), not (ans + 1) = 0


def test_leaky_relu_uses_tensorflows_slope_and_its_value_at_the_kink():
    _, g = gradient(gc.nn.leaky_relu, [-1.0, 0.0, 2.0])
    assert g.numpy().tolist() == [0.2, 0.2, 1.0]
    _, g = gradient(gc.nn.leaky_relu, [-1.0, 2.0], alpha=0.01)
    assert g.numpy().tolist() == [0.01, 1.0]


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_agrees_with_its_sympy_form_in_both_forms(approximate):
    s = sympy.Symbol("s", real=True)
    form = REGISTRY["gelu"].sympy(sympy, s, approximate=approximate)
    for point in (-2.5, -0.3, 0.0, 1.7):
        y, g = gradient(gc.nn.gelu, point, approximate=approximate)
        assert float(y) == pytest.approx(float(form.subs(s, point)), rel=1e-14, abs=1e-300)
        expected = float(sympy.diff(form, s).subs(s, point))
        assert float(g) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("alpha", [0.2, 0.01])
def test_leaky_relu_agrees_with_its_sympy_form(alpha):
    s = sympy.Symbol("s", real=True)
    form = REGISTRY["leaky_relu"].sympy(sympy, s, alpha=alpha)
    for point in (-2.5, -0.3, 0.0, 1.7):  # 0: the kink, where both give alpha
        y, g = gradient(gc.nn.leaky_relu, point, alpha=alpha)
        assert float(y) == pytest.approx(float(form.subs(s, point)), rel=1e-15)
        assert float(g) == float(sympy.diff(form, s).subs(s, point))


def test_erf_known_values():
    assert float(gc.math.erf(gc.constant(0.5))) == pytest.approx(0.5204998778130465, rel=1e-15)
    _, g = gradient(gc.math.erf, 0.0)
    assert float(g) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-15)


def test_norm_ords_and_axes():
    x = [[3.0, -4.0], [0.0, 12.0]]
    assert float(gc.norm(gc.constant(x))) == 13.0  # Frobenius
    assert gc.norm(gc.constant(x), axis=1).numpy().tolist() == [5.0, 12.0]
    assert float(gc.norm(gc.constant(x), ord=1)) == 19.0
    assert float(gc.linalg.norm(gc.constant(x), ord=np.inf)) == 12.0
    assert float(gc.norm(gc.constant(x), ord="fro", axis=[0, 1])) == 13.0
    _, g = gradient(gc.norm, [3.0, -4.0])
    assert g.numpy().tolist() == [0.6, -0.8]
    _, g = gradient(gc.norm, [0.0, 0.0])  # TensorFlow gives nan here; gradcli the subgradient 0
    assert g.numpy().tolist() == [0.0, 0.0]
    _, g = gradient(gc.norm, [3.0, -3.0, 1.0], ord=np.inf)  # a tie shares the gradient
    assert g.numpy().tolist() == [0.5, -0.5, 0.0]


@pytest.mark.parametrize(
    "params, words",
    [
        ({"ord": 3}, "not 3"),
        ({"ord": "nuc"}, "not 'nuc'"),
        ({"ord": 1, "axis": (0, 1)}, "matrix norm"),
        ({"ord": 2, "axis": [0, 1]}, "matrix norm"),
    ],
)
def test_norm_refuses_the_ords_it_does_not_compute(params, words):
    with pytest.raises(ArgumentError, match=words):
        gc.norm(gc.constant([[1.0, 2.0]]), **params)


def test_clip_by_norm_is_tensorflows_formula():
    t = gc.constant([3.0, 4.0])
    assert gc.clip_by_norm(t, 2.5).numpy().tolist() == [1.5, 2.0]  # t * 2.5 / 5
    assert gc.clip_by_norm(t, 10.0).numpy().tolist() == [3.0, 4.0]  # shorter: unchanged
    rows = gc.clip_by_norm(gc.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1])
    np.testing.assert_allclose(rows.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-15)
    zero = gc.constant([0.0, 0.0])
    with gc.GradientTape() as tape:
        tape.watch(zero)
        y = gc.clip_by_norm(zero, 1.0)
    assert tape.gradient(y, zero).numpy().tolist() == [1.0, 1.0]  # no nan through the norm at 0


def test_clip_by_norm_gradient_against_finite_differences():
    def f(v):
        return np.sum(np.array([1.0, -2.0]) * v * 2.5 / max(np.linalg.norm(v), 2.5))

    v = np.array([3.0, 4.0])
    x = gc.constant(v)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = gc.reduce_sum(gc.constant([1.0, -2.0]) * gc.clip_by_norm(x, 2.5))
    h = 1e-6
    fd = [(f(v + h * e) - f(v - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), fd, rtol=1e-7)


def test_clip_by_global_norm_scales_every_tensor_by_one_factor():
    a, b = gc.constant([3.0, 4.0]), gc.constant([[0.0, 12.0]])
    (ca, none, cb), norm = gc.clip_by_global_norm([a, None, b], 6.5)
    assert float(norm) == 13.0 and none is None  # sqrt(9 + 16 + 144)
    assert ca.numpy().tolist() == [1.5, 2.0] and cb.numpy().tolist() == [[0.0, 6.0]]
    (same,), _ = gc.clip_by_global_norm([a], 100.0)
    assert same.numpy().tolist() == [3.0, 4.0]
    (bad,), norm = gc.clip_by_global_norm([gc.constant([np.inf, 1.0])], 1.0)
    assert math.isinf(float(norm)) and np.isnan(bad.numpy()).all()
    with pytest.raises(ArgumentError, match="list"):
        gc.clip_by_global_norm(a, 1.0)


@pytest.mark.parametrize("activation", ["elu", "leaky_relu", "gelu", "softmax", "log_softmax"])
def test_dense_takes_the_new_activations_by_name(activation):
    layer = gc.layers.Dense(3, activation=activation, seed=1)
    x = gc.constant([[1.0, -2.0, 0.5]])
    with gc.GradientTape() as tape:
        y = layer(x)
        loss = gc.reduce_sum(y * y)
    linear = x.numpy() @ layer.kernel.numpy() + layer.bias.numpy()
    expected = gc.ops.FUNCTIONS[activation](gc.constant(linear)).numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-15)
    assert all(g is not None for g in tape.gradient(loss, layer.trainable_variables))


def test_constant_takes_name_and_shape_as_tensorflow():
    assert gc.constant(1.0, name="one").numpy() == 1.0
    assert gc.constant(7.0, shape=[2, 3]).numpy().tolist() == [[7.0] * 3] * 2
    assert gc.constant([1, 2, 3, 4], shape=(2, 2)).numpy().tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ShapeError, match="cannot fill shape"):
        gc.constant([1.0, 2.0, 3.0], shape=[2, 2])


def test_a_0d_integer_tensor_is_an_integer_and_a_float_one_is_refused():
    n = gc.reduce_prod(gc.constant([2, 3]))
    assert gc.zeros(n).shape == (6,) and gc.ones([n, 1]).shape == (6, 1)
    assert gc.constant(0.0, shape=[n]).shape == (6,)
    assert gc.fill(gc.constant([2, 2]), 3.0).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert [10, 20, 30][gc.constant(1)] == 20
    assert np.reshape(np.arange(6.0), [n, 1]).shape == (6, 1)
    with pytest.raises(ArgumentError, match="0-d integer tensor.*float64: write int"):
        gc.zeros(gc.constant(2.0))
    with pytest.raises(ArgumentError, match="whole numbers"):
        gc.zeros([2.5])


def test_a_variable_read_only_through_stop_gradient_is_not_watched():
    # TensorFlow: tf.stop_gradient(x1) * x watches only x
    x, x1 = gc.Variable(1.0, name="x"), gc.Variable(2.0, name="x1")
    with gc.GradientTape() as tape:
        y = gc.stop_gradient(x1) * x
    assert [v.name for v in tape.watched_variables()] == ["x:0"]
    dx, dx1 = tape.gradient(y, [x, x1])
    assert float(dx) == 2.0 and dx1 is None


def test_a_0d_integer_tensor_is_accepted_as_an_axis_and_a_number_everywhere():
    i, t = gc.constant(1), gc.ones((2, 3))
    n = gc.reduce_prod(gc.constant([2, 3]))
    assert gc.reshape(t, [n, 1]).shape == (6, 1)  # the example
    assert gc.reduce_sum(t, axis=i).shape == (2,)
    assert gc.reduce_sum(t, axis=gc.constant([0, 1])).shape == ()
    assert gc.expand_dims(t, i).shape == (2, 1, 3)
    assert gc.concat([t, t], axis=i).shape == (2, 6)
    assert gc.stack([t, t], axis=i).shape == (2, 2, 3)
    assert gc.nn.softmax(t, axis=gc.constant(0)).numpy().tolist() == [[0.5] * 3] * 2
    assert gc.transpose(t, perm=gc.constant([1, 0])).shape == (3, 2)
    assert float(gc.nn.leaky_relu(gc.constant(-1.0), alpha=gc.constant(0.3))) == -0.3
    with pytest.raises(ArgumentError, match="axis is a whole number"):
        gc.expand_dims(t, gc.constant(1.5))


# ---------------------------------------------------------------- einsum and linalg.solve


def test_einsum_known_values_in_tensorflows_order():
    a = gc.constant([[1.0, 2.0], [3.0, 4.0]])
    b = gc.constant([[5.0], [6.0]])
    assert gc.einsum("ij,jk->ik", a, b).numpy().tolist() == [[17.0], [39.0]]
    assert float(gc.einsum("ii->", a)) == 5.0  # the trace
    assert gc.einsum("ii->i", a).numpy().tolist() == [1.0, 4.0]  # the diagonal
    assert gc.einsum("ij", a).numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]  # implicit output
    assert gc.einsum("ji", a).numpy().tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert gc.linalg.einsum("...ij->...ji", gc.ones((2, 3, 4))).shape == (2, 4, 3)
    assert gc.einsum([a, b], equation="ij,jk->ik").numpy().tolist() == [[17.0], [39.0]]


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ii->", [(3, 3)]),
        ("ii->i", [(3, 3)]),
        ("iij->j", [(2, 2, 3)]),
        ("ij->i", [(2, 3)]),
        ("ij->", [(2, 3)]),
        ("ij,jk", [(2, 3), (3, 4)]),
        ("...ij,...jk->...ik", [(2, 2, 3), (1, 3, 2)]),
        ("i,i->", [(3,), (3,)]),
        ("bi,i->b", [(2, 3), (3,)]),
    ],
)
def test_einsum_gradients_against_finite_differences(equation, shapes):
    rng = np.random.default_rng(7)
    values = [rng.normal(size=s) for s in shapes]
    xs = [gc.constant(v) for v in values]
    with gc.GradientTape() as tape:
        tape.watch(xs)
        y = gc.reduce_sum(gc.einsum(equation, *xs) ** 2)
    grads = tape.gradient(y, xs)

    def loss(vs):
        return float(np.sum(np.einsum(equation, *vs) ** 2))

    for k, g in enumerate(grads):
        fd = np.zeros_like(values[k])
        for index in np.ndindex(values[k].shape):
            moved = [v.copy() for v in values]
            moved[k][index] += 1e-6
            up = loss(moved)
            moved[k][index] -= 2e-6
            fd[index] = (up - loss(moved)) / 2e-6
        np.testing.assert_allclose(g.numpy(), fd, rtol=1e-6, atol=1e-7)


def test_einsum_refuses_a_wrong_equation_in_words():
    a = gc.ones((2, 2))
    with pytest.raises(ArgumentError, match="names 2 operand"):
        gc.einsum("ij,jk->ik", a)
    with pytest.raises(ArgumentError, match="equation is a string of index letters"):
        gc.einsum([a], equation="i1")
    with pytest.raises(ShapeError, match="einsum"):
        gc.einsum("ij,jk->ik", a, gc.ones((3, 2)))


def test_solve_known_values_and_gradients():
    a = gc.constant([[3.0, 1.0], [1.0, 2.0]])
    b = gc.constant([[9.0], [8.0]])
    with gc.GradientTape() as tape:
        tape.watch([a, b])
        x = gc.linalg.solve(a, b)
        y = gc.reduce_sum(x * x)
    np.testing.assert_allclose(x.numpy(), [[2.0], [3.0]], rtol=1e-15)
    da, db = tape.gradient(y, [a, b])
    # d/db = A^-T 2x; d/dA = -(d/db) x^T
    expected_db = np.linalg.solve(a.numpy().T, 2 * x.numpy())
    np.testing.assert_allclose(db.numpy(), expected_db, rtol=1e-14)
    np.testing.assert_allclose(da.numpy(), -expected_db @ x.numpy().T, rtol=1e-14)


def test_solve_refuses_a_singular_matrix_and_mismatched_shapes():
    with pytest.raises(ArgumentError, match="not invertible"):
        gc.linalg.solve(gc.constant([[1.0, 2.0], [2.0, 4.0]]), gc.ones((2, 1)))
    with pytest.raises(ShapeError, match=r"\[..., M, M\]"):
        gc.linalg.solve(gc.ones((2, 3)), gc.ones((2, 1)))
    with pytest.raises(ShapeError, match=r"\[..., M, K\]"):
        gc.linalg.solve(gc.eye(2), gc.ones(2))  # TensorFlow's rhs has at least two axes
