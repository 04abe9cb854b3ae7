"""Runs a request's program on one GradientTape: inputs, statements, gradients, reasons for None.

Each operation runs through the numeric backend (`backend.py`: the engine's primitives, with
limits, shapes in errors and the first non-finite value). What this module adds is the run itself
(`run_program` forward, `evaluate` on a tape), the targets and sources the request names, what
each input is, and a reason for every gradient that is None.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from gradcli.engine.tape import GradientTape
from gradcli.engine.tensor import Variable
from gradcli.errors import ArgumentError, DeclarationError, UnknownNameError
from gradcli.imports import collector_paused
from gradcli.language.walker import (
    CONSTANTS,
    LANGUAGE_FUNCTIONS,
    SPELLINGS,
    Walker,
    did_you_mean,
)

from .backend import NumericBackend, value_of
from .records import Evaluation, InputInfo, Request, TargetResult

BREAK_REASONS = {
    "assign_add": "its only path runs through assign_add, which the tape does not differentiate",
    "assign_sub": "its only path runs through assign_sub, which the tape does not differentiate",
    "assign": "its only path runs through assign, which the tape does not differentiate",
    "stop_gradient": "stopped by stop_gradient",
    "stop_recording": "its only path runs through a statement evaluated with recording paused "
    "(--stop)",
}


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
    # the sources are the inputs, the variables made, or --wrt's: a Deps naming every statement
    # before it would be copied at every statement, quadratic in a long program
    walker.statement_sources = set(request.wrt)
    walker.run()
    return walker, backend


def evaluate(request: Request, backend: Callable = NumericBackend) -> Evaluation:
    """The program on one tape (persistent when there are several targets), and its gradients.

    `backend`: as for `run_program`."""
    check_declarations(request)
    tape = GradientTape(
        persistent=len(request.targets) > 1, watch_accessed_variables=request.auto_watch
    )
    # The run and the backward pass make a few objects per operation and no garbage: a
    # collection during them scans those for nothing (see language.parser._run). Not frozen:
    # evaluate runs in loops (plot, comparisons), and each run's objects die with it.
    with warnings.catch_warnings(), np.errstate(all="ignore"), collector_paused(freeze=False):
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
        undefined=backend.undefined,
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
