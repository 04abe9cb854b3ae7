"""`gc.explain`: what a `GradientTape` recorded through the Python API, as a `TapeView`.

`gradcli tape` runs a program itself and looks on as it runs (`recording.py`); here the tape was
filled by the user's Python code, and only its record is there to read (`GradientTape.entries`).
So the view shows what the tape recorded, in the order it recorded it: an operation the tape did
not record (nothing it depends on is watched) was never seen, and is not shown. The backward
pass is the tape's own walk, looked at (`GradientTape.observed_gradient`): it records nothing,
and it does not use up a non-persistent tape, so `explain` before `gradient` leaves `gradient`
as it was.

Labels: a variable by its name (`x` for `gc.Variable(3.0, name="x")`, whose TensorFlow name is
`x:0`; an unnamed one is `Variable`, then `Variable_1`, ...), a watched tensor source by the
name given in `names=` or as `sources[0]`, a value the record does not produce (a constant) by
its value, every other value by its step: `#3`; `names=` names any value.

A `gc.custom_gradient` call is one step, named after the decorated function, from its inputs
(and the variables it read) to its output; backwards, what the user's `grad_fn` sent to each.
The tape also recorded the operations inside the function (as TensorFlow's does: an outer tape
needs them for second derivatives through `grad_fn`), but the walk from the target never goes
through them: they are folded into the step (`ForwardStep.custom` names them), not steps of
their own.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine import nest
from gradcli.engine.custom_gradient import custom_step
from gradcli.engine.primitives import REGISTRY
from gradcli.engine.tape import GradientTape, kept_value
from gradcli.engine.tensor import Tensor, Variable, record_key
from gradcli.errors import ArgumentError, GradientError
from gradcli.record import replace

from .recorder import Walked
from .recording import _View
from .records import Evaluation, InputInfo, TargetResult
from .steps import ForwardStep, TapeView

__all__ = ["TapeUsedError", "tape_view"]

_READ = REGISTRY["identity"]  # a read of a watched variable, as the tape records it
SHOWN_ELEMENTS = 4  # a constant this small is labelled by its value


class TapeUsedError(GradientError, RuntimeError):
    """`explain` on a non-persistent tape that `gradient` has used up (TF: RuntimeError)."""


def tape_view(tape: GradientTape, target, sources, names: dict | None = None) -> TapeView:
    """The record of `tape` as `gradcli tape` shows a program: forward steps, the backward walk
    from `target` to `sources` (any nesting), the fan-out sums and the gradients, which are
    `tape.gradient(target, sources)`'s. `names` maps a label to a tensor it should show."""
    if not isinstance(tape, GradientTape):
        raise ArgumentError(f"explain() takes a gc.GradientTape, not {type(tape).__name__}")
    if not isinstance(target, (Tensor, Variable)):
        raise ArgumentError(
            "explain() shows the backward pass from one target tensor, not "
            f"{type(target).__name__} (for several, explain their sum: gc.add_n([...]))"
        )
    flat_sources = nest.flatten(sources)
    for source in flat_sources:
        if not isinstance(source, (Tensor, Variable)):
            raise ArgumentError(
                f"explain() sources are tensors or variables, not {type(source).__name__}"
            )
    if tape.released:
        raise TapeUsedError(
            "explain() reads the tape's record, and gradient() has used up this non-persistent "
            "tape's: call gc.explain before tape.gradient (explaining does not use the tape "
            "up), or create the tape with gc.GradientTape(persistent=True)"
        )
    onlooker = _Onlooker()
    entries = tape.entries()
    gradients = nest.flatten(tape.observed_gradient(target, flat_sources, onlooker))
    view = _ApiView(tape, entries, onlooker, target, flat_sources, names or {})
    return view.build(gradients)


class _Onlooker:
    """The tape's observer of the look-only walk: each step, and what each rule sent."""

    def __init__(self):
        self.walks: list[list[Walked]] = []

    def backward_pass(self, grads: dict) -> None:
        self.walks.append([])

    def step(self, entry, g) -> None:
        incoming = None if g is None else np.array(_numpy(g), copy=True)
        self.walks[-1].append(Walked(entry, incoming, []))

    def contribution(self, index: int, gx) -> None:
        self.walks[-1][-1].contributions.append((index, gx))


def _numpy(x):
    return x.numpy() if isinstance(x, (Tensor, Variable)) else x


class _ApiView(_View):
    """`recording._View` over a tape's record alone: values are known by their `record_key` (the
    record may hold a stand-in where the user's code held the tensor)."""

    def __init__(self, tape, entries, onlooker, target, sources: list, names: dict):
        self.tape, self.entries, self.recorder = tape, entries, onlooker
        self.target, self.sources, self.names = target, sources, names
        self.source = ""
        self.labels: dict = {}
        self.step_of: dict = {}
        self.sources_of: dict = {}
        self.read_ids: set = set()
        self.reads: dict = {}
        self.variables: dict = {}  # record_key -> the variable, for every variable the record reads
        self.folded: dict = {}  # index of an entry inside a custom step -> that step's index

    # ------------------------------------------------------------ the hooks of `_View`

    def key(self, value) -> int:
        return record_key(value)

    def is_read(self, entry) -> bool:
        return entry[0] is _READ and record_key(entry[1][0]) in self.variables

    def operand(self, x):
        return kept_value(x)

    def label(self, value) -> str:
        found = self.labels.get(record_key(value))
        if found is not None:
            return found
        shown = kept_value(value)
        if shown is not None and np.ndim(shown) == 0:  # as gradcli tape shows a literal: 2.0
            return repr(float(shown)) if np.asarray(shown).dtype.kind == "f" else str(shown)
        if shown is not None and np.size(shown) <= SHOWN_ELEMENTS:
            return np.array2string(np.asarray(shown), separator=", ")
        return f"a constant of shape {tuple(np.shape(shown) if shown is not None else value.shape)}"

    # ------------------------------------------------------------ the view

    def build(self, gradients: list) -> TapeView:
        self._name_inputs()
        forward = self._forward()
        self._name_target()
        backward, sums = self._backward()
        return TapeView(
            program="",
            evaluation=self._evaluation(gradients, forward),
            forward=tuple(forward),
            backward=tuple(backward),
            sums=tuple(sums),
            reads=dict(self.reads),
        )

    def _name_inputs(self) -> None:
        for variable in self.tape.watched_variables():
            self.variables[record_key(variable)] = variable
        for _op, inputs, _out, _params in self.entries:
            for x in inputs:
                if isinstance(x, Variable):
                    self.variables.setdefault(record_key(x), x)
        for source in self.sources:
            if isinstance(source, Variable):
                self.variables.setdefault(record_key(source), source)
        given = {record_key(value): label for label, value in self.names.items()}
        taken: dict = {}
        for key, variable in self.variables.items():
            label = given.get(key) or _unique(variable.name.rsplit(":", 1)[0], taken)
            self.labels[key] = label
        for index, source in enumerate(self.sources):
            self.labels.setdefault(
                record_key(source), given.get(record_key(source)) or f"sources[{index}]"
            )
        for key, label in given.items():
            self.labels.setdefault(key, label)

    def _name_target(self) -> None:
        if record_key(self.target) not in self.labels:
            self.labels[record_key(self.target)] = "target"

    def _forward(self) -> list[ForwardStep]:
        self._fold()
        steps: list[ForwardStep] = []
        for index, (op, inputs, out, params) in enumerate(self.entries):
            if index in self.folded:
                continue
            if self.is_read((op, inputs, out, params)):
                name = self.label(inputs[0])
                self.labels[record_key(out)] = name
                self.read_ids.add(record_key(out))
                self.reads[name] = self.reads.get(name, 0) + 1
                continue
            step = len(steps) + 1
            self.step_of[record_key(out)] = step
            self.labels.setdefault(record_key(out), f"#{step}")
            shown = tuple(self.label(x) for x in inputs)
            self.sources_of[step] = _call_text(op.name, shown, params)
            custom = None
            call = custom_step(op)
            if call is not None:
                if len(call.outputs) > 1:  # one step per output: `pair(x)[1]`
                    k = next(
                        k for k, y in enumerate(call.outputs) if record_key(y) == record_key(out)
                    )
                    self.sources_of[step] += f"[{k}]"
                custom = tuple(
                    self.entries[i][0].name
                    for i, owner in self.folded.items()
                    if owner == index and not self.is_read(self.entries[i])
                )
            value = kept_value(out)
            why = "" if value is not None else f"value not kept: shape {tuple(out.shape)}"
            steps.append(
                ForwardStep(
                    step,
                    op.name,
                    self.sources_of[step],
                    shown,
                    self.label(out),
                    None if value is None else np.asarray(value),
                    True,
                    why,
                    custom=custom,
                )
            )
        return steps

    def _fold(self) -> None:
        """Each entry recorded inside a custom-gradient call, mapped to the call's entry (the
        outermost call, when one custom function calls another)."""
        for index, (op, _inputs, _out, params) in enumerate(self.entries):
            if custom_step(op) is None or "inside" not in params:
                continue
            back, count = params["inside"]
            for inner in range(index - back, index - back + count):
                self.folded[inner] = index
        owner = dict(self.folded)
        for inner, index in owner.items():  # an inner call's entries belong to the outer one
            while index in owner:
                index = owner[index]
            self.folded[inner] = index

    def _backward_step(self, walked: Walked, step: int, added: dict, consumer: dict):
        found = super()._backward_step(walked, step, added, consumer)
        return replace(found, custom=True) if custom_step(walked.entry[0]) else found

    def _evaluation(self, gradients: list, forward: list) -> Evaluation:
        watched = {record_key(v) for v in self.tape.watched_variables()}
        inputs = {}
        for key, variable in self.variables.items():
            name = self.labels[key]
            kind = "variable" if variable.trainable else "frozen"
            inputs[name] = InputInfo(name, kind, np.asarray(variable.numpy()), key in watched)
        for source in self.sources:
            name = self.labels[record_key(source)]
            if not isinstance(source, Variable) and name not in inputs:
                watched_tensor = any(
                    record_key(source) == record_key(x) for e in self.entries for x in e[1]
                )
                inputs[name] = InputInfo(
                    name, "constant", np.asarray(source.numpy()), watched_tensor
                )
        source_labels = tuple(self.labels[record_key(s)] for s in self.sources)
        shown, reasons = {}, {}
        for label, source, gradient in zip(source_labels, self.sources, gradients):
            shown[label] = None if gradient is None else np.asarray(gradient.numpy())
            if gradient is None:
                reasons[label] = self._reason(source, watched)
        result = TargetResult(
            self.labels[record_key(self.target)], np.asarray(self.target.numpy()), shown, reasons
        )
        return Evaluation(
            inputs=inputs,
            statements=(),
            sources=source_labels,
            watched=tuple(self.labels[record_key(v)] for v in self.tape.watched_variables()),
            results=(result,),
            undefined=_first_undefined(forward),
        )

    def _reason(self, source, watched: set) -> str:
        if np.result_type(source.numpy()).kind != "f":
            return "integer dtype: gradients flow only through floating-point values"
        if isinstance(source, Variable) and record_key(source) not in watched:
            if not source.trainable:
                return "frozen variable (trainable=False): not watched (add tape.watch(...))"
            return "not watched (add tape.watch(...))"
        recorded = any(
            record_key(source) == record_key(x) for entry in self.entries for x in entry[1]
        )
        if not recorded and not isinstance(source, Variable):
            return "not recorded: a tensor is watched only when asked (add tape.watch(...))"
        return "not connected to the target"


def _unique(name: str, taken: dict) -> str:
    """`name`, then `name_1`, `name_2`, ... as TensorFlow names variables of the same name."""
    count = taken.get(name, 0)
    taken[name] = count + 1
    return name if count == 0 else f"{name}_{count}"


def _call_text(name: str, inputs: tuple, params: dict) -> str:
    """`multiply(x, #1)`, `reduce_sum(#2, axis=1)`: the step as a call."""
    shown = list(inputs) + [f"{k}={v!r}" for k, v in params.items() if k != "inside"]
    return f"{name}({', '.join(shown)})"


def _first_undefined(forward: list) -> str | None:
    for step in forward:
        value = step.value
        if value is not None and value.dtype.kind == "f" and not np.isfinite(value).all():
            return (
                f"step {step.step}, {step.source}, gives {value if value.ndim == 0 else 'nan/inf'}"
            )
    return None
