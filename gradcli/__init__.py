"""gradcli: reverse-mode autodiff on a tape, with TensorFlow's GradientTape semantics.

import gradcli as gc
x = gc.Variable(3.0)
with gc.GradientTape() as tape:
    y = x**2
tape.gradient(y, x)          # <gc.Tensor shape=() dtype=float64 numpy=6.0>
"""

import gc as _gc

# Importing numpy and the engine makes many objects that live as long as the process: a
# collection during the imports scans them for nothing (measured: a few ms of every start-up).
_was_collecting = _gc.isenabled()
_gc.disable()

from .engine import layers  # noqa: E402
from .engine.layers import Module  # noqa: E402
from .engine.namespaces import (  # noqa: E402
    arange,
    bool_,
    clip_by_global_norm,
    clip_by_norm,
    eye,
    fill,
    float16,
    float32,
    float64,
    int32,
    int64,
    linalg,
    linspace,
    math,
    nn,
    ones,
    public_functions,
    random,
    zeros,
)
from .engine.primitives import REGISTRY  # noqa: E402
from .engine.tape import GradientTape, UnconnectedGradients  # noqa: E402
from .engine.tensor import Tensor, Variable, constant, convert_to_tensor  # noqa: E402
from .errors import GradcliError  # noqa: E402

__version__ = "0.1.0"

if _was_collecting:
    _gc.enable()

# The engine's modules under the names they had as gradcli's top-level modules (0.1): code that
# reached `gc.tape`, `gc.ops.REGISTRY`, ... through the package keeps working.
from .engine import namespaces as api  # noqa: E402, F401
from .engine import nest, tape, tensor  # noqa: E402, F401
from .engine import primitives as ops  # noqa: E402, F401

# Imported on first use (PEP 562): the command line never needs them, and every command would
# otherwise pay for their modules at start-up.
_LAZY = {
    "optimizers": ".engine.optimizers",
    "custom_gradient": ".engine.custom_gradient",
    "autodiff": ".engine.forward",
    "explain": ".explanation",  # gc.explain(tape, target, sources): the tape, step by step
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'gradcli' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(_LAZY[name], __name__)
    value = module if name == "optimizers" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


globals().update(public_functions())  # gc.sin, gc.reduce_sum, gc.matmul, ... from the registry
range = arange  # noqa: A001 - TensorFlow's name for it (tf.range)

__all__ = [
    "GradcliError",
    "GradientTape",
    "Module",
    "REGISTRY",
    "Tensor",
    "UnconnectedGradients",
    "Variable",
    "arange",
    "autodiff",
    "bool_",
    "clip_by_global_norm",
    "clip_by_norm",
    "constant",
    "convert_to_tensor",
    "custom_gradient",
    "explain",
    "eye",
    "fill",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "layers",
    "linalg",
    "linspace",
    "math",
    "nn",
    "ones",
    "optimizers",
    "random",
    "range",
    "zeros",
    *public_functions(),
]
