"""The `gc.*` namespace beyond the primitives: creation helpers, dtypes, `random`, `math`, `nn`,
`linalg`.

The namespaces are read off the registry: a primitive that lists `tf.math` among its namespaces
is `gc.math.<name>`, one that lists `tf.nn` is `gc.nn.<name>`, and an alias `linalg.<name>` is
`gc.linalg.<name>`.
"""

from __future__ import annotations

import types

import numpy as np

from gradcli.errors import ArgumentError

from . import primitives as _ops
from .primitives import FUNCTIONS, REGISTRY
from .tensor import DEFAULT_FLOAT, Tensor, convert_to_tensor, static_shape, to_numpy


def _float_dtype(dtype):
    return np.dtype(dtype) if dtype is not None else DEFAULT_FLOAT


def zeros(shape, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.zeros(static_shape(shape), dtype=_float_dtype(dtype))))


def ones(shape, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.ones(static_shape(shape), dtype=_float_dtype(dtype))))


def fill(shape, value, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.full(static_shape(shape), value, dtype=_float_dtype(dtype))))


def eye(num_rows: int, num_columns: int | None = None, dtype=None) -> Tensor:
    return Tensor(np.eye(num_rows, num_columns, dtype=_float_dtype(dtype)))


def linspace(start, stop, num: int, dtype=None) -> Tensor:
    return Tensor(np.linspace(start, stop, int(num), dtype=_float_dtype(dtype)))


def arange(start, limit=None, delta=1, dtype=None) -> Tensor:
    """As `tf.range`: integers stay integers unless a dtype is given or a bound is a float."""
    values = np.arange(start, limit, delta) if limit is not None else np.arange(0, start, delta)
    return Tensor(values if dtype is None else values.astype(dtype))


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    rng = np.random.default_rng(seed)
    return Tensor(to_numpy(rng.normal(mean, stddev, size=shape).astype(_float_dtype(dtype))))


def _uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    rng = np.random.default_rng(seed)
    return Tensor(to_numpy(rng.uniform(minval, maxval, size=shape).astype(_float_dtype(dtype))))


random = types.SimpleNamespace(normal=_normal, uniform=_uniform)


def _namespace(prefix: str) -> types.SimpleNamespace:
    members = {}
    for op in REGISTRY.values():
        if op.public and prefix in op.namespaces:
            for name in (op.name, *op.aliases):
                members[name.replace(".", "_")] = FUNCTIONS[op.name]
    return types.SimpleNamespace(**members)


def _alias_namespace(prefix: str) -> types.SimpleNamespace:
    members = {}
    for op in REGISTRY.values():
        for alias in op.aliases:
            if op.public and alias.startswith(prefix + "."):
                members[alias[len(prefix) + 1 :]] = FUNCTIONS[op.name]
    return types.SimpleNamespace(**members)


math = _namespace("tf.math")
nn = _namespace("tf.nn")
linalg = _alias_namespace("linalg")

# TensorFlow's dtype names (`gc.Variable(1.0, dtype=gc.float32)`), as numpy's types
float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_


def public_functions() -> dict:
    """Every public primitive under its canonical name and its aliases (for `gc.<name>`)."""
    table = {}
    for op in REGISTRY.values():
        if op.public:
            for name in (op.name, *op.aliases):
                if "." not in name:
                    table[name] = FUNCTIONS[op.name]
    return table


def clip_by_norm(t, clip_norm, axes=None) -> Tensor:
    """`t * clip_norm / max(norm(t), clip_norm)` over `axes` (all by default), as
    `tf.clip_by_norm` computes it, so the gradient is TensorFlow's too (0 through the norm of a
    zero tensor, where the norm's own gradient is undefined)."""
    t = convert_to_tensor(t)
    squares = _ops.sum(t * t, axis=axes, keepdims=True)
    positive = squares > 0.0
    # sqrt only where the sum is positive: its gradient at 0 would be infinite
    norm = _ops.where(positive, _ops.sqrt(_ops.where(positive, squares, 1.0)), squares)
    return (t * clip_norm) / _ops.maximum(norm, clip_norm)


def clip_by_global_norm(t_list, clip_norm, use_norm=None) -> tuple[list, Tensor]:
    """Every tensor of `t_list` scaled by `clip_norm / max(global_norm, clip_norm)`, and the
    global norm (the norm of all of them together), as `tf.clip_by_global_norm`: `None` entries
    stay `None`, and a non-finite global norm makes every value nan."""
    if not isinstance(t_list, (list, tuple)):
        raise ArgumentError("clip_by_global_norm takes a list (or tuple) of tensors")
    present = [convert_to_tensor(t) for t in t_list if t is not None]
    if use_norm is None:
        squares = [_ops.sum(t * t) for t in present] or [convert_to_tensor(0.0)]
        total = squares[0]
        for square in squares[1:]:
            total = total + square
        use_norm = _ops.sqrt(total)
    use_norm = convert_to_tensor(use_norm)
    with np.errstate(divide="ignore"):  # a zero norm: 1/0 = inf, and the minimum picks 1/clip
        scale = clip_norm * _ops.minimum(1.0 / use_norm, 1.0 / clip_norm)
    with np.errstate(invalid="ignore"):  # inf - inf: nan on purpose
        scale = scale + (use_norm - use_norm)  # nan when the norm is inf or nan, as TensorFlow
    clipped = [None if t is None else convert_to_tensor(t) * scale for t in t_list]
    return clipped, use_norm
