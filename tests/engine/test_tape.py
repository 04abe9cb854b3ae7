"""GradientTape, one TensorFlow rule per test."""

from __future__ import annotations

import copy
import math
import pickle
import threading
import warnings
import weakref

import numpy as np
import pytest

import gradcli as gc
from gradcli.errors import ArgumentError, GradientError

pytestmark = pytest.mark.usefixtures("clean_engine")


def value(t):
    return None if t is None else np.asarray(t.numpy()).tolist()


# ---------------------------------------------------------------- persistence


def test_a_persistent_tape_gives_several_gradients():
    x = gc.Variable(3.0)
    with gc.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * y
    assert value(tape.gradient(z, x)) == 108.0
    assert value(tape.gradient(y, x)) == 6.0
    assert value(tape.jacobian(y, x)) == 6.0
    assert value(tape.gradient(z, x)) == 108.0


@pytest.mark.parametrize("first", ["gradient", "jacobian"])
@pytest.mark.parametrize("second", ["gradient", "jacobian"])
def test_a_non_persistent_tape_refuses_a_second_call_and_says_to_use_persistent(first, second):
    x = gc.Variable([1.0, 2.0])
    with gc.GradientTape() as tape:
        y = x * x
    assert value(getattr(tape, first)(y, x)) is not None
    with pytest.raises(RuntimeError, match=r"persistent=True"):
        getattr(tape, second)(y, x)


def test_a_non_persistent_tape_used_inside_its_context_stops_recording():
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * x
        assert value(tape.gradient(y, x)) == 6.0
        z = y * x  # TensorFlow pops a used-up tape: later operations are not recorded
    assert value(z) == 27.0
    with pytest.raises(RuntimeError, match=r"persistent=True"):
        tape.gradient(z, x)


def test_a_persistent_tape_used_inside_its_context_records_its_own_backward_pass():
    x = gc.Variable(3.0)
    with gc.GradientTape(persistent=True) as tape:
        y = x * x
        dy = tape.gradient(y, x)  # 2x, recorded on the tape itself
        z = y * dy  # 2x**3
    assert value(dy) == 6.0
    assert value(tape.gradient(z, x)) == 54.0  # 6x**2
    assert value(tape.gradient(dy, x)) == 2.0


def test_a_used_up_tape_entered_again_records_afresh():
    x = gc.Variable(3.0)
    tape = gc.GradientTape()
    with tape:
        y = x * x
    assert value(tape.gradient(y, x)) == 6.0
    with tape:
        z = x * 4.0
    assert value(tape.gradient(z, x)) == 4.0


def test_a_persistent_tape_entered_again_keeps_recording():
    x = gc.Variable(3.0)
    tape = gc.GradientTape(persistent=True)
    with tape:
        y = x * x
    with tape:
        z = y * x
    assert value(tape.gradient(z, x)) == 27.0
    assert value(tape.gradient(y, x)) == 6.0


# ---------------------------------------------------------------- what is watched


def test_watch_makes_a_constant_a_source():
    x = gc.constant(3.0)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = x**2
    assert value(tape.gradient(y, x)) == 6.0


def test_watch_accepts_nested_lists_tuples_and_dicts():
    a, b, c = gc.constant(1.0), gc.constant(2.0), gc.constant(3.0)
    v = gc.Variable(4.0, trainable=False)
    with gc.GradientTape() as tape:
        tape.watch({"first": [a, (b, v)], "second": c})
        y = a * b * c * v
    assert [value(g) for g in tape.gradient(y, [a, b, c, v])] == [24.0, 12.0, 8.0, 6.0]


def test_watch_refuses_what_is_not_a_tensor_or_variable():
    with gc.GradientTape() as tape, pytest.raises(ArgumentError, match="watch"):
        tape.watch([gc.constant(1.0), 2.0])


def test_without_auto_watch_only_watched_variables_get_gradients():
    x0, x1, x2 = gc.Variable(0.0), gc.Variable(10.0), gc.Variable(1.0)
    with gc.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x2)
        tape.watch(x1)
        y = gc.sin(x0) + gc.nn.softplus(x1) + x2
    g = tape.gradient(y, {"x0": x0, "x1": x1, "x2": x2})
    assert g["x0"] is None
    assert value(g["x1"]) == pytest.approx(1 / (1 + math.exp(-10.0)), rel=1e-12)
    assert value(g["x2"]) == 1.0
    assert tape.watched_variables() == [x2, x1]  # the order they were first watched


def test_watched_variables_are_listed_in_the_order_they_were_first_read():
    a, b, c = gc.Variable(1.0), gc.Variable(2.0), gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = c * b + a * c + b
    assert tape.watched_variables() == [c, b, a]
    assert [value(g) for g in tape.gradient(y, [a, b, c])] == [3.0, 4.0, 3.0]


def test_non_trainable_variables_are_not_watched_unless_asked():
    frozen, asked = gc.Variable(3.0, trainable=False), gc.Variable(3.0, trainable=False)
    with gc.GradientTape() as tape:
        tape.watch(asked)
        y = frozen**2 + asked**2
    dfrozen, dasked = tape.gradient(y, [frozen, asked])
    assert dfrozen is None and value(dasked) == 6.0
    assert tape.watched_variables() == [asked]


def test_constants_are_not_watched():
    x = gc.constant(3.0)
    with gc.GradientTape() as tape:
        y = x**2
    assert tape.gradient(y, x) is None
    assert tape.watched_variables() == []


def test_a_variable_plus_a_number_is_a_tensor_that_is_not_watched():
    x0 = gc.Variable(3.0, name="x0")
    x1 = gc.Variable(3.0, name="x1", trainable=False)
    x2 = gc.Variable(2.0, name="x2") + 1.0
    x3 = gc.constant(3.0)
    assert isinstance(x2, gc.Tensor) and not isinstance(x2, gc.Variable)
    with gc.GradientTape() as tape:
        y = (x0**2) + (x1**2) + (x2**2)
    g = tape.gradient(y, [x0, x1, x2, x3])
    assert value(g[0]) == 6.0 and g[1:] == [None, None, None]
    assert [v.name for v in tape.watched_variables()] == ["x0:0"]


# ---------------------------------------------------------------- sources, targets, seeds


def test_unconnected_gradients_are_none_by_default_and_zeros_when_asked():
    x, u = gc.Variable(1.0), gc.Variable([5.0, 6.0], dtype=np.float32)
    with gc.GradientTape(persistent=True) as tape:
        y = 2 * x
    assert tape.gradient(y, [x, u])[1] is None
    assert tape.gradient(y, [x, u], unconnected_gradients="none")[1] is None
    zero = tape.gradient(y, [x, u], unconnected_gradients="zero")[1]
    assert value(zero) == [0.0, 0.0] and zero.dtype == np.float32 and zero.shape == (2,)
    with pytest.raises(ArgumentError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="zeros")


def test_sources_may_be_nested_and_the_result_has_their_structure():
    w = gc.Variable([[0.5, -1.0], [0.25, 0.75], [-0.5, 0.2]], name="w")
    b = gc.Variable(gc.zeros(2), name="b")
    with gc.GradientTape(persistent=True) as tape:
        y = [[1.0, 2.0, 3.0]] @ w + b
        loss = gc.reduce_mean(y**2)
    as_list = tape.gradient(loss, [w, b])
    as_tuple = tape.gradient(loss, (w, b))
    as_dict = tape.gradient(loss, {"w": w, "b": b})
    nested = tape.gradient(loss, {"params": [w, (b,)], "again": w})
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    assert sorted(as_dict) == ["b", "w"]
    assert value(as_dict["b"]) == pytest.approx([-0.5, 1.1], rel=1e-12)
    assert value(as_list[1]) == value(as_tuple[1]) == value(nested["params"][1][0])
    assert value(nested["again"]) == value(as_list[0]) == value(as_dict["w"])
    assert as_list[0].shape == (3, 2) and as_list[1].shape == (2,)


def test_several_targets_are_summed():
    x = gc.Variable(2.0)
    with gc.GradientTape(persistent=True) as tape:
        y, z = x**2, x**3
    assert value(tape.gradient([y, z], x)) == 16.0
    assert value(tape.gradient({"a": y, "b": [z, (y,)]}, x)) == 20.0


def test_the_gradient_with_respect_to_an_intermediate_tensor():
    x = gc.Variable(2.0)
    with gc.GradientTape(persistent=True) as tape:
        h = x * 3.0
        y = h**2
    assert value(tape.gradient(y, h)) == 12.0
    assert [value(g) for g in tape.gradient(y, [h, x])] == [12.0, 36.0]
    assert value(tape.gradient(y, y)) == 1.0


def test_the_same_source_twice_gets_its_gradient_twice():
    x = gc.Variable(2.0)
    with gc.GradientTape() as tape:
        y = x**2
    assert [value(g) for g in tape.gradient(y, [x, x])] == [4.0, 4.0]


def test_a_non_scalar_target_is_summed():
    x = gc.Variable([1.0, 2.0, 3.0])
    with gc.GradientTape() as tape:
        y = x * [[1.0], [10.0]]  # shape (2, 3)
    assert value(tape.gradient(y, x)) == [11.0, 11.0, 11.0]


def test_output_gradients_weight_each_element_of_the_target():
    x = gc.Variable([1.0, 2.0, 3.0])
    with gc.GradientTape(persistent=True) as tape:
        y = x**2
    weights = np.array([1.0, 0.5, -2.0])
    assert value(tape.gradient(y, x, output_gradients=weights)) == [2.0, 2.0, -12.0]
    assert value(tape.gradient(y, x, output_gradients=gc.constant(weights))) == [2.0, 2.0, -12.0]
    with pytest.raises(ArgumentError, match="output_gradients"):
        tape.gradient(y, x, output_gradients=np.ones(2))


def test_sources_must_be_tensors_or_variables():
    x = gc.Variable(1.0)
    with gc.GradientTape() as tape:
        y = x * 2
    with pytest.raises(ArgumentError, match="sources"):
        tape.gradient(y, [x, 3.0])


def test_an_integer_source_gets_none_with_a_warning_that_says_why():
    x = gc.Variable(3)
    assert x.dtype.kind == "i"
    with gc.GradientTape() as tape:
        y = x * 2
    with pytest.warns(UserWarning, match=r"integer dtype.*floating-point.*3\.0 instead of 3"):
        assert tape.gradient(y, x) is None
    assert tape.watched_variables() == []


def test_watching_an_integer_constant_warns_and_its_gradient_is_none():
    c = gc.constant(3)
    with gc.GradientTape() as tape:
        with pytest.warns(UserWarning, match="integer dtype"):
            tape.watch(c)
        y = c * c
    with pytest.warns(UserWarning, match="integer dtype"):
        assert tape.gradient(y, c) is None


# ---------------------------------------------------------------- state and stopping


def test_assign_add_breaks_the_chain():
    x0, x1 = gc.Variable(3.0), gc.Variable(0.0)
    with gc.GradientTape() as tape:
        x3 = x1.assign_add(x0)
        y = x3**2
    dx0, dx1 = tape.gradient(y, [x0, x1])
    assert dx0 is None
    assert value(dx1) == 6.0


def test_a_value_read_before_an_assign_keeps_its_old_value_in_the_gradient():
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * x
        x.assign(5.0)
    assert value(x.read_value()) == 5.0
    assert value(tape.gradient(y, x)) == 6.0


def test_stop_recording_pauses_the_tape():
    x = gc.Variable(3.0)
    with gc.GradientTape(persistent=True) as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x
        w = y + z
    assert tape.gradient(z, x) is None
    assert value(tape.gradient(w, x)) == 6.0
    with pytest.raises(RuntimeError, match="stop_recording"):
        with tape.stop_recording():
            pass


def test_stop_gradient_treats_its_input_as_a_constant():
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * gc.stop_gradient(x)
    assert value(tape.gradient(y, x)) == 3.0


def test_reset_forgets_everything_recorded_and_watched():
    x, c = gc.Variable(3.0), gc.constant(2.0)
    with gc.GradientTape(persistent=True) as tape:
        tape.watch(c)
        y = x * x * c
        tape.reset()
        assert tape.watched_variables() == []
        z = x * 4.0 + c
    assert tape.gradient(y, x) is None
    assert value(tape.gradient(z, x)) == 4.0
    assert tape.gradient(z, c) is None


# ---------------------------------------------------------------- jacobians


def fd_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The Jacobian of numpy function f by central differences, shape f(x).shape + x.shape."""
    out = np.asarray(f(x))
    jac = np.zeros(out.shape + x.shape)
    for j in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[j] = h
        jac[(..., *j)] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h)
    return jac


def test_jacobian_of_a_vector_target_matches_finite_differences():
    start = np.array([0.3, -0.7, 1.1])

    def f(x, lib=np):
        return [lib.sin(x[0]) * x[1], x[0] ** 2 * x[2], lib.exp(x[1] * x[2])]

    x = gc.Variable(start)
    with gc.GradientTape() as tape:
        y = gc.stack(f(x, gc))
    jac = tape.jacobian(y, x)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac.numpy(), fd_jacobian(lambda v: f(v), start), rtol=1e-7)


def test_jacobian_of_a_matrix_target_has_shape_target_plus_source():
    w0, x0 = np.array([[0.5, -1.0, 2.0], [0.25, 0.75, -0.3]]), np.array([0.2, -0.4, 0.9])
    w, x, u = gc.Variable(w0), gc.Variable(x0), gc.Variable(1.0)
    with gc.GradientTape(persistent=True) as tape:
        y = gc.sin(w) * x  # shape (2, 3)
    dw, dx, du = tape.jacobian(y, [w, x, u])
    assert dw.shape == (2, 3, 2, 3) and dx.shape == (2, 3, 3) and du is None
    np.testing.assert_allclose(dw.numpy(), fd_jacobian(lambda v: np.sin(v) * x0, w0), rtol=1e-7)
    np.testing.assert_allclose(dx.numpy(), fd_jacobian(lambda v: np.sin(w0) * v, x0), rtol=1e-7)
    zero = tape.jacobian(y, u, unconnected_gradients="zero")
    assert zero.shape == (2, 3) and not zero.numpy().any()


def test_jacobian_of_a_scalar_target_is_the_gradient():
    x = gc.Variable([1.0, 2.0])
    with gc.GradientTape() as tape:
        y = gc.reduce_sum(x**2)
    assert value(tape.jacobian(y, x)) == [2.0, 4.0]


def test_jacobian_rows_that_do_not_reach_a_source_are_zero():
    x = gc.Variable([1.0, 2.0])
    with gc.GradientTape() as tape:
        y = gc.concat([x * 2.0, gc.constant([5.0])])
    assert value(tape.jacobian(y, x)) == [[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]


# ---------------------------------------------------------------- higher derivatives


def test_nested_tapes_give_the_second_and_third_derivatives_of_x_cubed():
    x = gc.Variable(2.0)
    with gc.GradientTape() as third:
        with gc.GradientTape() as second:
            with gc.GradientTape() as first:
                y = x**3
            dy = first.gradient(y, x)
        d2y = second.gradient(dy, x)
    d3y = third.gradient(d2y, x)
    assert (value(dy), value(d2y), value(d3y)) == (12.0, 12.0, 6.0)


def test_nested_tapes_give_the_hessian_of_x2y_plus_sin_xy():
    a, b = 0.7, -1.3
    x, y = gc.Variable(a), gc.Variable(b)
    with gc.GradientTape(persistent=True) as outer:
        with gc.GradientTape() as inner:
            f = x**2 * y + gc.sin(x * y)
        dfdx, dfdy = inner.gradient(f, [x, y])
    hessian = [[value(g) for g in outer.gradient(d, [x, y])] for d in (dfdx, dfdy)]
    c, s = math.cos(a * b), math.sin(a * b)
    assert value(dfdx) == pytest.approx(2 * a * b + b * c, rel=1e-14)
    assert value(dfdy) == pytest.approx(a * a + a * c, rel=1e-14)
    expected = [[2 * b - b * b * s, 2 * a + c - a * b * s], [2 * a + c - a * b * s, -a * a * s]]
    np.testing.assert_allclose(hessian, expected, rtol=1e-13)


def test_a_jacobian_under_an_outer_tape_gives_the_hessian():
    x = gc.Variable([1.0, 2.0])
    with gc.GradientTape() as outer:
        with gc.GradientTape() as inner:
            y = gc.reduce_sum(x**3) + x[0] * x[1]
        g = inner.gradient(y, x)
    assert value(outer.jacobian(g, x)) == [[6.0, 1.0], [1.0, 12.0]]


def test_a_chain_of_100000_steps_runs_without_recursion_error():
    x = gc.Variable(1.0)
    with gc.GradientTape() as tape:
        y = x
        for _ in range(100_000):
            y = y * 1.0000001
    assert value(tape.gradient(y, x)) == pytest.approx(1.0000001**100_000, rel=1e-9)


# ---------------------------------------------------------------- what the tape keeps alive


def test_a_large_value_that_no_gradient_rule_reads_is_freed_when_the_user_drops_it():
    x, w = gc.constant(np.ones((64, 64))), gc.Variable(np.full((64, 64), 0.01))
    b = gc.Variable(np.zeros(64))
    with gc.GradientTape() as tape:
        pre = x @ w  # matmul's rules read x and w, add's read nothing, exp's read its output
        biased = pre + b
        activated = gc.exp(biased)
        pre_alive, biased_alive = weakref.ref(pre), weakref.ref(biased)
        del pre, biased
        y = gc.reduce_sum(activated * activated)
    assert pre_alive() is None and biased_alive() is None
    dw, db = tape.gradient(y, [w, b])
    t = np.exp(np.ones((64, 64)) @ np.full((64, 64), 0.01))
    d_pre = 2 * t * t
    assert np.allclose(db.numpy(), d_pre.sum(axis=0), rtol=1e-12)
    assert np.allclose(dw.numpy(), np.ones((64, 64)).T @ d_pre, rtol=1e-12)


def test_the_gradient_with_respect_to_an_intermediate_whose_value_the_tape_did_not_keep():
    x = gc.Variable(np.arange(6.0).reshape(2, 3))
    with gc.GradientTape(persistent=True) as tape:
        shifted = x + 1.0  # add keeps no values: the record has a stand-in for `shifted`
        y = gc.reduce_sum(gc.exp(shifted) * 2.0)
    assert np.allclose(
        tape.gradient(y, shifted).numpy(), 2 * np.exp(np.arange(6.0) + 1).reshape(2, 3)
    )
    assert np.allclose(tape.gradient(y, x).numpy(), 2 * np.exp(np.arange(6.0) + 1).reshape(2, 3))


def test_tensors_created_after_others_died_are_never_mistaken_for_recorded_ones():
    # Python reuses the id() of a dead object; the tape must not, now that it keeps dead values
    x, c = gc.Variable(np.ones(100)), gc.constant(np.ones(100))
    with gc.GradientTape() as tape:
        unwatched = []
        for _ in range(200):
            (x + 1.0) * 2.0  # recorded, then dropped at once
            unwatched.append(c * 3.0)  # new tensors, often at the dead ones' addresses
        y = gc.reduce_sum(x * x)
    assert np.allclose(tape.gradient(y, x).numpy(), 2.0)
    with gc.GradientTape() as tape:
        kept = c * 1.0
        for _ in range(200):
            x * 2.0
            kept = kept + c
    assert tape.gradient(kept, x) is None


# ---------------------------------------------------------------- rules, shapes and dtypes


def test_a_gradient_rule_of_the_wrong_shape_raises_gradient_error_naming_the_primitive(
    throwaway_primitive,
):
    double = throwaway_primitive(lambda x: 2 * x, (lambda g, ans, x: np.sum(g),))
    name = double.op.name
    x = gc.Variable([1.0, 2.0, 3.0])
    with gc.GradientTape() as tape:
        y = double(x)
    assert value(y) == [2.0, 4.0, 6.0]
    with pytest.raises(GradientError, match=rf"'{name}'.*shape \(\).*shape \(3,\)"):
        tape.gradient(y, x)


def test_broadcasting_gradients_are_unbroadcast_to_each_input_shape():
    a, b = gc.Variable(np.ones((3, 1))), gc.Variable(np.arange(4.0))
    with gc.GradientTape() as tape:
        y = a * b + a
    da, db = tape.gradient(y, [a, b])
    assert da.shape == (3, 1) and db.shape == (4,)
    assert value(da) == [[10.0]] * 3 and value(db) == [3.0] * 4  # sum(b) + 4, and 3 rows


def test_float32_variables_give_float32_gradients():
    x = gc.Variable([1.0, 2.0], dtype=np.float32)
    with gc.GradientTape() as outer:
        with gc.GradientTape() as inner:
            y = gc.reduce_mean(x**2 * 3.0 + gc.sin(x)) + gc.reduce_sum(gc.nn.sigmoid(x) / 2)
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert g.dtype == np.float32 and h.dtype == np.float32


def test_a_python_list_on_the_left_of_matmul_works():
    w = gc.Variable([[1.0, 0.0], [2.0, 1.0], [3.0, -1.0]])
    with gc.GradientTape() as tape:
        y = [[1.0, 2.0, 3.0]] @ w
    assert value(y) == [[14.0, -1.0]]
    assert value(tape.gradient(y, w)) == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


def test_no_warning_is_raised_by_an_ordinary_gradient():
    x = gc.Variable([0.5, 1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with gc.GradientTape() as tape:
            y = gc.reduce_sum(gc.log(x) * gc.exp(x))
        assert tape.gradient(y, x).shape == (2,)


@pytest.mark.parametrize(
    "duplicate",
    [copy.copy, copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_a_copied_tensor_or_variable_is_a_different_source_from_the_original(duplicate):
    x = gc.Variable(2.0, name="x")
    x_copy = duplicate(x)
    assert (x_copy.name, x_copy.trainable, value(x_copy)) == ("x:0", True, 2.0)
    c = gc.constant(3.0)
    with gc.GradientTape(persistent=True) as tape:
        tape.watch(c)
        c_copy = duplicate(c)  # not watched: a constant like any other
        y = x * c + x_copy * c_copy * 10.0
    assert tape.watched_variables() == [x, x_copy]
    assert [value(g) for g in tape.gradient(y, [x, x_copy, c])] == [3.0, 30.0, 2.0]
    assert tape.gradient(y, c_copy) is None


def test_a_tape_records_only_what_its_own_thread_computes():
    x = gc.Variable(2.0)
    seen = {}

    def elsewhere():
        seen["product"] = x * 5.0  # while the main thread's tape is open
        with gc.GradientTape() as own:
            y = x**3
        seen["gradient"] = own.gradient(y, x)

    with gc.GradientTape(persistent=True) as tape:
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        y = x * x
    assert value(seen["gradient"]) == 12.0
    assert tape.gradient(seen["product"], x) is None
    assert value(tape.gradient(y, x)) == 4.0


def test_a_target_that_is_also_a_source_gets_the_seed_watched_or_not():
    # TensorFlow's rule (sources_that_are_targets): d(x)/d(x) = 1 even if the tape never saw x
    x, c = gc.Variable(3.0), gc.constant([2.0, 5.0])
    with gc.GradientTape(persistent=True) as tape:
        doubled = c * 2.0  # not recorded: c is not watched
    assert value(tape.gradient(x, x)) == 1.0
    assert value(tape.gradient(c, c)) == [1.0, 1.0]
    assert value(tape.gradient(doubled, doubled)) == [1.0, 1.0]
    assert tape.gradient(doubled, c) is None
    weights = gc.constant([3.0, 4.0])
    assert value(tape.gradient(c, c, output_gradients=weights)) == [3.0, 4.0]


def test_batch_jacobian_is_each_examples_own_jacobian():
    rng = np.random.default_rng(3)
    x = gc.Variable(rng.standard_normal((4, 3)))
    w = gc.constant(rng.standard_normal((3, 2)))
    with gc.GradientTape(persistent=True) as tape:
        y = gc.tanh(x @ w) * 2.0  # example b's output depends on example b's input only
    per_example = tape.batch_jacobian(y, x)
    assert per_example.shape == (4, 2, 3)
    full = tape.jacobian(y, x).numpy()  # (4, 2, 4, 3)
    for b in range(4):
        assert np.allclose(per_example.numpy()[b], full[b, :, b, :], rtol=1e-12)
    t = np.tanh(x.numpy() @ w.numpy())
    expected = 2 * (1 - t**2)[:, :, None] * w.numpy().T[None, :, :]
    assert np.allclose(per_example.numpy(), expected, rtol=1e-12)
    with pytest.raises(ArgumentError, match="same first"):
        tape.batch_jacobian(y, gc.Variable(np.ones((5, 3))))


def test_tensorflow_spellings_of_the_jacobian_options_are_accepted():
    x = gc.Variable([1.0, 2.0])
    unused = gc.Variable([0.0, 0.0, 0.0])
    with gc.GradientTape(persistent=True) as tape:
        y = x * x
    zero = gc.UnconnectedGradients.ZERO
    assert tape.jacobian(y, unused, unconnected_gradients=zero).shape == (2, 3)
    assert value(tape.gradient(y, unused, unconnected_gradients=zero)) == [0.0, 0.0, 0.0]
    jac = tape.jacobian(y, x, parallel_iterations=4, experimental_use_pfor=False)
    assert value(jac) == [[2.0, 0.0], [0.0, 4.0]]
    assert value(tape.jacobian(x, x)) == [[1.0, 0.0], [0.0, 1.0]]  # a target that is a source


# ---------------------------------------------------------------- the record, for gradcli's views


def test_the_record_is_public_read_only_and_gone_once_used_up():
    x = gc.Variable(2.0)
    with gc.GradientTape() as tape:
        y = x * x
    entries = tape.entries()
    assert [op.name for op, *_ in entries] == ["identity", "identity", "multiply"]
    assert tape.entry_count() == 3 and len(tape.entries(1)) == 2 and not tape.released
    assert isinstance(entries, tuple)  # a copy: the tape's own list is not handed out
    tape.gradient(y, x)
    assert tape.released and tape.entries() == () and tape.entry_count() == 0


def test_an_observed_gradient_is_the_gradient_and_uses_nothing_up():
    class Observer:
        def __init__(self):
            self.steps, self.sent = [], []

        def backward_pass(self, grads):
            pass

        def step(self, entry, g):
            self.steps.append(entry[0].name)

        def contribution(self, index, gx):
            self.sent.append(float(np.asarray(gx)))

    x = gc.Variable(3.0)
    with gc.GradientTape() as outer:
        with gc.GradientTape() as tape:
            y = gc.sin(x) * x
        recorded = outer.entry_count()
        observer = Observer()
        seen = tape.observed_gradient(y, x, observer)
        assert outer.entry_count() == recorded  # nothing recorded the look
    assert observer.steps == ["multiply", "identity", "sin", "identity"]
    assert float(seen) == float(tape.gradient(y, x)) == pytest.approx(np.cos(3) * 3 + np.sin(3))
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.observed_gradient(y, x, Observer())


def test_a_custom_step_names_its_call_and_the_entries_recorded_inside_it():
    from gradcli.engine.custom_gradient import custom_step

    @gc.custom_gradient
    def double(v):
        return gc.exp(v) * 0 + v * 2, lambda dy: dy * 2

    x = gc.Variable(1.0)
    with gc.GradientTape() as tape:
        y = double(x) + 1
    assert float(y) == 3.0
    entries = tape.entries()
    [index] = [i for i, (op, *_) in enumerate(entries) if custom_step(op) is not None]
    op, inputs, out, params = entries[index]
    step = custom_step(op)
    assert step.name == "double" and step.outputs[0] is out
    back, count = params["inside"]
    inside = [e[0].name for e in entries[index - back : index - back + count]]
    assert inside == ["identity", "exp", "multiply", "identity", "multiply", "add"]
    assert custom_step(entries[-1][0]) is None


# ---------------------------------------------------------------- the default seed's shortcut


def _seed_cases():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal(3)
    return {
        "elementwise product": (lambda x, y: gc.sin(x) * gc.exp(-(y**2)), a, a + 1),
        "broadcast product": (lambda x, y: x * y, a, b),
        "float32 times float64": (lambda x, y: x * y, a.astype(np.float32), a),
        "through add and identity": (lambda x, y: gc.identity(x * y) + x, a, a * 2),
        "a source as the target": (lambda x, y: x, a, a),
        "zeros, infinities and nan": (
            lambda x, y: x * y,
            np.array([0.0, -0.0, np.inf, np.nan]),
            np.array([-0.0, 5e-324, -np.inf, 1.0]),
        ),
    }


@pytest.mark.parametrize("case", list(_seed_cases()))
def test_the_default_seed_gives_the_bits_of_an_explicit_seed_of_ones(case):
    # the walk skips multiplying by the default seed where a rule's product with ones is exact;
    # an explicit seed of ones goes through every rule: both must give the same bits and dtypes
    f, a, b = _seed_cases()[case]
    x, y = gc.Variable(a), gc.Variable(b)
    with gc.GradientTape(persistent=True) as tape:
        out = f(x, y)
    ones = np.ones(out.shape, dtype=out.dtype)
    with np.errstate(all="ignore"):
        default = tape.gradient(out, [x, y])
        explicit = tape.gradient(out, [x, y], output_gradients=gc.constant(ones))
    for got, want in zip(default, explicit):
        assert (got is None) == (want is None)
        if got is not None:
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_square_s_gradient_keeps_its_dependence_on_the_exponent():
    # numpy values skip `x ** (y - 1)` for y = 2 (it is x); a recorded backward pass must not:
    # d/dy (d/dx x**y) = x**(y - 1) * (1 + y*log(x)), at x = 3, y = 2: 3 * (1 + 2*log(3))
    x, y = gc.Variable(3.0), gc.Variable(2.0)
    with gc.GradientTape() as outer:
        with gc.GradientTape() as inner:
            z = x**y
        dz_dx = inner.gradient(z, x)
    assert value(dz_dx) == 6.0
    assert value(outer.gradient(dz_dx, y)) == pytest.approx(3 * (1 + 2 * math.log(3)), rel=1e-15)
    with gc.GradientTape() as tape:
        z = gc.Variable(np.array([3.0, -0.5, 0.0])) ** 2.0
    assert value(tape.gradient(z, tape.watched_variables()[0])) == [6.0, -1.0, 0.0]
