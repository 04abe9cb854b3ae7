"""The onlooker of `gradcli tape`: a numeric backend that notes each operation the program runs,
and the tape's observer of the backward walk that notes each step and contribution.

Forward: for each operation, its node in the program (hence its source text), its inputs and
output, and the tape entries it added (reads of watched variables included). Backward (see
`engine.backward.observed`): the gradient arriving at each entry and each rule's contribution to
each input. `recording.record` turns these notes into a `TapeView`.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.primitives import REGISTRY, Op
from gradcli.engine.tensor import Variable
from gradcli.language import syntax as s

from .backend import NumericBackend, value_of
from .records import Request

__all__ = ["Call", "RecordingBackend", "Walked", "is_read"]

_READ = REGISTRY["identity"]


class Call:
    """One operation the backend ran, and what the tape recorded meanwhile (reads included)."""

    __slots__ = ("op", "node", "inputs", "out", "entries", "paused", "stateful")

    def __init__(self, op, node, inputs, out, entries, paused, stateful=False):
        self.op, self.node, self.inputs, self.out = op, node, inputs, out
        self.entries, self.paused, self.stateful = entries, paused, stateful


class Walked:
    """One entry as the backward walk reached it: the gradient arriving, the contributions."""

    __slots__ = ("entry", "incoming", "contributions")

    def __init__(self, entry, incoming, contributions):
        self.entry, self.incoming, self.contributions = entry, incoming, contributions


def _copy(value) -> np.ndarray | None:
    return None if value is None else np.array(value_of(value), copy=True)


def is_read(entry) -> bool:
    """Whether a tape entry is a read of a watched variable (an identity entry)."""
    return entry[0] is _READ and isinstance(entry[1][0], Variable)


class RecordingBackend(NumericBackend):
    """The numeric backend, noting each operation; and the tape's observer of the backward walk."""

    def __init__(self, request: Request, tape, overrides=None, frozen=None):
        super().__init__(request, tape, overrides, frozen)
        self.calls: list[Call] = []
        self.literals: dict = {}  # id -> text, for literal tensors (and lists of literals)
        self.kept: list = []  # literals, alive so that their ids stay theirs
        self.declared: dict = {}
        self.named: list = []  # (statement name, value)
        self.paused: str | None = None
        self.walks: list[list[Walked]] = []
        tape.observe(self)

    # ------------------------------------------------------------ forward: the backend protocol

    def declare(self):
        env, deps = super().declare()
        self.declared = dict(env)
        return env, deps

    def literal(self, value):
        out = super().literal(value)
        self.literals[id(out)] = str(value) if isinstance(value, bool) else repr(float(value))
        self.kept.append(out)
        return out

    def _entries(self) -> int:
        return self.tape.entry_count()

    def apply(self, op: Op, inputs: list, params: dict, node):
        start = self._entries()
        out = super().apply(op, inputs, params, node)
        self._note(op.name, node, inputs, out, start)
        return out

    def pack(self, items: list, node):
        start = self._entries()
        out = super().pack(items, node)
        if all(id(item) in self.literals for item in items):
            self.literals[id(out)] = "[" + ", ".join(self.literals[id(i)] for i in items) + "]"
            self.kept.append(out)
        else:
            self._note("stack", node, items, out, start)
        return out

    def dense(self, x, units: int, activation, use_bias: bool, node):
        start = self._entries()
        out, created = super().dense(x, units, activation, use_bias, node)
        self._note("dense", node, [x] + [v for _, v in created], out, start)
        return out, created

    def assign(self, kind: str, name: str, variable, delta, node):
        out = super().assign(kind, name, variable, delta, node)
        self.calls.append(Call(kind, node, (variable, delta), out, (), self.paused, True))
        return out

    def statement(self, label: str, node, run):
        self.paused = label if label in self.request.stop else None
        try:
            value, deps = super().statement(label, node, run)
        finally:
            self.paused = None
        if isinstance(node, s.Assign):
            self.named.append((node.name, value))
        return value, deps

    def _note(self, name: str, node, inputs, out, start: int) -> None:
        entries = self.tape.entries(start)
        self.calls.append(Call(name, node, tuple(inputs), out, entries, self.paused))

    # ------------------------------------------------------------ backward: the tape's observer

    def backward_pass(self, grads: dict) -> None:
        self.walks.append([])

    def step(self, entry, g) -> None:
        self.walks[-1].append(Walked(entry, _copy(g), []))

    def contribution(self, index: int, gx) -> None:
        self.walks[-1][-1].contributions.append((index, gx))
