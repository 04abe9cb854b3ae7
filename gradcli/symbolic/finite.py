"""The cross-check's numeric side: central differences of one order lower, by gradcli itself.

What is moved is a source, x0 +- h d with h = eps**(1/3) * max(1, |x0|), in the source's dtype
(the step compared is the one the dtype's rounding took); what is differenced is one order lower
than the derivative checked: the target's sum (a gradient), the target's values (a Jacobian),
the tape's gradient (a Hessian), the tape's (N-1)-th derivative (order N). Each moved run holds
what the tape does not differentiate through at the base run's values: stop_gradient values and
assignment deltas (by span), statements under --stop (by name).

Directions d: a gradient's tensor source is moved along 3 random unit vectors (seed 0), and the
3 directional derivatives grad . d are compared; a Jacobian's or a Hessian's source of at most
MAX_ELEMENTWISE elements is moved one element at a time (every entry is compared), a larger one
along 3 random directions. A source whose moved runs fail is not checked.

Every step runs within the cross-check's time budget (`Clock`): the moved runs a source needs
are started only when the time left affords them, at the cost of the longest forward run seen;
else its derivatives are "not checked: over the N s budget".
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator

import numpy as np

from gradcli.errors import GradcliError
from gradcli.program.forward import ForwardRun, run_forward
from gradcli.program.records import Check, HessianResult, Request
from gradcli.program.tolerances import compare, machine_eps, tolerances
from gradcli.record import replace

from .translate import is_intermediate

__all__ = [
    "Clock",
    "central_moves",
    "difference_directions",
    "gradients",
    "hessian",
    "jacobian",
    "orders",
    "source_value",
]

DIRECTIONS = 3  # random directions for a larger source
MAX_ELEMENTWISE = 32  # a Jacobian's or Hessian's source this small is moved one element at a time


TAPE_RUNS = 3  # a run on a tape (forward, then backward) costs about this many forward runs


class Clock:
    """The cross-check's time budget: its deadline, and what one forward run of the program
    costs (the longest seen). A step that the time left cannot afford is not started: its
    derivatives are `Check.over_budget`, "not checked"."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.run_seconds = 0.0

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def affords(self, runs: float) -> bool:
        """Whether `runs` more forward runs fit in the time left."""
        return self.left() > runs * self.run_seconds

    def timed(self, run, *args):
        """`run(*args)`, its time noted as a forward run's."""
        start = time.monotonic()
        try:
            return run(*args)
        finally:
            self.run_seconds = max(self.run_seconds, time.monotonic() - start)

    def not_checked(self) -> Check:
        return Check.over_budget(self.seconds)


UNBOUNDED = Clock(float("inf"))

# ---------------------------------------------------------------- stepping


def source_value(request: Request, base: ForwardRun, source: str) -> np.ndarray | None:
    """The value a source is moved from: declared, created, or an intermediate statement's."""
    for d in request.declarations:
        if d.name == source:
            return np.asarray(d.value)
    if source in base.created:
        return base.created[source]
    if is_intermediate(request, base, source):
        values = [value for label, value in base.statements if label == source]
        return values[-1] if values else None
    return None


def _movable(x0: np.ndarray | None) -> bool:
    return x0 is not None and x0.dtype.kind == "f"


def _held(request: Request, base: ForwardRun) -> dict:
    """The statements under --stop, by name, at the base run's values."""
    return {label: value for label, value in base.statements if label in request.stop}


def _step_size(x0: np.ndarray, request: Request) -> tuple[float, float]:
    """(eps, h): the dtype's epsilon and the step, eps**(1/3) * max(1, max|x0|)."""
    eps = machine_eps(request, x0.dtype)
    finite = np.abs(x0[np.isfinite(x0)])
    return eps, eps ** (1 / 3) * max(1.0, float(np.max(finite, initial=0.0)))


def _unit_vector(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else np.ones(v.shape) / np.sqrt(v.size)


def difference_directions(
    x0: np.ndarray, rng, elementwise: int = MAX_ELEMENTWISE
) -> tuple[list, str]:
    """Every element's unit vector for a source of at most `elementwise` elements, else
    DIRECTIONS random unit vectors from `rng`; and what the comparison is, in words."""
    if x0.size <= elementwise:
        basis = np.eye(x0.size).reshape((x0.size, *x0.shape))
        what = "central differences" if x0.size == 1 else "central differences, each element"
        return list(basis), what
    directions = [_unit_vector(rng.standard_normal(x0.shape)) for _ in range(DIRECTIONS)]
    return directions, f"along {DIRECTIONS} random directions"


def central_moves(x0: np.ndarray, h: float, directions: list) -> Iterator[tuple]:
    """Per direction d: x0 + h d and x0 - h d in the source's dtype, and the step between them
    in float64, as the dtype rounded it."""
    for d in directions:
        plus, minus = (x0 + h * d).astype(x0.dtype), (x0 - h * d).astype(x0.dtype)
        yield plus, minus, plus.astype(np.float64) - minus.astype(np.float64)


def _forward(request: Request, base: ForwardRun, overrides: dict) -> ForwardRun:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return run_forward(request, overrides, frozen=base.recorded, priors=base.priors)


def _finite_check(request, got, estimates, along, noise, what, elementwise, shape) -> Check:
    """The estimates against the tape's derivative along the same steps: within the dtype's
    finite-difference tolerances plus `noise`, the rounding of what was differenced."""
    rtol, atol = tolerances(request, got, "finite-difference")
    estimates, along = np.array(estimates, dtype=np.float64), np.array(along, dtype=np.float64)
    error, agrees = compare(estimates, along, rtol, atol + noise, lenient=True)
    if elementwise:  # estimates[k] is the column of source element k: the estimated answer
        expected = np.moveaxis(estimates, 0, -1).reshape(shape)
        expected = float(expected) if expected.ndim == 0 else expected
    else:
        expected = estimates
    return Check("finite-difference", None if elementwise else what, expected, error, agrees)


# ---------------------------------------------------------------- gradient


def gradients(request: Request, base: ForwardRun, wanted: dict, clock: Clock = UNBOUNDED) -> dict:
    """Per key (index, target, source) whose source could be moved: a Check of the gradient
    `wanted[key]`, (f(x+hd) - f(x-hd)) / 2h against grad . (x+hd - x-hd) / 2h, f the target's
    sum; d is +1 for a one-element source, else 3 random directions (one generator for all)."""
    rng = np.random.default_rng(0)
    by_source: dict[str, list] = {}
    for key in wanted:
        by_source.setdefault(key[2], []).append(key)
    held = _held(request, base)
    checks = {}
    for source, keys in by_source.items():
        x0 = source_value(request, base, source)
        if not _movable(x0):
            continue
        if x0.size == 0 or any(wanted[key].shape != x0.shape for key in keys):
            for key in keys:  # nothing to move; or a gradient of the wrong shape
                agrees = wanted[key].shape == x0.shape
                error = 0.0 if agrees else float("inf")
                checks[key] = Check("finite-difference", None, np.zeros(0), error, agrees)
            continue
        eps, h = _step_size(x0, request)
        directions, what = difference_directions(x0, rng, elementwise=1)
        if not clock.affords(2 * len(directions)):
            checks.update({key: clock.not_checked() for key in keys})
            continue
        estimates = {key: [] for key in keys}
        along = {key: [] for key in keys}
        noise = {key: 0.0 for key in keys}
        try:
            for plus, minus, step in central_moves(x0, h, directions):
                f_plus = clock.timed(_target_sums, request, base, {**held, source: plus})
                f_minus = clock.timed(_target_sums, request, base, {**held, source: minus})
                for key in keys:
                    (sum_p, abs_p), (sum_m, abs_m) = f_plus[key[0]], f_minus[key[0]]
                    estimates[key].append((sum_p - sum_m) / (2 * h))
                    gradient = wanted[key].astype(np.float64)
                    along[key].append(float(np.sum(gradient * step)) / (2 * h))
                    noise[key] = max(noise[key], 10 * eps * (abs_p + abs_m) / (2 * h))
        except GradcliError:
            continue  # the moved program fails: this source is not checked
        for key in keys:
            checks[key] = _finite_check(
                request, wanted[key], estimates[key], along[key], noise[key], what, x0.size == 1, ()
            )
    return checks


def _target_sums(request: Request, base: ForwardRun, overrides: dict) -> list:
    """Per target: (sum, sum of absolute values) in float64, for one forward run."""
    run = _forward(request, base, overrides)
    values = [run.named(name) for name in request.targets] if request.targets else [run.last]
    return [
        (float(np.sum(v, dtype=np.float64)), float(np.sum(np.abs(v), dtype=np.float64)))
        for v in values
    ]


# ---------------------------------------------------------------- jacobian


def jacobian(
    request: Request, base: ForwardRun, target, source: str, got, clock: Clock = UNBOUNDED
) -> Check | None:
    """A Check of the Jacobian `got` of `target` by `source`, by central differences of the
    target's values; None when the source cannot be moved."""
    x0 = source_value(request, base, source)
    if not _movable(x0) or x0.size == 0:
        return None
    eps, h = _step_size(x0, request)
    directions, what = difference_directions(x0, np.random.default_rng(0))
    if not clock.affords(2 * len(directions)):
        return clock.not_checked()
    held = _held(request, base)
    estimates, along, noise = [], [], 0.0
    try:
        for plus, minus, step in central_moves(x0, h, directions):
            f_plus = clock.timed(_value_at, request, base, target, {**held, source: plus})
            f_minus = clock.timed(_value_at, request, base, target, {**held, source: minus})
            estimates.append((f_plus - f_minus) / (2 * h))
            along.append(np.tensordot(got, step, axes=x0.ndim) / (2 * h))
            scale = float(np.max(np.abs(f_plus) + np.abs(f_minus), initial=0.0))
            noise = max(noise, 10 * eps * scale / (2 * h))
    except GradcliError:
        return None  # the moved program fails: not checked
    elementwise = x0.size <= MAX_ELEMENTWISE
    return _finite_check(request, got, estimates, along, noise, what, elementwise, got.shape)


def _value_at(request: Request, base: ForwardRun, target, overrides: dict) -> np.ndarray:
    run = _forward(request, base, overrides)
    value = run.named(target) if target is not None else run.last
    return np.asarray(value, dtype=np.float64)


# ---------------------------------------------------------------- grad --order N


def orders(
    request: Request, base: ForwardRun, wanted: dict, order: int, clock: Clock = UNBOUNDED
) -> dict:
    """Per key (index, target, scalar source): a Check of the N-th derivative `wanted[key]`, by
    central differences of the tape's (N-1)-th derivatives, computed once per source."""
    from gradcli.program.derivatives import derivatives_of_order

    held = _held(request, base)
    lower: dict = {}  # (source, sign) -> the (N-1)-th derivatives there, per result
    checks = {}
    for key, value in wanted.items():
        index, _, source = key
        x0 = source_value(request, base, source)
        if not _movable(x0):
            continue
        eps, h = _step_size(x0, request)
        ((plus, minus, step),) = central_moves(x0, h, [np.ones(x0.shape)])
        if (source, 1) not in lower and not clock.affords(2 * TAPE_RUNS * order):
            checks[key] = clock.not_checked()
            continue
        try:
            for sign, moved in ((1, plus), (-1, minus)):
                if (source, sign) not in lower:
                    at = replace(request, wrt=(source,))
                    lower[source, sign] = derivatives_of_order(
                        at, order - 1, {**held, source: moved}, base.recorded
                    ).results
        except GradcliError:
            continue
        d_plus = lower[source, 1][index].gradients[source]
        d_minus = lower[source, -1][index].gradients[source]
        if d_plus is None or d_minus is None:
            continue
        estimate = (float(d_plus) - float(d_minus)) / (2 * h)
        noise = 10 * eps * (abs(float(d_plus)) + abs(float(d_minus))) / (2 * h)
        along = float(value) * float(step) / (2 * h)
        checks[key] = _finite_check(
            request, value, [estimate], [along], noise, "central differences", True, ()
        )
    return checks


# ---------------------------------------------------------------- hessian


def hessian(
    request: Request,
    base: ForwardRun,
    result: HessianResult,
    names: list,
    keys,
    clock: Clock = UNBOUNDED,
) -> dict:
    """Per key (a, b) of `keys`: a Check of the block d2f/da db, by central differences of the
    tape's gradient moving b; a column of blocks at a time, in the order `keys` name b."""
    wanted = set(keys)
    checks = {}
    for b in dict.fromkeys(b for _, b in keys):
        for a, check in _hessian_column(request, base, result, names, b, clock).items():
            if (a, b) in wanted:
                checks[a, b] = check
    return checks


def _hessian_column(request, base, result: HessianResult, names: list, b: str, clock) -> dict:
    """a -> Check of block (a, b), by central differences of the tape's gradient moving b."""
    from gradcli.program.derivatives import gradients_at

    x0 = source_value(request, base, b)
    if not _movable(x0) or x0.size == 0 or is_intermediate(request, base, b):
        return {}  # an intermediate statement cannot be moved without cutting the others' paths
    eps, h = _step_size(x0, request)
    directions, what = difference_directions(x0, np.random.default_rng(0))
    if not clock.affords(2 * TAPE_RUNS * len(directions)):
        return {a: clock.not_checked() for a in names if result.blocks[a][b] is not None}
    held = _held(request, base)
    estimates: dict = {a: [] for a in names}
    along: dict = {a: [] for a in names}
    noise: dict = {a: 0.0 for a in names}
    try:
        for plus, minus, step in central_moves(x0, h, directions):
            g_plus = gradients_at(request, {**held, b: plus}, base.recorded)
            g_minus = gradients_at(request, {**held, b: minus}, base.recorded)
            for a in names:
                block = result.blocks[a][b]
                if block is None or g_plus.get(a) is None or g_minus.get(a) is None:
                    continue
                estimates[a].append((g_plus[a] - g_minus[a]) / (2 * h))
                along[a].append(np.tensordot(block, step, axes=x0.ndim) / (2 * h))
                scale = float(np.max(np.abs(g_plus[a]) + np.abs(g_minus[a]), initial=0.0))
                noise[a] = max(noise[a], 10 * eps * scale / (2 * h))
    except GradcliError:
        return {}
    elementwise = x0.size <= MAX_ELEMENTWISE
    checks = {}
    for a in names:
        block = result.blocks[a][b]
        if block is None or len(estimates[a]) != len(directions):
            continue
        checks[a] = _finite_check(
            request, block, estimates[a], along[a], noise[a], what, elementwise, block.shape
        )
    return checks
