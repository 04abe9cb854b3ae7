"""The records of `gradcli minimize`, plain (no tapes, no tensors): what the command line asks
(`Settings`), the Hessian's verdict at the answer (`Curvature`) and the answer (`Minimum`), read by
the check and the renderers; and the labels of a flat vector's elements (`element_labels`).
"""

from __future__ import annotations

import numpy as np

from gradcli.record import Record

from .records import Request

__all__ = ["Curvature", "Minimum", "Settings", "element_labels"]


class Settings(Record):
    """What the command line asks: the method (None: the default for the size), the stopping
    rules, each method's options, and bounds (name -> (lo, hi))."""

    __slots__ = (
        "method",
        "steps",
        "tol",
        "learning_rate",
        "momentum",
        "beta_1",
        "beta_2",
        "maximize",
        "bounds",
        "keep_points",
        "curvature",
    )
    _defaults = {
        "method": None,
        "steps": 1000,
        "tol": 1e-6,
        "learning_rate": None,
        "momentum": 0.0,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "maximize": False,
        "bounds": {},
        "keep_points": False,
        "curvature": True,
    }
    method: str | None
    steps: int
    tol: float
    learning_rate: float | None  # None: Keras's default for the method (gd 0.01, adam 0.001)
    momentum: float
    beta_1: float
    beta_2: float
    maximize: bool
    bounds: dict
    keep_points: bool  # keep every step's point (for --trace and the contour plot)
    curvature: bool  # compute the final Hessian's eigenvalues (up to MAX_CURVATURE_INPUTS)


class Curvature(Record):
    """The Hessian's eigenvalues at the answer, and what they say: "minimum", "maximum",
    "saddle point" or "inconclusive" (an eigenvalue of about 0)."""

    __slots__ = ("eigenvalues", "kind")
    eigenvalues: np.ndarray
    kind: str


class Minimum(Record):
    """The answer of `minimize`, plain: no tapes, no tensors. `point` and `gradient` are flat
    (float64, the inputs' elements in `names` order; `values()` gives each input). `targets` and
    `gradient_norms` hold step 0 (the start) to the last step; `points` (rows: flat points) only
    with `Settings.keep_points`."""

    __slots__ = (
        "request",
        "label",
        "names",
        "shapes",
        "method",
        "method_is_default",
        "maximize",
        "point",
        "target",
        "gradient",
        "gradient_norm",
        "projected_norm",
        "steps",
        "reason",
        "targets",
        "gradient_norms",
        "points",
        "curvature",
        "at_bounds",
        "notes",
        "checks",
    )
    _defaults = {"checks": None}
    request: Request
    label: str  # the target's
    names: tuple[str, ...]  # the trained inputs, in declaration order
    shapes: dict  # name -> shape
    method: str
    method_is_default: bool
    maximize: bool
    point: np.ndarray
    target: float
    gradient: np.ndarray  # of the target itself (not negated for --maximize)
    gradient_norm: float
    projected_norm: float  # of the gradient less what the bounds hold (= gradient_norm without)
    steps: int
    reason: str
    targets: np.ndarray
    gradient_norms: np.ndarray
    points: np.ndarray | None
    curvature: Curvature | None
    at_bounds: tuple[str, ...]  # element labels at a bound
    notes: tuple[str, ...]
    checks: dict | None  # the final gradient's cross-check (source -> Check), by the command

    @property
    def size(self) -> int:
        return len(self.point)

    def values(self, flat: np.ndarray | None = None) -> dict:
        """name -> the input's value at the answer (or in `flat`), in its declared dtype."""
        flat = self.point if flat is None else flat
        dtypes = {d.name: d.value.dtype for d in self.request.declarations}
        values, start = {}, 0
        for name in self.names:
            size = int(np.prod(self.shapes[name], dtype=np.int64))
            chunk = flat[start : start + size].reshape(self.shapes[name])
            values[name] = chunk.astype(dtypes[name])
            start += size
        return values

    def element_labels(self) -> list[str]:
        return element_labels(self.names, self.shapes)

    @property
    def agrees(self) -> bool:
        return all(c.agrees for c in (self.checks or {}).values())


def element_labels(names, shapes: dict) -> list[str]:
    """x, or x[0], x[1], ... (x[0, 1] for a matrix): one label per flat element."""
    labels = []
    for name in names:
        shape = shapes[name]
        if not shape:
            labels.append(name)
            continue
        for index in np.ndindex(shape):
            labels.append(f"{name}[{', '.join(str(i) for i in index)}]")
    return labels
