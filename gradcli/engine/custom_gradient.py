"""`custom_gradient`: a function whose gradient is the user's rule, as `tf.custom_gradient`.

The decorated function returns `(y, grad_fn)`. It runs as TensorFlow's eager decorator runs it:
its operations are recorded as usual (so an outer tape still sees how the values `grad_fn` closes
over depend on the inputs: that is what makes second derivatives through the user's rule right),
and its result is handed back as a *new* tensor, recorded as one step from the inputs (and the
variables the function read) to that tensor. The backward walk therefore reaches the inputs
through that one step only, and its gradient rule is `grad_fn`.

The step is an ordinary `Op` record, built per call, with one rule per input: the rules of one
step share a single call of `grad_fn` per arriving gradient, and a `None` from `grad_fn` becomes
`NO_GRADIENT` (the input gets no gradient from this step). When the walk runs on plain numpy (no
outer tape), `grad_fn` still sees tensors: gradcli's operations work on them as on any value.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable

import numpy as np

from gradcli.errors import ArgumentError, GradientError

from . import nest
from .backward import NO_GRADIENT
from .primitives import Op
from .tensor import STATE, Tensor, Variable, to_numpy


class CustomGradientError(GradientError, ValueError):
    """A `grad_fn` that answers with the wrong number of gradients (TensorFlow: ValueError)."""


def custom_gradient(f: Callable | None = None) -> Callable:
    """Decorate `f(*args) -> (y, grad_fn)`; `grad_fn(*upstream)` returns the inputs' gradients
    (one per positional input, or a list of them), and, when `f` reads trainable variables,
    `grad_fn(*upstream, variables=...)` returns `(input_gradients, variable_gradients)`."""
    if f is None:  # used as `@gc.custom_gradient()`
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return _call(f, args, kwargs)

    return decorated


def _call(f: Callable, args: tuple, kwargs: dict):
    name = getattr(f, "__name__", "custom_gradient")
    reads: list = []
    # what each open tape holds before `f` runs: the entries `f` adds are its own (`inside`)
    before = [(tape, tape.entry_count()) for tape in STATE.recording if hasattr(tape, "entries")]
    STATE.variable_reads.append(reads)
    try:
        result = f(*args, **kwargs)
    finally:
        STATE.variable_reads.pop()
    inside = {id(tape): (start, tape.entry_count() - start) for tape, start in before}
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
        raise ArgumentError(
            f"{name}: a function decorated with custom_gradient returns (y, grad_fn), "
            f"not {type(result).__name__}"
        )
    y, grad_fn = result
    flat_args = nest.flatten(list(args))
    inputs = [_input(a) for a in flat_args]
    variables = _variables_read(reads, flat_args)
    if variables and not _takes_variables(grad_fn):
        raise ArgumentError(
            f"{name}: grad_fn must accept the keyword argument 'variables', since the function "
            f"reads variables: {', '.join(v.name for v in variables)}"
        )
    outputs = [Tensor(to_numpy(leaf)) for leaf in nest.flatten(y)]
    recording = STATE.recording
    sources = inputs + variables
    if recording and sources:
        step = CustomStep(name, grad_fn, inputs, variables, outputs)
        for k, out in enumerate(outputs):
            if out._value.dtype.kind != "f":
                continue
            op = step.op_for(k)
            for tape in recording:
                tape._record(op, sources, out, _params(tape, inside))
    return nest.pack_like(y, outputs)


def _params(tape, inside: dict) -> dict:
    """The entry's parameters: on a tape, `inside=(back, count)`: the `count` entries that `f`
    recorded start `back` entries before this one (`gc.explain` folds them into the step)."""
    found = inside.get(id(tape))
    if found is None:
        return {}
    start, count = found
    return {"inside": (tape.entry_count() - start, count)}


def custom_step(op) -> CustomStep | None:
    """The call of a custom-gradient function that a tape entry's op stands for (None: the op
    is a primitive). Its `name`, `inputs`, `variables` and `outputs` are the step's."""
    return op.step if isinstance(op, CustomOp) else None


def _input(a) -> Tensor:
    """A positional argument as the step's input: variables are read (and so watched)."""
    if type(a) is Tensor:
        return a
    if isinstance(a, Variable):
        return a._read()
    return Tensor(to_numpy(a))


def _variables_read(reads: list, flat_args: list) -> list[Variable]:
    """The trainable variables the function read that are not its arguments, first read first."""
    found: dict[int, Variable] = {}
    for v in reads:
        if v.trainable and not any(v is a for a in flat_args):
            found.setdefault(v._id, v)
    return list(found.values())


def _takes_variables(grad_fn: Callable) -> bool:
    try:
        parameters = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: let the call say
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in parameters)


@dataclasses.dataclass(frozen=True, eq=False)
class CustomOp(Op):
    """The op of a custom-gradient step: an `Op` that knows its step (`custom_step`)."""

    step: CustomStep | None = None


class CustomStep:
    """One call of a custom-gradient function, as the backward walk sees it."""

    def __init__(self, name: str, grad_fn: Callable, inputs: list, variables: list, outputs):
        self.name = name
        self.grad_fn = grad_fn
        self.inputs = inputs
        self.variables = variables
        self.outputs = outputs
        self._last: tuple | None = None  # (output k, the gradient arriving there, the answer)

    def op_for(self, k: int) -> Op:
        count = len(self.inputs) + len(self.variables)
        return CustomOp(
            self.name,
            forward=self.grad_fn,  # never run again: the record needs a callable here
            grads=tuple(self._rule(k, i) for i in range(count)),
            sympy=None,
            doc=f"the custom gradient of {self.name}",
            kind="other",
            arity=count,
            public=False,
            saves="shapes",
            step=self,
        )

    def _rule(self, k: int, i: int) -> Callable:
        def rule(g, ans, *args, **params):  # params: `inside`, for the views only
            return self._gradients(k, g)[i]

        return rule

    def _gradients(self, k: int, g) -> list:
        """Every input's gradient for the gradient `g` arriving at output `k` (one call of
        `grad_fn` per arriving gradient, shared by the step's rules)."""
        last = self._last
        if last is not None and last[0] == k and last[1] is g:
            return last[2]
        raw = STATE.raw
        upstream = [
            (Tensor(to_numpy(g)) if raw else g) if j == k else Tensor(np.zeros_like(out._value)[()])
            for j, out in enumerate(self.outputs)
        ]
        STATE.raw = False  # grad_fn computes on tensors, whatever the walk runs on
        try:
            if self.variables:
                answer = self.grad_fn(*upstream, variables=self.variables)
                input_grads, variable_grads = self._pair(answer)
            else:
                input_grads, variable_grads = self.grad_fn(*upstream), []
        finally:
            STATE.raw = raw
        flat = nest.flatten(input_grads)
        if len(flat) != len(self.inputs):
            raise CustomGradientError(
                f"the grad_fn of custom gradient '{self.name}' returned {len(flat)} "
                f"gradient(s) for {len(self.inputs)} input(s)"
            )
        if len(variable_grads) != len(self.variables):
            raise CustomGradientError(
                f"the grad_fn of custom gradient '{self.name}' returned "
                f"{len(variable_grads)} variable gradient(s) for {len(self.variables)} "
                f"variable(s) ({', '.join(v.name for v in self.variables)})"
            )
        sources = self.inputs + self.variables
        grads = [_as_gradient(gx, x, raw) for gx, x in zip(flat + variable_grads, sources)]
        self._last = (k, g, grads)
        return grads

    def _pair(self, answer) -> tuple:
        if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
            raise CustomGradientError(
                f"the grad_fn of custom gradient '{self.name}' is called with variables=, so it "
                "returns (input_gradients, variable_gradients)"
            )
        input_grads, variable_grads = answer
        return input_grads, nest.flatten(variable_grads)


def _as_gradient(gx, x, raw: bool):
    """A gradient from `grad_fn` as the walk adds it up: numpy in a raw walk, else a tensor."""
    if gx is None:
        return NO_GRADIENT
    if isinstance(gx, Variable):
        gx = gx._read()
    if not isinstance(gx, Tensor):
        gx = Tensor(to_numpy(gx, x._value.dtype if x._value.dtype.kind == "f" else None))
    return gx._value if raw else gx
