"""Forward mode: every primitive's forward rule (JVP), and `gc.autodiff.ForwardAccumulator` as
TensorFlow's guides use it.

Registry-wide, each differentiable primitive's JVP is checked against finite differences of its
numpy forward along the tangent, against its own gradient rule (<J v, u> == <v, J^T u>), and, one
order up, through nested accumulators and through a tape inside an accumulator. Then the API:
nesting, watching, unconnected targets, custom gradients and misuse, with TensorFlow's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import gradcli as gc
from gradcli.engine.forward import ForwardAccumulator, ForwardModeError, jvp_rule
from gradcli.engine.primitives import REGISTRY
from gradcli.engine.tape import GradientTape
from gradcli.errors import ArgumentError

from .conftest import (
    DIFFERENTIABLE,
    SEEDS,
    assert_close,
    call,
    draw,
    examples,
    fd_directional,
    nested_tape_hvp,
    normal_like,
)

pytestmark = pytest.mark.usefixtures("clean_engine")


def forward_jvp(op, args, params, sources, tangents):
    """The op's output and its JVP along `tangents` (inputs `sources`), by an accumulator."""
    tensors = [gc.constant(a) for a in args]
    primals = [tensors[i] for i in sources]
    with ForwardAccumulator(primals, [gc.constant(t) for t in tangents]) as acc:
        out = call(op, tensors, params)
    return out, acc.jvp(out)


def moved_along(op, args, params, sources, tangents):
    def f(step):
        moved = list(args)
        for i, t in zip(sources, tangents, strict=True):
            moved[i] = args[i] + step * t
        return np.asarray(op.forward(*moved, **params), dtype=np.float64)

    return f


# ---------------------------------------------------------------- the registry, rule by rule


def test_every_differentiable_primitive_has_a_forward_rule():
    for name in DIFFERENTIABLE:
        assert callable(jvp_rule(REGISTRY[name])), name


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(20)
@given(seed=SEEDS)
def test_jvp_matches_finite_differences(name, seed):
    op, rng, args, params, sources = draw(name, seed)
    tangents = normal_like(rng, args, sources)
    out, jvp = forward_jvp(op, args, params, sources, tangents)
    assert jvp is not None, f"{name}: no tangent reached the output"
    assert jvp.shape == out.shape and jvp.dtype == np.float64, f"{name}: {jvp.shape} {jvp.dtype}"
    expected = fd_directional(moved_along(op, args, params, sources, tangents))
    assert_close(jvp.numpy(), expected, 1e-6, 1e-7, f"{name} JVP {params}")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(20)
@given(seed=SEEDS)
def test_jvp_is_the_transpose_of_the_vjp(name, seed):
    """<J v, u> == <v, J^T u>: the forward rule and the gradient rule describe one Jacobian."""
    op, rng, args, params, sources = draw(name, seed)
    tangents = normal_like(rng, args, sources)
    out, jvp = forward_jvp(op, args, params, sources, tangents)
    cotangent = np.asarray(rng.normal(size=out.shape))
    tensors = [gc.constant(a) for a in args]
    watched = [tensors[i] for i in sources]
    with GradientTape() as tape:
        tape.watch(watched)
        again = call(op, tensors, params)
    vjps = tape.gradient(again, watched, output_gradients=cotangent)
    forward_side = float(np.sum(jvp.numpy() * cotangent))
    reverse_side = sum(float(np.sum(v * g.numpy())) for v, g in zip(tangents, vjps, strict=True))
    assert_close(forward_side, reverse_side, 1e-10, 1e-10, f"{name} <Jv,u> vs <v,J^T u>")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(5)
@given(seed=SEEDS)
def test_forward_over_forward_matches_finite_differences_of_the_jvp(name, seed):
    """Nested accumulators: the outer one differentiates the inner one's forward rule."""
    op, rng, args, params, sources = draw(name, seed)
    v, w = normal_like(rng, args, sources), normal_like(rng, args, sources)
    tensors = [gc.constant(a) for a in args]
    primals = [tensors[i] for i in sources]
    with ForwardAccumulator(primals, [gc.constant(t) for t in w]) as outer:
        with ForwardAccumulator(primals, [gc.constant(t) for t in v]) as inner:
            out = call(op, tensors, params)
        inner_jvp = inner.jvp(out)
    second = outer.jvp(inner_jvp, unconnected_gradients="zero")

    def jvp_at(step):
        moved = list(args)
        for i, t in zip(sources, w, strict=True):
            moved[i] = args[i] + step * t
        return forward_jvp(op, moved, params, sources, v)[1].numpy()

    assert_close(second.numpy(), fd_directional(jvp_at), 1e-5, 1e-6, f"{name} second order")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(5)
@given(seed=SEEDS)
def test_forward_over_reverse_matches_reverse_over_reverse(name, seed):
    """A tape inside an accumulator: the JVP of the gradient is the Hessian-vector product that
    nested tapes give."""
    op, rng, args, params, sources = draw(name, seed)
    v = normal_like(rng, args, sources)
    cotangent = np.asarray(rng.normal(size=np.shape(op.forward(*args, **params))))
    tensors = [gc.constant(a) for a in args]
    watched = [tensors[i] for i in sources]
    with ForwardAccumulator(watched, [gc.constant(t) for t in v]) as acc:
        with GradientTape() as tape:
            tape.watch(watched)
            out = call(op, tensors, params)
        grads = tape.gradient(out, watched, output_gradients=cotangent)
    forward_hvp = acc.jvp(grads, unconnected_gradients="zero")

    reverse_hvp = nested_tape_hvp(op, tensors, params, watched, cotangent, v)
    for f, r in zip(forward_hvp, reverse_hvp, strict=True):
        assert_close(f.numpy(), r.numpy(), 1e-9, 1e-9, f"{name} Hessian-vector product")


# ---------------------------------------------------------------- TensorFlow's cells


def test_forward_over_backward_hessian_vector_product_as_in_tensorflows_docs():
    v = gc.Variable([1.0, 2.0])
    with gc.autodiff.ForwardAccumulator(v, gc.constant([1.0, 0.0])) as acc:
        with gc.GradientTape() as tape:
            y = gc.reduce_sum(v**3.0)
        backward = tape.gradient(y, v)
    assert backward.numpy().tolist() == [3.0, 12.0]
    assert acc.jvp(backward).numpy().tolist() == [6.0, 0.0]  # TensorFlow 2.x: [6., 0.]


def test_reverse_over_forward_gives_the_same_hessian_vector_product():
    x = gc.constant([1.0, 2.0])
    with gc.GradientTape() as tape:
        tape.watch(x)
        with gc.autodiff.ForwardAccumulator(x, gc.constant([1.0, 0.0])) as acc:
            y = gc.reduce_sum(x**3.0)
        jvp = acc.jvp(y)
    assert float(jvp) == 3.0
    assert tape.gradient(jvp, x).numpy().tolist() == [6.0, 0.0]


def test_nested_accumulators_give_the_second_directional_derivative():
    x = gc.constant(3.0)
    with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as outer:
        with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as inner:
            y = x**3.0
        first = inner.jvp(y)
    assert float(first) == 27.0  # 3 x**2
    assert float(outer.jvp(first)) == 18.0  # 6 x
    assert float(outer.jvp(y)) == 27.0  # the outer accumulator saw y's step too


def test_the_inner_accumulator_does_not_see_the_outer_ones_rules():
    x = gc.constant(2.0)
    with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as outer:
        with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as inner:
            y = x * x
    assert inner.jvp(outer.jvp(y)) is None  # 2 x * 1, computed by outer's rule, unseen by inner


def test_dense_layer_regression_cell():
    """TensorFlow's ForwardAccumulator page: a JVP of a loss along one kernel column."""
    x = gc.constant([[2.0, 3.0], [1.0, 4.0]])
    targets = gc.constant([[1.0], [-1.0]])
    kernel, bias = gc.Variable([[0.5], [-0.25]]), gc.Variable([0.1])
    with gc.autodiff.ForwardAccumulator(kernel, gc.constant([[1.0], [0.0]])) as acc:
        loss = gc.reduce_sum((x @ kernel + bias - targets) ** 2.0)
    with gc.GradientTape() as tape:
        loss_again = gc.reduce_sum((x @ kernel + bias - targets) ** 2.0)
    gradient = tape.gradient(loss_again, kernel)
    assert float(acc.jvp(loss)) == pytest.approx(float(gradient.numpy()[0, 0]), rel=1e-12)
    assert acc.jvp(bias) is None  # not a primal of this accumulator


def test_a_watched_variable_gives_its_tangent_to_each_read_and_to_jvp():
    v = gc.Variable(2.0)
    with gc.autodiff.ForwardAccumulator(v, 3.0) as acc:
        y = v * v
    assert float(acc.jvp(v)) == 3.0
    assert float(acc.jvp(y)) == 12.0


def test_operations_outside_the_with_are_not_seen():
    x = gc.constant(2.0)
    acc = gc.autodiff.ForwardAccumulator(x, gc.constant(1.0))
    y = x * x
    assert acc.jvp(y) is None
    assert float(acc.jvp(x)) == 1.0  # the primal is watched from the start


def test_nested_structures_and_unconnected_targets():
    x, y = gc.constant(1.0), gc.constant([1.0, 2.0])
    primals = {"a": x, "b": [y]}
    with gc.autodiff.ForwardAccumulator(primals, {"a": 2.0, "b": [[1.0, 1.0]]}) as acc:
        z = x * y
        unrelated = gc.constant(5.0) * 2.0
        integer = gc.constant(3) * 2
    result = acc.jvp({"z": z, "pair": (unrelated, integer)})
    assert result["z"].numpy().tolist() == [3.0, 5.0]  # 2*y + x*1
    assert result["pair"] == (None, None)
    zeros = acc.jvp([unrelated, z], unconnected_gradients=gc.UnconnectedGradients.ZERO)
    assert float(zeros[0]) == 0.0


def test_stop_gradient_and_comparisons_stop_tangents():
    x = gc.constant(2.0)
    with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as acc:
        stopped = gc.stop_gradient(x) * 3.0
        kept = gc.where(x > 1.0, x * 3.0, x)
    assert acc.jvp(stopped) is None
    assert float(acc.jvp(kept)) == 3.0


def test_custom_gradient_under_forward_mode_uses_the_users_rule():
    """As TensorFlow's forwardprop test: the value comes from numpy (no trail), the rule gives
    the derivative, transposed into a JVP, to any order."""

    @gc.custom_gradient
    def f(x):
        def grad(dy):
            return dy * gc.cos(x)

        return gc.constant(np.sin(x.numpy())), grad

    x = gc.constant([1.0, 2.0])
    with gc.autodiff.ForwardAccumulator(x, gc.constant([1.0, 0.5])) as outer:
        with gc.autodiff.ForwardAccumulator(x, gc.constant([1.0, 0.5])) as acc:
            y = f(x)
        first = acc.jvp(y)
    assert_close(first.numpy(), np.cos([1.0, 2.0]) * [1.0, 0.5], 1e-15, 0, "first")
    expected = -np.sin([1.0, 2.0]) * [1.0, 0.25]  # sin'' along v, then along v
    assert_close(outer.jvp(first).numpy(), expected, 1e-12, 0, "second")


def test_misuse_is_a_clear_error():
    x = gc.constant([1.0, 2.0])
    with pytest.raises(ArgumentError, match=r"tangent of shape \(3,\).*primal of shape \(2,\)"):
        gc.autodiff.ForwardAccumulator(x, [1.0, 2.0, 3.0])
    with pytest.raises(ForwardModeError, match="primal twice"):
        gc.autodiff.ForwardAccumulator([x, x], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ForwardModeError, match="structure"):
        gc.autodiff.ForwardAccumulator([x], ([1.0, 0.0], [0.0, 1.0]))
    with pytest.raises(ArgumentError, match="tensors or variables"):
        gc.autodiff.ForwardAccumulator(3.0, 1.0)
    acc = gc.autodiff.ForwardAccumulator(x, [1.0, 0.0])
    with acc, pytest.raises(ForwardModeError, match="already recording"):
        with acc:
            pass
    with pytest.raises(ArgumentError, match="'none' or 'zero'"):
        acc.jvp(x, unconnected_gradients="zeros")
    with pytest.warns(UserWarning, match="integer"):
        gc.autodiff.ForwardAccumulator(gc.constant(3), 1)


def test_custom_gradient_reading_a_variable_under_forward_mode():
    """The variable's share comes from grad_fn's variable gradients, transposed."""
    w = gc.Variable(2.0)

    @gc.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            return dy * w, [dy * x * 10.0]  # the variable's rule, scaled on purpose

        return x * w, grad

    x = gc.constant(3.0)
    with gc.autodiff.ForwardAccumulator([x, w], [gc.constant(1.0), gc.constant(1.0)]) as acc:
        y = scaled(x)
    assert float(acc.jvp(y)) == 2.0 + 30.0  # the user's rule, not the true 2 + 3


def test_stop_recording_hides_a_block_from_the_accumulator():
    x = gc.constant(1.0)
    with gc.autodiff.ForwardAccumulator(x, 1.0) as acc:
        with acc.stop_recording():
            hidden = x * 2.0
        seen = x * 3.0
    assert acc.jvp(hidden) is None and float(acc.jvp(seen)) == 3.0
    with pytest.raises(ForwardModeError, match="inside its `with`"):
        with acc.stop_recording():
            pass


def test_tangents_of_dead_values_are_freed():
    x = gc.constant(np.ones(3))
    with gc.autodiff.ForwardAccumulator(x, np.ones(3)) as acc:
        y = gc.reduce_sum(gc.sin(x) * 2.0)  # sin(x) and its product die at once
    assert float(acc.jvp(y)) == pytest.approx(2 * 3 * np.cos(1.0))
    assert len(acc._tangents) == 2  # the primal's and y's: no intermediate is held
