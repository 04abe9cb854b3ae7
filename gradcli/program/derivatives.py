"""Jacobians, Hessians and N-th derivatives of a program, with nested tapes.

The program runs once, on as many tapes as the derivative has orders (innermost first). Each tape
is closed and asked for its gradient while the tapes outside it still record, so the next tape
differentiates that backward pass itself, as TensorFlow's nested `GradientTape`s do; no rule is
written twice. The answers are plain records (`Evaluation`, a `Report` of Jacobians,
`HessianResult`): no tapes, read by the checks and the renderers.

Where a lower derivative does not depend on a source at all (the tape gives None for a connected,
watched source), the higher derivative is 0, not None: d2/dx2 of 3*x is 0. None stays for what
grad calls None (unwatched, unconnected, integer), with the same reasons.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from gradcli.engine.tape import GradientTape
from gradcli.engine.tensor import Variable
from gradcli.errors import LimitError, UsageError

from .backend import value_of
from .records import Evaluation, HessianResult, Report, Request, TargetResult
from .run import (
    check_declarations,
    check_names,
    input_infos,
    named_values,
    reason_for,
    resolve_sources,
    resolve_targets,
    run_program,
)
from .tolerances import tolerances

__all__ = [
    "TapeStack",
    "derivatives_of_order",
    "gradients_at",
    "hessian",
    "jacobian",
    "nested_run",
    "ordinal",
]


class TapeStack:
    """Several open tapes, to the numeric backend one: `--watch` watches a value on each, `--stop`
    pauses each (so no tape differentiates through a stopped statement)."""

    def __init__(self, tapes):
        self.tapes = list(tapes)

    def watch(self, value) -> None:
        for tape in self.tapes:
            tape.watch(value)

    @contextlib.contextmanager
    def stop_recording(self):
        with contextlib.ExitStack() as stack:
            for tape in self.tapes:
                stack.enter_context(tape.stop_recording())
            yield


class Run:
    """One run of the program on `tapes` (innermost first), still open for differentiation:
    `targets` are (label, value, deps), `sources` name -> value, `inputs` name -> InputInfo."""

    def __init__(self, request, tapes, walker, backend, targets, sources, inputs):
        self.request, self.tapes, self.walker, self.backend = request, tapes, walker, backend
        self.targets, self.sources, self.inputs = targets, sources, inputs

    def close(self, level: int) -> GradientTape:
        """Stop tape `level` recording (the ones outside it go on) and return it."""
        tape = self.tapes[level]
        tape.__exit__(None, None, None)
        return tape

    def evaluation(self, results: tuple, order: int = 1) -> Evaluation:
        names_of: dict = {}
        named = named_values(self.walker, self.backend)
        for name, value in named.items():
            if isinstance(value, Variable):
                names_of.setdefault(id(value), name)
        watched = self.tapes[0].watched_variables()
        return Evaluation(
            inputs=self.inputs,
            statements=tuple((label, value_of(v)) for label, v, _ in self.walker.statements),
            sources=tuple(self.sources),
            watched=tuple(names_of[id(v)] for v in watched if id(v) in names_of),
            results=results,
            warnings=(self.backend.nonfinite,) if self.backend.nonfinite else (),
            undefined=self.backend.undefined,
            order=order,
        )

    def reason(self, name: str, deps: dict) -> str:
        return reason_for(name, self.sources[name], deps, self.inputs.get(name), self.request)


@contextlib.contextmanager
def nested_run(request: Request, depth: int, overrides=None, frozen=None):
    """The program run once on `depth` persistent tapes, innermost first; closed on exit."""
    check_declarations(request)
    tapes = [
        GradientTape(persistent=True, watch_accessed_variables=request.auto_watch)
        for _ in range(depth)
    ]
    for tape in reversed(tapes):
        tape.__enter__()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # integer dtypes and the like are given as reasons
            recorder = tapes[0] if depth == 1 else TapeStack(tapes)
            walker, backend = run_program(request, recorder, overrides, frozen)
            named = named_values(walker, backend)
            check_names(request.watch, named, "--watch")
            yield Run(
                request=request,
                tapes=tapes,
                walker=walker,
                backend=backend,
                targets=resolve_targets(request, walker, named),
                sources=resolve_sources(request, backend, named),
                inputs=input_infos(request, backend, tapes[0], walker.env),
            )
    finally:
        for tape in tapes:
            tape.__exit__(None, None, None)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _zeros_like(source) -> np.ndarray:
    value = value_of(source)
    return np.zeros(np.shape(value), dtype=value.dtype if value.dtype.kind == "f" else np.float64)


# ---------------------------------------------------------------- grad --order N


def derivatives_of_order(request: Request, order: int, overrides=None, frozen=None) -> Evaluation:
    """d^N(sum of target)/d(source)^N for each target and scalar source: N nested tapes.

    The results' `gradients` hold the N-th derivatives (`Evaluation.order` is N); a source whose
    first derivative is None keeps None and grad's reason; a lower derivative that does not depend
    on the source makes the N-th 0, with a note saying so.
    """
    with nested_run(request, order, overrides, frozen) as run:
        for name, source in run.sources.items():
            shape = np.shape(value_of(source))
            if shape:
                raise UsageError(
                    f"--order {order} needs scalar sources, but '{name}' has shape {shape} "
                    "(choose scalar sources with --wrt, or use gradcli hessian for the second "
                    "derivatives of a tensor)"
                )
        current = {
            (index, name): target
            for index, (_, target, _) in enumerate(run.targets)
            for name in run.sources
        }
        notes: dict = {}
        for level in range(order):
            tape = run.close(level)
            recorded = tape.entry_count()
            limit = request.limits.max_tape_ops
            if level and recorded > limit:  # each order records about 3x the last one
                raise LimitError(
                    f"--order {order}: the {ordinal(level)} derivative's tape holds "
                    f"{recorded:,} operations, more than the limit of {limit:,} (each order "
                    "records about three times as many as the one before): ask for a lower "
                    "order, or raise the limit with --max-tape-ops"
                )
            for (index, name), value in current.items():
                if value is None or (index, name) in notes:
                    continue
                g = tape.gradient(value, run.sources[name])
                if g is None and level > 0:
                    notes[index, name] = (
                        f"the {ordinal(level)} derivative does not depend on {name}: "
                        f"the {ordinal(order)} is 0"
                    )
                    current[index, name] = _zeros_like(run.sources[name])
                else:
                    current[index, name] = g
        results = []
        for index, (label, target, deps) in enumerate(run.targets):
            gradients, reasons = {}, {}
            for name, source in run.sources.items():
                g = current[index, name]
                if g is None:
                    reasons[name] = run.reason(name, deps)
                    if request.unconnected == "zero":
                        g = _zeros_like(source)
                elif (index, name) in notes:
                    reasons[name] = notes[index, name]
                gradients[name] = None if g is None else np.asarray(value_of(g))[()]
            results.append(TargetResult(label, value_of(target), gradients, reasons))
        return run.evaluation(tuple(results), order=order)


def gradients_at(request: Request, overrides=None, frozen=None) -> dict:
    """The gradient of the (one) target with respect to each source, as numpy (None: none), with
    `overrides` by name and `frozen` values by span: what a finite difference of a Hessian moves."""
    with nested_run(request, 1, overrides, frozen) as run:
        _, target, _ = run.targets[0]
        grads = run.close(0).gradient(target, list(run.sources.values()))
        return {
            name: None if g is None else np.asarray(value_of(g), dtype=np.float64)
            for name, g in zip(run.sources, grads)
        }


# ---------------------------------------------------------------- jacobian


def jacobian(request: Request) -> Report:
    """The Jacobian of each target with respect to each source, shape target.shape + source.shape
    (TensorFlow's rule), as a report whose results' `gradients` hold the Jacobians."""
    with nested_run(request, 1) as run:
        tape = run.close(0)
        results = []
        for label, target, deps in run.targets:
            size = int(np.size(value_of(target)))
            for name, source in run.sources.items():
                request.limits.check_elements(
                    size * int(np.size(value_of(source))), f"the Jacobian of {label} by {name}"
                )
            values = tape.jacobian(
                target, list(run.sources.values()), unconnected_gradients=request.unconnected
            )
            gradients, reasons = {}, {}
            for (name, _), j in zip(run.sources.items(), values):
                gradients[name] = None if j is None else np.asarray(value_of(j))
                if j is None or (request.unconnected == "zero" and deps.get(name) != ""):
                    reasons[name] = run.reason(name, deps)
            results.append(TargetResult(label, value_of(target), gradients, reasons))
        return Report(run.evaluation(tuple(results)), kind="jacobian")


# ---------------------------------------------------------------- hessian


def swap_block(block: np.ndarray, first_ndim: int) -> np.ndarray:
    """A block d2f/da db (axes of a, then of b) as d2f/db da (axes of b, then of a)."""
    axes = tuple(range(first_ndim, block.ndim)) + tuple(range(first_ndim))
    return np.transpose(block, axes)


def hessian(request: Request, overrides=None, frozen=None) -> HessianResult:
    """Second derivatives of a scalar target by two nested tapes: the inner tape's gradient,
    taken while the outer records, then the outer tape's Jacobian of each gradient."""
    with nested_run(request, 2, overrides, frozen) as run:
        if len(run.targets) != 1:
            raise UsageError("hessian differentiates one target: give one --target")
        label, target, deps = run.targets[0]
        shape = np.shape(value_of(target))
        if shape:
            raise UsageError(
                f"hessian needs a scalar target, but '{label}' has shape {shape}: reduce it, "
                "e.g. sum(...) or mean(...), or use gradcli jacobian"
            )
        names, sources = list(run.sources), list(run.sources.values())
        first = run.close(0).gradient(target, sources)
        outer = run.close(1)
        gradients, reasons = {}, {}
        for name, g in zip(names, first):
            gradients[name] = None if g is None else np.asarray(value_of(g))
            if g is None:
                reasons[name] = run.reason(name, deps)
        blocks: dict = {}
        for name, g in zip(names, first):
            row: dict = {}
            if g is not None:
                columns = outer.jacobian(g, sources, unconnected_gradients="zero")
                for other, block in zip(names, columns):
                    row[other] = None if gradients[other] is None else np.asarray(value_of(block))
            for other in names:
                if row.get(other) is None and request.unconnected == "zero":
                    row[other] = np.zeros(
                        np.shape(value_of(run.sources[name]))
                        + np.shape(value_of(run.sources[other]))
                    )
                row.setdefault(other, None)
            if request.unconnected == "zero" and gradients[name] is None:
                gradients[name] = _zeros_like(run.sources[name])
            blocks[name] = row
        evaluation = run.evaluation((TargetResult(label, value_of(target), gradients, reasons),))
    asymmetry, scale = 0.0, 0.0
    for a in names:
        for b in names:
            block, mirror = blocks[a][b], blocks[b][a]
            if block is None or mirror is None:
                continue
            mirror = swap_block(mirror, np.ndim(value_of(run.sources[b])))
            finite = np.isfinite(block) & np.isfinite(mirror)
            if np.any(np.isnan(block) != np.isnan(mirror)):
                asymmetry = float("inf")
            scale = max(scale, float(np.max(np.abs(block[finite]), initial=0.0)))
            difference = np.abs(block[finite] - mirror[finite])
            asymmetry = max(asymmetry, float(np.max(difference, initial=0.0)))
    rtol, atol = tolerances(request, np.zeros(0, dtype=request.dtype), "symbolic")
    symmetric = bool(asymmetry <= atol + rtol * scale)  # nan compares False: not symmetric
    return HessianResult(evaluation, blocks, asymmetry, symmetric)
