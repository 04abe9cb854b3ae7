"""A plot's curve: f and f' over points of the plotted input, and the extrema between them.

The values come from the engine: one tape over an array of points gives f at each point and,
the program being elementwise in the plotted input, each point's own derivative. Extrema are the
sign changes of f' on the sampled grid, refined by bisection (each step one vectorised run) and
kept only when f is finite there and f' does not blow up (a pole of 1/x**2 is not an extremum).
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import UsageError
from gradcli.language import syntax as s

from .records import Declaration, Request
from .run import evaluate

BISECTIONS = 60  # halvings of a sign-change interval: past float64's resolution from 1/1000


class Curve:
    """x values -> (f, df/dx) as float64 arrays of x's shape, by one tape per call."""

    def __init__(self, program: s.Program, inputs: list[str], variable: str, fixed: dict):
        self.variable = variable
        self.inputs = inputs
        self.fixed = fixed
        self.program = program

    def __call__(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = np.asarray(xs, dtype=np.float64)
        declarations = tuple(
            Declaration(name, "variable", xs)
            if name == self.variable
            else Declaration(name, "constant", np.array(self.fixed[name], dtype=np.float64))
            for name in self.inputs
        )
        with np.errstate(all="ignore"):
            request = Request(
                program=self.program,
                declarations=declarations,
                wrt=(self.variable,),
                unconnected="zero",
            )
            evaluation = evaluate(request)
        result = evaluation.results[0]
        f = np.asarray(result.value, dtype=np.float64)
        if f.shape != xs.shape:
            raise UsageError(
                f"plot needs a value per point: EXPR has shape {f.shape} for {xs.size} points "
                f"of {self.variable}"
            )
        gradient = result.gradients.get(self.variable)
        df = np.zeros_like(xs) if gradient is None else np.asarray(gradient, dtype=np.float64)
        return f, df


def extrema(
    curve: Curve, xs: np.ndarray, f: np.ndarray, df: np.ndarray
) -> list[tuple[str, float, float]]:
    """[(kind "max" | "min", x, f(x))] in increasing x: where f' changes sign."""
    finite = np.isfinite(f) & np.isfinite(df)
    sign = np.sign(np.where(finite, df, 0.0))
    found = _zeros_at_samples(xs, f, df, finite, sign)
    found += _zeros_between_samples(curve, xs, df, finite, sign)
    return sorted(found, key=lambda item: item[1])


def _zeros_at_samples(xs, f, df, finite, sign) -> list[tuple[str, float, float]]:
    """A sample exactly at a zero of f', between samples of opposite signs."""
    middle = np.nonzero(finite[1:-1] & (df[1:-1] == 0) & (sign[:-2] * sign[2:] < 0))[0] + 1
    return [("max" if sign[i - 1] > 0 else "min", float(xs[i]), float(f[i])) for i in middle]


def _zeros_between_samples(curve, xs, df, finite, sign) -> list[tuple[str, float, float]]:
    """A zero between two samples: bisection, every interval at once."""
    starts = np.nonzero(finite[:-1] & finite[1:] & (sign[:-1] * sign[1:] < 0))[0]
    if not starts.size:
        return []
    a, b = xs[starts].copy(), xs[starts + 1].copy()
    left = sign[starts]
    with np.errstate(all="ignore"):
        for _ in range(BISECTIONS):
            middle_x = (a + b) / 2
            _, slope = curve(middle_x)
            same = np.sign(slope) == left
            a, b = np.where(same, middle_x, a), np.where(same, b, middle_x)
        zero = (a + b) / 2
        span = xs[-1] - xs[0]
        zero = np.where(np.abs(zero) < 1e-12 * span, 0.0, zero)
        fz, dz = curve(zero)
    # kept where f is finite and f' does not blow up (a pole of 1/x**2 is not an extremum)
    bound = np.maximum(np.abs(df[starts]), np.abs(df[starts + 1]))
    keep = np.isfinite(fz) & np.isfinite(dz) & (np.abs(dz) <= bound)
    return [
        ("max" if left[i] > 0 else "min", float(zero[i]), float(fz[i])) for i in np.nonzero(keep)[0]
    ]


def polynomial_values(coefficients: list[float], center: float, xs: np.ndarray) -> np.ndarray:
    """sum of coefficients[k] * (x - center)**k at each x (Horner's rule): a Taylor polynomial
    beside its function's curve."""
    return np.polynomial.polynomial.polyval(np.asarray(xs, dtype=np.float64) - center, coefficients)
