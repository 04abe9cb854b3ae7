"""One step of each method of `gradcli minimize`, on a flat vector inside its bounds.

A stepper takes the point, the target and the gradient there (all of the function minimized:
`minimize.py` negates them for `--maximize`) and answers the next point with its target and
gradient, or None when it finds no point better than this one (a line search that fails: no
progress). Bounds are kept by projection: each candidate point is clipped into the box.

- `gd` and `adam` are the engine's Keras optimizers (`gc.optimizers.SGD`, `Adam`) applied to one
  variable holding the flat vector, so the command's numbers are the API's, step for step.
- `newton` solves with the engine's Hessian; where it is not positive definite the step is damped
  (the Hessian shifted until it is, Levenberg-Marquardt style), and a backtracking line search
  keeps only steps that lower the target.
- `bfgs` keeps an inverse-Hessian estimate updated from successive gradients (the first scaled as
  Nocedal and Wright suggest), with the same line search.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcli.engine.optimizers import SGD, Adam
from gradcli.engine.tensor import Variable

ARMIJO = 1e-4  # sufficient decrease: f(x + t d) <= f(x) + ARMIJO t g.d
BACKTRACKS = 40  # halvings of the step before giving up
DAMPING = 1e-8  # smallest shift, relative to the Hessian's largest |eigenvalue|

Evaluate = Callable[[np.ndarray], tuple[float, np.ndarray]]


class Bounds:
    """Per-element lower and upper bounds (-inf, inf where none), and projection onto them;
    `fixed` elements (of inputs the target does not depend on) never move."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray, fixed: np.ndarray):
        self.lower, self.upper, self.fixed = lower, upper, fixed
        self.any = bool(np.isfinite(lower).any() or np.isfinite(upper).any())
        self.any_fixed = bool(fixed.any())

    def project(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.lower, self.upper) if self.any else x

    def held(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Elements at a bound whose gradient pushes them out of the box, and the fixed ones:
        they cannot move."""
        if not self.any:
            return self.fixed
        return ((x <= self.lower) & (g > 0)) | ((x >= self.upper) & (g < 0)) | self.fixed

    def projected_gradient(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The gradient with the held elements zeroed: 0 at a minimum on the boundary too."""
        if not (self.any or self.any_fixed):
            return g
        return np.where(self.held(x, g), 0.0, g)


class Optimizer:
    """gd and adam: the engine's optimizer on one variable (in the program's dtype)."""

    def __init__(self, optimizer, dtype: np.dtype, evaluate: Evaluate, bounds: Bounds):
        self.optimizer, self.dtype = optimizer, dtype
        self.evaluate, self.bounds = evaluate, bounds
        self.variable: Variable | None = None

    def step(self, x: np.ndarray, f: float, g: np.ndarray):
        if self.variable is None:
            self.variable = Variable(x.astype(self.dtype), name="x")
        self.optimizer.apply_gradients([(g.astype(self.dtype, copy=False), self.variable)])
        # no copy: the next step's assign replaces the variable's array, never writes into it
        moved = self.variable.numpy().astype(np.float64, copy=False)
        if self.bounds.any:
            moved = self.bounds.project(moved)
            self.variable.assign(moved.astype(self.dtype))
        f_new, g_new = self.evaluate(moved)
        return moved, f_new, g_new


def gradient_descent(learning_rate: float, momentum: float, dtype, evaluate, bounds) -> Optimizer:
    return Optimizer(SGD(learning_rate, momentum=momentum), dtype, evaluate, bounds)


def adam(learning_rate: float, beta_1: float, beta_2: float, dtype, evaluate, bounds) -> Optimizer:
    return Optimizer(Adam(learning_rate, beta_1=beta_1, beta_2=beta_2), dtype, evaluate, bounds)


def line_search(evaluate: Evaluate, bounds: Bounds, x, f, g, direction):
    """Backtracking from the full step, each candidate projected into the box: the first point
    that lowers the target enough (Armijo), with its target and gradient; None if none does."""
    t = 1.0
    for _ in range(BACKTRACKS):
        candidate = bounds.project(x + t * direction)
        moved = candidate - x
        if not moved.any():
            return None
        f_new, g_new = evaluate(candidate)
        if np.isfinite(f_new) and f_new <= f + ARMIJO * float(g @ moved):
            return candidate, f_new, g_new
        t *= 0.5
    return None


class Newton:
    """Newton's method with the engine's Hessian, damped where it is not positive definite."""

    def __init__(self, evaluate: Evaluate, hessian: Callable, bounds: Bounds):
        self.evaluate, self.hessian, self.bounds = evaluate, hessian, bounds
        self.damped = 0  # steps whose Hessian was shifted

    def step(self, x: np.ndarray, f: float, g: np.ndarray):
        free = ~self.bounds.held(x, g)
        H = self.hessian(x)[np.ix_(free, free)]
        if not np.all(np.isfinite(H)):
            return None
        H = (H + H.T) / 2
        eigenvalues, vectors = np.linalg.eigh(H)
        scale = max(1.0, float(np.max(np.abs(eigenvalues), initial=0.0)))
        floor = DAMPING * scale
        if eigenvalues.min(initial=np.inf) <= floor:
            self.damped += 1  # shifted so the smallest eigenvalue is a small positive number
            eigenvalues = eigenvalues + (floor - eigenvalues.min()) + 1e-3 * scale
        direction = np.zeros_like(x)
        direction[free] = -(vectors @ ((vectors.T @ g[free]) / eigenvalues))
        return line_search(self.evaluate, self.bounds, x, f, g, direction)


class BFGS:
    """BFGS with an inverse-Hessian estimate, restarted if an update would spoil it."""

    def __init__(self, evaluate: Evaluate, size: int, bounds: Bounds):
        self.evaluate, self.bounds = evaluate, bounds
        self.inverse = np.eye(size)
        self.first = True

    def step(self, x: np.ndarray, f: float, g: np.ndarray):
        free = ~self.bounds.held(x, g)
        direction = np.where(free, -(self.inverse @ np.where(free, g, 0.0)), 0.0)
        if float(g @ direction) >= 0:  # not downhill (rounding, or bounds): restart
            self.inverse = np.eye(len(x))
            direction = np.where(free, -g, 0.0)
        found = line_search(self.evaluate, self.bounds, x, f, g, direction)
        if found is None:
            return None
        x_new, _, g_new = found
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if np.all(np.isfinite(y)) and sy > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            if self.first:  # scale the first estimate to the curvature just seen
                self.inverse = np.eye(len(x)) * (sy / float(y @ y))
                self.first = False
            rho = 1.0 / sy
            Hy = self.inverse @ y
            self.inverse += (rho * rho * float(y @ Hy) + rho) * np.outer(s, s) - rho * (
                np.outer(Hy, s) + np.outer(s, Hy)
            )
        return found
