"""What a request asks and what an evaluation answers: plain values, no tapes, no rendering.

The renderers (table, JSON, plain) read these; the engine never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .limits import DEFAULT_LIMITS, Limits
from .syntax import Program

KINDS = ("variable", "frozen", "constant")


@dataclass(frozen=True)
class Declaration:
    """A declared input: `--x 3` (variable), `--frozen x=3`, `--const x=3`."""

    name: str
    kind: str  # one of KINDS
    value: np.ndarray


@dataclass(frozen=True)
class Request:
    program: Program
    declarations: tuple[Declaration, ...] = ()
    watch: tuple[str, ...] = ()
    auto_watch: bool = True
    wrt: tuple[str, ...] = ()  # empty: every declared input and every created variable
    targets: tuple[str, ...] = ()  # empty: the last statement
    unconnected: str = "none"  # "none" | "zero", as tf's unconnected_gradients
    seed: int = 0
    dtype: np.dtype = np.dtype(np.float64)
    stop: tuple[str, ...] = ()  # statements evaluated with recording paused
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True)
class InputInfo:
    name: str
    kind: str  # "variable" | "frozen" | "constant"; variables a program creates are "variable"
    value: np.ndarray
    watched: bool
    created: bool = False  # made by the program (dense), not declared

    @property
    def trainable(self) -> bool:
        return self.kind == "variable"


@dataclass(frozen=True)
class TargetResult:
    target: str
    value: np.ndarray
    gradients: dict  # source name -> np.ndarray | None, in source order
    reasons: dict  # source name -> why its gradient is None (or unconnected zero)


@dataclass(frozen=True)
class Evaluation:
    inputs: dict  # name -> InputInfo, declared first, then created
    statements: tuple  # (label, value) per statement, in order
    sources: tuple[str, ...]
    watched: tuple[str, ...]  # variable names, in the order the tape first watched them
    results: tuple[TargetResult, ...]
    warnings: tuple[str, ...] = ()
    order: int = 1  # the results' "gradients" are derivatives of this order (grad --order)


@dataclass(frozen=True)
class Check:
    """The cross-check of one gradient: symbolic (sympy) or finite differences."""

    method: str  # "symbolic" | "finite-difference"
    expression: str | None  # the symbolic derivative, when there is one
    expected: np.ndarray | float
    max_abs_err: float
    agrees: bool


@dataclass(frozen=True)
class Report:
    """An evaluation and, per target, the cross-check of each source (None when not asked)."""

    evaluation: Evaluation
    checks: tuple = ()  # per result: dict source -> Check, or None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def agrees(self) -> bool:
        return all(c.agrees for per in self.checks if per for c in per.values())
