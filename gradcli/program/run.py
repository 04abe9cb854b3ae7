"""Runs a request's program on one GradientTape: inputs, statements, gradients, reasons for None.

The program's arithmetic is the engine's: every operation is a registered primitive called as a
Python user calls it, inside a `GradientTape`. What this module adds is the bookkeeping a person
needs: limits checked before numpy allocates, shapes named in errors, the first non-finite value
reported, and a reason for every gradient that is None.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from gradcli.engine.layers import Dense
from gradcli.engine.primitives import FUNCTIONS, Op, stack
from gradcli.engine.tape import GradientTape
from gradcli.engine.tensor import Tensor, Variable, constant
from gradcli.errors import (
    ArgumentError,
    DeclarationError,
    IndexOutOfRangeError,
    ShapeError,
    UnknownNameError,
    caret_lines,
)
from gradcli.language import syntax as s
from gradcli.language.walker import (
    CONSTANTS,
    LANGUAGE_FUNCTIONS,
    SPELLINGS,
    Walker,
    broken_by,
    did_you_mean,
)

from .records import Evaluation, InputInfo, Request, TargetResult

BREAK_REASONS = {
    "assign_add": "its only path runs through assign_add, which the tape does not differentiate",
    "assign_sub": "its only path runs through assign_sub, which the tape does not differentiate",
    "assign": "its only path runs through assign, which the tape does not differentiate",
    "stop_gradient": "stopped by stop_gradient",
    "stop_recording": "its only path runs through a statement evaluated with recording paused "
    "(--stop)",
}


def value_of(x) -> np.ndarray:
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
        self.nonfinite: str | None = None

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
        return constant(value, dtype=self.request.dtype if isinstance(value, float) else None)

    def apply(self, op: Op, inputs: list, params: dict, node):
        self._check_size(op, inputs, params, node)
        if op.name == "stop_gradient" and self.frozen is not None:
            return constant(self.frozen[node.span])
        function = FUNCTIONS[op.name]
        try:
            out = function(inputs, **params) if op.variadic else function(*inputs, **params)
        except (ShapeError, IndexOutOfRangeError) as error:
            raise type(error)(
                f"{_describe(op, node)}: {error.message}", span=_op_span(node)
            ) from None
        if op.name == "stop_gradient":
            self.recorded[node.span] = value_of(out)
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
            _check_statement_name(node, self.request)
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
        shapes = [value_of(x).shape for x in inputs]
        size = _result_size(op, shapes, params, node)
        if size is not None:
            self.request.limits.check_elements(size, f"the result of {_describe(op, node)}")

    def _note_nonfinite(self, op: Op, inputs: list, out, node) -> None:
        if self.nonfinite is not None:
            return
        value = value_of(out)
        if value.dtype.kind != "f" or np.isfinite(value).all():
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


def _describe(op: Op, node) -> str:
    if isinstance(node, (s.Binary, s.Compare)):
        return f"'{node.op}'"
    return f"{op.name}()" if op.public else op.name if op.name != "getitem" else "indexing"


def _op_span(node):
    return node.op_span if isinstance(node, (s.Binary, s.Compare)) else node.span


def _summary(value: np.ndarray) -> str:
    if value.size <= 6:
        return np.array2string(value, separator=", ") if value.ndim else repr(value.item())
    return f"<array of shape {value.shape}>"


def _result_size(op: Op, shapes: list, params: dict, node) -> int | None:
    """Elements of the result, computed from the shapes before numpy allocates (None: no larger)."""
    if op.name == "matmul":
        return int(np.prod(_matmul_shape(shapes[0], shapes[1], node), dtype=float))
    if op.broadcasts or (op.kind in ("elementwise", "compare") and len(shapes) > 1):
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


def _check_statement_name(node: s.Assign, request: Request) -> None:
    name = node.name
    if name in SPELLINGS or name in LANGUAGE_FUNCTIONS or name in CONSTANTS:
        raise DeclarationError(
            f"'{name}' is a function or constant of the language; give the statement another name",
            span=node.name_span,
        )
    if any(d.name == name for d in request.declarations):
        raise DeclarationError(
            f"'{name}' is a declared input; give the statement another name", span=node.name_span
        )


def check_declarations(request: Request) -> None:
    seen = set()
    for d in request.declarations:
        if d.name in seen:
            raise DeclarationError(f"'{d.name}' is declared twice")
        if d.name in SPELLINGS or d.name in LANGUAGE_FUNCTIONS or d.name in CONSTANTS:
            raise DeclarationError(
                f"'{d.name}' is a function or constant of the language; "
                "declare the input under another name"
            )
        seen.add(d.name)


# ---------------------------------------------------------------- evaluation


def run_program(
    request: Request,
    tape: GradientTape | None = None,
    overrides=None,
    frozen=None,
    backend: Callable = NumericBackend,
):
    """Run the program once; the walker (names, statements, dependencies) and the backend.

    `backend`: NumericBackend or a subclass (or a factory with its signature), e.g. the recording
    backend of `gradcli tape`."""
    backend = backend(request, tape, overrides, frozen)
    env, deps = backend.declare()
    walker = Walker(request.program, backend, env, deps)
    walker.run()
    return walker, backend


def evaluate(request: Request, backend: Callable = NumericBackend) -> Evaluation:
    """The program on one tape (persistent when there are several targets), and its gradients.

    `backend`: as for `run_program`."""
    check_declarations(request)
    tape = GradientTape(
        persistent=len(request.targets) > 1, watch_accessed_variables=request.auto_watch
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # integer dtypes and the like are given as reasons
        with tape:
            walker, backend = run_program(request, tape, backend=backend)
        named = named_values(walker, backend)
        check_names(request.watch, named, "--watch")
        targets = resolve_targets(request, walker, named)
        sources = resolve_sources(request, backend, named)
        inputs = input_infos(request, backend, tape, walker.env)
        results = tuple(
            _gradients(request, tape, label, value, deps, sources, inputs)
            for label, value, deps in targets
        )
    names_of: dict = {}
    for name, value in named.items():  # inputs first, so an assignment's alias does not rename
        if isinstance(value, Variable):
            names_of.setdefault(id(value), name)
    return Evaluation(
        inputs=inputs,
        statements=tuple((label, value_of(v)) for label, v, _ in walker.statements),
        sources=tuple(sources),
        watched=tuple(names_of[id(v)] for v in tape.watched_variables() if id(v) in names_of),
        results=results,
        warnings=(backend.nonfinite,) if backend.nonfinite else (),
    )


def named_values(walker: Walker, backend: NumericBackend) -> dict:
    named = dict(walker.env)
    named.update(backend.created)
    return named


def check_names(names, named: dict, option: str) -> None:
    for name in names:
        if name not in named:
            raise UnknownNameError(
                f"{option} {name}: no input or statement is named '{name}'"
                f"{did_you_mean(name, list(named))}"
            )


def resolve_targets(request: Request, walker: Walker, named: dict) -> list:
    if not walker.statements:
        raise ArgumentError("the program has no statements")
    if not request.targets:
        label, value, deps = walker.statements[-1]
        return [(label, value, walker.deps.get(label, deps))]
    check_names(request.targets, named, "--target")
    return [(name, named[name], walker.deps.get(name, {name: ""})) for name in request.targets]


def resolve_sources(request: Request, backend: NumericBackend, named: dict) -> dict:
    if request.wrt:
        check_names(request.wrt, named, "--wrt")
        names = list(dict.fromkeys(request.wrt))
    else:
        names = [d.name for d in request.declarations]
        names += [n for n, _ in backend.created]
    return {name: named[name] for name in names}


def input_infos(request: Request, backend: NumericBackend, tape: GradientTape, named: dict) -> dict:
    watched = {id(v) for v in tape.watched_variables()}

    def is_watched(name: str) -> bool:
        value = named.get(name)
        return id(value) in watched if isinstance(value, Variable) else name in request.watch

    inputs = {
        d.name: InputInfo(d.name, d.kind, d.value, watched=is_watched(d.name))
        for d in request.declarations
    }
    for name, variable in backend.created:
        inputs[name] = InputInfo(
            name, "variable", value_of(variable), watched=id(variable) in watched, created=True
        )
    return inputs


def _gradients(
    request: Request,
    tape: GradientTape,
    label: str,
    target,
    deps: dict,
    sources: dict,
    inputs: dict,
) -> TargetResult:
    # ask the tape for None, then fill zeros ourselves: a zero must keep the reason for its None
    grads = tape.gradient(target, list(sources.values()))
    gradients, reasons = {}, {}
    for (name, source), g in zip(sources.items(), grads):
        if g is not None:
            gradients[name] = value_of(g)
            continue
        reasons[name] = reason_for(name, source, deps, inputs.get(name), request)
        gradients[name] = np.zeros_like(value_of(source)) if request.unconnected == "zero" else None
    return TargetResult(label, value_of(target), gradients, reasons)


def reason_for(name: str, source, deps: dict, info: InputInfo | None, request: Request) -> str:
    """Why the tape gives no gradient for `source`, in TensorFlow's vocabulary, with the fix."""
    if value_of(source).dtype.kind != "f":
        return "integer dtype: gradients flow only through floating-point values"
    via = deps.get(name)
    if via is None:
        return "not connected to the target"
    if via:
        return BREAK_REASONS[via]
    if info is not None and not info.watched:
        if info.kind == "constant":
            return f"constant: not watched (add --watch {name})"
        if info.kind == "frozen":
            return f"frozen variable (trainable=False): not watched (add --watch {name})"
        if not request.auto_watch:
            return f"not watched: auto-watch is off (--no-auto-watch; add --watch {name})"
    if info is None:
        return f"not recorded: it depends on no watched value (add --watch {name})"
    return "not connected to the target"
