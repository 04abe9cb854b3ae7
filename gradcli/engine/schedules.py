"""Learning-rate schedules, as in `keras.optimizers.schedules`: `gc.optimizers.schedules`.

A schedule is a function of the optimizer's step count (`optimizer.iterations`, 0 at the first
step) that gives the learning rate for that step. Pass one as an optimizer's `learning_rate=`; the
optimizer calls it once per step, before it counts the step.

Keras computes a schedule in the type of `initial_learning_rate`: a Python float becomes Keras's
default float (float32), ours (float64). The value is then rounded once to each variable's dtype.
"""

from __future__ import annotations

import numbers

import numpy as np

from gradcli.errors import ArgumentError, ValueInputError

from .tensor import DEFAULT_FLOAT, Tensor, to_numpy


class LearningRateSchedule:
    """The base of every schedule: a subclass defines `__call__(step)` (and `get_config`)."""

    def __call__(self, step) -> Tensor:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()`."
        )

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


def checked_number(name: str, value, low: float | None = None, high: float | None = None):
    """`value` if it is a real number within [low, high]; else the error that names `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentError(f"`{name}` must be a number, not {type(value).__name__} {value!r:.40}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueInputError(f"`{name}` must be {bounds}. Received: {name}={value}")
    return value


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps); with `staircase=True` the
    exponent is rounded down, so the rate drops once every `decay_steps` steps."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ):
        for argument, value in (
            ("initial_learning_rate", initial_learning_rate),
            ("decay_steps", decay_steps),
            ("decay_rate", decay_rate),
        ):
            checked_number(argument, value)
        if decay_steps <= 0:  # Keras's check and words
            raise ValueInputError(
                f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}"
            )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step) -> Tensor:
        initial = to_numpy(self.initial_learning_rate)
        dtype = initial.dtype if initial.dtype.kind == "f" else DEFAULT_FLOAT
        initial = dtype.type(initial)
        # step / decay_steps in the schedule's float type, as Keras casts both before dividing
        exponent = dtype.type(to_numpy(step)) / dtype.type(self.decay_steps)
        if self.staircase:
            exponent = np.floor(exponent)
        return Tensor(initial * np.power(dtype.type(self.decay_rate), exponent))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"ExponentialDecay({arguments})"
