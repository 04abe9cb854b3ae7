"""The base of every optimizer (Keras 3's `BaseOptimizer`): the step count, the learning rate
(a number, a schedule or a function), the optimizer's own variables, clipping, and applying
gradients (`apply_gradients`, `apply`, `minimize`). The update rules are in `optimizers`.

An update is stateful, like `assign_add`: variables and the optimizer's own state (`momentum`,
`velocity`, ... one per trained variable) change through `assign`, and no tape records it.
Clipping (`clipnorm`, `clipvalue`, `global_clipnorm`, one at a time) happens on the gradients,
in their dtype, before the update; a learning-rate schedule is evaluated at `iterations`, the
number of steps taken so far, once per step.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from gradcli.errors import ArgumentError, ShapeError, ValueInputError

from .schedules import LearningRateSchedule, checked_number
from .tape import GradientTape
from .tensor import DEFAULT_FLOAT, Variable, to_numpy


class Optimizer:
    """What every optimizer shares: the step count, the learning rate, clipping, applying."""

    def __init__(
        self,
        learning_rate,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ):
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueInputError(  # Keras's words
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        for argument, value in (
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
        ):
            if value is not None:  # Keras ignores a negative bound silently; we say so
                checked_number(argument, value, low=0)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self._iterations = Variable(np.int64(0), trainable=False, name="iteration")
        self._learning_rate = self._learning_rate_holder(learning_rate)
        self._slots: dict[int, dict[str, Variable]] = {}  # per trained variable's `_id`
        self._trainable_variables: list[Variable] = []
        self.built = False

    # ------------------------------------------------------------ state

    @property
    def iterations(self) -> Variable:
        """The number of steps taken (an int64 variable), as Keras's `optimizer.iterations`."""
        return self._iterations

    @property
    def learning_rate(self):
        """The learning rate variable, or the schedule's value at `iterations`."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        elif isinstance(self._learning_rate, LearningRateSchedule):
            raise ArgumentError(  # Keras's reason (a TypeError there too)
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(checked_number("learning_rate", learning_rate))
        else:
            self._learning_rate = self._learning_rate_holder(learning_rate)

    def _learning_rate_holder(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        checked_number("learning_rate", learning_rate)
        return Variable(learning_rate, trainable=False, name="learning_rate", dtype=DEFAULT_FLOAT)

    def _current_learning_rate(self):
        return to_numpy(self.learning_rate, DEFAULT_FLOAT)

    @property
    def variables(self) -> list[Variable]:
        """The optimizer's own variables: the step count, the learning rate, then its slots."""
        own = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            own.append(self._learning_rate)
        for kind in self._slot_kinds():
            own.extend(self._slots[v._id][kind] for v in self._trainable_variables)
        return own

    def build(self, var_list: list[Variable]) -> None:
        """Make the optimizer's state for these variables (done by the first `apply_gradients`)."""
        if self.built:
            return
        var_list = list(var_list)
        for variable in var_list:
            if not isinstance(variable, Variable):
                raise ArgumentError(
                    f"optimizers update gc.Variable objects, not {type(variable).__name__} "
                    f"(a tensor cannot change: make it a gc.Variable)"
                )
            if variable.dtype.kind != "f":
                raise ArgumentError(
                    f"{variable.name} has dtype {variable.dtype}: optimizers train "
                    "floating-point variables (e.g. 3.0 instead of 3)"
                )
            stem = variable._name.replace("/", "_")
            self._slots[variable._id] = {
                kind: Variable(
                    np.full(variable.shape, initial, dtype=variable.dtype),
                    trainable=False,
                    name=f"{stem}_{kind}",
                )
                for kind, initial in self._slot_kinds().items()
            }
        self._trainable_variables = var_list
        self.built = True

    def _slot_kinds(self) -> dict[str, float]:
        """The per-variable state this optimizer keeps, with its starting value."""
        return {}

    def _slot(self, variable: Variable, kind: str) -> Variable:
        return self._slots[variable._id][kind]

    # ------------------------------------------------------------ applying

    def apply_gradients(self, grads_and_vars: Iterable) -> Variable:
        """One step: update each variable from its gradient; answers `iterations`."""
        pairs = list(grads_and_vars)
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ArgumentError(
                    "apply_gradients takes (gradient, variable) pairs, e.g. "
                    f"zip(grads, variables), not {type(pair).__name__} {pair!r:.40}"
                )
        if pairs:  # nothing to apply is a no-op, as in Keras
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: list, trainable_variables: list[Variable] | None = None) -> None:
        """Keras's `apply`: gradients in the order of the variables (those built with if None)."""
        if not len(grads):
            return
        if trainable_variables is None:
            if not self.built:
                raise ArgumentError(
                    "apply(grads) without variables needs an optimizer built on them first: "
                    "call optimizer.build(variables) or pass the variables"
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ArgumentError(
                f"{len(grads)} gradients for {len(trainable_variables)} variables: "
                "give one gradient (or None) per variable"
            )
        self.build(trainable_variables)
        for variable in trainable_variables:
            if not isinstance(variable, Variable) or variable._id not in self._slots:
                raise ValueInputError(  # Keras 3's rule: an optimizer keeps one set of variables
                    f"Unknown variable: {variable!r:.80}. This optimizer can only be called for "
                    "the variables it was originally built with. When working with a new set "
                    "of variables, you should recreate a new optimizer instance."
                )
        grads, variables = self._filter_empty_gradients(grads, trainable_variables)
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        for gradient, variable in zip(grads, variables):
            dtype = variable.dtype
            self.update_step(to_numpy(gradient, dtype), variable, dtype.type(learning_rate))
        self._iterations.assign_add(1)

    def minimize(self, loss, var_list, tape: GradientTape | None = None) -> None:
        """One step on `loss`, a zero-argument function (its gradients come from a tape), or a
        loss tensor together with the `tape` that recorded it."""
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        if callable(loss):
            tape = tape if tape is not None else GradientTape()
            with tape:
                tape.watch(var_list)
                loss = loss()
        elif tape is None:
            raise ArgumentError(
                "minimize(loss, var_list) needs `loss` as a zero-argument function that computes "
                "it (e.g. lambda: gc.reduce_mean(y**2)), or the tape that recorded it (tape=)"
            )
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))

    def _filter_empty_gradients(self, grads: list, variables: list) -> tuple[list, list]:
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        if not kept:
            raise ValueInputError(f"No gradients provided for any variable: {missing}.")
        if missing:  # Keras's warning; the reason it gives is ours (Keras: the compile call)
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "Their gradient is None: the loss does not depend on them, or they were not "
                "watched while it was computed. They are left unchanged.",
                stacklevel=4,
            )
        checked = []
        for gradient, variable in kept:
            array = to_numpy(gradient)
            if np.shape(array) != variable.shape:
                raise ShapeError(
                    f"the gradient for {variable.name} has shape {np.shape(array)}, the "
                    f"variable has shape {variable.shape}"
                )
            checked.append(array if array.dtype.kind == "f" else array.astype(variable.dtype))
        return checked, [v for _, v in kept]

    def _clip_gradients(self, grads: list) -> list:
        """Keras 3's clipping, in each gradient's dtype (the bound cast to it)."""
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [
                np.clip(g, -g.dtype.type(self.clipvalue), g.dtype.type(self.clipvalue))
                for g in grads
            ]
        return grads

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        """Update one variable: `gradient` and `learning_rate` are already in its dtype."""
        raise NotImplementedError

    def __repr__(self) -> str:
        rate = self._learning_rate
        shown = rate.numpy() if isinstance(rate, Variable) else rate
        return (
            f"<gc.optimizers.{type(self).__name__} name={self.name!r} learning_rate={shown} "
            f"iterations={int(self._iterations.numpy())}>"
        )


def _clip_by_norm(gradient, clipnorm: float):
    """g * c / max(|g|, c), as `tf.clip_by_norm`: unchanged when the L2 norm is at most c."""
    bound = gradient.dtype.type(clipnorm)
    squares = np.sum(np.square(gradient))
    norm = np.sqrt(squares) if squares > 0 else squares
    return gradient * bound / np.maximum(norm, bound)


def _clip_by_global_norm(grads: list, clipnorm: float) -> list:
    """Every gradient scaled by c * min(1/n, 1/c), n the norm of all of them together; a
    non-finite n makes the scale NaN (Keras adds n - n for that)."""
    dtype = np.result_type(*grads)
    norm = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in grads]).astype(dtype)))
    with np.errstate(divide="ignore"):  # n = 0: 1/n is inf, and the minimum is 1/c
        inverse = dtype.type(1.0) / norm
    scale = dtype.type(clipnorm) * np.minimum(inverse, dtype.type(1.0 / clipnorm))
    scale = scale + (norm - norm)
    return [g * scale.astype(g.dtype) for g in grads]
