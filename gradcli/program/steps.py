"""The records of `gradcli tape`: one program's recording, step by step, as plain values.

A `TapeView` holds the forward steps (every operation the program ran, recorded or not), the
backward steps (the gradient arriving at each recorded step and what it sends to each input),
the fan-out sums, and grad's answer. Values and the labels a person reads (`x`, `y`, `#3`,
`2.0`); no tapes. `recording.record` builds it from numbers alone; `symbolic.rules.explain`
fills in each contribution's local rule (`d/da (a*b) = b`) and local value; `render.tape`
draws it.
"""

from __future__ import annotations

import numpy as np

from gradcli.record import Record

from .records import Evaluation, Report

__all__ = [
    "SYMBOLS",
    "BackwardStep",
    "Contribution",
    "ForwardStep",
    "LocalRule",
    "Sum",
    "TapeView",
    "symbol",
]

SYMBOLS = "abcdefgh"  # the rules' names for a step's inputs, in order


def symbol(i: int) -> str:
    """The rules' name for input `i` of a step: a, b, ..., then x8, x9, ..."""
    return SYMBOLS[i] if i < len(SYMBOLS) else f"x{i}"


class LocalRule(Record):
    """The derivative of a primitive's output with respect to one input."""

    __slots__ = ("symbols", "words", "derived")

    symbols: str  # d/da (a*b) = b
    words: str  # the derivative of a*b with respect to a, its 1st input, is b
    derived: bool  # from the sympy form (else named by the primitive's doc)


class ForwardStep(Record):
    """One operation the program ran."""

    __slots__ = ("step", "op", "source", "inputs", "output", "value", "recorded", "why", "custom")
    _defaults = {"why": "", "custom": None}
    step: int
    op: str  # the primitive: multiply
    source: str  # the program text of the operation: x*x
    inputs: tuple[str, ...]  # the labels of its inputs: ("x", "x")
    output: str  # the label of its output: "y" (a statement's name) or "#2"
    value: np.ndarray
    recorded: bool
    why: str  # why the tape did not record it
    # a `gc.custom_gradient` call (`gc.explain`): the operations the tape recorded inside it,
    # folded into this one step (the walk goes through the user's grad_fn, not through them)
    custom: tuple[str, ...] | None


class Contribution(Record):
    """What one step sends back to one of its inputs: incoming gradient times local derivative."""

    __slots__ = ("input", "index", "symbol", "rule", "value", "local", "note")
    _defaults = {"rule": None, "local": None, "note": ""}

    input: str  # the input's label
    index: int  # the input's position among the step's inputs
    symbol: str  # the rule's name for it: a, b, ...
    rule: LocalRule | None  # None until `symbolic.rules.explain` names it
    value: np.ndarray | None  # None: no gradient goes this way (see `note`)
    local: np.ndarray | None  # the local derivative's value, for scalar elementwise steps
    note: str


class BackwardStep(Record):
    """One recorded step as the backward walk reaches it (last step first)."""

    __slots__ = (
        "step",
        "op",
        "source",
        "output",
        "incoming",
        "contributions",
        "operands",
        "custom",
    )
    _defaults = {"operands": (), "custom": False}

    step: int
    op: str
    source: str
    output: str
    incoming: np.ndarray | None  # the gradient arriving at the output; None: none arrives
    contributions: tuple[Contribution, ...]
    operands: tuple[np.ndarray, ...]  # its inputs' values: the point of the local derivatives
    custom: bool  # a `gc.custom_gradient` call: its rule is the user's grad_fn


class Sum(Record):
    """A value that received several contributions (fan-out): the tape adds them up."""

    __slots__ = ("label", "parts", "total", "before")

    label: str
    parts: tuple  # (step, value) pairs, in the order the tape adds them
    total: np.ndarray
    before: int | None  # the step whose incoming gradient this total is; None: a source


class TapeView(Record):
    """The recording of one program: what `gradcli tape` shows."""

    __slots__ = (
        "program",
        "evaluation",
        "forward",
        "backward",
        "sums",
        "reads",
        "checks",
        "mode",
        "direction",
        "tangents",
        "kinks",
    )
    _defaults = {"checks": (), "mode": "reverse", "direction": {}, "tangents": (), "kinks": ()}
    program: str
    evaluation: Evaluation  # grad's answer: inputs, the target's value, gradients, reasons
    forward: tuple[ForwardStep, ...]
    backward: tuple[BackwardStep, ...]  # in the order of the walk: last step first
    sums: tuple[Sum, ...]
    reads: dict  # variable -> how many reads the tape recorded
    checks: tuple  # as Report.checks: the cross-check of the final gradients
    mode: str  # "forward" (`tape --mode forward`): the forward steps carry tangents too
    direction: dict  # forward mode: source -> its tangent
    tangents: tuple  # forward mode: per forward step, its output's tangent (None: none)
    kinks: tuple  # `records.Kink`s of the target at the point (`program.kinks`), as grad's

    @property
    def target(self):
        return self.evaluation.results[0]

    @property
    def report(self) -> Report:
        """The final gradients as grad reports them."""
        return Report(self.evaluation, self.checks)

    @property
    def agrees(self) -> bool:
        return self.report.agrees

    @property
    def defined(self) -> bool:
        return self.evaluation.defined
