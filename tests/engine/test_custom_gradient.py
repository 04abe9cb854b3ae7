"""`gc.custom_gradient`, cell by cell from TensorFlow's autodiff guides and `tf.custom_gradient`.

TensorFlow's expected values are computed by hand from the guides' formulas (no TensorFlow here):
each test says which formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradcli as gc
from gradcli.engine.custom_gradient import CustomGradientError
from gradcli.errors import ArgumentError, GradcliError

pytestmark = pytest.mark.usefixtures("clean_engine")


@gc.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return gc.clip_by_norm(dy, 0.5)

    return y, backward


@gc.custom_gradient
def log1pexp(x):
    e = gc.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))

    return gc.math.log(1 + e), grad


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_clipping_in_the_backward_pass():
    # the guide: d(v*v)/dv = 2v = 4, but the upstream 1 is clipped to norm 0.5 first: 0.5 * 4 = 2
    v = gc.Variable(2.0)
    with gc.GradientTape() as tape:
        output = clip_gradients(v * v)
    assert float(output) == 4.0
    assert float(tape.gradient(output, v)) == 2.0


def test_clipping_a_vector_upstream_keeps_its_direction():
    x = gc.constant([3.0, 4.0])
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = clip_gradients(x)
    # upstream [3, 4] has norm 5: clipped to norm 0.5 -> [0.3, 0.4]
    g = tape.gradient(y, x, output_gradients=gc.constant([3.0, 4.0]))
    np.testing.assert_allclose(g.numpy(), [0.3, 0.4], rtol=1e-15)


def test_log1pexp_is_stable_where_the_plain_formula_gives_nan():
    x = gc.constant(100.0, dtype=gc.float32)
    with np.errstate(all="ignore"), gc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        plain = gc.math.log(1 + gc.exp(x))
        stable = log1pexp(x)
        assert math.isnan(float(tape.gradient(plain, x)))  # exp(100) overflows float32: inf/inf
    g = tape.gradient(stable, x)
    assert float(g) == 1.0 and g.dtype == np.float32  # 1 - 1/(1 + inf) = 1


@pytest.mark.parametrize("point", [-2.0, 0.0, 0.5, 3.0])
def test_second_derivative_through_the_users_rule(point):
    # d/dx log(1 + e^x) = sigmoid(x); d2/dx2 = sigmoid(x) (1 - sigmoid(x))
    x = gc.constant(point)
    with gc.GradientTape() as outer:
        outer.watch(x)
        with gc.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    s = sigmoid(point)
    assert float(dy) == pytest.approx(s, rel=1e-14)
    assert float(d2y) == pytest.approx(s * (1 - s), rel=1e-12)


def test_the_rule_is_the_only_path_from_output_to_input():
    @gc.custom_gradient
    def square_with_a_made_up_gradient(x):
        return x * x, lambda dy: dy * 10.0

    x = gc.constant(3.0)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = square_with_a_made_up_gradient(x) * 2.0
    assert float(y) == 18.0
    assert float(tape.gradient(y, x)) == 20.0  # 2 * 10, never 2 * 2x


def test_a_custom_gradient_that_reads_a_variable_gets_variables():
    w = gc.Variable(3.0, name="w")

    @gc.custom_gradient
    def scale(x):
        def grad(upstream, variables=None):
            assert [v.name for v in variables] == ["w:0"]
            # the true gradients are w and x; scaled so that the test sees the rule's answer
            return upstream * w * 10, [upstream * x * 100]

        return x * w, grad

    x = gc.constant(2.0)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    dx, dw = tape.gradient(y, [x, w])
    assert (float(dx), float(dw)) == (30.0, 200.0)
    assert [v.name for v in tape.watched_variables()] == ["w:0"]


def test_a_variable_passed_as_the_argument_is_an_input_not_a_variable():
    v = gc.Variable(2.0)

    @gc.custom_gradient
    def double(x):
        return x * 2.0, lambda dy: dy * 2.0  # no variables=: v is the argument

    with gc.GradientTape() as tape:
        y = double(v)
    assert float(tape.gradient(y, v)) == 2.0


def test_a_grad_fn_that_cannot_take_variables_is_refused():
    w = gc.Variable(3.0)

    @gc.custom_gradient
    def scale(x):
        return x * w, lambda dy: dy * w

    with gc.GradientTape(), pytest.raises(ArgumentError, match="'variables'"):
        scale(gc.constant(1.0))


def test_none_from_the_rule_means_no_gradient_for_that_input():
    @gc.custom_gradient
    def product(x, z):
        return x * z, lambda dy: (dy * z, None)

    x, z = gc.constant(2.0), gc.constant(5.0)
    for persistent in (False, True):  # a numpy walk and a walk on tensors
        with gc.GradientTape(persistent=persistent) as tape:
            tape.watch([x, z])
            y = product(x, z)
        dx, dz = tape.gradient(y, [x, z])
        assert float(dx) == 5.0 and dz is None
        dz = tape.gradient(y, z, unconnected_gradients="zero") if persistent else None
        assert dz is None or float(dz) == 0.0


def test_the_wrong_number_of_gradients_is_a_clear_error():
    @gc.custom_gradient
    def product(x, z):
        return x * z, lambda dy: dy * z  # one gradient for two inputs

    x, z = gc.constant(2.0), gc.constant(5.0)
    with gc.GradientTape() as tape:
        tape.watch([x, z])
        y = product(x, z)
    with pytest.raises(CustomGradientError, match="returned 1 gradient.*for 2 input") as error:
        tape.gradient(y, [x, z])
    assert isinstance(error.value, GradcliError) and isinstance(error.value, ValueError)


def test_the_wrong_number_of_variable_gradients_is_a_clear_error():
    w = gc.Variable(3.0)

    @gc.custom_gradient
    def scale(x):
        return x * w, lambda dy, variables=None: (dy * w, [])

    with gc.GradientTape() as tape:
        y = scale(gc.constant(1.0))
    with pytest.raises(CustomGradientError, match="0 variable gradient"):
        tape.gradient(y, w)


def test_a_function_that_does_not_return_a_pair_is_refused():
    @gc.custom_gradient
    def not_a_pair(x):
        return x * 2.0

    with pytest.raises(ArgumentError, match=r"returns \(y, grad_fn\)"):
        not_a_pair(gc.constant(1.0))


def test_a_gradient_of_the_wrong_shape_names_the_function():
    @gc.custom_gradient
    def sum_of(x):
        return gc.reduce_sum(x), lambda dy: gc.constant([1.0, 2.0])

    x = gc.constant([1.0, 2.0, 3.0])
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = sum_of(x)
    with pytest.raises(GradcliError, match="'sum_of' gave shape"):
        tape.gradient(y, x)


def test_several_outputs_each_get_their_upstream():
    @gc.custom_gradient
    def two(x):
        return (x * 2.0, x * 3.0), lambda d1, d2: d1 * 20.0 + d2 * 30.0

    x = gc.constant(1.0)
    with gc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a, b = two(x)
        total = a + b
    assert float(tape.gradient(total, x)) == 50.0
    assert float(tape.gradient(b, x)) == 30.0


def test_without_a_tape_the_function_just_runs():
    assert float(log1pexp(gc.constant(0.0))) == pytest.approx(math.log(2.0), rel=1e-15)


def test_a_python_number_gradient_takes_the_inputs_dtype():
    @gc.custom_gradient
    def f(x):
        return x * 1.0, lambda dy: 0.25

    x = gc.constant(1.0, dtype=gc.float32)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    assert float(g) == 0.25 and g.dtype == np.float32
