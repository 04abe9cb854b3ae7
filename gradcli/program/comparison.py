"""An answer compared with the tape's derivative, in numbers: `gradcli check`'s numeric half.

The claim is that ANSWER is the derivative of EXPR with respect to one input. The tape's
derivative and ANSWER's value are compared at the given point, and at points sampled from the
inputs' domains (`language.analysis.sample_intervals`): a few round ones first, so that a
counterexample is readable, then random ones, then random ones from a wider interval for inputs
whose usable points are rare. Points where EXPR, its derivative or ANSWER is not finite are
skipped.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gradcli.errors import GradcliError
from gradcli.language import syntax as s
from gradcli.language.analysis import sample_intervals

from .point import run_value
from .records import Declaration, Request

WIDER_INTERVAL = (-30.0, 30.0)  # tried when too few points of the default one are usable
NICE_POINTS = (1.0, 2.0, -1.0, 0.5, -2.0, 1.5, -0.5, 3.0)  # tried first: readable counterexamples
RTOL, ATOL = 1e-7, 1e-9  # a claimed value equals the derivative within atol + rtol * magnitude


@dataclass(frozen=True)
class Claim:
    """ANSWER (`answer`, a request of its own) claimed to be d EXPR / d `wrt`.

    `point`: the given point (empty: none); `number`: ANSWER has no inputs, so it is compared at
    the point only; `digits`: the rounding ANSWER's decimal literal allows (or None: `--exact`);
    `tolerance`: `--tol`, an absolute tolerance that replaces both (or None)."""

    request: Request
    answer: Request
    inputs: list[str]
    wrt: str
    point: dict
    number: bool
    digits: float | None
    tolerance: float | None = None

    @property
    def allowed(self) -> float | None:
        """The gap a comparison allows on top of RTOL/ATOL: --tol, else the digits given."""
        return self.tolerance if self.tolerance is not None else self.digits


def decimal_places(program: s.Program) -> int | None:
    """For an ANSWER that is one decimal literal (0.54, -1.5): its decimal places (2, 1)."""
    if len(program.statements) != 1:
        return None
    node = program.statements[0].value
    if isinstance(node, s.Unary) and node.op in "+-":
        node = node.operand
    if not isinstance(node, s.Number) or "." not in node.text or "e" in node.text.lower():
        return None
    return len(node.text.split(".", 1)[1].replace("_", ""))


def decimal_tolerance(program: s.Program) -> float | None:
    """For an ANSWER that is one decimal literal (0.54, -1.5): half a unit of its last digit."""
    decimals = decimal_places(program)
    return None if decimals is None else 0.5 * 10.0**-decimals * (1 + 1e-9)


def agree(derivative: float, claim: float, digits: float | None) -> bool:
    """The claimed value equals the derivative (within RTOL/ATOL, or the gap `digits` allows)."""
    if not (math.isfinite(derivative) and math.isfinite(claim)):
        return False
    gap = abs(derivative - claim)
    return gap <= max(ATOL + RTOL * max(abs(derivative), abs(claim)), digits or 0.0)


def values_at(claim: Claim, values: dict) -> tuple[float, float, float]:
    """(f, df/dwrt by the tape, ANSWER's value) at `values`; nan where a run fails."""
    return _run_at(claim, values)[:3]


def undefined_at(claim: Claim, values: dict) -> str | None:
    """The first operation of EXPR that makes a nan or an inf at `values` ("'/' divides by
    zero (input values 1.0, 0.0)"), or None."""
    return _run_at(claim, values)[3]


def _run_at(claim: Claim, values: dict) -> tuple[float, float, float, str | None]:
    from .run import evaluate

    declarations = tuple(
        Declaration(name, "variable", np.array(values[name], dtype=np.float64))
        for name in claim.inputs
    )
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            evaluation = evaluate(
                Request(
                    program=claim.request.program,
                    declarations=declarations,
                    wrt=(claim.wrt,),
                    unconnected="zero",
                )
            )
            answer = run_value(Request(program=claim.answer.program, declarations=declarations))
        result = evaluation.results[0]
        derivative = float(result.gradients[claim.wrt])
        return float(result.value), derivative, float(answer), evaluation.undefined
    except (GradcliError, TypeError, ValueError):
        return math.nan, math.nan, math.nan, None


def compare_numerically(
    claim: Claim, at_point: tuple[float, float] | None, count: int, seed: int
) -> dict:
    """The given point's (derivative, answer), if any, then `count` usable random points (unless
    ANSWER is a number and a point is given): {"at_point", "checked", "mismatch", "intervals"
    (sampled from), "extent" (per input, the least and greatest value among the points
    compared)}."""
    result = {"at_point": None, "checked": 0, "mismatch": None, "intervals": None, "extent": {}}
    if at_point is not None:
        derivative, answer = at_point
        result["at_point"] = {
            "derivative": derivative,
            "answer": answer,
            "agrees": agree(derivative, answer, claim.allowed),
            "exact": agree(derivative, answer, None),  # without the digits' rounding
        }
        if claim.number:
            return result
    intervals = sample_intervals(claim.request.program, claim.inputs)
    result["intervals"] = intervals
    rng = np.random.default_rng(seed)
    for values in _candidates(intervals, rng, count):
        f, derivative, answer = values_at(claim, values)
        if not all(math.isfinite(v) for v in (f, derivative, answer)):
            continue
        result["checked"] += 1
        for name, value in values.items():
            lo, hi = result["extent"].get(name, (value, value))
            result["extent"][name] = (min(lo, value), max(hi, value))
        if not agree(derivative, answer, claim.allowed):
            result["mismatch"] = {"point": values, "derivative": derivative, "answer": answer}
            break
        if result["checked"] >= count:
            break
    return result


def _candidates(intervals: dict, rng: np.random.Generator, count: int) -> Iterator[dict]:
    """Points to try: a few round ones inside the intervals (a different one for each input, so
    that x*y and y*x differ there), then uniform random ones; then the same from a wider
    interval, for inputs whose usable points are rare."""
    names = list(intervals)
    nice = {}
    for name, (lo, hi) in intervals.items():
        nice[name] = [v for v in NICE_POINTS if lo <= v <= hi] or [(lo + hi) / 2]
    for i in range(min(len(NICE_POINTS), count)):
        yield {name: nice[name][(i + k) % len(nice[name])] for k, name in enumerate(names)}
    for box in (intervals, dict.fromkeys(names, WIDER_INTERVAL)):
        for _ in range(count * 10):
            yield {name: float(rng.uniform(*box[name])) for name in names}
