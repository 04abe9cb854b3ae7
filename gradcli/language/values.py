"""Declared input values: `--x 3`, `--w "[[1, 2], [3, 4]]"`, `--b "zeros(2)"`, `--d @train.csv`.

`read_value` turns such text into a float array. Text starting with `@` names a file read by
`files.read_file`; any other is parsed by `parser.parse_expression` and evaluated below, by an
evaluator that is deliberately not the program's walker: a value can only be a number, a constant
(`pi`, `e`, `inf`, `nan`, also as `np.pi`, `math.pi`, ...), a constant expression of those in
floats (`pi/6`, `30*pi/180`, `sqrt(2)/2`, `2^10`: arithmetic and the language's elementwise
functions of numbers), a rectangular nested list or tuple of those, or one of `CONSTRUCTORS`, so
a value never runs arbitrary computation, and every allocation is checked against `Limits` before
numpy makes it; a word where a number belongs is said so (`refusals.not_a_number`).
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.errors import (
    GradcliError,
    LimitError,
    Span,
    ValueInputError,
    did_you_mean,
    ragged_message,
)

from .limits import DEFAULT_LIMITS, MAX_DIMENSIONS, Limits
from .parser import parse_expression
from .refusals import not_a_number
from .syntax import Binary, Call, Expr, ListExpr, Name, Number, TupleExpr, Unary

__all__ = ["CONSTRUCTORS", "NOT_A_VALUE", "read_value"]

NOT_A_VALUE = (
    "a declared value is a number or a constant expression such as pi/6, a list of those, "
    "a constructor such as zeros(3), or @file"
)
CONSTRUCTORS = ("zeros", "ones", "full", "eye", "linspace", "arange", "normal", "uniform")

_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}
_CONSTANTS = {
    prefix + name: value
    for name, value in (("pi", math.pi), ("e", math.e), ("inf", math.inf), ("nan", math.nan))
    for prefix in ("", "np.", "numpy.", "math.")
}

# Every accepted spelling -> the canonical constructor. np.random.normal is left out on purpose:
# its signature is normal(loc, scale, size), and reading it with ours would silently mislead.
_SPELLINGS = {p + n: n for n in CONSTRUCTORS[:6] for p in ("", "np.", "numpy.", "tf.")}
_SPELLINGS.update({p + n: n for n in ("normal", "uniform") for p in ("", "random.", "tf.random.")})

# canonical name -> (signature shown in errors, parameter names, how many are required)
_SIGNATURES = {
    "zeros": ("zeros(shape)", ("shape",), 1),
    "ones": ("ones(shape)", ("shape",), 1),
    "full": ("full(shape, value)", ("shape", "value"), 2),
    "eye": ("eye(n, m=n)", ("n", "m"), 1),
    "linspace": ("linspace(start, stop, num=50)", ("start", "stop", "num"), 2),
    "arange": ("arange([start,] stop[, step])", ("start", "stop", "step"), 0),
    "normal": ("normal(shape, mean=0, stddev=1)", ("shape", "mean", "stddev"), 1),
    "uniform": ("uniform(shape, minval=0, maxval=1)", ("shape", "minval", "maxval"), 1),
}


def read_value(
    text: str,
    *,
    dtype=np.float64,
    rng: np.random.Generator | None = None,
    limits: Limits = DEFAULT_LIMITS,
    base_dir: str | None = None,
) -> np.ndarray:
    """The array a declared value's text stands for, as a new array of the floating `dtype`.

    `rng` feeds normal()/uniform(); when None, a fresh `default_rng(0)` is used, so pass one shared
    generator to make several random values differ. Relative `@paths` resolve against `base_dir`
    (default: the current directory). Raises only `GradcliError` subclasses for bad input.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"read_value makes floating-point arrays, not {dtype}")
    stripped = text.strip()
    if stripped.startswith("@"):
        from .files import read_file  # here: only an @FILE value needs it (start-up time)

        array = read_file(stripped[1:].strip(), limits, base_dir)
    else:
        array = _read_expression(text, rng, limits)
    with np.errstate(over="ignore"):  # float64 -> float32 may overflow to inf, as numpy does
        return np.array(array, dtype=dtype)


# --- the evaluator for value expressions -----------------------------------------------------


class _Context:
    """What evaluating one value needs. Plain classes here, not dataclasses: defining a dataclass
    costs about 0.5 ms of every command's start-up (see `gradcli.record`)."""

    __slots__ = ("source", "rng", "limits", "elements")

    def __init__(self, source: str, rng: np.random.Generator, limits: Limits):
        self.source, self.rng, self.limits = source, rng, limits
        self.elements = 0  # list-literal elements seen so far

    def fail(self, message: str, span: Span) -> ValueInputError:
        return ValueInputError(message, span=span, source=self.source)


def _read_expression(text: str, rng, limits: Limits) -> np.ndarray:
    if not text.strip():
        raise ValueInputError(f"the value is empty: {NOT_A_VALUE}")
    try:
        expr = parse_expression(text, limits)
    except GradcliError as error:
        if "," in text and text.strip()[:1] not in "[(":  # --x 1,2: a list without brackets
            items = ", ".join(item.strip() for item in text.split(","))
            raise ValueInputError(
                f'several numbers make a list: write it in brackets and quote it, "[{items}]"'
            ) from None
        raise error.with_source(text) from None
    ctx = _Context(text, rng if rng is not None else np.random.default_rng(0), limits)
    with np.errstate(all="ignore"):  # inf/nan are legitimate values; no warnings for them
        return _evaluate(expr, ctx)


def _evaluate(expr: Expr, ctx: _Context) -> np.ndarray:
    if isinstance(expr, Call) and _is_constructor(expr):
        return _construct(expr, ctx)
    if isinstance(expr, (ListExpr, TupleExpr)):
        shape, flat = _literal(expr, ctx, depth=1)
        return np.array(flat, dtype=np.float64).reshape(shape)
    return np.array(_scalar(expr, ctx), dtype=np.float64)


def _is_constructor(call: Call) -> bool:
    """Whether a call makes an array (zeros(3)), not a number (sqrt(2)); unknown names too."""
    from .names import SPELLINGS  # here: the registry's names, only when a value calls one

    return call.func.name in _SPELLINGS or call.func.name not in SPELLINGS


def _scalar(expr: Expr, ctx: _Context) -> float:
    """A number, a constant, or arithmetic and functions of those, in floats."""
    if isinstance(expr, Number):
        return float(expr.value)
    if isinstance(expr, Unary) and expr.op in ("+", "-"):
        operand = expr.operand
        if isinstance(operand, (ListExpr, TupleExpr)) or (
            isinstance(operand, Call) and _is_constructor(operand)
        ):
            raise ctx.fail("a sign (+ or -) can only stand before a number", expr.span)
        value = _scalar(operand, ctx)
        return -value if expr.op == "-" else value
    if isinstance(expr, Binary) and expr.op in _ARITHMETIC:
        return _arithmetic(expr, ctx)
    if isinstance(expr, Call) and not _is_constructor(expr):
        return _function(expr, ctx)
    if isinstance(expr, Name):
        if expr.name in _CONSTANTS:
            return _CONSTANTS[expr.name]
        raise ctx.fail(f"{NOT_A_VALUE}; {not_a_number(expr.name, _CONSTANTS)}", expr.span)
    raise ctx.fail(NOT_A_VALUE, expr.span)


def _arithmetic(expr: Binary, ctx: _Context) -> float:
    """`a + b - c ...` in float64 (1/0 is inf, as numpy says); the left spine of a long sum is a
    loop, not recursion, as in the walker."""
    chain = [expr]
    while isinstance(chain[-1].left, Binary) and chain[-1].left.op in _ARITHMETIC:
        chain.append(chain[-1].left)
    value = np.float64(_scalar(chain[-1].left, ctx))
    for link in reversed(chain):
        value = _ARITHMETIC[link.op](value, np.float64(_scalar(link.right, ctx)))
    return float(value)


def _function(call: Call, ctx: _Context) -> float:
    """sqrt(2), sin(pi/6), log(8, 2), max(1, 2): by the registry's forward, as a program's."""
    from gradcli.engine.primitives import REGISTRY

    from .names import LOG_WITH_BASE, SEVERAL_VALUES, SPELLINGS

    name, op = call.func.name, SPELLINGS[call.func.name]
    if call.keywords:
        raise ctx.fail(f"{name}() in a value takes numbers, no keywords", call.keywords[0].span)
    args = [np.float64(_scalar(arg, ctx)) for arg in call.args]
    if name in SEVERAL_VALUES and len(args) >= 2:
        pick = REGISTRY[SEVERAL_VALUES[name]].forward
        value = args[0]
        for arg in args[1:]:
            value = pick(value, arg)
        return float(value)
    if name in LOG_WITH_BASE and len(args) == 2:
        return float(np.log(args[0]) / np.log(args[1]))
    if op.kind != "elementwise" or op.params:
        raise ctx.fail(
            f"{name}() cannot compute a value: a value can use the elementwise functions of "
            "numbers, such as sqrt(2) or sin(pi/6)",
            call.span,
        )
    if op.arity != len(args):
        raise ctx.fail(f"{op.signature} takes {op.arity} number(s), got {len(args)}", call.span)
    return float(op.forward(*args))


def _literal(expr: Expr, ctx: _Context, depth: int) -> tuple[tuple[int, ...], list[float]]:
    """Shape and row-major elements of a nested list literal whose rows all agree in shape."""
    if not isinstance(expr, (ListExpr, TupleExpr)):
        if isinstance(expr, Call):
            raise ctx.fail("a list holds numbers and lists; write a constructor alone", expr.span)
        ctx.elements += 1
        _check_elements(ctx.limits, ctx.elements, "the list", expr.span, ctx.source)
        return (), [_scalar(expr, ctx)]
    if depth > ctx.limits.max_depth:
        message = f"the list is nested more than {ctx.limits.max_depth} deep"
        raise LimitError(message, span=expr.span, source=ctx.source)
    if depth > MAX_DIMENSIONS:  # each level of nesting is a dimension; numpy allows no more
        message = (
            f"the list is nested {depth} deep: a value has at most {MAX_DIMENSIONS} dimensions"
        )
        raise ctx.fail(message, expr.span)
    first: tuple[int, ...] = ()
    flat: list[float] = []
    for i, item in enumerate(expr.items):
        shape, items = _literal(item, ctx, depth + 1)
        if i == 0:
            first = shape
        elif shape != first:
            raise ctx.fail(ragged_message(f"row {i}", "row 0", shape, first), item.span)
        flat.extend(items)
    return (len(expr.items), *first), flat


def _check_elements(limits: Limits, count, what: str, span: Span | None, source: str | None):
    """`limits.check_elements`, with the caret position attached to its error."""
    try:
        limits.check_elements(count, what)
    except LimitError as error:
        raise LimitError(error.message, span=span, source=source) from None


# --- constructors ----------------------------------------------------------------------------


class _Args:
    """A constructor call's arguments, bound by name, with helpers that evaluate them."""

    __slots__ = ("name", "call", "given", "ctx")

    def __init__(self, name: str, call: Call, given: dict[str, Expr], ctx: _Context):
        self.name, self.call, self.given, self.ctx = name, call, given, ctx

    def fail(self, message: str, span: Span | None = None) -> ValueInputError:
        signature = _SIGNATURES[self.name][0]
        return self.ctx.fail(f"{signature}: {message}", span or self.call.span)

    def scalar(self, param: str, default: float | None = None) -> float:
        node = self.given.get(param)
        if node is None:
            return default
        if isinstance(node, (ListExpr, TupleExpr, Call)):
            raise self.fail(f"{param} must be a number", node.span)
        return _scalar(node, self.ctx)

    def size(self, param: str, default: int | None = None) -> int:
        node = self.given.get(param)
        return default if node is None else self._size(node, param)

    def shape(self, param: str = "shape") -> tuple[int, ...]:
        node = self.given[param]
        items = node.items if isinstance(node, (ListExpr, TupleExpr)) else (node,)
        if len(items) > MAX_DIMENSIONS:  # numpy refuses more: fail with our message, not numpy's
            raise self.fail(f"a shape has at most {MAX_DIMENSIONS} dimensions", node.span)
        return tuple(self._size(item, param) for item in items)

    def _size(self, node: Expr, param: str) -> int:
        if isinstance(node, (ListExpr, TupleExpr, Call)):
            tuple_too = " or a tuple of them" if param == "shape" else ""
            raise self.fail(f"{param} must be a whole number{tuple_too}", node.span)
        value = _scalar(node, self.ctx)
        if not (math.isfinite(value) and value == int(value)):
            raise self.fail(f"size {value!r} is not a whole number", node.span)
        if value < 0:
            raise self.fail(f"size {int(value)} is negative", node.span)
        return int(value)

    def check(self, count, shape: tuple[int, ...] = ()) -> None:
        """Refuse too many elements before numpy allocates them."""
        start, end = self.call.span.start, self.call.span.end
        text = self.ctx.source[start:end]
        what = text if 0 < len(text) <= 60 else f"{self.name}(...)"
        limits, span, source = self.ctx.limits, self.call.span, self.ctx.source
        _check_elements(limits, count, what, span, source)
        # A zero-size shape passes the count but numpy still chokes on an absurd other dimension.
        for size in shape:
            _check_elements(limits, size, f"a dimension of {what}", span, source)


def _construct(call: Call, ctx: _Context) -> np.ndarray:
    name = _SPELLINGS.get(call.func.name)
    if name is None:
        hint = did_you_mean(call.func.name.rsplit(".", 1)[-1], CONSTRUCTORS)
        raise ctx.fail(
            f"unknown constructor or function '{call.func.name}'{hint}; a value can be made "
            "with " + ", ".join(CONSTRUCTORS) + ", or computed with functions such as sqrt(2)",
            call.func.span,
        )
    _, params, required = _SIGNATURES[name]
    args = _Args(name, call, {}, ctx)
    if len(call.args) > len(params):
        raise args.fail("too many arguments", call.args[len(params)].span)
    args.given.update(zip(params, call.args, strict=False))
    for keyword in call.keywords:
        if keyword.name not in params:
            raise args.fail(f"unexpected keyword argument '{keyword.name}'", keyword.span)
        if keyword.name in args.given:
            raise args.fail(f"got two values for '{keyword.name}'", keyword.span)
        args.given[keyword.name] = keyword.value
    for param in params[:required]:
        if param not in args.given:
            raise args.fail(f"missing argument '{param}'")
    return np.asarray(_BUILDERS[name](args), dtype=np.float64)


def _filled(value: float | None):
    def build(args: _Args) -> np.ndarray:
        shape = args.shape()
        fill = args.scalar("value") if value is None else value
        args.check(math.prod(shape), shape)
        return np.full(shape, fill, dtype=np.float64)

    return build


def _eye(args: _Args) -> np.ndarray:
    n = args.size("n")
    m = args.size("m", n)
    args.check(n * m, (n, m))
    return np.eye(n, m)


def _linspace(args: _Args) -> np.ndarray:
    start, stop = args.scalar("start"), args.scalar("stop")
    num = args.size("num", 50)
    args.check(num)
    return np.linspace(start, stop, num)


def _arange(args: _Args) -> np.ndarray:
    if "stop" in args.given:
        start, stop = args.scalar("start", 0.0), args.scalar("stop")
    elif "start" in args.given:  # arange(stop): the one argument is where the range ends
        start, stop = 0.0, args.scalar("start")
    else:
        raise args.fail("missing argument 'stop'")
    step = args.scalar("step", 1.0)
    if not all(map(math.isfinite, (start, stop, step))):
        raise args.fail("start, stop and step must be finite")
    if step == 0:
        raise args.fail("step must not be zero")
    steps = (stop - start) / step  # numpy's own length formula, evaluated before it allocates
    args.check(max(0, math.ceil(steps)) if math.isfinite(steps) else math.inf)
    return np.arange(start, stop, step, dtype=np.float64)


def _normal(args: _Args) -> np.ndarray:
    shape = args.shape()
    mean, stddev = args.scalar("mean", 0.0), args.scalar("stddev", 1.0)
    if not (math.isfinite(mean) and math.isfinite(stddev)):
        raise args.fail("mean and stddev must be finite")
    if stddev < 0:
        raise args.fail(f"stddev {stddev!r} is negative")
    args.check(math.prod(shape), shape)
    return args.ctx.rng.normal(mean, stddev, size=shape)


def _uniform(args: _Args) -> np.ndarray:
    shape = args.shape()
    low, high = args.scalar("minval", 0.0), args.scalar("maxval", 1.0)
    if not math.isfinite(high - low):  # numpy raises OverflowError beyond this
        raise args.fail("minval and maxval must be finite and not too far apart")
    if low > high:
        raise args.fail(f"minval {low!r} is greater than maxval {high!r}")
    args.check(math.prod(shape), shape)
    return args.ctx.rng.uniform(low, high, size=shape)


_BUILDERS = {
    "zeros": _filled(0.0),
    "ones": _filled(1.0),
    "full": _filled(None),
    "eye": _eye,
    "linspace": _linspace,
    "arange": _arange,
    "normal": _normal,
    "uniform": _uniform,
}
