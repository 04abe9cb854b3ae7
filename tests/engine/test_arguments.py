"""Static arguments (axis, keepdims, shape, perm, alpha, ...): checked by kind before numpy sees
them, for every parameter of every primitive, from the Python API as from the language."""

from __future__ import annotations

import numpy as np
import pytest

import gradcli as gc
from gradcli.engine import primitives as ops
from gradcli.errors import ArgumentError

# wrong for every kind of parameter; 0.5 is wrong but for a number (alpha), True but for a flag
WRONG_FOR_EVERY_KIND = [0.5, True, "relu", "0", object(), (0, "relu"), float("nan")]


PARAMS_OF_PUBLIC_OPS = [
    pytest.param(op, key, id=f"{op.name}-{key}")
    for op in ops.REGISTRY.values()
    for key, _default in op.params
    if op.public and key != "index"  # index is built by the language, not typed
]


def inputs_for(op) -> list:
    x = gc.constant(np.ones((2, 3)))
    return [[x, x]] if op.variadic else [x] * op.arity


@pytest.mark.parametrize(("op", "key"), PARAMS_OF_PUBLIC_OPS)
@pytest.mark.parametrize("wrong", WRONG_FOR_EVERY_KIND, ids=repr)
def test_every_parameter_refuses_a_value_of_the_wrong_kind(op, key, wrong):
    default = dict(op.params)[key]
    if (wrong is True and isinstance(default, bool)) or (
        wrong == 0.5 and isinstance(default, float)
    ):
        return  # right for this kind
    with pytest.raises(ArgumentError) as info:
        ops.FUNCTIONS[op.name](*inputs_for(op), **{key: wrong})
    assert f"{key} is" in info.value.message


def test_the_python_api_says_argument_error_not_numpys_type_error():
    x = gc.constant([[1.0, 2.0]])
    with pytest.raises(ArgumentError, match="axis is a whole number or a tuple of them, not 0.5"):
        gc.reduce_sum(x, axis=0.5)
    with pytest.raises(ArgumentError, match="shape is a whole number or a tuple of them"):
        gc.reshape(x, 2.5)
    with pytest.raises(ArgumentError, match="perm is None or a tuple of whole numbers"):
        gc.transpose(x, perm=1.5)
    with pytest.raises(ArgumentError, match="keepdims is True or False"):
        gc.reduce_mean(x, keepdims="yes")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x: gc.reduce_sum(x, axis=[0, 1]), 3.0),  # TensorFlow's list of axes
        (lambda x: gc.reduce_sum(x, axis=np.int64(-1))[0], 3.0),  # numpy's integers
        (lambda x: gc.reduce_sum(x, axis=np.array([0, 1])), 3.0),
        (lambda x: gc.reduce_sum(x, axis=1, keepdims=1)[0, 0], 3.0),  # 0 and 1 are flags too
        (lambda x: gc.reshape(x, 2)[1], 2.0),  # one size for a 1-D shape
        (lambda x: gc.reshape(x, [-1, 1])[1, 0], 2.0),
        (lambda x: gc.broadcast_to(x, (3, 1, 2))[2, 0, 1], 2.0),
        (lambda x: gc.transpose(x, perm=[1, 0])[1, 0], 2.0),
    ],
)
def test_right_values_of_every_accepted_spelling_still_work(call, expected):
    assert float(call(gc.constant([[1.0, 2.0]]))) == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: gc.reduce_sum(x, axis=(0, 0)), "repeats an axis"),
        (lambda x: ops.FUNCTIONS["sum"](x, axis=2**70), "axis is a whole number"),
        (lambda x: gc.reshape(x, (-1, -1)), "sizes below 0 other than one -1"),
        (lambda x: gc.reshape(x, (-2, -1)), "sizes below 0 other than one -1"),
        (lambda x: gc.broadcast_to(x, (-1, 2)), "negative size"),
        (lambda x: gc.expand_dims(x, (0, 1)), r"axis is a whole number, not \(0, 1\)"),
        (lambda x: gc.concat([x, x], axis=None), "axis is a whole number, not None"),
    ],
)
def test_values_of_the_right_type_but_impossible_are_refused_by_us(call, message):
    with pytest.raises(ArgumentError, match=message):
        call(gc.constant([[1.0, 2.0]]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: gc.reduce_sum(x, axis=3), "axis 3 is out of range for an input of 1 dimension"),
        (lambda x: gc.reduce_max(x, 1), "axis 1 is out of range for an input of 1 dimension"),
        (lambda x: gc.math.reduce_min(x, axis=-2), "axis -2 is out of range"),
        (lambda x: gc.expand_dims(x, 5), "axis 5 is out of range for a result of 2 dimensions"),
        (lambda x: gc.reduce_sum([1.0, 2.0], axis=1), "axis 1 is out of range"),
    ],
)
def test_an_axis_past_the_inputs_dimensions_is_a_gradcli_error_from_the_api_too(call, message):
    # the Python API checks an axis against its inputs' dimensions as the language does
    with pytest.raises(ArgumentError) as info:
        call(gc.constant([1.0, 2.0]))
    assert message in info.value.message


@pytest.mark.parametrize("axis", ["0", 0.5, True, [0.5]])
def test_an_axis_of_the_wrong_type_is_a_gradcli_error_from_the_api(axis):
    with pytest.raises(ArgumentError, match="axis is a whole number"):
        gc.reduce_max(gc.constant([1.0, 2.0]), axis=axis)


@pytest.mark.parametrize(
    ("name", "ndims", "value", "message"),
    [
        ("sum", [2], 2, "axis 2 is out of range for an input of 2 dimensions (axes -2 to 1)"),
        ("sum", [0], 0, "axis 0 is out of range for an input of 0 dimensions (no axes)"),
        ("expand_dims", [2], -4, "out of range for a result of 3 dimensions (axes -3 to 2)"),
        ("stack", [1, 1], 2, "out of range for a result of 2 dimensions"),
    ],
)
def test_axes_are_checked_against_the_inputs_dimensions_when_known(name, ndims, value, message):
    op = ops.REGISTRY[name]
    with pytest.raises(ArgumentError) as info:
        ops.bind_params(op, [k for k, _ in op.params], (), {"axis": value}, ndims=ndims)
    assert message in info.value.message
    # and the extremes of the range are accepted
    rank = ndims[0] + (name in ("expand_dims", "stack"))
    for axis in (-rank, rank - 1) if rank else ():
        ops.bind_params(op, [k for k, _ in op.params], (), {"axis": axis}, ndims=ndims)


def test_perm_must_order_every_axis_when_the_dimensions_are_known():
    op = ops.REGISTRY["transpose"]
    with pytest.raises(ArgumentError, match=r"not an order of the axes 0 to 2"):
        ops.bind_params(op, ["perm"], ((0, 1),), {}, ndims=[3])
    assert ops.bind_params(op, ["perm"], ([2, 0, 1],), {}, ndims=[3]) == {"perm": (2, 0, 1)}


def test_an_integer_tensor_stands_for_an_integer_in_a_shape_or_an_axis():
    # TensorFlow's guide: tf.reshape(t, [n, 1]) with n = tf.reduce_prod(...)
    t = gc.constant([[1.0, 2.0], [3.0, 4.0]])
    n = gc.reduce_prod(gc.constant([2, 2]))
    assert gc.reshape(t, [n, 1]).shape == (4, 1)
    assert gc.reshape(t, gc.constant([1, 4])).shape == (1, 4)
    assert gc.reduce_sum(t, axis=gc.constant(0)).numpy().tolist() == [4.0, 6.0]
    with pytest.raises(ArgumentError):
        gc.reshape(t, [gc.constant(2.0), 2])  # a float tensor is not a size
