"""The program as sympy expressions: `SympyBackend`, `translate` and `symbolic_derivative`.

The walker that runs a program on the tape (`language.walker.Walker`) hands each operation to
`SympyBackend`, which builds it from the primitive's own sympy form (`Op.sympy`): the program's
text never reaches sympy, and symbol names are our declared names, never arbitrary text.

What the tape does not differentiate through (`stop_gradient`, the values given to assignments,
statements run under `--stop`) enters the expressions as the numbers one numeric forward run
computed (`program.forward.run_forward`), so the derivative sympy computes is the one the tape
should compute. Measuring, evaluating at the point and showing the expressions is
`expressions.py`'s.

sympy is imported inside functions only: importing this module does not import it.

Nothing sympy does may hang the caller (simplify, and even evaluating a constant such as
exp(exp(exp(exp(10.0)))), can run for hours): the cross-check asks sympy in a worker with a
deadline (`expected.in_worker`, `workers.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradcli.engine.primitives import FORWARD_ON_OBJECTS, REGISTRY, Op
from gradcli.language.walker import Walker, statement_label
from gradcli.program.forward import ForwardRun, run_forward
from gradcli.program.records import Request

from .expressions import NoSympyForm, at_point, clamp, to_float
from .sympy_import import import_sympy

MAX_VALUE_ELEMENTS = 10_000  # elements of any one value built from sympy objects
# the language's constants reach sympy as themselves, so a derivative reads e**x, not 2.718...**x
_NAMED_CONSTANTS = {float(np.pi): "pi", float(np.e): "E"}


# ---------------------------------------------------------------- the sympy backend


class _Var:
    """A variable: assignments change its expression; a statement naming it aliases it."""

    __slots__ = ("expr", "numeric")

    def __init__(self, expr: np.ndarray, numeric: np.ndarray):
        self.expr = expr
        self.numeric = np.asarray(numeric, dtype=np.float64)


def _objects(shape) -> np.ndarray:
    return np.empty(shape, dtype=object)


class SympyBackend:
    """The walker's backend: values are numpy object arrays (0-d for scalars) of sympy objects.

    Declared float inputs, created variables and the `intermediate` statement (a `--wrt` that
    names a statement) are symbols; `point` maps each symbol to its value as a sympy Float.
    """

    def __init__(self, request: Request, forward: ForwardRun, intermediate: str | None = None):
        self.sp = self.module()
        self.request = request
        self.forward = forward
        self.intermediate = intermediate
        self.symbols: dict[str, np.ndarray] = {}
        self.point: dict = {}
        self.layers = 0
        self._count = 0  # statements run so far
        labels = [statement_label(st, request.program.source) for st in request.program.statements]
        # the tape differentiates with respect to the name's final tensor: its last statement
        self._intermediate_at = max(
            (i for i, label in enumerate(labels) if label == intermediate), default=None
        )

    def module(self):
        """The symbolic library the forms are built with (`fast.py`'s backend gives symengine)."""
        return import_sympy()

    # ------------------------------------------------------------ values

    def as_expr(self, v):
        """One element as a sympy object; numbers beyond any float's range become infinite."""
        sp = self.sp
        if isinstance(v, sp.Basic):
            return clamp(sp, v)
        if isinstance(v, (bool, np.bool_)):
            return sp.true if v else sp.false
        if isinstance(v, (int, np.integer)) and abs(int(v)) <= 2**53:
            return sp.Integer(int(v))
        if isinstance(v, (int, float, np.integer, np.floating)):
            return clamp(sp, sp.Float(float(v)))
        raise NoSympyForm(f"cannot use a value of type {type(v).__name__} in sympy")

    def wrap(self, out) -> np.ndarray:
        """Any result (object array, numeric array or scalar) as an object array of sympy."""
        array = np.asarray(out) if isinstance(out, np.ndarray) else None
        if array is None:
            array = _objects(())
            array[()] = out
        if array.size > MAX_VALUE_ELEMENTS:
            raise NoSympyForm(f"a value of {array.size:,} elements is too large for sympy")
        result = _objects(array.shape)
        for index in np.ndindex(array.shape):
            result[index] = self.as_expr(array[index])
        return result

    def constants(self, value) -> np.ndarray:
        return self.wrap(np.asarray(value))

    def make_symbols(self, name: str, value: np.ndarray) -> np.ndarray:
        """Symbols for `name` (`x`, or `x[i,j]` per element) at `value`; constants if not float."""
        value = np.asarray(value)
        if value.dtype.kind != "f":
            return self.constants(value)
        symbols = _objects(value.shape)
        for index in np.ndindex(value.shape):
            label = f"{name}[{','.join(str(i) for i in index)}]" if index else name
            symbol = self.sp.Symbol(label, real=True)
            symbols[index] = symbol
            self.point[symbol] = self.sp.Float(float(value[index]))
        self.symbols[name] = symbols
        return symbols

    def read(self, value) -> np.ndarray:
        if isinstance(value, _Var):
            return value.expr
        if isinstance(value, np.ndarray) and value.dtype == object:
            return value
        raise NoSympyForm(f"unexpected value {type(value).__name__}")

    # ------------------------------------------------------------ the walker's protocol

    def declare(self) -> tuple[dict, dict]:
        env, deps = {}, {}
        for d in self.request.declarations:
            expr = self.make_symbols(d.name, d.value)
            env[d.name] = expr if d.kind == "constant" else _Var(expr, d.value)
            deps[d.name] = {d.name: ""}
        return env, deps

    def literal(self, value):
        if not isinstance(value, bool) and float(value) in _NAMED_CONSTANTS:  # pi, e: by name
            return self.wrap(getattr(self.sp, _NAMED_CONSTANTS[float(value)]))
        return self.wrap(value if isinstance(value, bool) else float(value))

    def apply(self, op: Op, inputs: list, params: dict, node):
        if op.name == "stop_gradient":  # a constant for the tape: the number the run computed
            return self.constants(self.forward.recorded[node.span])
        values = [self.read(v) for v in inputs]
        form = op.sympy
        if form is None:
            raise NoSympyForm(f"{op.name} has no sympy form")
        if form == FORWARD_ON_OBJECTS:
            if op.name == "broadcast_to":
                _check_size(np.prod(params.get("shape", ()), dtype=float))
            return self.wrap(op.forward(*values, **params))
        if op.kind in ("reduction", "shape", "linalg"):  # a form that takes whole arrays
            return self.wrap(form(self.sp, *values, **params))
        shape = np.broadcast_shapes(*(v.shape for v in values))
        _check_size(np.prod(shape, dtype=float))
        if op.name == "power":
            values = self._power_convention(*values)
        sp = self.sp
        elementwise = np.frompyfunc(lambda *args: form(sp, *args, **params), len(values), 1)
        return self.wrap(elementwise(*values))

    def _power_convention(self, base: np.ndarray, exponent: np.ndarray) -> list:
        """TensorFlow's rule: d/dy x**y is 0 where x <= 0. Where the base is <= 0 at the point,
        the exponent enters as its value there: the same value, the same d/dx, and no d/dy."""
        base, exponent = np.broadcast_arrays(base, exponent)
        exponent = exponent.copy()
        for index in np.ndindex(exponent.shape):
            if not getattr(exponent[index], "free_symbols", None):
                continue
            try:
                x, _ = to_float(self.sp, at_point(self.sp, base[index], self.point))
            except NoSympyForm:
                continue
            if x <= 0:
                exponent[index] = at_point(self.sp, exponent[index], self.point)
        return [base, exponent]

    def pack(self, items: list, node):
        if not items:
            return _objects((0,))
        values = [self.read(item) for item in items]
        _check_size(len(values) * values[0].size)
        return self.wrap(np.stack(values))

    def dense(self, x, units: int, activation, use_bias: bool, node):
        name = "dense" if self.layers == 0 else f"dense_{self.layers}"
        self.layers += 1
        created = []
        for part in ("kernel", "bias") if use_bias else ("kernel",):
            var_name = f"{name}/{part}"
            value = self.forward.created[var_name]
            created.append((var_name, _Var(self.make_symbols(var_name, value), value)))
        y = self.apply(REGISTRY["matmul"], [x, created[0][1]], {}, node)
        if use_bias:
            y = self.apply(REGISTRY["add"], [y, created[1][1]], {}, node)
        if activation not in (None, "linear"):
            y = self.apply(REGISTRY[activation], [y], {}, node)
        return y, created

    def assign(self, kind: str, name: str, variable, delta, node):
        """TensorFlow's semantics: the assignment is not differentiated (its value is a constant),
        and every later read of the variable is the variable itself (derivative 1), so after
        assign(x, 5) the expression is x + (5 - x0): the value 5, the derivative of x."""
        if not isinstance(variable, _Var):
            raise NoSympyForm(f"{kind} on a value that is not a variable")
        delta = np.asarray(self.forward.recorded[node.span], dtype=np.float64)
        if kind == "assign_add":
            shift, numeric = delta, variable.numeric + delta
        elif kind == "assign_sub":
            shift, numeric = -delta, variable.numeric - delta
        else:
            numeric = np.broadcast_to(delta, variable.numeric.shape)
            shift = numeric - variable.numeric
        shift = np.broadcast_to(shift, variable.numeric.shape)
        variable.expr = self.wrap(np.add(variable.expr, self.constants(shift)))
        variable.numeric = np.array(numeric, dtype=np.float64)
        return variable

    def statement(self, label: str, node, run: Callable):
        value, deps = run()
        index, self._count = self._count, self._count + 1
        recorded_label, numeric = self.forward.statements[index]
        if recorded_label != label:
            raise NoSympyForm("the numeric run and the translation disagree on the statements")
        if label == self.intermediate and index == self._intermediate_at:
            if isinstance(value, _Var):
                raise NoSympyForm(f"'{label}' is a variable, not an intermediate value")
            value = self.make_symbols(label, numeric)
        elif label in self.request.stop and not isinstance(value, _Var):
            value = self.constants(numeric)  # run with recording paused: a constant for the tape
        return value, deps


def _check_size(count) -> None:
    if count > MAX_VALUE_ELEMENTS:
        raise NoSympyForm(f"a value of {int(count):,} elements is too large for sympy")


# ---------------------------------------------------------------- translations


@dataclass
class Translation:
    """A program in sympy: each name's final value, each statement's, the symbols and the point."""

    request: Request
    env: dict  # name -> object array (final value)
    statements: dict  # label -> object array (the last statement with that label)
    last: np.ndarray | None
    symbols: dict  # input name -> object array of Symbols
    point: dict  # Symbol -> Float

    def value(self, name: str | None) -> np.ndarray:
        """A target: a name, a statement's label, or (None) the last statement."""
        if name is None:
            if self.last is None:
                raise NoSympyForm("the program has no statements")
            return self.last
        if name in self.env:
            return self.env[name]
        if name in self.statements:
            return self.statements[name]
        raise NoSympyForm(f"the program has no value named '{name}'")


def translate(
    request: Request,
    forward: ForwardRun | None = None,
    *,
    intermediate: str | None = None,
    backend_class: type[SympyBackend] = SympyBackend,
) -> Translation:
    """The program built from the primitives' sympy forms, with symbols for its inputs (built
    by `backend_class`: `fast.py`'s builds them in symengine)."""
    forward = forward if forward is not None else run_forward(request)
    backend = backend_class(request, forward, intermediate)
    env, deps = backend.declare()
    walker = Walker(request.program, backend, env, deps)
    with np.errstate(all="ignore"):
        walker.run()

    def final(value):
        return backend.read(value)

    return Translation(
        request=request,
        env={name: final(v) for name, v in walker.env.items()},
        statements={label: final(v) for label, v, _ in walker.statements},
        last=final(walker.statements[-1][1]) if walker.statements else None,
        symbols=backend.symbols,
        point=backend.point,
    )


def to_sympy(request: Request, forward: ForwardRun | None = None, *, intermediate=None) -> tuple:
    """(statements: label -> object array, symbols: name -> object array of Symbols,
    point: Symbol -> Float). `forward` is a `run_forward(request)`, run here when not given."""
    translation = translate(request, forward, intermediate=intermediate)
    return translation.statements, translation.symbols, translation.point


def is_intermediate(request: Request, forward: ForwardRun, name: str) -> bool:
    declared = any(d.name == name for d in request.declarations)
    return not declared and name not in forward.created


def symbolic_derivative(request: Request, target: str | None, source: str):
    """d(sum of target)/d(source) as sympy: one expression for a scalar source, else an object
    array of the source's shape. `target` None is the last statement. Runs in this process."""
    sp = import_sympy()
    forward = run_forward(request)
    intermediate = source if is_intermediate(request, forward, source) else None
    translation = translate(request, forward, intermediate=intermediate)
    if source not in translation.symbols:
        raise NoSympyForm(f"'{source}' is not a float input or statement of the program")
    total = sp.Add(*translation.value(target).flat)
    symbols = translation.symbols[source]
    derivatives = _objects(symbols.shape)
    for index in np.ndindex(symbols.shape):
        derivatives[index] = sp.diff(total, symbols[index])
    return derivatives[()] if derivatives.ndim == 0 else derivatives
