"""`gradcli tape`: one program's recording, step by step, forward and backward, as a `TapeView`.

The program runs through `evaluate`, exactly as for `gradcli grad`, with a `RecordingBackend`
(`recorder.py`) looking on: it notes each operation the program runs and, as the tape's
observer, each step of the backward walk. `record` turns these notes into the records of
`steps.py`: values and the labels a person reads (`x`, `y`, `#3`, `2.0`); no tapes.

What a step is: one primitive operation the program ran, numbered in execution order whether the
tape recorded it or not (an operation inside `dense(...)` is a step of its own). Each read of a
watched variable is recorded on the tape as well (an identity entry: that is how a tape sees a
variable, as in TensorFlow). The view folds reads into their variable: the steps name `x`, not
"the second read of x", and `reads` counts them; a variable read twice gets two contributions,
summed on a line of their own.

Everything here is numeric. Each contribution's local rule (`d/da (a*b) = b`) and local value
are left empty, for `symbolic.rules.explain` to fill in; only an input that gets no gradient at
all (where's condition) is named here, from the registry's rules alone.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.forward import ForwardAccumulator
from gradcli.engine.primitives import REGISTRY, Op, unbroadcast
from gradcli.engine.tensor import Tensor, Variable
from gradcli.record import replace

from .backend import value_of
from .forward_mode import resolve_tangents, source_names, watched
from .recorder import Call, RecordingBackend, Walked, is_read
from .records import Evaluation, Request
from .run import evaluate
from .steps import BackwardStep, Contribution, ForwardStep, LocalRule, Sum, TapeView, symbol

__all__ = ["record"]


def record(request: Request, mode: str = "reverse") -> TapeView:
    """Run the program as grad does, and return its recording as a `TapeView`; with mode
    "forward", the forward pass also carries tangents (an accumulator is open until the
    backward pass starts), each step's in the view."""
    if len(request.targets) > 1:
        from gradcli.errors import UsageError

        raise UsageError("tape shows one backward pass: give at most one --target")
    if mode == "forward":
        return _forward_view(request)
    backends: list[RecordingBackend] = []

    def backend(*args):
        backends.append(RecordingBackend(*args))
        return backends[-1]

    evaluation = evaluate(request, backend=backend)
    return _View(request, backends[0], evaluation).build()


def _forward_view(request: Request) -> TapeView:
    direction = resolve_tangents(request, source_names(request))
    # opened before grad's tape: the tape does not see the forward rules' operations
    accumulator = ForwardAccumulator([], [])
    backends: list[_Accumulating] = []

    def backend(*args):
        backends.append(_Accumulating(accumulator, direction, *args))
        return backends[-1]

    with accumulator:
        evaluation = evaluate(request, backend=backend)
    made = backends[0]
    view = _View(request, made, evaluation).build()
    tangents = tuple(made.tangent(out) for out in made.outputs())
    return replace(view, mode="forward", direction=direction, tangents=tangents)


class _Accumulating(RecordingBackend):
    """The recording backend whose declared inputs are also an accumulator's primals (the
    sources a tape watches, and any given a tangent); the accumulator stops seeing the program
    when the backward pass starts."""

    def __init__(self, accumulator: ForwardAccumulator, direction: dict, *args):
        super().__init__(*args)
        self.accumulator, self.direction = accumulator, direction

    def declare(self):
        env, deps = super().declare()
        given = {name for name, _ in self.request.tangents}
        for name, tangent in self.direction.items():
            value = env[name]
            if (watched(self.request, name) or name in given) and value.dtype.kind == "f":
                self.accumulator.add_primal(value, tangent)
        return env, deps

    def backward_pass(self, grads: dict) -> None:
        self.accumulator.__exit__(None, None, None)
        super().backward_pass(grads)

    def tangent(self, value):
        found = self.accumulator.jvp(value)
        return None if found is None else np.asarray(value_of(found))

    def outputs(self) -> list:
        """Each forward step's output, in the order `_View._forward` makes the steps."""
        outs = []
        for call in self.calls:
            recorded = [entry for entry in call.entries if not is_read(entry)]
            outs += [entry[2] for entry in recorded] if recorded else [call.out]
        return outs


class _View:
    """Turns a recording backend's notes into the view's records (`steps.py`)."""

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

    def key(self, value) -> int:
        """What a value is known by in `labels`, `step_of` and `read_ids`: the object itself
        (the tape keeps every value the program made while this view looks on)."""
        return id(value)

    def is_read(self, entry) -> bool:
        return is_read(entry)

    def operand(self, x):
        """A step's input as the point of its local derivative."""
        return value_of(x)

    def _text(self, node) -> str:
        return " ".join(self.source[node.span.start : node.span.end].split())

    # ------------------------------------------------------------ forward

    def _forward(self) -> list[ForwardStep]:
        steps: list[ForwardStep] = []
        for call in self.recorder.calls:
            recorded = []
            for entry in call.entries:
                if is_read(entry):
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

    def _why_not(self, call: Call) -> str:
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
        consumer: dict = {}  # id of a read -> the (step, contribution)s it received
        for walked in walks[-1]:
            _op, inputs, out, _kwargs = walked.entry
            if self.is_read(walked.entry):
                if walked.incoming is not None:
                    parts = consumer.get(self.key(out), [(None, None)])
                    if len(parts) == 1:  # the read's gradient is that one contribution
                        parts = [(parts[0][0], walked.incoming)]
                    added.setdefault(self.key(inputs[0]), []).extend(parts)
                continue
            step = self.step_of.get(self.key(out))
            if step is not None:
                steps.append(self._backward_step(walked, step, added, consumer))
        return steps, self._sums(added)

    def _backward_step(self, walked: Walked, step: int, added: dict, consumer: dict):
        """The step as the walk reached it; notes where each contribution is added up."""
        op, inputs, out, _kwargs = walked.entry
        given = dict(walked.contributions)
        contributions = []
        for i, x in enumerate(inputs):
            label, name = self.label(x), symbol(i)
            if _sends_none(op, i):
                rule = LocalRule(f"no gradient for {name}", f"{op.name} sends none", False)
                contributions.append(Contribution(label, i, name, rule, None))
                continue
            if walked.incoming is None:
                continue
            gx = given.get(i)
            if gx is None:
                note = "not on a path from a source"
                contributions.append(Contribution(label, i, name, value=None, note=note))
                continue
            value = self._shaped(op, gx, x)
            contributions.append(Contribution(label, i, name, value=value))
            if self.key(x) in self.read_ids:  # added to the variable when the walk reaches the read
                consumer.setdefault(self.key(x), []).append((step, value))
            else:
                added.setdefault(self.key(x), []).append((step, value))
        return BackwardStep(
            step,
            op.name,
            self.sources_of[step],
            self.label(out),
            walked.incoming,
            tuple(contributions),
            tuple(self.operand(x) for x in inputs),
        )

    def _sums(self, added: dict) -> list[Sum]:
        sums = []
        for key, parts in added.items():
            if len(parts) < 2:
                continue
            total = parts[0][1]
            for _, part in parts[1:]:
                total = total + part  # as the tape adds them, in this order
            label = self.labels.get(key, "?")
            sums.append(Sum(label, tuple(parts), np.asarray(total), self.step_of.get(key)))
        return sums

    def _shaped(self, op: Op, gx, x) -> np.ndarray:
        value = value_of(gx)
        shape = np.shape(value_of(x))
        if np.shape(value) != shape and op.broadcasts:
            value = value_of(unbroadcast(Tensor(value), shape))  # as the tape undoes it
        return np.array(value, copy=True)


def _sends_none(op: Op, i: int) -> bool:
    """Input `i` gets no gradient at all (where's condition): the op has no rule for it."""
    return (op.grads[i] if op.arity else op.grads[0]) is None  # variadic: one shared rule
