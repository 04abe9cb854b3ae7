"""Optimizers, as in Keras 3: `gc.optimizers.SGD`, `Adam`, `RMSprop`, `Adagrad`.

Each follows Keras's update rule operation for operation, so the numbers match Keras step for
step: the update is computed in the variable's dtype, with every hyperparameter cast to that dtype
first (in float32 that is Keras's float32 arithmetic; in float64 the rules are exact). Keras keeps
the learning rate in a variable of its default float (float32); ours is float64, so float64
variables see the learning rate unrounded and float32 ones see it rounded once, as in Keras.
What they share (applying, clipping, the step count) is `base_optimizer.Optimizer`; the
learning-rate schedules are `gc.optimizers.schedules`.
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import ValueInputError

from . import schedules
from .base_optimizer import Optimizer
from .schedules import checked_number
from .tensor import Variable

__all__ = ["SGD", "Adagrad", "Adam", "Optimizer", "RMSprop", "schedules"]


class SGD(Optimizer):
    """Gradient descent: w -= lr * g; with momentum, v = momentum * v - lr * g and w += v
    (Nesterov: w += momentum * v - lr * g)."""

    def __init__(
        self,
        learning_rate=0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "SGD",
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.momentum = checked_number("momentum", momentum, low=0, high=1)
        self.nesterov = bool(nesterov)

    def _slot_kinds(self) -> dict[str, float]:
        return {"momentum": 0.0} if self.momentum != 0 else {}

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        if self.momentum == 0:
            variable.assign_sub(gradient * learning_rate)
            return
        velocity = self._slot(variable, "momentum")
        momentum = variable.dtype.type(self.momentum)
        velocity.assign(velocity.numpy() * momentum - gradient * learning_rate)
        if self.nesterov:
            variable.assign_add(velocity.numpy() * momentum - gradient * learning_rate)
        else:
            variable.assign_add(velocity.numpy())


class Adam(Optimizer):
    """Adam: moving averages m of g and v of g**2; w -= alpha * m / (sqrt(v) + epsilon) with
    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) (AMSGrad: the largest v so far)."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "adam",
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.beta_1 = checked_number("beta_1", beta_1)
        self.beta_2 = checked_number("beta_2", beta_2)
        self.epsilon = checked_number("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_kinds(self) -> dict[str, float]:
        kinds = {"momentum": 0.0, "velocity": 0.0}
        return {**kinds, "velocity_hat": 0.0} if self.amsgrad else kinds

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        cast = variable.dtype.type
        step = cast(int(self._iterations.numpy()) + 1)
        beta_1_power = cast(self.beta_1) ** step  # in the variable's dtype, as Keras's ops.power
        beta_2_power = cast(self.beta_2) ** step
        m, v = self._slot(variable, "momentum"), self._slot(variable, "velocity")
        alpha = learning_rate * np.sqrt(cast(1) - beta_2_power) / (cast(1) - beta_1_power)
        # Keras's operations in Keras's order; each new value is computed in an array of its own
        # that the variable then takes (`_into`), never written into a variable's array
        m_old, v_old = m.numpy(), v.numpy()
        m_step = np.subtract(gradient, m_old)
        m_step = _into(m_step, np.multiply, m_step, cast(1 - self.beta_1))
        m.assign(_into(m_step, np.add, m_old, m_step))  # m + (g - m) * (1 - beta_1)
        v_step = np.square(gradient)
        v_step = _into(v_step, np.subtract, v_step, v_old)
        v_step = _into(v_step, np.multiply, v_step, cast(1 - self.beta_2))
        v.assign(_into(v_step, np.add, v_old, v_step))
        if self.amsgrad:
            v_hat = self._slot(variable, "velocity_hat")
            v_hat.assign(np.maximum(v_hat.numpy(), v.numpy()))
            v = v_hat
        denominator = np.sqrt(v.numpy())
        denominator = _into(denominator, np.add, denominator, cast(self.epsilon))
        w_step = np.multiply(m.numpy(), alpha)
        w_step = _into(w_step, np.divide, w_step, denominator)
        variable.assign(_into(w_step, np.subtract, variable.numpy(), w_step))


def _into(fresh, ufunc, *operands):
    """ufunc(*operands) written into `fresh`, one of the operands: an array just made that
    nothing else holds, when the result has its shape and dtype (the same bits as a new array).
    Numpy scalars, the values of 0-d variables, are computed as usual."""
    if (
        type(fresh) is np.ndarray
        and np.broadcast_shapes(*(np.shape(a) for a in operands)) == fresh.shape
        and np.result_type(*operands) == fresh.dtype
    ):
        return ufunc(*operands, out=fresh)
    return ufunc(*operands)


class RMSprop(Optimizer):
    """RMSprop: v = rho * v + (1 - rho) * g**2, w -= lr * g / sqrt(v + epsilon); `centered`
    subtracts the squared moving average of g, `momentum` accumulates the steps."""

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "rmsprop",
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        # Keras's checks (its newest RMSprop): rho and momentum in [0, 1], epsilon positive
        self.rho = checked_number("rho", rho, low=0, high=1)
        self.momentum = checked_number("momentum", momentum, low=0, high=1)
        self.epsilon = checked_number("epsilon", epsilon)
        if epsilon <= 0:
            raise ValueInputError(f"`epsilon` must be positive. Received: epsilon={epsilon}")
        self.centered = bool(centered)

    def _slot_kinds(self) -> dict[str, float]:
        kinds = {"velocity": 0.0}
        if self.momentum > 0:
            kinds["momentum"] = 0.0
        if self.centered:
            kinds["average_gradient"] = 0.0
        return kinds

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        cast = variable.dtype.type
        rho, rest = cast(self.rho), cast(1 - self.rho)
        velocity = self._slot(variable, "velocity")
        velocity.assign(rho * velocity.numpy() + rest * np.square(gradient))
        if self.centered:
            average = self._slot(variable, "average_gradient")
            average.assign(rho * average.numpy() + rest * gradient)
            denominator = velocity.numpy() - np.square(average.numpy()) + cast(self.epsilon)
        else:
            denominator = velocity.numpy() + cast(self.epsilon)
        increment = (learning_rate * gradient) / np.sqrt(denominator)
        if self.momentum > 0:
            accumulated = self._slot(variable, "momentum")
            accumulated.assign(cast(self.momentum) * accumulated.numpy() + increment)
            variable.assign_sub(accumulated.numpy())
        else:
            variable.assign_sub(increment)


class Adagrad(Optimizer):
    """Adagrad: a = a + g**2 (from `initial_accumulator_value`), w -= lr * g / sqrt(a + eps)."""

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str = "adagrad",
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.initial_accumulator_value = checked_number(
            "initial_accumulator_value", initial_accumulator_value, low=0
        )
        self.epsilon = checked_number("epsilon", epsilon)

    def _slot_kinds(self) -> dict[str, float]:
        return {"accumulator": self.initial_accumulator_value}

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        accumulator = self._slot(variable, "accumulator")
        accumulator.assign_add(np.square(gradient))
        epsilon = variable.dtype.type(self.epsilon)
        variable.assign_sub((learning_rate * gradient) / np.sqrt(accumulator.numpy() + epsilon))
