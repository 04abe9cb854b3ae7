"""The registry of primitives: every operation gradcli knows, each declared once, here.

A record holds an operation's numpy forward, one gradient rule per input, its sympy form, its names,
a one-line doc, the domain its tests sample from, and its convention at kinks and ties. The tape,
the language, the Python namespaces, the cross-check and `gradcli functions` all read this table.

Gradient rules have the form `rule(g, ans, *inputs, **params)`: `g` is the gradient arriving at the
output, `ans` the forward's answer (reused where it is cheaper and loses nothing, as for exp and
softmax; never where it cancels: expm1, tanh and sigmoid read their input). Rules are written
with the primitives themselves, so a backward pass that runs under an outer tape is recorded on it.
They may return a gradient of the *broadcast* shape: the engine undoes broadcasting once
(`unbroadcast`), for every rule.

Forward rules (JVPs, for `gc.autodiff.ForwardAccumulator`) have the form `jvp(t, ans, *inputs,
**params)`, `t` the tangent of one input, and give that input's share of the output's tangent.
Most are derived from the gradient rules where that is exact (`engine/forward.py`, by kind:
elementwise ops have a diagonal Jacobian, shape ops are linear, a reduction's Jacobian is its
gradient rule's weights); an op declares `jvps=` beside its `grads` where it needs its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcli.errors import ArgumentError

from .tensor import Tensor, apply

FORWARD_ON_OBJECTS = (
    "forward"  # sympy form: the numpy forward itself works on arrays of sympy objects
)
_NO_DEFAULT = object()


@dataclass(frozen=True, eq=False)
class Op:
    name: str
    forward: Callable
    grads: tuple  # per input: rule(g, ans, *inputs, **params), or None for "no gradient"
    sympy: Any  # (sp, *args, **params) -> sympy value; FORWARD_ON_OBJECTS; or None
    doc: str
    kind: str = "elementwise"  # elementwise | reduction | shape | linalg | compare | other
    arity: int = 1  # number of tensor inputs; 0 means a list of tensors (concat, stack)
    params: tuple = ()  # (name, default) pairs: static keyword parameters
    aliases: tuple = ()
    namespaces: tuple = ("tf", "tf.math", "np")
    broadcasts: bool = False  # the engine undoes broadcasting of this op's gradients
    domain: tuple = ((-3.0, 3.0),)  # per input: the interval tests and finite differences sample
    convention: str = ""  # what the gradient is at kinks and ties
    sample: Callable | None = None  # tests: rng -> (args, params), for inputs that need structure
    public: bool = True  # reachable from the language and the gc namespace
    # which forward values the gradient rules read: "inputs", "output", "both", or "shapes" (only
    # shapes and dtypes). The tape keeps just these, so a large value no rule reads is freed as
    # soon as the user's code lets go of it (TensorFlow's tape does the same). A rule that reads a
    # value its op does not save fails loudly: the tape hands it a stand-in without data.
    saves: str = "inputs"
    # reading a trainable variable as this op's input watches it; stop_gradient's does not, as in
    # TensorFlow (`watched_variables()` leaves out a variable read only to stop its gradient)
    watches_reads: bool = True
    # recorded on the tape although it has no gradient: ones_like and zeros_like, as TensorFlow's
    # tape records them, so what is computed from their result is a value `gradient` can take
    # as a source (`y = ones_like(x) * 2; z = y * y`: dz/dy is 4, not None)
    recorded_without_gradient: bool = False
    # forward rules: per input jvp(t, ans, *inputs, **params), or how `engine/forward.py` derives
    # them from `grads` ("diagonal", "linear", "reduction", "transposed"); None: by the op's kind
    jvps: Any = None
    # per input, unit(ans, *inputs, **params): what the gradient rule gives when the gradient
    # arriving is the default seed, ones of the output's shape, without multiplying by them (for
    # multiply, the other input: 1 * y is y, bit for bit). Used on numpy values only; the walk
    # falls back to the rule where the shortcut's shape or dtype is not the seed's
    unit_grads: tuple | None = None
    differentiable: bool = field(init=False)
    saves_inputs: bool = field(init=False)
    saves_output: bool = field(init=False)

    def __post_init__(self):
        if self.saves not in ("inputs", "output", "both", "shapes"):
            raise ValueError(f"{self.name}: saves={self.saves!r}")
        object.__setattr__(self, "differentiable", any(r is not None for r in self.grads))
        object.__setattr__(self, "saves_inputs", self.saves in ("inputs", "both"))
        object.__setattr__(self, "saves_output", self.saves in ("output", "both"))

    @property
    def variadic(self) -> bool:
        return self.arity == 0

    @property
    def signature(self) -> str:
        inputs = (
            ["values"] if self.variadic else list("xyz"[: self.arity] if self.arity <= 3 else [])
        )
        inputs += [f"{n}={d!r}" if d is not _NO_DEFAULT else n for n, d in self.params]
        return f"{self.name}({', '.join(inputs)})"

    def rule(self, i: int):
        """The gradient rule for input `i` (variadic ops share one rule that takes `index=`)."""
        if self.variadic:
            rule = self.grads[0]
            return lambda g, ans, *xs, **kw: rule(g, ans, *xs, index=i, **kw)
        return self.grads[i]


REGISTRY: dict[str, Op] = {}
FUNCTIONS: dict[str, Callable] = {}  # canonical name -> the function users and rules call


def primitive(
    name: str, forward: Callable, grads: tuple, sympy: Any, doc: str, **facts
) -> Callable:
    """Register an operation and return the function users (and gradient rules) call."""
    op = Op(name, forward, grads, sympy, doc, **facts)
    if name in REGISTRY:
        raise ValueError(f"primitive {name!r} registered twice")
    REGISTRY[name] = op
    FUNCTIONS[name] = _function_for(op)
    return FUNCTIONS[name]


def _function_for(op: Op) -> Callable:
    names = [n for n, _ in op.params]
    arity = op.arity  # read once here: the function below runs for every operation

    def function(*args, **kwargs):
        if len(args) == arity and arity and not kwargs:  # the usual call: just the tensor inputs
            return apply(op, *args)
        if op.variadic:
            if not args or not isinstance(args[0], (list, tuple)):
                raise ArgumentError(f"{op.signature}: the first argument is a list of tensors")
            values, args = args[0], args[1:]
        else:
            values, args = args[: op.arity], args[op.arity :]
            if len(values) < op.arity:
                raise ArgumentError(
                    f"{op.signature}: expected {op.arity} input(s), got {len(values)}"
                )
        if args or kwargs:
            # the inputs' dimensions, so an axis outside them is our error, not numpy's
            ndims = [_ndim(v) for v in values]
            known = bool(ndims) and all(isinstance(n, int) for n in ndims)
            kwargs = bind_params(op, names, args, kwargs, ndims=ndims if known else None)
        return apply(op, *values, **kwargs)

    function.__name__ = op.name
    function.__qualname__ = op.name
    function.__doc__ = op.doc
    function.op = op
    return function


def _ndim(value) -> int | None:
    """A tensor input's number of dimensions; None when it has none yet (a ragged list)."""
    if hasattr(value, "ndim"):
        return value.ndim
    try:
        return np.ndim(value)
    except ValueError:
        return None


def bind_params(op: Op, names: list, extra: tuple, kwargs: dict, *, spans=None, ndims=None) -> dict:
    """A call's static parameters bound by name, each checked by its kind before numpy sees it.

    `spans` (parameter name -> Span) puts an error's caret on the argument at fault; `ndims` (the
    tensor inputs' numbers of dimensions, when known) checks axes and permutations against them.
    """
    if len(extra) > len(names):
        raise ArgumentError(f"{op.signature}: too many arguments")
    bound = dict(zip(names, extra))
    for key, value in kwargs.items():
        if key not in names:
            raise ArgumentError(f"{op.signature}: unexpected keyword argument '{key}'")
        if key in bound:
            raise ArgumentError(f"{op.signature}: '{key}' given twice")
        bound[key] = value
    for key, default in op.params:
        if key not in bound and default is _NO_DEFAULT:
            raise ArgumentError(f"{op.signature}: missing argument '{key}'")
    for key, value in bound.items():
        check = _CHECKS.get((op, key)) or _CHECKS.setdefault((op, key), _param_check(op, key))
        try:
            bound[key] = check(op, key, value, ndims)
        except ArgumentError as error:
            error.span = error.span or (spans or {}).get(key)
            raise
    return bound


def _param_check(op: Op, key: str) -> Callable:
    """How a parameter is checked: by its name (axis, shape, perm), else by its default's type
    (a flag such as keepdims, a number such as alpha), so a new parameter is covered too."""
    default = dict(op.params)[key]
    if key == "axis":  # reductions and squeeze take None, an int or a tuple; the rest one int
        return _check_axes if default is None else _check_one_axis
    if key in ("shape", "perm"):
        return _check_shape if key == "shape" else _check_perm
    if key == "equation":
        return _check_equation
    if isinstance(default, bool):
        return _check_flag
    if isinstance(default, (int, float)):
        return _check_number
    return _as_given


_CHECKS: dict = {}  # (op, parameter) -> its check, found on first use (rules bind on every call)
_HUGE = 2**62  # no axis or size comes near this; numpy would overflow on larger ones


def _as_given(op: Op, key: str, value, ndims):
    return value  # getitem's index: the language and Tensor.__getitem__ build it


def _bad_param(op: Op, key: str, wanted: str, value) -> ArgumentError:
    shown = repr(value) if isinstance(value, (int, float, str, tuple, list)) else None
    shown = shown if shown is not None and len(shown) <= 40 else type(value).__name__
    return ArgumentError(f"{op.signature}: {key} is {wanted}, not {shown}")


def _is_int(value) -> bool:
    # bool is an int to Python, and numpy would read axis=True as axis 1: refuse it
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _as_int(value):
    """A 0-d integer tensor stands for its integer, as in TensorFlow (`tf.reshape(t, [n, 1])`
    with `n = tf.reduce_prod(...)`); anything else is left for the checks to judge."""
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return value


def _ints(op: Op, key: str, value, wanted: str) -> tuple:
    """A whole number or a sequence of them (a list or tuple, or a 1-D integer array)."""
    if type(value) is tuple and all(type(item) is int and -_HUGE < item < _HUGE for item in value):
        return value  # the gradient rules' own calls: a tuple of small ints, nothing to convert
    if isinstance(value, Tensor) and value.ndim == 1 and value.dtype.kind in "iu":
        value = value.numpy()  # a 1-D integer tensor as a shape or axes, as TensorFlow takes it
    value = _as_int(value)
    if _is_int(value):
        items = (value,)
    elif isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        items = tuple(_as_int(item) for item in value)
    else:
        raise _bad_param(op, key, wanted, value)
    # (abs, sum, max and min are primitives in this module: plain comparisons only here)
    if not all(_is_int(item) and -_HUGE < int(item) < _HUGE for item in items):
        raise _bad_param(op, key, wanted, value)
    return tuple(int(item) for item in items)


def _check_flag(op: Op, key: str, value, ndims) -> bool:
    if isinstance(value, (bool, np.bool_)) or (_is_int(value) and value in (0, 1)):
        return bool(value)
    raise _bad_param(op, key, "True or False", value)


def _check_number(op: Op, key: str, value, ndims) -> float:
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.numpy()  # a 0-d tensor stands for its number (leaky_relu's alpha)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        if np.isfinite(value):
            return float(value)
    raise _bad_param(op, key, "a finite number", value)


def _check_axes(op: Op, key: str, value, ndims):
    if value is None:
        return None
    axes = _ints(op, key, value, "a whole number or a tuple of them")
    _check_axes_range(op, value, axes, ndims)
    return axes[0] if _is_int(value) else axes


def _check_one_axis(op: Op, key: str, value, ndims) -> int:
    value = _as_int(value)  # a 0-d integer tensor, as TensorFlow takes it
    if not _is_int(value):
        raise _bad_param(op, key, "a whole number", value)
    axes = _ints(op, key, value, "a whole number")
    _check_axes_range(op, value, axes, ndims)
    return axes[0]


def _check_axes_range(op: Op, value, axes: tuple, ndims) -> None:
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"{op.signature}: axis {value!r} repeats an axis")
    if not ndims:
        return
    new_axis = op.name in ("expand_dims", "stack")  # they make an axis: the result has one more
    rank = ndims[0] + new_axis
    for axis in axes:
        if not -rank <= axis < rank:
            has = f"{rank} dimension" + ("" if rank == 1 else "s")
            valid = f"axes {-rank} to {rank - 1}" if rank else "no axes"
            raise ArgumentError(
                f"{op.signature}: axis {axis} is out of range for "
                f"{'a result' if new_axis else 'an input'} of {has} ({valid})"
            )


def _check_shape(op: Op, key: str, value, ndims) -> tuple:
    shape = _ints(op, key, value, "a whole number or a tuple of them")
    if op.name == "reshape":  # one -1 may stand for the size left over
        if any(n < -1 for n in shape) or shape.count(-1) > 1:
            raise ArgumentError(
                f"{op.signature}: shape {value!r} has sizes below 0 other than one -1"
            )
    elif any(n < 0 for n in shape):
        raise ArgumentError(f"{op.signature}: shape {value!r} has a negative size")
    return shape


def _check_equation(op: Op, key: str, value, ndims) -> str:
    allowed = set(_LETTERS + ",.-> ")
    if isinstance(value, str) and value and set(value) <= allowed and value.count("->") <= 1:
        return value
    raise _bad_param(op, key, "a string of index letters such as 'ij,jk->ik'", value)


def _check_perm(op: Op, key: str, value, ndims):
    if value is None:
        return None
    perm = _ints(op, key, value, "None or a tuple of whole numbers")
    if ndims and sorted(perm) != list(range(ndims[0])):
        raise ArgumentError(
            f"{op.signature}: perm {value!r} is not an order of the axes 0 to {ndims[0] - 1}"
        )
    return perm


# ---------------------------------------------------------------- helpers used by the rules


def unbroadcast(g, shape: tuple):
    """Sum `g` down to `shape`, undoing numpy broadcasting (the engine calls this once per rule)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return _call(reshape, _call(sum, g, axis=axes) if axes else g, shape=shape)


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(a) % ndim if ndim else 0 for a in axis)


def _kept(t, shape: tuple, axis, keepdims: bool):
    """A reduction's output (or its gradient) reshaped so it broadcasts against the input."""
    if keepdims:
        return t
    axes = _axes(axis, len(shape))
    return _call(reshape, t, shape=tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _mask(condition, like):
    """1.0 where `condition` holds, else 0.0, in `like`'s dtype."""
    return where(condition, ones_like(like), zeros_like(like))


def _safe_log(x):
    return log(where(x > 0, x, ones_like(x)))


def _mul_no_nan(x, y):
    """x * y, but exactly 0 where y is 0 even if x is infinite or nan: TensorFlow's `mul_no_nan`,
    with which its sqrt kernel's gradient turns a zero upstream gradient into 0 (the "safe sqrt"
    `where(x > 0, sqrt(x), 0)` at 0), not 0 * inf."""
    return where(y == 0, zeros_like(y), x * y)


def _call(function: Callable, *inputs, **params):
    """A primitive called by a gradient rule with parameters the rule built itself (shapes, axes
    and permutations as tuples of ints): straight to `apply`, recorded as any call is, without
    the checks that give a user's call a clear message (`bind_params`: most of a small call)."""
    return apply(function.op, *inputs, **params)


def _reshaped(t, shape: tuple):
    """`t` in `shape`: itself when it has that shape already."""
    return t if t.shape == shape else _call(reshape, t, shape=shape)


def _swap_last(t):
    return _call(transpose, t, perm=tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2))


def _matmul_grad(g, x, y, which: int):
    """Gradient of x @ y for input `which`, with 1-D operands promoted as numpy promotes them."""
    if x.ndim == 1 and y.ndim == 1:
        return g * (y if which == 0 else x)
    xm = x if x.ndim > 1 else expand_dims(x, 0)
    ym = y if y.ndim > 1 else expand_dims(y, -1)
    gm = g if x.ndim > 1 else expand_dims(g, -2)
    gm = gm if y.ndim > 1 else expand_dims(gm, -1)
    if which == 0:
        return _reshaped(unbroadcast(gm @ _swap_last(ym), xm.shape), x.shape)
    return _reshaped(unbroadcast(_swap_last(xm) @ gm, ym.shape), y.shape)


def _power_grad(g, x, y):
    """d/dx x**y, `g * y * x ** (y - 1)`; on numpy values with y = 2 (a square), x ** 1 is x
    bit for bit, so that pass is skipped. Recorded (tensor) values keep the whole form: a higher
    derivative in y needs `x ** (y - 1)`'s dependence on y."""
    if isinstance(y, np.floating) and y == 2:  # a numpy scalar: the rule runs on numpy values
        return g * y * x
    return g * y * x ** (y - 1)


def _reduce_grad(g, ans, x, axis=None, keepdims=False):
    return _call(broadcast_to, _kept(g, x.shape, axis, keepdims), shape=x.shape)


def _mean_grad(g, ans, x, axis=None, keepdims=False):
    # a Python float: keeps float32
    count = float(math.prod([x.shape[a] for a in _axes(axis, x.ndim)]))
    return _reduce_grad(g, ans, x, axis, keepdims) / count


def _extreme_grad(g, ans, x, axis=None, keepdims=False):
    # TensorFlow's convention: ties share the gradient evenly
    mask = _mask(x == _kept(ans, x.shape, axis, keepdims), x)
    return _kept(g, x.shape, axis, keepdims) * mask / sum(mask, axis=axis, keepdims=True)


def _prod_grad(g, ans, x, axis=None, keepdims=False):
    gk, ak = _kept(g, x.shape, axis, keepdims), _kept(ans, x.shape, axis, keepdims)
    nonzero = x != 0
    return where(nonzero, gk * ak / where(nonzero, x, ones_like(x)), gk * _prod_of_others(x, axis))


def _np_prod_of_others(x, axis=None):
    """For each element, the product of the other elements reduced with it (exact at zeros)."""
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0))) if axes else x[..., None]
    flat = moved.reshape(moved.shape[: moved.ndim - len(axes)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(-len(axes), 0)), axes) if axes else others[..., 0]


def _concat_grad(g, ans, *xs, index, axis=0):
    axis = int(axis) % ans.ndim
    start = int(np.sum([x.shape[axis] for x in xs[:index]], dtype=int))
    where_ = (slice(None),) * axis + (slice(start, start + xs[index].shape[axis]),)
    return getitem(g, index=where_)


def _stack_grad(g, ans, *xs, index, axis=0):
    axis = int(axis) % ans.ndim
    return getitem(g, index=(slice(None),) * axis + (index,))


def _np_scatter(g, shape, index):
    out = np.zeros(shape, dtype=g.dtype if g.dtype.kind in "fO" else np.float64)  # O: sympy
    np.add.at(out, index, g)
    return out[()] if out.ndim == 0 else out


def _np_sigmoid(x):
    with np.errstate(under="ignore"):  # exp(-1000) is 0 by design
        e = np.exp(-np.abs(x))  # never overflows: exp of a non-positive number
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))[()]


def _np_softplus(x):
    with np.errstate(under="ignore"):  # softplus(-1000) is 0 by design
        return np.logaddexp(0, x)


def _np_reshape(x, shape):
    return np.reshape(x, shape)


# sympy forms for operations with a kink: Piecewise keeps TensorFlow's convention at the kink,
# where sympy's Max/Heaviside would give 1/2
def _sym_relu(sp, x):
    return sp.Piecewise((x, x > 0), (0, True))


def _sym_maximum(sp, x, y):
    return sp.Piecewise((x, x >= y), (y, True))


def _sym_minimum(sp, x, y):
    return sp.Piecewise((x, x <= y), (y, True))


def _sym_extreme(pick):
    def form(sp, x, axis=None, keepdims=False):
        reduce = np.frompyfunc(lambda a, b: getattr(sp, pick)(a, b), 2, 1).reduce
        x = np.asarray(x, dtype=object)
        out = x
        for a in sorted(_axes(axis, x.ndim), reverse=True):
            out = reduce(out, axis=a, keepdims=keepdims)
        return out

    return form


def _sample_matmul(rng):
    pairs = [
        ((2, 3), (3, 4)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((3,), (3,)),
        ((2, 2, 3), (3, 2)),
        ((2, 1, 2, 3), (3, 3, 2)),
    ]
    return list(pairs[int(rng.integers(0, len(pairs)))]), {}


def _rng_shape(rng, ndim_max=3):
    return tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, ndim_max + 1)))


def _sample_reduce(rng):
    shape = _rng_shape(rng)
    axis = None if not shape or rng.random() < 0.3 else int(rng.integers(-len(shape), len(shape)))
    return [shape], {"axis": axis, "keepdims": bool(rng.random() < 0.5)}


# ---------------------------------------------------------------- arithmetic (broadcasting)

BINARY = dict(arity=2, broadcasts=True, domain=((-3.0, 3.0), (-3.0, 3.0)))

add = primitive(
    "add",
    np.add,
    (lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    lambda sp, x, y: x + y,
    "x + y, elementwise with broadcasting",
    **BINARY,
    saves="shapes",
)
subtract = primitive(
    "subtract",
    np.subtract,
    (lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    lambda sp, x, y: x - y,
    "x - y, elementwise with broadcasting",
    aliases=("sub",),
    **BINARY,
    saves="shapes",
)
multiply = primitive(
    "multiply",
    np.multiply,
    (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
    lambda sp, x, y: x * y,
    "x * y, elementwise with broadcasting",
    aliases=("mul",),
    **BINARY,
    unit_grads=(lambda ans, x, y: y, lambda ans, x, y: x),
)
divide = primitive(
    "divide",
    np.true_divide,
    (lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
    lambda sp, x, y: x / y,
    "x / y, elementwise with broadcasting",
    aliases=("div", "truediv", "true_divide"),
    **{**BINARY, "domain": ((-3.0, 3.0), (0.5, 3.0))},
    saves="both",
)
power = primitive(
    "power",
    np.power,
    (
        lambda g, ans, x, y: _power_grad(g, x, y),
        # x ** y again rather than the saved answer: the exponent is rarely differentiated, and
        # not saving the answer frees it in the common case (x**2: one array less per square)
        lambda g, ans, x, y: where(x > 0, g * power(x, y) * _safe_log(x), zeros_like(g)),
    ),
    lambda sp, x, y: x**y,
    "x ** y, elementwise with broadcasting",
    aliases=("pow",),
    convention="d/dy x**y is 0 where x <= 0 (TensorFlow's rule)",
    **{**BINARY, "domain": ((0.5, 3.0), (-2.0, 2.0))},
)
maximum = primitive(
    "maximum",
    np.maximum,
    (
        lambda g, ans, x, y: where(x >= y, g, zeros_like(g)),
        lambda g, ans, x, y: where(x >= y, zeros_like(g), g),
    ),
    _sym_maximum,
    "the larger of x and y, elementwise",
    convention="ties go to x",
    **BINARY,
)
minimum = primitive(
    "minimum",
    np.minimum,
    (
        lambda g, ans, x, y: where(x <= y, g, zeros_like(g)),
        lambda g, ans, x, y: where(x <= y, zeros_like(g), g),
    ),
    _sym_minimum,
    "the smaller of x and y, elementwise",
    convention="ties go to x",
    **BINARY,
)
matmul = primitive(
    "matmul",
    np.matmul,
    (lambda g, ans, x, y: _matmul_grad(g, x, y, 0), lambda g, ans, x, y: _matmul_grad(g, x, y, 1)),
    FORWARD_ON_OBJECTS,
    "x @ y: matrix product (1-D, 2-D, batched)",
    kind="linalg",
    arity=2,
    aliases=("dot", "linalg.matmul"),
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    sample=_sample_matmul,
    jvps=(lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t)),
)

# ---------------------------------------------------------------- elementwise functions

negative = primitive(
    "negative",
    np.negative,
    (lambda g, ans, x: -g,),
    lambda sp, x: -x,
    "-x",
    aliases=("neg",),
    saves="shapes",
)
exp = primitive(
    "exp",
    np.exp,
    (lambda g, ans, x: g * ans,),
    lambda sp, x: sp.exp(x),
    "e to the x",
    namespaces=("tf", "tf.math", "np", "math"),
    saves="output",
)
log = primitive(
    "log",
    np.log,
    (lambda g, ans, x: g / x,),
    lambda sp, x: sp.log(x),
    "natural logarithm; log(x, b) is the logarithm to base b",
    aliases=("ln",),
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((0.2, 4.0),),
)
log10 = primitive(
    "log10",
    np.log10,
    (lambda g, ans, x: g / (x * math.log(10)),),
    lambda sp, x: sp.log(x, 10),
    "logarithm to base 10",
    namespaces=("np", "math"),
    domain=((0.2, 4.0),),
)
log2 = primitive(
    "log2",
    np.log2,
    (lambda g, ans, x: g / (x * math.log(2)),),
    lambda sp, x: sp.log(x, 2),
    "logarithm to base 2",
    namespaces=("np", "math"),
    domain=((0.2, 4.0),),
)
log1p = primitive(
    "log1p",
    np.log1p,
    (lambda g, ans, x: g / (1 + x),),
    lambda sp, x: sp.log(1 + x),
    "log(1 + x), exact for tiny x",
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((-0.8, 3.0),),
)
expm1 = primitive(
    "expm1",
    np.expm1,
    # exp(x), as TensorFlow's rule, not the answer + 1, which is 1 - 1 + exp(x): every digit of
    # exp(-40) = 4.25e-18 is lost in `expm1(-40) + 1`
    (lambda g, ans, x: g * exp(x),),
    lambda sp, x: sp.exp(x) - 1,
    "exp(x) - 1, exact for tiny x",
    namespaces=("tf", "tf.math", "np", "math"),
)
sqrt = primitive(
    "sqrt",
    np.sqrt,
    (lambda g, ans, x: _mul_no_nan(0.5 / ans, g),),
    lambda sp, x: sp.sqrt(x),
    "square root",
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((0.2, 4.0),),
    convention="a zero gradient arriving at sqrt(0) gives 0, not nan (TensorFlow's kernel)",
    saves="output",
)
square = primitive(
    "square", np.square, (lambda g, ans, x: g * 2 * x,), lambda sp, x: x**2, "x ** 2"
)
abs = primitive(
    "abs",
    np.abs,
    (lambda g, ans, x: g * sign(x),),
    lambda sp, x: sp.Abs(x),
    "absolute value",
    aliases=("absolute",),
    namespaces=("tf", "tf.math", "np", "math"),
    convention="abs'(0) = 0",
)
sign = primitive(
    "sign",
    np.sign,
    (lambda g, ans, x: zeros_like(g),),
    lambda sp, x: sp.sign(x),
    "-1, 0 or 1 by the sign of x",
    convention="gradient 0 everywhere (TensorFlow's rule)",
)
sin = primitive(
    "sin",
    np.sin,
    (lambda g, ans, x: g * cos(x),),
    lambda sp, x: sp.sin(x),
    "sine",
    namespaces=("tf", "tf.math", "np", "math"),
)
cos = primitive(
    "cos",
    np.cos,
    (lambda g, ans, x: -g * sin(x),),
    lambda sp, x: sp.cos(x),
    "cosine",
    namespaces=("tf", "tf.math", "np", "math"),
)
tan = primitive(
    "tan",
    np.tan,
    (lambda g, ans, x: g * (1 + ans * ans),),
    lambda sp, x: sp.tan(x),
    "tangent",
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((-1.2, 1.2),),
    saves="output",
)
arcsin = primitive(
    "arcsin",
    np.arcsin,
    (lambda g, ans, x: g / sqrt(1 - x * x),),
    lambda sp, x: sp.asin(x),
    "inverse sine",
    aliases=("asin",),
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((-0.9, 0.9),),
)
arccos = primitive(
    "arccos",
    np.arccos,
    (lambda g, ans, x: -g / sqrt(1 - x * x),),
    lambda sp, x: sp.acos(x),
    "inverse cosine",
    aliases=("acos",),
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((-0.9, 0.9),),
)
arctan = primitive(
    "arctan",
    np.arctan,
    (lambda g, ans, x: g / (1 + x * x),),
    lambda sp, x: sp.atan(x),
    "inverse tangent",
    aliases=("atan",),
    namespaces=("tf", "tf.math", "np", "math"),
)
# the reciprocal functions and their inverses, as a calculus course writes them (sympy's forms;
# arccot is sympy's acot, arctan(1/x), so the cross-check and the tape agree on every side)
sec = primitive(
    "sec",
    lambda x: 1 / np.cos(x),
    (lambda g, ans, x: g * ans * tan(x),),
    lambda sp, x: sp.sec(x),
    "secant, 1/cos(x)",
    namespaces=(),
    domain=((-1.2, 1.2),),
    saves="both",
)
csc = primitive(
    "csc",
    lambda x: 1 / np.sin(x),
    (lambda g, ans, x: -g * ans / tan(x),),
    lambda sp, x: sp.csc(x),
    "cosecant, 1/sin(x)",
    namespaces=(),
    domain=((0.3, 2.8),),
    saves="both",
)
cot = primitive(
    "cot",
    lambda x: np.cos(x) / np.sin(x),
    (lambda g, ans, x: -g * (1 + ans * ans),),
    lambda sp, x: sp.cot(x),
    "cotangent, cos(x)/sin(x)",
    namespaces=(),
    domain=((0.3, 2.8),),
    saves="output",
)
arcsec = primitive(
    "arcsec",
    lambda x: np.arccos(1 / x),
    (lambda g, ans, x: g / (abs(x) * sqrt(x * x - 1)),),
    lambda sp, x: sp.asec(x),
    "inverse secant, arccos(1/x), for |x| >= 1",
    aliases=("asec",),
    namespaces=(),
    domain=((1.2, 3.0),),
)
arccsc = primitive(
    "arccsc",
    lambda x: np.arcsin(1 / x),
    (lambda g, ans, x: -g / (abs(x) * sqrt(x * x - 1)),),
    lambda sp, x: sp.acsc(x),
    "inverse cosecant, arcsin(1/x), for |x| >= 1",
    aliases=("acsc",),
    namespaces=(),
    domain=((1.2, 3.0),),
)


def _np_arccot(x):
    with np.errstate(divide="ignore"):  # arccot(0) = arctan(inf) = pi/2, as sympy's acot(0)
        return np.arctan(1 / np.asarray(x, dtype=np.result_type(x, 1.0)))[()]


arccot = primitive(
    "arccot",
    _np_arccot,
    (lambda g, ans, x: -g / (1 + x * x),),
    lambda sp, x: sp.acot(x),
    "inverse cotangent, arctan(1/x) (values in (-pi/2, pi/2], as sympy's acot)",
    aliases=("acot",),
    namespaces=(),
    domain=((0.3, 3.0),),
    convention="jumps from -pi/2 to pi/2 at 0; the derivative there is -1",
)
sinh = primitive(
    "sinh",
    np.sinh,
    (lambda g, ans, x: g * cosh(x),),
    lambda sp, x: sp.sinh(x),
    "hyperbolic sine",
    namespaces=("tf", "tf.math", "np", "math"),
)
cosh = primitive(
    "cosh",
    np.cosh,
    (lambda g, ans, x: g * sinh(x),),
    lambda sp, x: sp.cosh(x),
    "hyperbolic cosine",
    namespaces=("tf", "tf.math", "np", "math"),
)
# 1 / cosh(x)**2 from the input, not TensorFlow's 1 - ans**2: tanh(20) rounds to 1.0, so
# 1 - ans**2 is 0 where the derivative is 1.7e-17 (and it loses digits from |x| of a few on)
tanh = primitive(
    "tanh",
    np.tanh,
    (lambda g, ans, x: _tanh_grad(g, x),),
    lambda sp, x: sp.tanh(x),
    "hyperbolic tangent",
    namespaces=("tf", "tf.math", "tf.nn", "np", "math"),
)


def _tanh_grad(g, x):
    """g * sech(x)**2. On numpy values (nothing records the backward pass) the product goes into
    the sech**2 array just made, which nothing else holds: the same bits, one array fewer."""
    s = _sech_squared(x)
    if type(s) is np.ndarray and type(g) is np.ndarray and s.shape == g.shape:
        if s.dtype == np.result_type(g, s):
            return np.multiply(g, s, out=s)
    return g * s


def _np_sech_squared(x):
    with np.errstate(over="ignore"):  # cosh(1000) is inf, and 1 / inf**2 the exact 0 it rounds to
        c = np.cosh(x)
        if type(c) is not np.ndarray:
            return (1 / np.square(c))[()]
        # squared and inverted in cosh's own array (made here, held by nothing else)
        np.square(c, out=c)
        return np.divide(1, c, out=c)


_sech_squared = primitive(
    "sech_squared",
    _np_sech_squared,
    (lambda g, ans, x: -2 * g * ans * tanh(x),),
    lambda sp, x: 1 / sp.cosh(x) ** 2,
    "1 / cosh(x)**2, tanh's derivative without cancellation",
    public=False,
    saves="both",
)
# the inverse hyperbolic functions, as a calculus course writes them (numpy's names, sympy's and
# TensorFlow's as aliases); arccosh's rule is sympy's 1/(sqrt(x - 1)*sqrt(x + 1)), which keeps
# its digits near 1 where x*x - 1 would cancel
arcsinh = primitive(
    "arcsinh",
    np.arcsinh,
    (lambda g, ans, x: g / sqrt(x * x + 1),),
    lambda sp, x: sp.asinh(x),
    "inverse hyperbolic sine, log(x + sqrt(x**2 + 1))",
    aliases=("asinh",),
    namespaces=("tf", "tf.math", "np", "math"),
)
arccosh = primitive(
    "arccosh",
    np.arccosh,
    (lambda g, ans, x: g / (sqrt(x - 1) * sqrt(x + 1)),),
    lambda sp, x: sp.acosh(x),
    "inverse hyperbolic cosine, log(x + sqrt(x**2 - 1)), for x >= 1",
    aliases=("acosh",),
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((1.2, 3.0),),
)
arctanh = primitive(
    "arctanh",
    np.arctanh,
    (lambda g, ans, x: g / (1 - x * x),),
    lambda sp, x: sp.atanh(x),
    "inverse hyperbolic tangent, log((1 + x)/(1 - x))/2, for |x| < 1",
    aliases=("atanh",),
    namespaces=("tf", "tf.math", "np", "math"),
    domain=((-0.9, 0.9),),
)
sigmoid = primitive(
    "sigmoid",
    _np_sigmoid,
    # ans * sigmoid(-x), not TensorFlow's ans * (1 - ans): sigmoid(40) rounds to 1.0, and
    # 1 - ans would be 0 where the derivative is 4.25e-18
    (lambda g, ans, x: g * ans * sigmoid(-x),),
    lambda sp, x: 1 / (1 + sp.exp(-x)),
    "1 / (1 + exp(-x)), without overflow",
    namespaces=("tf", "tf.math", "tf.nn"),
    saves="both",
)
softplus = primitive(
    "softplus",
    _np_softplus,
    (lambda g, ans, x: g * sigmoid(x),),
    lambda sp, x: sp.log(1 + sp.exp(x)),
    "log(1 + exp(x)), without overflow",
    namespaces=("tf", "tf.math", "tf.nn"),
)
relu = primitive(
    "relu",
    lambda x: np.maximum(x, 0),
    (lambda g, ans, x: where(x > 0, g, zeros_like(g)),),
    _sym_relu,
    "max(x, 0)",
    namespaces=("tf.nn",),
    convention="relu'(0) = 0",
)


# erf has no numpy ufunc (scipy's would be a new dependency): Python's math.erf, per element, in
# double precision, then cast back to the input's dtype
_ERF = np.frompyfunc(math.erf, 1, 1)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_GELU_C = math.sqrt(2 / math.pi)  # the tanh form of gelu: tanh(c * (x + 0.044715 x**3))
_GELU_K = 0.044715


def _np_erf(x):
    x = np.asarray(x)
    return np.asarray(_ERF(x), dtype=x.dtype if x.dtype.kind == "f" else np.float64)[()]


def _np_gelu(x, approximate=False):
    x = np.asarray(x)
    if approximate:
        inner = _GELU_C * (x + _GELU_K * x * x * x)
        return (0.5 * x * (1 + np.tanh(inner)))[()]
    return (0.5 * x * (1 + _np_erf(x * _SQRT_HALF)))[()]


def _gelu_grad(g, ans, x, approximate=False):
    if approximate:
        t = tanh(_GELU_C * (x + _GELU_K * x * x * x))
        slope = _GELU_C * (1 + 3 * _GELU_K * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)
    cdf = 0.5 * (1 + erf(x * _SQRT_HALF))
    pdf = exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _sym_gelu(sp, x, approximate=False):
    if approximate:
        k = sp.Rational(44715, 10**6)
        return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + k * x**3)))
    return x / 2 * (1 + sp.erf(x / sp.sqrt(2)))


def _sample_elementwise(param: str, choices: tuple):
    """Inputs of any shape, and one of `choices` for the parameter (so each form is tested)."""
    return lambda rng: ([_rng_shape(rng)], {param: choices[int(rng.integers(0, len(choices)))]})


elu = primitive(
    "elu",
    lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))[()],
    # exp(min(x, 0)) is elu' on both sides (1 where x > 0), and, unlike TensorFlow's
    # `outputs + 1`, it keeps every digit for large negative x
    (lambda g, ans, x: g * exp(minimum(x, 0.0)),),
    lambda sp, x: sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)),
    "x where x > 0, else exp(x) - 1",
    namespaces=("tf.nn",),
    convention="elu'(0) = 1 (both sides agree)",
)
leaky_relu = primitive(
    "leaky_relu",
    lambda x, alpha=0.2: np.where(x > 0, x, x * alpha)[()],
    (lambda g, ans, x, alpha=0.2: where(x > 0, g, g * alpha),),
    lambda sp, x, alpha=0.2: sp.Piecewise((x, x > 0), (alpha * x, True)),
    "x where x > 0, else alpha * x",
    params=(("alpha", 0.2),),
    kind="other",  # elementwise, but with a parameter: the tape view's local rules take none
    namespaces=("tf.nn",),
    convention="leaky_relu'(0) = alpha (TensorFlow's rule)",
    sample=_sample_elementwise("alpha", (0.2, 0.01, 0.5)),
    jvps="diagonal",
)
gelu = primitive(
    "gelu",
    _np_gelu,
    (_gelu_grad,),
    _sym_gelu,
    "x * P(N(0,1) <= x), or its tanh approximation with approximate=True",
    params=(("approximate", False),),
    kind="other",  # elementwise, but with a parameter (as leaky_relu)
    namespaces=("tf.nn",),
    sample=_sample_elementwise("approximate", (False, True)),
    jvps="diagonal",
)
erf = primitive(
    "erf",
    _np_erf,
    (lambda g, ans, x: g * _TWO_OVER_SQRT_PI * exp(-x * x),),
    lambda sp, x: sp.erf(x),
    "the error function, 2/sqrt(pi) * integral of exp(-t**2) from 0 to x",
    namespaces=("tf.math", "math"),
)


def _np_clip(x, lo, hi):
    # TensorFlow's clip_by_value, max(min(x, hi), lo): where lo > hi it gives lo (numpy's clip
    # gives hi), and the rules below send the gradient where the value comes from
    return np.maximum(np.minimum(x, hi), lo)[()]


clip = primitive(
    "clip",
    _np_clip,
    (
        lambda g, ans, x, lo, hi: where(x < lo, zeros_like(g), where(x > hi, zeros_like(g), g)),
        lambda g, ans, x, lo, hi: where(minimum(x, hi) < lo, g, zeros_like(g)),
        lambda g, ans, x, lo, hi: where(x > hi, where(hi < lo, zeros_like(g), g), zeros_like(g)),
    ),
    lambda sp, x, lo, hi: sp.Piecewise((lo, sp.Or(x < lo, hi < lo)), (hi, x > hi), (x, True)),
    "x limited to [lo, hi] (lo where lo > hi, as TensorFlow's clip_by_value)",
    arity=3,
    broadcasts=True,
    aliases=("clip_by_value",),
    domain=((-3.0, 3.0), (-2.0, -0.5), (0.5, 2.0)),
    convention="the gradient passes to x where lo <= x <= hi; to lo where x < lo or lo > hi",
)
where = primitive(
    "where",
    lambda c, x, y: np.where(c, x, y)[()],
    (
        None,
        lambda g, ans, c, x, y: where(c, g, zeros_like(g)),
        lambda g, ans, c, x, y: where(c, zeros_like(g), g),
    ),
    lambda sp, c, x, y: sp.Piecewise((x, c), (y, True)),
    "x where the condition holds, else y",
    arity=3,
    broadcasts=True,
    kind="other",
    sample=lambda rng: ([rng.random((2, 3)) < 0.5, (2, 3), (3,)], {}),
    jvps="diagonal",
)
identity = primitive(
    "identity",
    lambda x: x,
    (lambda g, ans, x: g,),
    lambda sp, x: x,
    "x itself",
    namespaces=("tf",),
    saves="shapes",
)
stop_gradient = primitive(
    "stop_gradient",
    lambda x: x,
    (None,),
    lambda sp, x: x,
    "x, but the tape does not differentiate through it",
    namespaces=("tf",),
    kind="other",
    watches_reads=False,
)

# ---------------------------------------------------------------- comparisons (no gradient)

COMPARE = dict(arity=2, kind="compare", domain=((-3.0, 3.0), (-3.0, 3.0)))
less = primitive("less", np.less, (None, None), None, "x < y", **COMPARE)
less_equal = primitive("less_equal", np.less_equal, (None, None), None, "x <= y", **COMPARE)
greater = primitive("greater", np.greater, (None, None), None, "x > y", **COMPARE)
greater_equal = primitive(
    "greater_equal", np.greater_equal, (None, None), None, "x >= y", **COMPARE
)
equal = primitive("equal", np.equal, (None, None), None, "x == y", **COMPARE)
not_equal = primitive("not_equal", np.not_equal, (None, None), None, "x != y", **COMPARE)
zeros_like = primitive(
    "zeros_like",
    np.zeros_like,
    (None,),
    lambda sp, x: 0,
    "zeros of x's shape and dtype",
    kind="other",
    recorded_without_gradient=True,
    saves="shapes",
)
ones_like = primitive(
    "ones_like",
    np.ones_like,
    (None,),
    lambda sp, x: 1,
    "ones of x's shape and dtype",
    kind="other",
    recorded_without_gradient=True,
    saves="shapes",
)

# ---------------------------------------------------------------- reductions

REDUCE = dict(kind="reduction", params=(("axis", None), ("keepdims", False)), sample=_sample_reduce)
sum = primitive(
    "sum",
    lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    (_reduce_grad,),
    FORWARD_ON_OBJECTS,
    "sum over axis (all axes by default)",
    aliases=("reduce_sum",),
    **REDUCE,
    saves="shapes",
)
mean = primitive(
    "mean",
    lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
    (_mean_grad,),
    FORWARD_ON_OBJECTS,
    "mean over axis (all axes by default)",
    aliases=("reduce_mean",),
    **REDUCE,
    saves="shapes",
)
max = primitive(
    "max",
    lambda x, axis=None, keepdims=False: np.max(x, axis=axis, keepdims=keepdims),
    (_extreme_grad,),
    _sym_extreme("Max"),
    "maximum over axis; max(a, b, ...) with several values is maximum(a, b, ...), as Python's",
    aliases=("reduce_max", "amax"),
    convention="ties share the gradient evenly",
    **REDUCE,
    saves="both",
)
min = primitive(
    "min",
    lambda x, axis=None, keepdims=False: np.min(x, axis=axis, keepdims=keepdims),
    (_extreme_grad,),
    _sym_extreme("Min"),
    "minimum over axis; min(a, b, ...) with several values is minimum(a, b, ...), as Python's",
    aliases=("reduce_min", "amin"),
    convention="ties share the gradient evenly",
    **REDUCE,
    saves="both",
)
prod = primitive(
    "prod",
    lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims),
    (_prod_grad,),
    FORWARD_ON_OBJECTS,
    "product over axis",
    aliases=("reduce_prod",),
    convention="exact at zeros (product of the other factors)",
    **{**REDUCE, "domain": ((0.5, 1.5),)},
    saves="both",
)
_prod_of_others = primitive(
    "prod_of_others",
    _np_prod_of_others,
    (None,),
    None,
    "for prod's gradient at zeros",
    params=(("axis", None),),
    public=False,
    kind="other",
)


def _np_logsumexp(x, axis=None, keepdims=False):
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # all -inf (or an inf): no shift, the sum says it
    with np.errstate(divide="ignore", under="ignore"):
        out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return (out if keepdims else np.squeeze(out, axis=_axes(axis, x.ndim)))[()]


def _sym_logsumexp(sp, x, axis=None, keepdims=False):
    total = np.sum(
        np.frompyfunc(sp.exp, 1, 1)(np.asarray(x, dtype=object)), axis, keepdims=keepdims
    )
    return np.frompyfunc(sp.log, 1, 1)(total)


_NORM_ORDS = "'euclidean', 'fro', 1, 2 or inf (also 'inf', for the language)"


def _norm_kind(ord, axis) -> str:
    """'euclidean', 'l1' or 'max' for tf.norm's `ord`; the matrix norms other than Frobenius are
    refused (they need singular values or per-column sums, which gradcli does not have)."""
    several = isinstance(axis, (tuple, list)) and len(axis) > 1
    if isinstance(ord, str):
        if ord in ("euclidean", "fro"):
            return "euclidean"
        if ord == "inf":
            return _norm_kind(np.inf, axis)
    elif not isinstance(ord, bool) and ord in (1, 2, np.inf):
        if several:
            raise ArgumentError(
                f"norm: ord={ord!r} over axes {tuple(axis)} is a matrix norm, which gradcli "
                "does not compute; use ord='euclidean' (Frobenius) there, or one axis"
            )
        return {1: "l1", 2: "euclidean"}.get(ord, "max")
    raise ArgumentError(f"norm: ord is {_NORM_ORDS}, not {ord!r}")


def _np_norm(x, ord="euclidean", axis=None, keepdims=False):
    kind = _norm_kind(ord, axis)
    x = np.asarray(x)
    if kind == "euclidean":
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))[()]
    reduce = np.sum if kind == "l1" else np.max
    return reduce(np.abs(x), axis=axis, keepdims=keepdims)[()]


def _norm_grad(g, ans, x, ord="euclidean", axis=None, keepdims=False):
    kind = _norm_kind(ord, axis)
    gk = _kept(g, x.shape, axis, keepdims)
    if kind == "l1":
        return broadcast_to(gk * sign(x), x.shape)
    nk = _kept(ans, x.shape, axis, keepdims)
    if kind == "euclidean":  # x / norm; a zero norm means x is zero there: gradient 0
        return gk * x / where(nk > 0, nk, ones_like(nk))
    mask = _mask(abs(x) == nk, x)  # ties share the gradient evenly, as reduce_max's do
    return gk * sign(x) * mask / sum(mask, axis=axis, keepdims=True)


def _sym_norm(sp, x, ord="euclidean", axis=None, keepdims=False):
    kind = _norm_kind(ord, axis)
    x = np.asarray(x, dtype=object)
    if kind == "euclidean":
        return np.frompyfunc(sp.sqrt, 1, 1)(np.sum(x * x, axis, keepdims=keepdims))
    size = np.frompyfunc(sp.Abs, 1, 1)(x)
    if kind == "l1":
        return np.sum(size, axis, keepdims=keepdims)
    return _sym_extreme("Max")(sp, size, axis, keepdims)


def _sample_norm(rng):
    (shape,), params = _sample_reduce(rng)
    ord = ["euclidean", "fro", 1, 2, np.inf][int(rng.integers(0, 5))]
    if ord in (1, 2, np.inf) and isinstance(params["axis"], tuple):
        params["axis"] = None
    if ord in ("euclidean", "fro", 2):
        return [shape], {**params, "ord": ord}
    # l1 and max norms have kinks where an element is 0 and (max) where two sizes tie: sizes on
    # a grid 0.1 apart, with random signs, keep both away from the finite differences' stencil
    sizes = rng.permutation(np.arange(2, 31))[: int(np.prod(shape, dtype=int))] / 10
    signs = np.where(rng.random(sizes.shape) < 0.5, -1.0, 1.0)
    return [(sizes * signs).reshape(shape)], {**params, "ord": ord}


def _np_softmax(x, axis=-1):
    x = _with_axes("softmax", x)
    with np.errstate(under="ignore"):  # exp(-1000) is 0 by design
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    x = _with_axes("log_softmax", x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):  # exp(-1000) is 0 by design
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _with_axes(name: str, x):
    x = np.asarray(x)
    if x.ndim == 0:
        raise ArgumentError(f"{name} needs a tensor with at least one axis, not a number")
    return x


def _sym_softmax(sp, x, axis=-1):
    e = np.frompyfunc(sp.exp, 1, 1)(np.asarray(x, dtype=object))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sym_log_softmax(sp, x, axis=-1):
    x = np.asarray(x, dtype=object)
    total = np.sum(np.frompyfunc(sp.exp, 1, 1)(x), axis=axis, keepdims=True)
    return x - np.frompyfunc(sp.log, 1, 1)(total)


def _sample_axis(rng):
    shape = _rng_shape(rng) or (3,)
    return [shape], {"axis": int(rng.integers(-len(shape), len(shape)))}


logsumexp = primitive(
    "logsumexp",
    _np_logsumexp,
    (
        lambda g, ans, x, axis=None, keepdims=False: (
            _kept(g, x.shape, axis, keepdims) * exp(x - _kept(ans, x.shape, axis, keepdims))
        ),
    ),
    _sym_logsumexp,
    "log(sum(exp(x))) over axis, without overflow",
    aliases=("reduce_logsumexp",),
    namespaces=("tf", "tf.math"),
    **REDUCE,
    saves="both",
)
norm = primitive(
    "norm",
    _np_norm,
    (_norm_grad,),
    _sym_norm,
    f"tf.norm: the vector norm over axis (all axes by default), ord {_NORM_ORDS}; "
    "'euclidean' over two axes is the Frobenius norm",
    aliases=("linalg.norm",),
    namespaces=("tf",),
    convention="the euclidean norm's gradient is 0 at 0 (TensorFlow gives nan); ord=1: sign(x), "
    "0 at 0; ord=inf: ties share the gradient evenly",
    **{
        **REDUCE,
        "params": (("ord", "euclidean"), ("axis", None), ("keepdims", False)),
        "sample": _sample_norm,
    },
    saves="both",
)
# softmax and log_softmax work along one axis: their sympy forms take whole arrays, as the
# linalg forms do (the kind tells the translation so)
softmax = primitive(
    "softmax",
    _np_softmax,
    (lambda g, ans, x, axis=-1: ans * (g - sum(g * ans, axis=axis, keepdims=True)),),
    _sym_softmax,
    "exp(x) / sum(exp(x)) along axis (the last by default), without overflow",
    kind="linalg",
    params=(("axis", -1),),
    namespaces=("tf.nn", "tf.math"),
    sample=_sample_axis,
    saves="output",
    # the Jacobian diag(s) - s s^T is symmetric: the forward rule is the gradient rule
    jvps=(lambda t, ans, x, axis=-1: ans * (t - sum(t * ans, axis=axis, keepdims=True)),),
)
log_softmax = primitive(
    "log_softmax",
    _np_log_softmax,
    (lambda g, ans, x, axis=-1: g - exp(ans) * sum(g, axis=axis, keepdims=True),),
    _sym_log_softmax,
    "x - logsumexp(x) along axis (the last by default), without overflow",
    kind="linalg",
    params=(("axis", -1),),
    namespaces=("tf.nn", "tf.math"),
    sample=_sample_axis,
    saves="output",
    jvps=(lambda t, ans, x, axis=-1: t - sum(t * exp(ans), axis=axis, keepdims=True),),
)

# ---------------------------------------------------------------- einsum and solve

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _np_einsum(*xs, equation):
    named = equation.partition("->")[0].count(",") + 1
    if named != len(xs):
        raise ArgumentError(
            f"einsum: equation is {equation!r}, which names {named} operand(s), but "
            f"{len(xs)} tensor(s) were given"
        )
    return np.asarray(np.einsum(equation, *xs))[()]  # (a sum of sympy objects is no array)


def _einsum_subscripts(equation: str, ndims: list) -> tuple[list, str]:
    """Each operand's subscripts and the output's, explicit: the implicit output (the letters
    used once, sorted, as numpy and TensorFlow make it) written out, and each `...` replaced by
    letters the equation does not use, aligned from the right as broadcasting aligns them."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    operands = inputs.split(",")
    spare = [c for c in _LETTERS if c not in equation]
    widths = [n - len(sub.replace("...", "")) for sub, n in zip(operands, ndims)]
    ellipsis = spare[: sorted(widths + [0])[-1]] if "..." in inputs else []
    if not arrow:
        letters = inputs.replace("...", "").replace(",", "")
        output = ("..." if ellipsis else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )

    def explicit(sub: str, width: int) -> str:
        return sub.replace("...", "".join(ellipsis[len(ellipsis) - width :]))

    return [explicit(sub, w) for sub, w in zip(operands, widths)], explicit(output, len(ellipsis))


def _einsum_grad(g, ans, *xs, index, equation):
    """d/dx_index: g contracted with the other operands onto x's subscripts. A letter x repeats
    (a diagonal, 'ii->i') is written once and spread back with an identity matrix; a letter
    only x has (summed away, 'ij->i') is brought back with a vector of ones."""
    operands, output = _einsum_subscripts(equation, [x.ndim for x in xs])
    spare = iter(c for c in _LETTERS if c not in "".join(operands) + output)
    mine, others = operands[index], operands[:index] + operands[index + 1 :]
    terms, extras, target, seen = [output, *others], [], "", set()
    dtype = g.dtype
    for letter, size in zip(mine, xs[index].shape):
        if letter in seen:  # a repeated letter: a fresh one, tied to the first by the identity
            fresh = next(spare)
            terms.append(letter + fresh)
            extras.append(np.eye(size, dtype=dtype))
            target += fresh
            continue
        seen.add(letter)
        target += letter
        if not any(letter in term for term in terms[: 1 + len(others)]):
            terms.append(letter)
            extras.append(np.ones(size, dtype=dtype))
    rest = [x for i, x in enumerate(xs) if i != index]
    return einsum([g, *rest, *extras], equation=",".join(terms) + "->" + target)


def _sample_einsum(rng):
    cases = [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij->ji", [(2, 3)]),
        ("ii->", [(3, 3)]),
        ("ii->i", [(3, 3)]),
        ("ij->i", [(2, 3)]),
        ("i,j->ij", [(2,), (3,)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("...ij,...jk->...ik", [(2, 2, 3), (1, 3, 2)]),
        ("ij,ij", [(2, 3), (2, 3)]),
        ("i,i,i->", [(3,), (3,), (3,)]),
    ]
    equation, shapes = cases[int(rng.integers(0, len(cases)))]
    return shapes, {"equation": equation}


_einsum_of_list = primitive(
    "einsum",
    _np_einsum,
    (_einsum_grad,),
    FORWARD_ON_OBJECTS,
    "tf.einsum(equation, *inputs): sums of products named by index letters ('ij,jk->ik' is "
    "a matrix product, 'ii->' a trace, '...ij->...ji' a batched transpose)",
    kind="linalg",
    arity=0,
    params=(("equation", _NO_DEFAULT),),
    aliases=("linalg.einsum",),
    namespaces=("tf", "np"),
    broadcasts=True,
    domain=((-2.0, 2.0),),
    sample=_sample_einsum,
)


def einsum(*args, **kwargs):
    # TensorFlow's and numpy's order, einsum(equation, *inputs), besides the registry's
    # einsum([inputs], equation=...) that variadic primitives share (concat, stack)
    if args and isinstance(args[0], str):
        return _einsum_of_list(list(args[1:]), args[0], **kwargs)
    return _einsum_of_list(*args, **kwargs)


einsum.__doc__ = _einsum_of_list.__doc__
einsum.op = _einsum_of_list.op
FUNCTIONS["einsum"] = einsum


def _np_solve(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[:-1] != b.shape[:-1]:
        raise ValueError(
            "tf.linalg.solve takes a matrix [..., M, M] and a right-hand side [..., M, K] "
            "with the same leading axes"
        )
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise ArgumentError(
            f"solve: the matrix is not invertible (TensorFlow: 'Input matrix is not "
            f"invertible'); its shape is {a.shape}"
        ) from None


def _sym_solve(sp, a, b):
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    out = np.empty(b.shape, dtype=object)
    for batch in np.ndindex(a.shape[:-2]):
        solved = sp.Matrix(a[batch].tolist()).LUsolve(sp.Matrix(b[batch].tolist()))
        out[batch] = np.array(solved.tolist(), dtype=object)
    return out


def _sample_solve(rng):
    # values on a grid 0.1 apart (kept apart for the finite differences), and a dominant
    # diagonal: the matrix is well conditioned
    m, k, batch = int(rng.integers(1, 4)), int(rng.integers(1, 3)), [(), (2,)][rng.integers(0, 2)]
    copies = 2 if batch else 1
    grid = np.concatenate([np.arange(-20, 0), np.arange(1, 21)]) / 10  # 40 values, none 0
    values = rng.permutation(grid)[: copies * (m * m + m * k)]  # at most 30 of them
    size = copies * m * m
    a = values[:size].reshape(batch + (m, m)) + 5 * np.eye(m)
    return [a, values[size:].reshape(batch + (m, k))], {}


solve = primitive(
    "solve",
    _np_solve,
    (
        lambda g, ans, a, b: -(solve(_swap_last(a), g) @ _swap_last(ans)),
        lambda g, ans, a, b: solve(_swap_last(a), g),
    ),
    _sym_solve,
    "tf.linalg.solve(matrix, rhs): the x with matrix @ x = rhs ([..., M, M] and [..., M, K])",
    kind="linalg",
    arity=2,
    aliases=("linalg.solve",),
    namespaces=("tf", "np"),
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    sample=_sample_solve,
    saves="both",
)

# ---------------------------------------------------------------- shapes and indexing

SHAPE = dict(kind="shape")
reshape = primitive(
    "reshape",
    _np_reshape,
    (lambda g, ans, x, shape: reshape(g, x.shape),),
    FORWARD_ON_OBJECTS,
    "x with a new shape of the same size",
    params=(("shape", _NO_DEFAULT),),
    sample=lambda rng: (
        [(2, 3)],
        {"shape": [(3, 2), (6,), (1, 6, 1), (-1, 2)][rng.integers(0, 4)]},
    ),
    **SHAPE,
    saves="shapes",
)
transpose = primitive(
    "transpose",
    lambda x, perm=None: np.transpose(x, perm),
    (
        lambda g, ans, x, perm=None: transpose(
            g, None if perm is None else tuple(int(i) for i in np.argsort(perm))
        ),
    ),
    FORWARD_ON_OBJECTS,
    "x with its axes permuted (reversed by default)",
    params=(("perm", None),),
    sample=lambda rng: ([(2, 3, 4)], {"perm": [None, (1, 0, 2), (2, 0, 1)][rng.integers(0, 3)]}),
    **SHAPE,
    saves="shapes",
)
expand_dims = primitive(
    "expand_dims",
    lambda x, axis: np.expand_dims(x, axis),
    (lambda g, ans, x, axis: reshape(g, x.shape),),
    FORWARD_ON_OBJECTS,
    "x with a new axis of length 1",
    params=(("axis", _NO_DEFAULT),),
    sample=lambda rng: ([(2, 3)], {"axis": int(rng.integers(-3, 3))}),
    **SHAPE,
    saves="shapes",
)
squeeze = primitive(
    "squeeze",
    lambda x, axis=None: np.squeeze(x, axis)[()],
    (lambda g, ans, x, axis=None: reshape(g, x.shape),),
    FORWARD_ON_OBJECTS,
    "x without its axes of length 1",
    params=(("axis", None),),
    sample=lambda rng: ([(2, 1, 3, 1)], {"axis": [None, 1, -1][rng.integers(0, 3)]}),
    **SHAPE,
    saves="shapes",
)
broadcast_to = primitive(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    (lambda g, ans, x, shape: unbroadcast(g, x.shape),),
    FORWARD_ON_OBJECTS,
    "x repeated along new or length-1 axes to `shape`",
    params=(("shape", _NO_DEFAULT),),
    sample=lambda rng: ([(3, 1)], {"shape": (2, 3, 4)}),
    **SHAPE,
    saves="shapes",
)
concat = primitive(
    "concat",
    lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    (_concat_grad,),
    FORWARD_ON_OBJECTS,
    "tensors joined along an existing axis",
    arity=0,
    params=(("axis", 0),),
    aliases=("concatenate",),
    sample=lambda rng: ([(2, 3), (1, 3), (4, 3)], {"axis": 0}),
    **SHAPE,
    saves="shapes",
)
stack = primitive(
    "stack",
    lambda *xs, axis=0: np.stack(xs, axis=axis),
    (_stack_grad,),
    FORWARD_ON_OBJECTS,
    "tensors of one shape joined along a new axis",
    arity=0,
    params=(("axis", 0),),
    sample=lambda rng: ([(2, 3), (2, 3)], {"axis": int(rng.integers(-3, 3))}),
    **SHAPE,
    saves="shapes",
)
getitem = primitive(
    "getitem",
    lambda x, index: x[index],
    (lambda g, ans, x, index: _scatter(g, x.shape, index),),
    FORWARD_ON_OBJECTS,
    "x[index]: ints, slices, None, ... and integer arrays",
    params=(("index", _NO_DEFAULT),),
    public=False,
    sample=lambda rng: (
        [(4, 3)],
        {
            "index": [
                (1,),
                (slice(None), 2),
                (slice(1, None, 2),),
                (np.array([0, 2, 0]),),
                (None, Ellipsis, 1),
            ][rng.integers(0, 5)]
        },
    ),
    **SHAPE,
    saves="shapes",
)
_scatter = primitive(
    "scatter",
    _np_scatter,
    (lambda g, ans, gy, shape, index: getitem(g, index=index),),
    FORWARD_ON_OBJECTS,
    "zeros of `shape` with g added at `index` (getitem's gradient)",
    params=(("shape", _NO_DEFAULT), ("index", _NO_DEFAULT)),
    public=False,
    sample=lambda rng: [
        ([(3, 3)], {"shape": (4, 3), "index": (np.array([0, 2, 0]),)}),
        ([(4,)], {"shape": (4, 3), "index": (slice(None), 1)}),
    ][rng.integers(0, 2)],
    **SHAPE,
    saves="shapes",
)


# ---------------------------------------------------------------- names

CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan}
CONSTANT_NAMESPACES = ("np", "math", "numpy")


def spellings() -> dict[str, Op]:
    """Every accepted spelling of every public primitive: `sum`, `reduce_sum`, `tf.reduce_sum`..."""
    table: dict[str, Op] = {}
    for op in REGISTRY.values():
        if not op.public:
            continue
        for name in (op.name, *op.aliases):
            table.setdefault(name, op)
            for namespace in op.namespaces:
                table.setdefault(f"{namespace}.{name}", op)
                if namespace == "np":
                    table.setdefault(f"numpy.{name}", op)
    return table


def constant_spellings() -> dict[str, float]:
    table = dict(CONSTANTS)
    for name, value in CONSTANTS.items():
        for namespace in CONSTANT_NAMESPACES:
            table[f"{namespace}.{name}"] = value
    return table
