"""The `gc.*` namespace beyond the primitives: creation helpers, dtypes, `random`, `math`, `nn`,
`linalg`.

The namespaces are read off the registry: a primitive that lists `tf.math` among its namespaces
is `gc.math.<name>`, one that lists `tf.nn` is `gc.nn.<name>`, and an alias `linalg.<name>` is
`gc.linalg.<name>`.
"""

from __future__ import annotations

import types

import numpy as np

from .primitives import FUNCTIONS, REGISTRY
from .tensor import DEFAULT_FLOAT, Tensor, to_numpy


def _float_dtype(dtype):
    return np.dtype(dtype) if dtype is not None else DEFAULT_FLOAT


def zeros(shape, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.zeros(shape, dtype=_float_dtype(dtype))))


def ones(shape, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.ones(shape, dtype=_float_dtype(dtype))))


def fill(shape, value, dtype=None) -> Tensor:
    return Tensor(to_numpy(np.full(shape, value, dtype=_float_dtype(dtype))))


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
