"""The cross-check of `gradcli jvp`: each directional derivative against sympy's J t, or finite
differences along the tangent.

sympy's side is the program's Jacobian by each source whose tangent is not zero (`expected.
jacobians`, in a worker with a deadline), contracted with that tangent and summed: for a scalar
target, the gradient . tangent. Where sympy does not answer (too large, past the deadline, an
operation without a sympy form), every source is moved along its tangent at once and the target's
central difference, (f(x + h t) - f(x - h t)) / 2h, is compared.
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import GradcliError
from gradcli.program.forward import run_forward
from gradcli.program.records import Check, JvpResult, Request
from gradcli.program.tolerances import compare, tolerances

from . import expected
from .finite import _forward, _held, _step_size

__all__ = ["jvp_checks"]


def jvp_checks(request: Request, result: JvpResult, settings) -> tuple:
    """Per target, the `Check` of its JVP (None: a None or filled-in zero, not checked)."""
    moving = {
        name: np.asarray(t)
        for name, t in result.tangents.items()
        if np.asarray(t).dtype.kind == "f" and np.any(t)
    }
    labels = [r.target if request.targets else None for r in result.evaluation.results]
    checked = [
        index
        for index, (jvp, reason) in enumerate(zip(result.jvps, result.reasons))
        if jvp is not None and reason is None
    ]
    if not checked:
        return tuple(None for _ in result.jvps)
    base = run_forward(request)
    wanted = [(index, labels[index], name) for index in checked for name in moving]
    answers: dict = {}
    if wanted and settings.symbolic(request, base):
        answers = expected.in_worker(
            lambda: expected.jacobians(request, base, wanted), settings.timeout, 0.0
        )
    checks: list = [None] * len(result.jvps)
    for index in checked:
        got = np.asarray(result.jvps[index])
        found = [answers.get((index, labels[index], name)) for name in moving]
        if all(isinstance(a, expected.Expected) for a in found):
            checks[index] = _symbolic(request, got, dict(zip(moving, found)), moving)
        else:
            checks[index] = _finite(request, base, labels[index], got, moving)
    return tuple(checks)


def _symbolic(request: Request, got: np.ndarray, answers: dict, moving: dict) -> Check:
    total = np.zeros(got.shape)
    for name, answer in answers.items():
        tangent = moving[name].astype(np.float64)
        total = total + np.tensordot(answer.values, tangent, axes=tangent.ndim)
    rtol, atol = tolerances(request, got, "symbolic")
    error, agrees = compare(total, got, rtol, atol)
    return Check("symbolic", _expression(answers, moving), _shown(total), error, agrees)


def _expression(answers: dict, moving: dict) -> str:
    """'y + cos(x)' along x = 1; '2*(y + cos(x)) + 3*(x)'; 'J t' for tensors."""
    parts = []
    for name, answer in answers.items():
        tangent = moving[name]
        if tangent.ndim or answer.expression is None:
            return "J t"
        factor = float(tangent)
        parts.append(answer.expression if factor == 1 else f"{factor:g}*({answer.expression})")
    return " + ".join(parts)


def _shown(value: np.ndarray):
    return float(value) if value.ndim == 0 else value


def _finite(request: Request, base, label, got: np.ndarray, moving: dict) -> Check | None:
    """Every moving source stepped along its tangent at once; None when the program fails."""
    values = {d.name: np.asarray(d.value) for d in request.declarations}
    scale = max(float(np.max(np.abs(t))) for t in moving.values())
    eps, h = max((_step_size(values[n], request) for n in moving), key=lambda pair: pair[1])
    h = h / scale
    held = _held(request, base)
    try:
        ends = []
        for sign in (1, -1):
            overrides = {
                n: (values[n] + sign * h * t).astype(values[n].dtype) for n, t in moving.items()
            }
            run = _forward(request, base, {**held, **overrides})
            value = run.named(label) if label is not None else run.last
            ends.append(np.asarray(value, dtype=np.float64))
    except GradcliError:
        return None
    estimate = (ends[0] - ends[1]) / (2 * h)
    noise = 10 * eps * float(np.max(np.abs(ends[0]) + np.abs(ends[1]), initial=0.0)) / (2 * h)
    rtol, atol = tolerances(request, got, "finite-difference")
    error, agrees = compare(estimate, got, rtol, atol + noise, lenient=True)
    return Check(
        "finite-difference",
        "central differences along the tangent",
        _shown(estimate),
        error,
        agrees,
    )
