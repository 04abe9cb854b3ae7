"""Forward mode: a program run inside a `ForwardAccumulator` (`gradcli jvp`, `--mode forward`).

One forward pass carries a tangent per source alongside each value, and gives every target's
directional derivative, the Jacobian-vector product J t. `jvp` is that pass for the tangents the
request gives (`--tangent`, by default the first source's first unit vector). `jacobian` and
`gradients` are forward mode's way to whole derivatives: one pass per input element, each with
that element's unit vector as the tangent, so the Jacobian comes column by column (reverse mode,
`derivatives.py`, gives it row by row: one backward pass per output element). Each answers with
a `Cost`: the passes, the primitive steps evaluated and the time.

The accumulator's primals are the request's sources, which are declared inputs (a tangent is
given before the program runs, so a statement or a variable the program creates cannot have
one), whatever their kind: an accumulator watches the primals it is given, as TensorFlow's does.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np

from gradcli.engine.forward import ForwardAccumulator
from gradcli.errors import ShapeError, UnknownNameError, UsageError
from gradcli.language.walker import Walker, did_you_mean

from .backend import NumericBackend, value_of
from .records import Cost, Evaluation, InputInfo, JvpResult, Request, TargetResult
from .run import check_declarations, check_names, named_values, reason_for, resolve_targets

__all__ = [
    "Counting",
    "gradients",
    "jacobian",
    "jvp",
    "resolve_tangents",
    "source_names",
    "watched",
]


class Counting(NumericBackend):
    """The numeric backend, counting the program's own primitive operations."""

    operations = 0

    def apply(self, op, inputs, params, node):
        self.operations += 1
        return super().apply(op, inputs, params, node)


class _Paused:
    """What the backend is handed as its tape: --stop pauses the accumulator; --watch means
    nothing to it (it watches its primals)."""

    def __init__(self, accumulator: ForwardAccumulator):
        self.accumulator = accumulator

    def watch(self, value) -> None:
        pass

    def stop_recording(self):
        return self.accumulator.stop_recording()


class Pass:
    """One forward pass, done: the accumulator (for its tangents), the walker, the backend, the
    targets (label, value, deps), the primal names and the operations it evaluated."""

    def __init__(self, accumulator, walker, backend, targets, names):
        self.accumulator, self.walker, self.backend = accumulator, walker, backend
        self.targets, self.names = targets, names
        # the program's steps, and the forward rules run
        self.operations = backend.operations + accumulator.rules_run

    def tangent_of(self, value, unconnected: str = "none"):
        found = self.accumulator.jvp(value, unconnected_gradients=unconnected)
        return None if found is None else np.asarray(value_of(found))


def source_names(request: Request) -> list[str]:
    """The sources of forward mode: the declared inputs, or those --wrt names."""
    declared = [d.name for d in request.declarations]
    if not request.wrt:
        return declared
    for name in request.wrt:
        if name not in declared:
            raise UsageError(
                f"--wrt {name}: forward mode differentiates with respect to declared inputs "
                f"(a tangent is given before the program runs){did_you_mean(name, declared)}"
            )
    return list(dict.fromkeys(request.wrt))


def resolve_tangents(request: Request, names: list[str]) -> dict:
    """source -> its tangent: --tangent's, else zeros; with no --tangent at all, the first
    floating-point source's first unit vector."""
    values = {d.name: np.asarray(d.value) for d in request.declarations}
    given = dict(request.tangents)
    for name in given:
        if name not in names:
            raise UnknownNameError(
                f"--tangent {name}: no source is named '{name}' (sources: "
                f"{', '.join(names) or 'none'}){did_you_mean(name, names)}"
            )
    tangents = {}
    for name in names:
        value = values[name]
        if name in given:
            tangent = np.asarray(given[name])
            if value.dtype.kind != "f":
                raise UsageError(
                    f"--tangent {name}: {name} has integer dtype {value.dtype}, which carries "
                    "no tangent (declare it as a float, e.g. 3.0)"
                )
            if tangent.shape != value.shape:
                raise ShapeError(
                    f"--tangent {name}: a tangent of shape {tangent.shape} for {name} of shape "
                    f"{value.shape}: a tangent has its source's shape"
                )
            tangents[name] = tangent.astype(value.dtype)
        else:
            tangents[name] = np.zeros(value.shape, dtype=value.dtype)
    if not given:  # the first source a tape would watch (else the first float one): e_0
        movable = [n for n in names if values[n].dtype.kind == "f" and values[n].size]
        tapes_watch = [n for n in movable if watched(request, n)]
        if movable:
            tangents[(tapes_watch or movable)[0]].reshape(-1)[0] = 1
    return tangents


def watched(request: Request, name: str) -> bool:
    """Whether a tape would watch declared input `name`: a trainable variable read with
    auto-watch on, or --watch."""
    kinds = {d.name: d.kind for d in request.declarations}
    return (kinds[name] == "variable" and request.auto_watch) or name in request.watch


@contextlib.contextmanager
def forward_pass(request: Request, tangents: dict):
    """The program run once inside an accumulator whose primals are `tangents`' sources."""
    check_declarations(request)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # integer dtypes are given as reasons
        backend = Counting(request, None)
        env, deps = backend.declare()
        names = [n for n in tangents if np.asarray(value_of(env[n])).dtype.kind == "f"]
        accumulator = ForwardAccumulator([env[n] for n in names], [tangents[n] for n in names])
        backend.tape = _Paused(accumulator)
        with accumulator:
            walker = Walker(request.program, backend, env, deps)
            walker.run()
        named = named_values(walker, backend)
        check_names(request.watch, named, "--watch")
        yield Pass(accumulator, walker, backend, resolve_targets(request, walker, named), names)


def _inputs(request: Request, walker: Walker, backend, primals: list) -> dict:
    inputs = {
        d.name: InputInfo(d.name, d.kind, d.value, watched=d.name in primals)
        for d in request.declarations
    }
    for name, variable in backend.created:
        inputs[name] = InputInfo(name, "variable", value_of(variable), False, created=True)
    return inputs


def _evaluation(request, run: Pass, sources, results, shown=None) -> Evaluation:
    """The evaluation of a pass; `shown`: the inputs shown as watched (default: its primals)."""
    shown = run.names if shown is None else shown
    kinds = {d.name: d.kind for d in request.declarations}
    return Evaluation(
        inputs=_inputs(request, run.walker, run.backend, shown),
        statements=tuple((label, value_of(v)) for label, v, _ in run.walker.statements),
        sources=tuple(sources),
        watched=tuple(n for n in shown if kinds.get(n) != "constant"),
        results=results,
        warnings=(run.backend.nonfinite,) if run.backend.nonfinite else (),
    )


def _reason(request: Request, deps: dict, sources) -> str:
    """Why no tangent reaches a target: each source's reason, in grad's words."""
    values = {d.name: d.value for d in request.declarations}
    reasons = []
    for name in sources:
        why = reason_for(name, values[name], deps, None, request)
        reasons.append(f"{name}: {why}")
    return "; ".join(reasons) if reasons else "no sources"


# ---------------------------------------------------------------- gradcli jvp


def jvp(request: Request) -> JvpResult:
    """Each target's directional derivative along the request's tangents: one forward pass."""
    names = source_names(request)
    tangents = resolve_tangents(request, names)
    with forward_pass(request, tangents) as run:
        jvps, reasons, results = [], [], []
        for label, target, deps in run.targets:
            found = run.tangent_of(target)
            reason = None
            if found is None:  # no primal reaches it: None, or zeros, and why
                reason = _reason(request, deps, names)
                if request.unconnected == "zero":
                    found = np.zeros(np.shape(value_of(target)), dtype=_float(target))
            jvps.append(found)
            reasons.append(reason)
            results.append(TargetResult(label, value_of(target), {}, {}))
        evaluation = _evaluation(request, run, names, tuple(results))
    return JvpResult(evaluation, tangents, tuple(jvps), tuple(reasons))


def _float(value) -> np.dtype:
    dtype = np.asarray(value_of(value)).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# ---------------------------------------------------------------- whole derivatives, by columns


def _columns(request: Request, names: list[str]):
    """For each source, for each of its elements, the pass with that unit vector as the tangent:
    yields (source, element index, Pass)."""
    values = {d.name: np.asarray(d.value) for d in request.declarations}
    for name in names:
        value = values[name]
        if value.dtype.kind != "f" or not watched(request, name):
            yield name, None, None
            continue
        for k in range(value.size):
            unit = np.zeros(value.size, dtype=value.dtype)
            unit[k] = 1
            with forward_pass(request, {name: unit.reshape(value.shape)}) as run:
                yield name, k, run


def jacobian(request: Request) -> tuple[tuple, Evaluation, Cost]:
    """Every target's Jacobian by each source, column by column: one forward pass per input
    element of each source a tape would watch (the others are None, with grad's reasons, as in
    reverse mode). Returns (per target a dict source -> Jacobian or None, the evaluation, the
    cost)."""
    names = source_names(request)
    start = time.perf_counter()
    columns: dict = {}  # (target index, source) -> list of columns
    passes = operations = 0
    last = None
    for name, _element, run in _columns(request, names):
        if run is None:
            continue
        passes += 1
        operations += run.operations
        last = run
        for index, (_, target, _) in enumerate(run.targets):
            columns.setdefault((index, name), []).append(run.tangent_of(target))
    if last is None:  # no floating-point source: run once for the values
        with forward_pass(request, {}) as last:
            pass
    values = {d.name: np.asarray(d.value) for d in request.declarations}
    last_inputs = {
        name: InputInfo(name, kind, values[name], watched=watched(request, name))
        for name, kind in ((d.name, d.kind) for d in request.declarations)
    }
    jacobians, results = [], []
    for index, (label, target, deps) in enumerate(last.targets):
        shape = np.shape(value_of(target))
        per_source, reasons = {}, {}
        for name in names:
            found = columns.get((index, name), [])
            if not found or all(c is None for c in found):
                info = last_inputs.get(name)
                reasons[name] = reason_for(name, values[name], deps, info, request)
                per_source[name] = (
                    np.zeros(shape + values[name].shape) if request.unconnected == "zero" else None
                )
                continue
            filled = [np.zeros(shape) if c is None else c for c in found]
            stacked = np.stack(filled, axis=-1) if filled else np.zeros(shape + (0,))
            per_source[name] = stacked.reshape(shape + values[name].shape)
        jacobians.append(per_source)
        results.append(TargetResult(label, value_of(target), per_source, reasons))
    shown = [d.name for d in request.declarations if watched(request, d.name)]
    evaluation = _evaluation(request, last, names, tuple(results), shown)
    cost = Cost("forward", passes, operations, time.perf_counter() - start, 0.0)
    return tuple(jacobians), evaluation, cost


def gradients(request: Request) -> tuple[Evaluation, Cost]:
    """grad --mode forward: d(sum of target)/d(source), one forward pass per input element."""
    _, evaluation, cost = jacobian(request)
    results = []
    for result in evaluation.results:
        axes = np.ndim(result.value)
        summed = {
            name: None if j is None else np.asarray(np.sum(j, axis=tuple(range(axes))))[()]
            for name, j in result.gradients.items()
        }
        results.append(TargetResult(result.target, result.value, summed, result.reasons))
    return _replace_results(evaluation, tuple(results)), cost


def _replace_results(evaluation: Evaluation, results: tuple) -> Evaluation:
    from gradcli.record import replace

    return replace(evaluation, results=results)
