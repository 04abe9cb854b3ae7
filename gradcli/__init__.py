"""gradcli: reverse-mode autodiff on a tape, with TensorFlow's GradientTape semantics.

import gradcli as gc
x = gc.Variable(3.0)
with gc.GradientTape() as tape:
    y = x**2
tape.gradient(y, x)          # <gc.Tensor shape=() dtype=float64 numpy=6.0>
"""

from . import layers
from .api import arange, eye, fill, linspace, math, nn, ones, public_functions, random, zeros
from .errors import GradcliError
from .layers import Module
from .ops import REGISTRY
from .tape import GradientTape
from .tensor import Tensor, Variable, constant, convert_to_tensor

__version__ = "0.1.0"

globals().update(public_functions())  # gc.sin, gc.reduce_sum, gc.matmul, ... from the registry

__all__ = [
    "GradcliError",
    "GradientTape",
    "Module",
    "REGISTRY",
    "Tensor",
    "Variable",
    "arange",
    "constant",
    "convert_to_tensor",
    "eye",
    "fill",
    "layers",
    "linspace",
    "math",
    "nn",
    "ones",
    "random",
    "zeros",
    *public_functions(),
]
