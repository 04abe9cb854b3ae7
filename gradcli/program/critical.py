"""Critical points found numerically with the engine: every zero of the gradient in a box.

`gradcli critical` asks sympy first (`symbolic.calculus`); when sympy cannot give every zero in
time, `critical_points` searches: a grid of starts over the box, each refined by Newton's method
with the engine's gradient and Hessian (two nested tapes over all the starts at once, the program
being elementwise in its inputs), the converged ones kept inside the box and deduplicated; with
one input, the sign changes of f' (`curve.extrema`) join them, for where Newton cycles. Each
point is then classified by the second-derivative test (the Hessian's eigenvalues); with one
input, a zero f'' is decided by the sign of f' on either side (first-derivative test).

The kinds, and the rule from the Hessian's signs to a kind, are shared with the exact side.
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import UsageError
from gradcli.language import syntax as s

from .backend import value_of
from .curve import Curve, extrema
from .derivatives import nested_run
from .records import Declaration, Request

STARTS = {1: 401, 2: 41}  # starts per axis: a zero of f' closer than span/400 to another may merge
NEWTON_STEPS = 100  # enough for a double zero (x**3 at 0), where Newton only halves the distance
MARGIN = 0.25  # a start may wander this fraction of the span outside the box and come back
STEP_TOLERANCE = 1e-13  # converged: the last step, relative to the span
GRADIENT_TOLERANCE = 1e-9  # a zero of the gradient, relative to its largest value on the grid
SAME_POINT = 1e-6  # two converged points this close (relative to the span) are one
ZERO_CURVATURE = 1e-8  # an eigenvalue this small (relative to the largest seen) counts as 0
FLAT_STEP = 1e-2  # the step, relative to the span, at which a flat direction is probed
MAX_POINTS = 100  # more critical points than this: the gradient vanishes on a whole curve
HIGHER_ORDERS = 8  # the exact side's higher-derivative test looks this far


def kind_from_signs(signs: list[int]) -> str:
    """The second-derivative test from the signs (-1, 0, 1) of the Hessian's eigenvalues."""
    if 0 in signs:
        return "inconclusive"
    if all(sign > 0 for sign in signs):
        return "minimum"
    if all(sign < 0 for sign in signs):
        return "maximum"
    return "saddle"


def kind_from_higher_derivative(order: int, sign: int) -> str:
    """One input, f'' = 0: the first derivative of `order` >= 3 that is not zero decides."""
    if order % 2:
        return "inflection"
    return "minimum" if sign > 0 else "maximum"


class Derivatives:
    """points (k, N) -> f (N,), gradient (k, N), Hessian (k, k, N): one run on two nested tapes."""

    def __init__(self, program: s.Program, inputs: list[str]):
        self.program, self.inputs = program, inputs

    def __call__(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        declarations = tuple(
            Declaration(name, "variable", np.asarray(row, dtype=np.float64))
            for name, row in zip(self.inputs, points)
        )
        request = Request(
            program=self.program,
            declarations=declarations,
            wrt=tuple(self.inputs),
            unconnected="zero",
        )
        k, n = points.shape
        with nested_run(request, 2) as run:
            _, target, _ = run.targets[-1]
            f = np.broadcast_to(np.asarray(value_of(target), dtype=np.float64), (n,)).copy()
            sources = [run.sources[name] for name in self.inputs]
            first = run.close(0).gradient(target, sources, unconnected_gradients="zero")
            outer = run.close(1)
            gradient = np.zeros((k, n))
            hessian = np.zeros((k, k, n))
            for i, g in enumerate(first):
                gradient[i] = np.asarray(value_of(g), dtype=np.float64)
                row = outer.gradient(g, sources, unconnected_gradients="zero")
                for j, h in enumerate(row):
                    hessian[i, j] = np.asarray(value_of(h), dtype=np.float64)
        return f, gradient, hessian


def critical_points(
    program: s.Program, inputs: list[str], box: list[tuple[float, float]]
) -> list[dict]:
    """[{"at": [floats], "value": f, "kind", "second": f'' or det H}] in increasing order."""
    derivatives = Derivatives(program, inputs)
    lo, hi = np.array(box, dtype=np.float64).T
    span = hi - lo
    axes = [np.linspace(a, b, STARTS[len(inputs)]) for a, b in box]
    points = np.stack([grid.ravel() for grid in np.meshgrid(*axes, indexing="ij")])
    with np.errstate(all="ignore"):
        points, scale = _newton(derivatives, points, lo, hi, span)
        if len(inputs) == 1:  # where Newton cycles (|x|**1.5 at 0), f' still changes sign
            curve = Curve(program, inputs, inputs[0], {})
            xs = axes[0]
            changes = [x for _, x, _ in extrema(curve, xs, *curve(xs))]
            points = np.concatenate([points, np.array([changes])], axis=1)
        points = _unique(points, span)
        if points.shape[1] > MAX_POINTS:
            raise UsageError(
                f"f' is zero at more than {MAX_POINTS} points of the range: the critical points "
                "are not isolated (f is constant along a line or a region) or too many; "
                "narrow the range"
            )
        f, gradient, hessian = derivatives(points)
        found = _classified(derivatives, points, f, hessian, span)
        for point, flat in zip(found, _flat_directions(hessian)):
            if flat is not None and _on_a_curve(derivatives, point["at"], flat, span, scale):
                where = ", ".join(f"{name} = {v:.6g}" for name, v in zip(inputs, point["at"]))
                raise UsageError(
                    f"the critical points are not isolated: f' is zero all along a line or "
                    f"region through {where}, so none of them can be classified; narrow the range "
                    "or change EXPR"
                )
        return found


def _newton(derivatives, points, lo, hi, span) -> tuple[np.ndarray, float]:
    """The converged points (k, M) inside the box, from the starts `points` (k, N), and the
    gradient's size over the starts (what a zero gradient is measured against)."""
    k = points.shape[0]
    converged = np.zeros((k, 0))
    scale = None  # the gradient's size over the starts: what "zero" is measured against
    for _ in range(NEWTON_STEPS):
        if not points.shape[1]:
            break
        _, gradient, hessian = derivatives(points)
        usable = np.all(np.isfinite(gradient), axis=0) & np.all(np.isfinite(hessian), axis=(0, 1))
        points, gradient, hessian = points[:, usable], gradient[:, usable], hessian[..., usable]
        if scale is None:
            finite_gradient = np.abs(gradient[np.isfinite(gradient)])
            scale = max(1.0, float(np.max(finite_gradient, initial=0.0)))
        step = np.einsum("nij,jn->in", np.linalg.pinv(hessian.transpose(2, 0, 1)), gradient)
        moved = points - step
        finite = np.all(np.isfinite(moved), axis=0)
        near = np.all((moved >= (lo - MARGIN * span)[:, None]), axis=0) & np.all(
            moved <= (hi + MARGIN * span)[:, None], axis=0
        )
        done = finite & np.all(np.abs(step) <= STEP_TOLERANCE * span[:, None], axis=0)
        converged = np.concatenate([converged, moved[:, done]], axis=1)
        points = moved[:, finite & near & ~done]
    _, gradient, _ = derivatives(converged) if converged.shape[1] else (None, converged, None)
    inside = np.all((converged >= lo[:, None]) & (converged <= hi[:, None]), axis=0)
    # a zero of the gradient: Newton stops also where the Hessian is singular and g is not 0
    scale = scale or 1.0
    small = np.all(np.abs(gradient) <= GRADIENT_TOLERANCE * scale, axis=0)
    return converged[:, inside & small], scale


def _symmetric(hessian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which points' Hessians are finite, the (N, k, k) matrices symmetrised, the others 0)."""
    matrices = hessian.transpose(2, 0, 1)
    finite = np.all(np.isfinite(matrices), axis=(1, 2))
    matrices = np.where(finite[:, None, None], matrices, 0.0)
    return finite, (matrices + matrices.transpose(0, 2, 1)) / 2


def _flat_directions(hessian: np.ndarray) -> list[np.ndarray | None]:
    """Per point, the Hessian's eigenvector of the smallest |eigenvalue| where that eigenvalue is
    zero (ZERO_CURVATURE), else None: the one direction along which f' may stay zero."""
    finite, matrices = _symmetric(hessian)
    values, vectors = np.linalg.eigh(matrices)
    scale = max(1.0, float(np.max(np.abs(values), initial=0.0)))
    flat = []
    for index in range(values.shape[0]):
        smallest = int(np.argmin(np.abs(values[index])))
        is_zero = finite[index] and abs(values[index, smallest]) <= ZERO_CURVATURE * scale
        flat.append(vectors[index][:, smallest] if is_zero else None)
    return flat


def _on_a_curve(derivatives, at: list, direction: np.ndarray, span, scale: float) -> bool:
    """f' is also zero a step away along `direction`, on both sides: not an isolated point."""
    step = FLAT_STEP * float(np.min(span)) * direction
    point = np.array(at)
    _, gradient, _ = derivatives(np.stack([point - step, point + step], axis=1))
    return bool(np.all(np.abs(gradient) <= GRADIENT_TOLERANCE * scale))


def _unique(points: np.ndarray, span: np.ndarray) -> np.ndarray:
    """One point per cluster of points closer than SAME_POINT * span, in increasing order."""
    kept: list[np.ndarray] = []
    for column in points.T[np.lexsort(points[::-1])]:
        if not any(np.all(np.abs(column - other) <= SAME_POINT * span) for other in kept):
            kept.append(column)
    found = np.array(kept).T if kept else np.zeros((points.shape[0], 0))
    return np.where(np.abs(found) < 1e-12 * span[:, None], 0.0, found)


def _classified(derivatives, points, f, hessian, span) -> list[dict]:
    k, n = points.shape
    finite, matrices = _symmetric(hessian)
    eigenvalues = np.linalg.eigvalsh(matrices)
    scale = max(1.0, float(np.max(np.abs(eigenvalues), initial=0.0)))
    signs = np.where(np.abs(eigenvalues) <= ZERO_CURVATURE * scale, 0, np.sign(eigenvalues))
    signs[~finite] = 0  # f'' infinite or not a number there: the test cannot tell
    found = []
    for index in range(n):
        kind = kind_from_signs([int(sign) for sign in signs[index]])
        if kind == "inconclusive" and k == 1:
            kind = _first_derivative_test(derivatives, points[:, index], span)
        second = float(np.linalg.det(matrices[index])) if finite[index] else float("nan")
        found.append(
            {
                "at": [float(v) for v in points[:, index]],
                "value": float(f[index]) + 0.0,  # -0.0 is 0
                "kind": kind,
                "second": second,
            }
        )
    return found


def _first_derivative_test(derivatives, point: np.ndarray, span: np.ndarray) -> str:
    """One input, f'' = 0: f' on either side decides (a sign change is an extremum)."""
    h = 1e-3 * span[0]
    _, gradient, _ = derivatives(np.array([[point[0] - h, point[0] + h]]))
    left, right = np.sign(gradient[0])
    if left < 0 < right:
        return "minimum"
    if left > 0 > right:
        return "maximum"
    return "inflection" if left == right != 0 else "inconclusive"
