"""`gradcli tape`: one program's recording, step by step, forward and backward, as data.

The program runs through `evaluate`, exactly as for `gradcli grad`, with two onlookers:

- a recording backend (a `NumericBackend`) notes, for each operation the program runs, its node
  in the program (hence its source text), its inputs and output, and the tape entries it added;
- the tape's observer (`GradientTape._observer`, see `tape._observed`) sees the backward walk: the
  gradient arriving at each step and each rule's contribution to each input.

Both become a `TapeView`: plain dataclasses holding values and the labels a person reads (`x`, `y`,
`#3`, `2.0`); no tapes. The renderer (`render_tape`) draws it as tables, JSON or Graphviz DOT.

What a step is: one primitive operation the program ran, numbered in execution order whether the
tape recorded it or not (an operation inside `dense(...)` is a step of its own). Each read of a
watched variable is recorded on the tape as well (an identity entry: that is how a tape sees a
variable, as in TensorFlow). The view folds reads into their variable: the steps name `x`, not
"the second read of x", and `reads` counts them; a variable read twice gets two contributions,
summed on a line of their own.

Each step's local rule (`d/da (a*b) = b`) comes from `local_rules.py`.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.primitives import REGISTRY, Op, unbroadcast
from gradcli.engine.tensor import Tensor, Variable
from gradcli.language import syntax as s
from gradcli.record import Record
from gradcli.symbolic.rules import SYMBOLS, LocalRule, local_rule, local_value

from .records import Evaluation, Report, Request
from .run import NumericBackend, evaluate, value_of

__all__ = [
    "BackwardStep",
    "Contribution",
    "ForwardStep",
    "Sum",
    "TapeView",
    "record",
]

_READ = REGISTRY["identity"]


# ---------------------------------------------------------------- the view


class ForwardStep(Record):
    """One operation the program ran."""

    __slots__ = ("step", "op", "source", "inputs", "output", "value", "recorded", "why")
    _defaults = {"why": ""}
    step: int
    op: str  # the primitive: multiply
    source: str  # the program text of the operation: x*x
    inputs: tuple[str, ...]  # the labels of its inputs: ("x", "x")
    output: str  # the label of its output: "y" (a statement's name) or "#2"
    value: np.ndarray
    recorded: bool
    why: str  # why the tape did not record it


class Contribution(Record):
    """What one step sends back to one of its inputs: incoming gradient times local derivative."""

    __slots__ = ("input", "symbol", "rule", "value", "local", "note")
    _defaults = {"local": None, "note": ""}

    input: str  # the input's label
    symbol: str  # the rule's name for it: a, b, ...
    rule: LocalRule
    value: np.ndarray | None  # None: no gradient goes this way (see `note`)
    local: np.ndarray | None  # the local derivative's value, for scalar elementwise steps
    note: str


class BackwardStep(Record):
    """One recorded step as the backward walk reaches it (last step first)."""

    __slots__ = ("step", "op", "source", "output", "incoming", "contributions")

    step: int
    op: str
    source: str
    output: str
    incoming: np.ndarray | None  # the gradient arriving at the output; None: none arrives
    contributions: tuple[Contribution, ...]


class Sum(Record):
    """A value that received several contributions (fan-out): the tape adds them up."""

    __slots__ = ("label", "parts", "total", "before")

    label: str
    parts: tuple  # (step, value) pairs, in the order the tape adds them
    total: np.ndarray
    before: int | None  # the step whose incoming gradient this total is; None: a source


class TapeView(Record):
    """The recording of one program: what `gradcli tape` shows."""

    __slots__ = ("program", "evaluation", "forward", "backward", "sums", "reads", "checks")
    _defaults = {"checks": ()}
    program: str
    evaluation: Evaluation  # grad's answer: inputs, the target's value, gradients, reasons
    forward: tuple[ForwardStep, ...]
    backward: tuple[BackwardStep, ...]  # in the order of the walk: last step first
    sums: tuple[Sum, ...]
    reads: dict  # variable -> how many reads the tape recorded
    checks: tuple  # as Report.checks: the cross-check of the final gradients

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


# ---------------------------------------------------------------- recording


class _Call:
    """One operation the backend ran, and what the tape recorded meanwhile (reads included)."""

    __slots__ = ("op", "node", "inputs", "out", "entries", "paused", "stateful")

    def __init__(self, op, node, inputs, out, entries, paused, stateful=False):
        self.op, self.node, self.inputs, self.out = op, node, inputs, out
        self.entries, self.paused, self.stateful = entries, paused, stateful


class _Walked:
    """One entry as the backward walk reached it: the gradient arriving, the contributions."""

    __slots__ = ("entry", "incoming", "contributions")

    def __init__(self, entry, incoming, contributions):
        self.entry, self.incoming, self.contributions = entry, incoming, contributions


def _copy(value) -> np.ndarray | None:
    return None if value is None else np.array(value_of(value), copy=True)


def _is_read(entry) -> bool:
    return entry[0] is _READ and isinstance(entry[1][0], Variable)


class RecordingBackend(NumericBackend):
    """The numeric backend, noting each operation; and the tape's observer of the backward walk."""

    def __init__(self, request: Request, tape, overrides=None, frozen=None):
        super().__init__(request, tape, overrides, frozen)
        self.calls: list[_Call] = []
        self.literals: dict = {}  # id -> text, for literal tensors (and lists of literals)
        self.kept: list = []  # literals, alive so that their ids stay theirs
        self.declared: dict = {}
        self.named: list = []  # (statement name, value)
        self.paused: str | None = None
        self.walks: list[list[_Walked]] = []
        tape._observer = self

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
        return len(self.tape._entries)

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
        self.calls.append(_Call(kind, node, (variable, delta), out, (), self.paused, True))
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
        entries = tuple(self.tape._entries[start:])
        self.calls.append(_Call(name, node, tuple(inputs), out, entries, self.paused))

    # ------------------------------------------------------------ backward: the tape's observer

    def backward_pass(self, grads: dict) -> None:
        self.walks.append([])

    def step(self, entry, g) -> None:
        self.walks[-1].append(_Walked(entry, _copy(g), []))

    def contribution(self, index: int, gx) -> None:
        self.walks[-1][-1].contributions.append((index, gx))


def record(request: Request) -> TapeView:
    """Run the program as grad does, and return its recording as a `TapeView`."""
    if len(request.targets) > 1:
        from gradcli.errors import UsageError

        raise UsageError("tape shows one backward pass: give at most one --target")
    backends: list[RecordingBackend] = []

    def backend(*args):
        backends.append(RecordingBackend(*args))
        return backends[-1]

    evaluation = evaluate(request, backend=backend)
    return _View(request, backends[0], evaluation).build()


class _View:
    """Turns a recording backend's notes into the view's dataclasses."""

    def __init__(self, request: Request, recorder: RecordingBackend, evaluation: Evaluation):
        self.request = request
        self.recorder = recorder
        self.evaluation = evaluation
        self.source = request.program.source
        self.labels: dict = {}  # id -> label
        self.step_of: dict = {}  # id of a recorded output -> its step
        self.sources_of: dict = {}  # step -> the program text of its operation
        self.read_ids: set = set()  # ids of the tensors that reads of variables gave
        self.reads: dict = {}  # variable name -> count

    def build(self) -> TapeView:
        self._name_inputs()
        forward = self._forward()
        backward, sums = self._backward()
        return TapeView(
            program=self.source,
            evaluation=self.evaluation,
            forward=tuple(forward),
            backward=tuple(backward),
            sums=tuple(sums),
            reads=dict(self.reads),
        )

    # ------------------------------------------------------------ labels

    def _name_inputs(self) -> None:
        recorder = self.recorder
        for name, value in recorder.declared.items():
            self.labels[id(value)] = name
        for name, variable in recorder.created:
            self.labels[id(variable)] = name
        self.labels.update(recorder.literals)
        used: dict = {}
        for name, value in recorder.named:  # a name given again is primed: y, y', y''
            if id(value) in self.labels:
                continue
            self.labels[id(value)] = name + "'" * used.get(name, 0)
            used[name] = used.get(name, 0) + 1

    def label(self, value) -> str:
        found = self.labels.get(id(value))
        if found is not None:
            return found
        if isinstance(value, (Tensor, Variable)) and np.size(value_of(value)) <= 4:
            return np.array2string(np.asarray(value_of(value)), separator=", ")
        return "?"

    def _text(self, node) -> str:
        return " ".join(self.source[node.span.start : node.span.end].split())

    # ------------------------------------------------------------ forward

    def _forward(self) -> list[ForwardStep]:
        steps: list[ForwardStep] = []
        for call in self.recorder.calls:
            recorded = []
            for entry in call.entries:
                if _is_read(entry):
                    variable, read = entry[1][0], entry[2]
                    name = self.label(variable)
                    self.labels[id(read)] = name
                    self.read_ids.add(id(read))
                    self.reads[name] = self.reads.get(name, 0) + 1
                else:
                    recorded.append(entry)
            source = self._text(call.node)
            if recorded:
                for op, inputs, out, _kwargs in recorded:
                    step = len(steps) + 1
                    self.step_of[id(out)] = step
                    self.sources_of[step] = source
                    self.labels.setdefault(id(out), f"#{step}")
                    steps.append(
                        ForwardStep(
                            step,
                            op.name,
                            source,
                            tuple(self.label(x) for x in inputs),
                            self.label(out),
                            np.asarray(value_of(out)),
                            True,
                        )
                    )
            else:
                step = len(steps) + 1
                if not call.stateful:
                    self.labels.setdefault(id(call.out), f"#{step}")
                steps.append(
                    ForwardStep(
                        step,
                        call.op,
                        source,
                        tuple(self.label(x) for x in call.inputs),
                        self.label(call.out),
                        np.asarray(value_of(call.out)),
                        False,
                        self._why_not(call),
                    )
                )
        return steps

    def _why_not(self, call: _Call) -> str:
        if call.stateful:
            return f"{call.op} changes a variable's state: the tape does not differentiate it"
        if call.paused:
            return f"statement {call.paused} runs with recording paused (--stop {call.paused})"
        if call.op == "stop_gradient":
            return "stop_gradient: never recorded, so no gradient flows back through it"
        op = REGISTRY.get(call.op)
        if op is not None and not op.differentiable:
            return f"{call.op} has no gradient: the tape does not record it"
        if np.asarray(value_of(call.out)).dtype.kind != "f":
            return "integer result: gradients flow only through floating-point values"
        why = []
        for x in call.inputs:
            why.append(self._unwatched(x))
        return "no input is watched: " + "; ".join(dict.fromkeys(w for w in why if w))

    def _unwatched(self, x) -> str:
        name = self.label(x)
        if id(x) in self.recorder.literals:
            return f"{name} is a literal"
        if np.asarray(value_of(x)).dtype.kind != "f":
            return f"{name} has integer dtype"
        if isinstance(x, Variable):
            if not x.trainable:
                return f"{name} is a frozen variable (trainable=False; add --watch {name})"
            if not self.request.auto_watch:
                return f"{name} is not watched (--no-auto-watch; add --watch {name})"
            return f"{name} is not watched"
        if self.recorder.declared.get(name) is x:
            return f"{name} is a constant (add --watch {name})"
        return f"{name} depends on no watched value"

    # ------------------------------------------------------------ backward

    def _backward(self) -> tuple[list[BackwardStep], list[Sum]]:
        walks = self.recorder.walks
        if not walks:
            return [], []
        steps: list[BackwardStep] = []
        added: dict = {}  # id of the value whose gradient accumulates -> [(step, value)]
        consumer: dict = {}  # id of a read -> the step that contributed to it
        for walked in walks[-1]:
            op, inputs, out, _kwargs = walked.entry
            if _is_read(walked.entry):
                if walked.incoming is not None:
                    step = consumer.get(id(out))
                    added.setdefault(id(inputs[0]), []).append((step, walked.incoming))
                continue
            step = self.step_of.get(id(out))
            if step is None:
                continue
            given = dict(walked.contributions)
            contributions = []
            for i, x in enumerate(inputs):
                rule = local_rule(op, i)
                symbol = SYMBOLS[i] if i < len(SYMBOLS) else f"x{i}"
                if rule is None:
                    rule = LocalRule(f"no gradient for {symbol}", f"{op.name} sends none", False)
                    contributions.append(Contribution(self.label(x), symbol, rule, None))
                    continue
                if walked.incoming is None:
                    continue
                gx = given.get(i)
                if gx is None:
                    note = "not on a path from a source"
                    contributions.append(
                        Contribution(self.label(x), symbol, rule, None, None, note)
                    )
                    continue
                value = self._shaped(op, gx, x)
                local = local_value(op, i, [value_of(v) for v in inputs]) if rule.derived else None
                if local is not None and not _consistent(walked.incoming, local, value):
                    local = None
                contributions.append(Contribution(self.label(x), symbol, rule, value, local))
                if id(x) in self.read_ids:  # added to the variable when the walk reaches the read
                    consumer[id(x)] = step
                else:
                    added.setdefault(id(x), []).append((step, value))
            steps.append(
                BackwardStep(
                    step,
                    op.name,
                    self.sources_of[step],
                    self.label(out),
                    walked.incoming,
                    tuple(contributions),
                )
            )
        sums = []
        for key, parts in added.items():
            if len(parts) < 2:
                continue
            total = parts[0][1]
            for _, part in parts[1:]:
                total = total + part  # as the tape adds them, in this order
            label = self.labels.get(key, "?")
            sums.append(Sum(label, tuple(parts), np.asarray(total), self.step_of.get(key)))
        return steps, sums

    def _shaped(self, op: Op, gx, x) -> np.ndarray:
        value = value_of(gx)
        shape = np.shape(value_of(x))
        if np.shape(value) != shape and op.broadcasts:
            value = value_of(unbroadcast(Tensor(value), shape))  # as the tape undoes it
        return np.array(value, copy=True)


def _consistent(incoming, local, value) -> bool:
    try:
        return bool(np.allclose(np.asarray(incoming) * local, value, rtol=1e-12, atol=0.0))
    except (TypeError, ValueError):
        return False
