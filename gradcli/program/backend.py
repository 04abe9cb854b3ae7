"""The numeric backend: each operation of a program run with the engine, on a tape or not.

The walker calls the backend for every literal, operation, list, layer, assignment and statement;
this one runs them with the engine's primitives, as a Python user calls them, and adds what a
person needs: limits checked before numpy allocates, shapes named in errors, the first non-finite
value reported. Subclasses add onlookers (the tape-less forward run of the checks, the recording
of `gradcli tape`). `value_of` reads the numpy value of a tensor, a variable or a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gradcli.engine.layers import Dense
from gradcli.engine.primitives import FUNCTIONS, REGISTRY, Op, stack
from gradcli.engine.tape import GradientTape
from gradcli.engine.tensor import Tensor, Variable, constant
from gradcli.engine.tensor import apply as apply_primitive
from gradcli.errors import (
    ArgumentError,
    DeclarationError,
    IndexOutOfRangeError,
    ShapeError,
    caret_lines,
)
from gradcli.language import syntax as s
from gradcli.language.walker import CONSTANTS, LANGUAGE_FUNCTIONS, SPELLINGS, broken_by

from .records import Request

__all__ = ["NumericBackend", "value_of"]


def value_of(x) -> np.ndarray:
    """The numpy value of a tensor, a variable, or anything numpy reads."""
    return np.asarray(x._value if isinstance(x, (Tensor, Variable)) else x)


class NumericBackend:
    """Runs each operation with the engine, on the tape if one is given.

    For finite differences the same backend runs without a tape, with some values replaced
    (`overrides`, by name) and the values that the tape does not differentiate through
    (stop_gradient, assignment deltas) held at what the first run computed (`frozen`, by span).
    """

    def __init__(
        self,
        request: Request,
        tape: GradientTape | None = None,
        overrides: dict | None = None,
        frozen: dict | None = None,
    ):
        self.request = request
        self.tape = tape
        self.overrides = overrides or {}
        self.frozen = frozen
        self.recorded: dict = {}  # span -> value the tape does not differentiate through
        self.created: list[tuple[str, Variable]] = []  # variables the program made (dense)
        self.layers = 0
        self.nonfinite: str | None = None  # the warning: the first operation that made nan/inf
        self.undefined: str | None = None  # the same, said short: "'/' divides by zero (...)"
        self.float64 = request.dtype == np.float64
        self.scalars_fit = request.limits.max_elements >= 1
        self.input_names = {d.name for d in request.declarations}  # read at every statement

    # ------------------------------------------------------------ inputs

    def declare(self) -> tuple[dict, dict]:
        env, deps = {}, {}
        for d in self.request.declarations:
            value = self.overrides.get(d.name, d.value)
            if d.kind == "constant":
                env[d.name] = constant(value, dtype=value.dtype)
            else:
                env[d.name] = Variable(value, trainable=d.kind == "variable", name=d.name)
            deps[d.name] = {d.name: ""}
            if self.tape is not None and d.name in self.request.watch:
                self.tape.watch(env[d.name])
        return env, deps

    # ------------------------------------------------------------ the backend protocol

    def literal(self, value):
        if type(value) is float and self.float64:  # what constant() makes, without its steps
            return Tensor(np.float64(value))
        return constant(value, dtype=self.request.dtype if isinstance(value, float) else None)

    def apply(self, op: Op, inputs: list, params: dict, node):
        self._check_size(op, inputs, params, node)
        if op is _STOP_GRADIENT and self.frozen is not None:
            return constant(self.frozen[node.span])
        try:
            if params or not op.arity or len(inputs) != op.arity:  # variadic: arity 0
                function = FUNCTIONS[op.name]
                out = function(inputs, **params) if op.variadic else function(*inputs, **params)
            else:  # what FUNCTIONS[op.name](*inputs) does with just its inputs, one call less
                out = apply_primitive(op, *inputs)
        except (ShapeError, IndexOutOfRangeError) as error:
            raise type(error)(
                f"{_describe(op, node)}: {error.message}", span=_op_span(node)
            ) from None
        if op is _STOP_GRADIENT:
            self.recorded[node.span] = value_of(out)
        if self.nonfinite is None:
            value = out._value if type(out) is Tensor else None
            # a float64 number (every operation of a scalar program), finite: nothing to note
            if type(value) is not np.float64 or not math.isfinite(value):
                self._note_nonfinite(op, inputs, out, node)
        return out

    def pack(self, items: list, node):
        if not items:
            return constant(np.zeros(0, dtype=self.request.dtype))
        shapes = [value_of(item).shape for item in items]
        for i, shape in enumerate(shapes):
            if shape != shapes[0]:
                raise ShapeError(
                    f"ragged list: item {i} has shape {shape} but item 0 has shape {shapes[0]}",
                    span=node.items[i].span,
                )
        self.request.limits.check_elements(len(items) * value_of(items[0]).size, "this list")
        return stack(items)

    def dense(self, x, units: int, activation, use_bias: bool, node):
        name = "dense" if self.layers == 0 else f"dense_{self.layers}"
        shape = value_of(x).shape
        if not shape:
            raise ArgumentError(
                "dense needs an input with at least one axis (features last), e.g. [[1, 2, 3]]"
            )
        limits = self.request.limits
        limits.check_elements(shape[-1] * units, f"the kernel of {name}")
        limits.check_elements(
            int(np.prod(shape[:-1], dtype=float)) * units, f"the output of {name}"
        )
        layer = Dense(
            units,
            activation=activation,
            use_bias=use_bias,
            name=name,
            seed=[self.request.seed, self.layers],
            dtype=self.request.dtype,
        )
        self.layers += 1
        layer.build(shape[-1], self.request.dtype)
        created = [(f"{name}/kernel", layer.kernel)]
        if layer.bias is not None:
            created.append((f"{name}/bias", layer.bias))
        for var_name, variable in created:
            if var_name in self.overrides:
                variable.assign(self.overrides[var_name])
        self.created.extend(created)
        return layer(x), created

    def assign(self, kind: str, name: str, variable, delta, node):
        if not isinstance(variable, Variable):
            raise ArgumentError(
                f"{kind}: '{name}' is not a variable; only inputs declared as "
                "variables (--var, --frozen) can be assigned"
            )
        if self.frozen is not None:
            delta = self.frozen[node.span]
        self.recorded[node.span] = value_of(delta)
        return getattr(variable, kind)(delta)

    def statement(self, label: str, node, run: Callable):
        if isinstance(node, s.Assign):
            _check_statement_name(node, self.input_names)
        if self.tape is not None and label in self.request.stop:
            with self.tape.stop_recording():
                value, deps = run()
            deps = broken_by(deps, "stop_recording")
        else:
            value, deps = run()
        if label in self.overrides:
            value = constant(self.overrides[label])
        if self.tape is not None and label in self.request.watch:
            self.tape.watch(value)
        return value, deps

    # ------------------------------------------------------------ checks

    def _check_size(self, op: Op, inputs: list, params: dict, node) -> None:
        for x in inputs:  # 0-d inputs (every operation of a scalar program): at most 1 element
            if type(x) is not Tensor or type(x._value) is not np.float64:
                break
        else:
            if self.scalars_fit and op.name not in _SIZED_APART:
                return
        size = _result_size(op, [_shape(x) for x in inputs], params, node)
        # the message only when it is needed: this runs once per operation of every program
        if size is not None and size > self.request.limits.max_elements:
            self.request.limits.check_elements(size, f"the result of {_describe(op, node)}")

    def _note_nonfinite(self, op: Op, inputs: list, out, node) -> None:
        if self.nonfinite is not None:
            return
        value = out._value if type(out) is Tensor else value_of(out)
        if value.dtype.kind != "f":
            return
        # one number (every operation of a scalar program): without numpy's ufunc machinery;
        # float64 and narrower only, which a Python float holds exactly
        if value.ndim == 0 and value.dtype.itemsize <= 8:
            if math.isfinite(value):
                return
        elif np.isfinite(value).all():
            return
        if any(
            value_of(x).dtype.kind == "f" and not np.isfinite(value_of(x)).all() for x in inputs
        ):
            return  # not produced here: an input was already non-finite
        what = "nan" if np.isnan(value).any() else "inf"
        shown = ", ".join(_summary(value_of(x)) for x in inputs)
        source = self.request.program.source
        self.nonfinite = (
            f"warning: {_describe(op, node)} produced {what} from input values "
            f"{shown}\n{caret_lines(source, node.span)}"
        )
        self.undefined = _undefined(op, node, inputs, value, shown)


def _shape(x) -> tuple:
    """`value_of(x).shape`, without a new array for a tensor (once per input of every operation),
    nor numpy's dispatch for the numpy scalars a 0-d tensor holds."""
    value = x._value if type(x) is Tensor or type(x) is Variable else x
    shape = getattr(value, "shape", None)
    return shape if type(shape) is tuple else np.shape(value)


def _undefined(op: Op, node, inputs: list, value: np.ndarray, shown: str) -> str:
    """What made the first nan or inf, said short: "'/' divides by zero (input values 2.0,
    0.0)", "log() gives -inf (input value 0.0)"."""
    values = "input value" if len(inputs) == 1 else "input values"
    divisor = value_of(inputs[-1]) if len(inputs) == 2 else None
    if isinstance(node, s.Binary) and node.op in ("/", "//", "%") and divisor is not None:
        if np.any(divisor == 0):
            return f"'{node.op}' divides by zero ({values} {shown})"
    first = value[~np.isfinite(value)].flat[0]
    what = "nan" if np.isnan(first) else "inf" if first > 0 else "-inf"
    return f"{_describe(op, node)} gives {what} ({values} {shown})"


def _describe(op: Op, node) -> str:
    if isinstance(node, (s.Binary, s.Compare)):
        return f"'{node.op}'"
    return f"{op.name}()" if op.public else op.name if op.name != "getitem" else "indexing"


describe = _describe  # an operation as messages name it: '/', log(), indexing


def _op_span(node):
    return node.op_span if isinstance(node, (s.Binary, s.Compare)) else node.span


def _summary(value: np.ndarray) -> str:
    if value.size <= 6:
        return np.array2string(value, separator=", ") if value.ndim else repr(value.item())
    return f"<array of shape {value.shape}>"


_STOP_GRADIENT = REGISTRY["stop_gradient"]  # tested by identity: once or twice per operation
# what _result_size sizes from more than its inputs' shapes (or refuses for 0-d inputs: matmul)
_SIZED_APART = {"matmul", "broadcast_to"} | {name for name, op in REGISTRY.items() if op.variadic}


def _result_size(op: Op, shapes: list, params: dict, node) -> int | None:
    """Elements of the result, computed from the shapes before numpy allocates (None: no larger)."""
    if op.name == "matmul":
        return int(np.prod(_matmul_shape(shapes[0], shapes[1], node), dtype=float))
    if op.broadcasts or (op.kind in ("elementwise", "compare") and len(shapes) > 1):
        first = shapes[0]
        if shapes.count(first) == len(shapes):  # the common case, without numpy
            return math.prod(first)
        try:
            return int(np.prod(np.broadcast_shapes(*shapes), dtype=float))
        except ValueError:
            shown = " and ".join(str(sh) for sh in shapes)
            raise ShapeError(
                f"{_describe(op, node)} cannot combine shapes {shown}: they do not broadcast",
                span=_op_span(node),
            ) from None
    if op.name == "broadcast_to":
        return int(np.prod(params.get("shape", ()), dtype=float))
    if op.variadic:
        return int(np.sum([np.prod(sh, dtype=float) for sh in shapes]))
    return None


def _matmul_shape(a: tuple, b: tuple, node) -> tuple:
    def fail(why: str):
        raise ShapeError(f"'@' cannot combine shapes {a} and {b}: {why}", span=_op_span(node))

    if not a or not b:
        fail("matmul needs operands with at least one axis")
    inner_b = b[-2] if len(b) >= 2 else b[0]
    if a[-1] != inner_b:
        fail(f"the inner dimensions {a[-1]} and {inner_b} differ")
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        fail("the batch dimensions do not broadcast")
    return tuple(batch) + a[-2:-1] + b[-1:] if len(b) >= 2 else tuple(batch) + a[-2:-1]


def _check_statement_name(node: s.Assign, input_names: set) -> None:
    name = node.name
    if name in SPELLINGS or name in LANGUAGE_FUNCTIONS or name in CONSTANTS:
        raise DeclarationError(
            f"'{name}' is a function or constant of the language; give the statement another name",
            span=node.name_span,
        )
    if name in input_names:
        raise DeclarationError(
            f"'{name}' is a declared input; give the statement another name", span=node.name_span
        )
