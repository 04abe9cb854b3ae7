"""What a request asks and what an evaluation answers: plain values, no tapes, no rendering.

The kind of derivative a command asks for (`Derivative`: gradient of order N, jacobian,
hessian, tape); the request; the evaluation (inputs, statements, each target's derivatives and
the reasons for None); the cross-check of one derivative (`Check`); and the results the commands
render: a `Report` (gradients of any order, or Jacobians) and a `HessianResult`. The renderers
(table, JSON, plain) read these; the engine never sees them.
"""

from __future__ import annotations

import numpy as np

from gradcli.language.limits import DEFAULT_LIMITS, Limits
from gradcli.language.syntax import Program
from gradcli.record import Record

KINDS = ("variable", "frozen", "constant")


class Declaration(Record):
    """A declared input: `--x 3` (variable), `--frozen x=3`, `--const x=3`."""

    __slots__ = ("name", "kind", "value")
    name: str
    kind: str  # one of KINDS
    value: np.ndarray


class Derivative(Record):
    """A kind of derivative: "gradient" (of `order`), "jacobian", "hessian", "tape" (the
    gradient, recorded step by step) or "jvp" (a directional derivative, forward mode); `mode`
    is how gradients and Jacobians are computed: "reverse" (the default, a backward pass per
    output element), "forward" (a forward pass per input element) or "both" (compared)."""

    __slots__ = ("kind", "order", "mode")
    _defaults = {"order": 1, "mode": None}
    kind: str
    order: int
    mode: str | None  # None: reverse, and the output says nothing of modes


GRADIENT = Derivative("gradient")
JACOBIAN = Derivative("jacobian")
HESSIAN = Derivative("hessian", 2)
TAPE = Derivative("tape")
JVP = Derivative("jvp", mode="forward")


def gradient_of_order(order: int) -> Derivative:
    """`grad --order N`: the gradient for N = 1, else the N-th derivative."""
    return GRADIENT if order == 1 else Derivative("gradient", order)


class Request(Record):
    __slots__ = (
        "program",
        "declarations",
        "watch",
        "auto_watch",
        "wrt",
        "targets",
        "unconnected",
        "seed",
        "dtype",
        "stop",
        "limits",
        "tangents",
    )
    _defaults = {
        "declarations": (),
        "watch": (),
        "auto_watch": True,
        "wrt": (),
        "targets": (),
        "unconnected": "none",
        "seed": 0,
        "dtype": np.dtype(np.float64),
        "stop": (),
        "limits": DEFAULT_LIMITS,
        "tangents": (),
    }
    program: Program
    declarations: tuple[Declaration, ...]
    watch: tuple[str, ...]
    auto_watch: bool
    wrt: tuple[str, ...]  # empty: every declared input and every created variable
    targets: tuple[str, ...]  # empty: the last statement
    unconnected: str  # "none" | "zero", as tf's unconnected_gradients
    seed: int
    dtype: np.dtype
    stop: tuple[str, ...]  # statements evaluated with recording paused
    limits: Limits
    tangents: tuple[tuple[str, np.ndarray], ...]  # gradcli jvp's --tangent NAME=VALUE


class InputInfo(Record):
    __slots__ = ("name", "kind", "value", "watched", "created")
    _defaults = {"created": False}
    name: str
    kind: str  # "variable" | "frozen" | "constant"; variables a program creates are "variable"
    value: np.ndarray
    watched: bool
    created: bool  # made by the program (dense), not declared

    @property
    def trainable(self) -> bool:
        return self.kind == "variable"


class TargetResult(Record):
    __slots__ = ("target", "value", "gradients", "reasons")
    target: str
    value: np.ndarray
    gradients: dict  # source name -> np.ndarray | None, in source order
    reasons: dict  # source name -> why its gradient is None (or unconnected zero)


class Evaluation(Record):
    __slots__ = (
        "inputs",
        "statements",
        "sources",
        "watched",
        "results",
        "warnings",
        "order",
        "undefined",
    )
    _defaults = {"warnings": (), "order": 1, "undefined": None}
    inputs: dict  # name -> InputInfo, declared first, then created
    statements: tuple  # (label, value) per statement, in order
    sources: tuple[str, ...]
    watched: tuple[str, ...]  # variable names, in the order the tape first watched them
    results: tuple[TargetResult, ...]
    warnings: tuple[str, ...]
    order: int  # the results' "gradients" are derivatives of this order (grad --order)
    undefined: str | None  # the first operation that made nan/inf: "'/' divides by zero (...)"

    @property
    def defined(self) -> bool:
        """Every target's value and every derivative (not None) is a number: no nan, no inf."""
        return all(
            finite(result.value) and all(finite(g) for g in result.gradients.values())
            for result in self.results
        )


def finite(value) -> bool:
    """No nan or inf in `value` (None, integers and booleans are finite)."""
    if value is None:
        return True
    array = np.asarray(value)
    return array.dtype.kind not in "fc" or bool(np.isfinite(array).all())


NOT_CHECKED = "not checked"  # a Check's method when the check ran out of its time budget


class Check(Record):
    """The cross-check of one gradient: symbolic (sympy) or finite differences, or not checked
    (over the check's time budget: `over_budget`).

    `defined` is False when the tape's derivative or the target's value is not a number (nan,
    inf): then the check neither agrees nor disagrees (`agrees` is False, and not counted)."""

    __slots__ = ("method", "expression", "expected", "max_abs_err", "agrees", "defined")
    _defaults = {"defined": True}
    method: str  # "symbolic" | "finite-difference" | NOT_CHECKED
    expression: str | None  # the symbolic derivative, when there is one; why not checked
    expected: np.ndarray | float | None
    max_abs_err: float
    agrees: bool  # True when not checked: nothing disagrees (the exit code stays 0)
    defined: bool

    @classmethod
    def over_budget(cls, seconds: float) -> Check:
        return cls(NOT_CHECKED, f"over the {seconds:g} s budget", None, float("nan"), True)

    @property
    def checked(self) -> bool:
        return self.method != NOT_CHECKED


class Cost(Record):
    """What computing derivatives in one mode took: `passes` (forward: one per input element;
    reverse: one per output element), `operations` (the primitive steps evaluated: the program's
    own and the derivative rules run), `seconds`; `difference`, the largest |this mode's answer -
    the reported one| (0.0 for the mode reported)."""

    __slots__ = ("mode", "passes", "operations", "seconds", "difference")
    mode: str  # "forward" | "reverse"
    passes: int
    operations: int
    seconds: float
    difference: float


class Kink(Record):
    """A source element at which a target is not differentiable (`program.kinks`): the
    derivatives of the target's sum from each side (None: not defined on that side; +-inf), the
    tape's value there (TensorFlow's convention), and the operations found at one of their kinks
    ("abs() at 0") with the registry's conventions ("abs'(0) = 0").

    A Jacobian's kink is of one element of the target (`element`, its index); a Hessian's, of the
    first derivative by one source element (`gradient_of`, "x" or "x[1]"), moved by `source`; and
    `gradient` is then the Jacobian's or the Hessian's entry shown."""

    __slots__ = (
        "target",
        "source",
        "at",
        "operations",
        "conventions",
        "left",
        "right",
        "gradient",
        "element",
        "gradient_of",
    )
    _defaults = {"element": None, "gradient_of": ""}
    target: str
    source: str  # "x", or "x[1]" for an element
    at: float  # the source element's value
    operations: tuple[str, ...]
    conventions: tuple[str, ...]
    left: float | None
    right: float | None
    gradient: float
    element: tuple[int, ...] | None  # a Jacobian's: the target element's index
    gradient_of: str  # a Hessian's: the source element whose first derivative is differentiated


class Report(Record):
    """An evaluation and, per target, the cross-check of each source (None when not asked).

    `kind` says what the results' `gradients` hold: "gradient", derivatives of order
    `evaluation.order`, or "jacobian", of shape target.shape + source.shape. `costs` (for
    `--mode`): a `Cost` per mode that computed them; empty when no mode was asked. `kinks`: the
    source elements where a target (grad) or a target's element (jacobian) is not
    differentiable.
    """

    __slots__ = ("evaluation", "checks", "notes", "kind", "costs", "kinks")
    _defaults = {"checks": (), "notes": (), "kind": "gradient", "costs": (), "kinks": ()}
    evaluation: Evaluation
    checks: tuple  # per result: dict source -> Check, or None
    notes: tuple[str, ...]
    kind: str  # "gradient" | "jacobian"
    costs: tuple  # Cost per mode, the reported one first
    kinks: tuple[Kink, ...]

    @property
    def agrees(self) -> bool:
        """No check disagrees (those of derivatives that are not defined do not count)."""
        return all(c.agrees or not c.defined for per in self.checks if per for c in per.values())

    @property
    def defined(self) -> bool:
        return self.evaluation.defined


class HessianResult(Record):
    """The Hessian of one scalar target: a block for every (ordered) pair of sources.

    `blocks[a][b]` is d2 target / da db, of shape a.shape + b.shape, or None when a's or b's
    gradient is None (the reason is in `evaluation.results[0].reasons`). `asymmetry` is the
    largest |blocks[a][b] - blocks[b][a] transposed|; `symmetric` says whether it is within the
    dtype's tolerance. `checks[a][b]` is the cross-check of a block (empty: none ran).
    """

    __slots__ = ("evaluation", "blocks", "asymmetry", "symmetric", "checks", "kinks")
    _defaults = {"checks": None, "kinks": ()}
    evaluation: Evaluation  # one target; its results' gradients are the first derivatives
    blocks: dict
    asymmetry: float
    symmetric: bool
    checks: dict | None  # source -> source -> Check; None: no check ran
    kinks: tuple[Kink, ...]  # where a first derivative is not differentiable (`program.kinks`)

    @property
    def target(self) -> TargetResult:
        return self.evaluation.results[0]

    @property
    def agrees(self) -> bool:
        checked = (c for row in (self.checks or {}).values() for c in row.values())
        symmetric = self.symmetric or not self.defined  # nan blocks are not asymmetric
        return symmetric and all(c.agrees or not c.defined for c in checked)

    @property
    def defined(self) -> bool:
        """The target, its gradients and every block are numbers (no nan, no inf)."""
        blocks = (block for row in self.blocks.values() for block in row.values())
        return self.evaluation.defined and all(finite(block) for block in blocks)


class JvpResult(Record):
    """`gradcli jvp`: each target's directional derivative along the tangents (one forward pass).

    `tangents`: source -> its tangent (the direction, in the source's shape); `jvps`: per target
    (in `evaluation.results`' order) the Jacobian-vector product, of the target's shape, or None
    when no tangent reaches it (zeros with --unconnected zero), the reason in `reasons`; `checks`:
    per target its `Check` (None: not checked), empty when no check ran.
    """

    __slots__ = ("evaluation", "tangents", "jvps", "reasons", "checks")
    _defaults = {"checks": ()}
    evaluation: Evaluation
    tangents: dict
    jvps: tuple
    reasons: tuple  # per target: why its JVP is None (or zero), or None
    checks: tuple

    @property
    def agrees(self) -> bool:
        """No check disagrees (those of derivatives that are not defined do not count)."""
        return all(c.agrees or not c.defined for c in self.checks if c is not None)

    @property
    def defined(self) -> bool:
        """The targets and their directional derivatives are numbers (no nan, no inf)."""
        return self.evaluation.defined and all(finite(jvp) for jvp in self.jvps)
