"""`Module` and `Dense`, as in `tf.Module` and `tf.keras.layers.Dense`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcli.errors import ArgumentError

from .primitives import FUNCTIONS, REGISTRY, add, matmul
from .tensor import Variable

ACTIVATIONS = (
    "relu",
    "sigmoid",
    "softplus",
    "tanh",
    "elu",
    "leaky_relu",
    "gelu",
    "softmax",
    "log_softmax",
    "exp",
    "abs",
    "square",
    "linear",
)


class Module:
    """Collects the variables found in its attributes (and in nested modules, lists and dicts)."""

    @property
    def variables(self) -> list[Variable]:
        found: dict[int, Variable] = {}
        _collect(vars(self), found, seen=set())
        return list(found.values())

    @property
    def trainable_variables(self) -> list[Variable]:
        return [v for v in self.variables if v.trainable]


def _collect(value, found: dict, seen: set) -> None:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Variable):
        found.setdefault(id(value), value)
    elif isinstance(value, Module):
        _collect(vars(value), found, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found, seen)


_layer_counts: dict[str, int] = {}


def _unique_name(base: str) -> str:
    """Keras's naming: `dense`, then `dense_1`, `dense_2`, ... within a process."""
    count = _layer_counts.get(base, 0)
    _layer_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def activation_function(activation) -> Callable | None:
    """`None`, a callable, or the name of a registered elementwise primitive such as 'relu'."""
    if activation is None or callable(activation):
        return activation
    if activation == "linear":
        return None
    if activation in ACTIVATIONS and activation in REGISTRY:
        return FUNCTIONS[activation]
    raise ArgumentError(
        f"unknown activation {activation!r}: use one of {', '.join(ACTIVATIONS)} or None"
    )


class Dense(Module):
    """activation(x @ kernel + bias): glorot-uniform kernel, zero bias, built on first call."""

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        seed=None,
        name: str | None = None,
        dtype=None,
    ):
        if int(units) != units or units < 1:
            raise ArgumentError(f"Dense(units): units must be a positive integer, not {units!r}")
        self.units = int(units)
        self.activation = activation_function(activation)
        self.use_bias = use_bias
        self.name = name or _unique_name("dense")
        self._rng = np.random.default_rng(seed)
        self._dtype = dtype
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_dim: int, dtype) -> None:
        limit = np.sqrt(6.0 / (input_dim + self.units))
        kernel = self._rng.uniform(-limit, limit, size=(input_dim, self.units)).astype(dtype)
        self.kernel = Variable(kernel, name=f"{self.name}/kernel")
        if self.use_bias:
            self.bias = Variable(np.zeros(self.units, dtype=dtype), name=f"{self.name}/bias")

    def __call__(self, x):
        shape = np.shape(x._value if hasattr(x, "_value") else x)
        if not shape:
            raise ArgumentError("Dense needs an input with at least one axis (features last)")
        if self.kernel is None:
            dtype = np.dtype(self._dtype or getattr(x, "dtype", np.float64))
            self.build(shape[-1], dtype if dtype.kind == "f" else np.float64)
        y = matmul(x, self.kernel)
        if self.bias is not None:
            y = add(y, self.bias)
        return self.activation(y) if self.activation else y
