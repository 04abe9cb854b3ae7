"""`gradcli minimize`'s loop: a program's target minimized (or maximized) over its trained inputs.

`minimize(request, settings, progress)` builds the `Objective` (the program parsed once, run
per step with the inputs replaced), chooses the method (`default_method`: by the number of scalar
inputs), takes steps (`steppers.py`) until a stopping rule holds, and answers a `Minimum`
(`minimum.py` holds the records): the
point, the target there, the gradient and its norm, the steps, the reason it stopped, the history
(target and gradient norm per step, and the points when a trace or a contour plot needs them), and
for at most `MAX_CURVATURE_INPUTS` scalar inputs the Hessian's eigenvalues and what they say the
point is. The stopping rules, checked after each step, in this order:

- diverged: non-finite values — the target or the gradient is nan or inf (the last finite point is
  the answer);
- converged — the gradient norm (with bounds: of the gradient less the elements a bound holds) is
  at most `tol`, or the target changed by at most tol**2 * max(1, |target|) over the last
  `WINDOW` steps (near a smooth minimum the target is off by about the gradient norm squared)
  while the gradient norm is at most sqrt(tol);
- no progress — the target stopped changing with a larger gradient, the last `PATIENCE` targets
  are no lower on average than the `PATIENCE` before them, or a line search (newton, bfgs) found
  no lower point;
- step limit — `steps` steps taken.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcli.record import replace

from . import steppers
from .minimum import Curvature, Minimum, Settings, element_labels
from .objective import Objective
from .records import Request

__all__ = [
    "METHODS",
    "Curvature",
    "Minimum",
    "Settings",
    "classify",
    "default_method",
    "element_labels",
    "minimize",
    "request_at",
    "target_on_grid",
]

METHODS = ("gd", "adam", "newton", "bfgs")
MAX_NEWTON_INPUTS = 10  # default: newton up to here (a Hessian costs a backward pass per input)
MAX_BFGS_INPUTS = 2000  # then bfgs (its n x n matrix), then adam
MAX_CURVATURE_INPUTS = 32  # the final Hessian's eigenvalues, up to this many scalar inputs
WINDOW = 10  # steps over which a change in the target is measured
PATIENCE = 50  # steps whose average target must be lower than the previous ones'
CONVERGED, STEP_LIMIT, DIVERGED, NO_PROGRESS = (
    "converged",
    "step limit",
    "diverged: non-finite values",
    "no progress",
)


def request_at(result: Minimum) -> Request:
    """The request with the trained inputs declared at the answer, differentiated with respect
    to them: what `grad` would be asked there (the final cross-check)."""
    values = result.values()
    declarations = tuple(
        replace(d, value=values[d.name]) if d.name in values else d
        for d in result.request.declarations
    )
    return replace(result.request, declarations=declarations, wrt=tuple(result.names))


def target_on_grid(result: Minimum, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """For two trained elements: the target over the grid xs by ys (rows: ys)."""
    return Objective(result.request).values_on_grid(result.point, xs, ys)


def default_method(size: int) -> str:
    """newton for a few scalar inputs, bfgs for up to MAX_BFGS_INPUTS, adam beyond."""
    if size <= MAX_NEWTON_INPUTS:
        return "newton"
    return "bfgs" if size <= MAX_BFGS_INPUTS else "adam"


Progress = Callable[[int, float, float], None]


def minimize(request: Request, settings: Settings, progress: Progress | None = None) -> Minimum:
    """Minimize (or with `settings.maximize`, maximize) `request`'s target; `progress(step,
    target, gradient norm)` is called after each step."""
    with np.errstate(all="ignore"):  # overflow is a result here (diverged), not a warning
        return _minimize(request, settings, progress)


def _minimize(request: Request, settings: Settings, progress) -> Minimum:
    objective = Objective(request)
    method = settings.method or default_method(objective.size)
    sign = -1.0 if settings.maximize else 1.0

    def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = objective.value_and_gradient(x)
        return (-f, -g) if settings.maximize else (f, g)

    bounds = steppers.Bounds(*objective.bound_vectors(settings.bounds), objective.fixed())
    notes = list(_disconnected_notes(objective))
    x = bounds.project(objective.start)
    if not np.array_equal(x, objective.start):
        notes.append("the start was outside the bounds: it was moved onto them")
    stepper = _stepper(method, settings, objective, evaluate, bounds)
    if x is objective.start:  # the first run answered it already
        f, g = sign * objective.start_value, sign * objective.start_gradient
    else:
        f, g = evaluate(x)
    targets, norms = [sign * f], [float(np.linalg.norm(g))]
    points = [x] if settings.keep_points else None
    reason, steps = STEP_LIMIT, 0
    if not (np.isfinite(f) and np.isfinite(norms[0])):  # a norm is finite iff every element is
        reason = DIVERGED
    elif _converged(bounds, x, g, settings.tol, norms[-1]):
        reason = CONVERGED
    while reason == STEP_LIMIT and steps < settings.steps:
        found = stepper.step(x, f, g)
        if found is None:
            reason = NO_PROGRESS
            break
        x_new, f_new, g_new = found
        steps += 1
        targets.append(sign * f_new)
        norms.append(float(np.linalg.norm(g_new)))
        if points is not None:
            points.append(x_new)
        if progress is not None:
            progress(steps, sign * f_new, norms[-1])
        if not (np.isfinite(f_new) and np.isfinite(norms[-1])):
            reason = DIVERGED  # the answer stays the last finite point
            break
        x, f, g = x_new, f_new, g_new
        if _converged(bounds, x, g, settings.tol, norms[-1]):
            reason = CONVERGED
        elif _settled(targets, settings.tol):
            # a target that stopped changing: converged where the gradient is small too; stuck
            # elsewhere (gd bouncing across the kink of abs(x) keeps the target and the gradient)
            small = np.linalg.norm(bounds.projected_gradient(x, g)) <= np.sqrt(settings.tol)
            reason = CONVERGED if small else NO_PROGRESS
        elif _stalled(targets):
            reason = NO_PROGRESS
    if isinstance(stepper, steppers.Newton) and stepper.damped:
        notes.append(
            f"{stepper.damped} of the Newton steps were damped (the Hessian was not positive "
            "definite there)"
        )
    gradient = sign * g
    projected = bounds.projected_gradient(x, g)
    curvature = None
    if settings.curvature and objective.size <= MAX_CURVATURE_INPUTS and reason != DIVERGED:
        curvature = classify(objective.hessian(x), request.dtype)
    wanted = "maximum" if settings.maximize else "minimum"
    if curvature is not None and reason == CONVERGED and curvature.kind == "saddle point":
        notes.append(
            f"the gradient is 0 here, but the point is a saddle point, not a {wanted}: "
            "start from somewhere else"
        )
    return Minimum(
        request=request,
        label=objective.label,
        names=tuple(objective.names),
        shapes=dict(objective.shapes),
        method=method,
        method_is_default=settings.method is None,
        maximize=settings.maximize,
        point=x,
        target=sign * f,
        gradient=gradient,
        gradient_norm=float(np.linalg.norm(gradient)),
        projected_norm=float(np.linalg.norm(projected)),
        steps=steps,
        reason=reason,
        targets=np.array(targets),
        gradient_norms=np.array(norms),
        points=None if points is None else np.array(points),
        curvature=curvature,
        at_bounds=_at_bounds(objective, bounds, x),
        notes=tuple(notes),
    )


def classify(hessian: np.ndarray, dtype: np.dtype) -> Curvature:
    """The symmetric part's eigenvalues, and the second-derivative test: all positive, a minimum;
    all negative, a maximum; both signs, a saddle point; any about 0 (within the dtype's
    precision of the largest), inconclusive."""
    if not np.all(np.isfinite(hessian)):
        return Curvature(np.full(len(hessian), np.nan), "inconclusive")
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    scale = max(1.0, float(np.max(np.abs(eigenvalues), initial=0.0)))
    zero = np.sqrt(np.finfo(dtype).eps) * scale
    if (eigenvalues > zero).any() and (eigenvalues < -zero).any():
        kind = "saddle point"
    elif (eigenvalues > zero).all():
        kind = "minimum"
    elif (eigenvalues < -zero).all():
        kind = "maximum"
    else:
        kind = "inconclusive"
    return Curvature(eigenvalues, kind)


def _at_bounds(objective: Objective, bounds: steppers.Bounds, x: np.ndarray) -> tuple:
    """The labels of the elements at a bound (none without bounds: no labels are made)."""
    if not bounds.any:
        return ()
    on = (x <= bounds.lower) | (x >= bounds.upper)
    labels = objective.element_labels()
    return tuple(label for label, at in zip(labels, on) if at)


def _converged(bounds: steppers.Bounds, x, g, tol: float, norm: float) -> bool:
    """Whether the projected gradient's norm is at most tol (`norm`, g's, when nothing is held:
    a pass over g fewer per step)."""
    projected = bounds.projected_gradient(x, g)
    return (norm if projected is g else float(np.linalg.norm(projected))) <= tol


def _settled(targets: list, tol: float) -> bool:
    if len(targets) <= WINDOW:
        return False
    now, before = targets[-1], targets[-1 - WINDOW]
    return abs(now - before) <= tol * tol * max(1.0, abs(now))


def _stalled(targets: list) -> bool:
    """The last PATIENCE targets are no lower on average than the PATIENCE before them (an
    average, so that momentum's overshoots, which pass near the minimum and climb away, do not
    count as a lack of progress)."""
    if len(targets) <= 2 * PATIENCE or len(targets) % 10:  # measured every 10 steps
        return False
    last, before = targets[-PATIENCE:], targets[-2 * PATIENCE : -PATIENCE]
    return sum(last) >= sum(before)


def _stepper(method: str, settings: Settings, objective: Objective, evaluate, bounds):
    dtype = objective.request.dtype
    if method == "gd":
        lr = 0.01 if settings.learning_rate is None else settings.learning_rate
        return steppers.gradient_descent(lr, settings.momentum, dtype, evaluate, bounds)
    if method == "adam":
        lr = 0.001 if settings.learning_rate is None else settings.learning_rate
        return steppers.adam(lr, settings.beta_1, settings.beta_2, dtype, evaluate, bounds)
    if method == "newton":
        sign = -1.0 if settings.maximize else 1.0
        return steppers.Newton(evaluate, lambda x: sign * objective.hessian(x), bounds)
    return steppers.BFGS(evaluate, objective.size, bounds)


def _disconnected_notes(objective: Objective):
    for name in objective.disconnected:
        yield f"the target does not depend on {name}: it stays where it started"
