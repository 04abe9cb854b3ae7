"""The cross-check: every derivative the tape computed, against sympy or finite differences.

`cross_check(request, result)` is the one entry point, whatever was computed: a `Report` of
gradients (of any order, `grad` and `tape`) or of Jacobians, or a `HessianResult`. Each kind is
checked the same way (`_symbolic_else_finite`):

- sympy first (`expected.py`), when the program has at most `max_symbolic_elements` input
  elements: the program translated through each primitive's sympy form, differentiated, and
  evaluated at the point, in a worker with a deadline (`timeout`); a gradient's shown
  expressions are then simplified within `budget` seconds in all.
- finite differences (`finite.py`) for whatever sympy did not answer: past the deadline, past the
  size limit, or where an operation has no sympy form or sympy failed.

Everything runs within one time budget, `seconds` (the commands' `--budget`, default
`DEFAULT_BUDGET`): sympy's deadlines are cut to the time left, and finite differences start only
the runs the time left affords (`finite.Clock`); a derivative not checked in time is
`Check.over_budget`, shown as "not checked: over the N s budget" (it disagrees with nothing, so
the exit code stays 0).

Tolerances follow from the dtype (`program.tolerances`). sympy is imported only when a check
runs: importing this module does not import it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcli.program.forward import ForwardRun, input_elements, run_forward
from gradcli.program.records import Check, Evaluation, HessianResult, JvpResult, Report, Request
from gradcli.program.records import finite as is_finite
from gradcli.record import Record, replace

from . import expected, fast, finite
from .translate import is_intermediate

__all__ = ["DEFAULT_BUDGET", "cross_check"]

DEFAULT_BUDGET = 5.0  # seconds a cross-check may take in all (the commands' --budget)
FINITE_RUNS_RESERVED = 8  # forward runs' time kept from sympy for finite differences

MAX_SYMBOLIC_DERIVATIVES = 1024  # partial derivatives of a Jacobian asked of sympy in one check


class _Settings(Record):
    """How long sympy may take (`timeout`, and `budget` for simplifying), and up to how many
    input elements it is asked at all."""

    __slots__ = ("budget", "max_symbolic_elements", "timeout", "clock")
    budget: float
    max_symbolic_elements: int
    timeout: float
    clock: finite.Clock  # the whole check's deadline

    def sympy_timeout(self) -> float:
        """sympy's deadline: `timeout`, cut to the time left less what finite differences
        would need if sympy does not answer."""
        reserve = FINITE_RUNS_RESERVED * self.clock.run_seconds
        return max(0.0, min(self.timeout, self.clock.left() - reserve))

    def base(self, request: Request) -> ForwardRun:
        """The numeric forward run at the point, timed: what each finite difference costs."""
        return self.clock.timed(run_forward, request)

    def symbolic(self, request: Request, base: ForwardRun) -> bool:
        return input_elements(request, base) <= self.max_symbolic_elements


def cross_check(
    request: Request,
    result,
    *,
    budget: float = 2.0,
    max_symbolic_elements: int = 32,
    timeout: float = 5.0,
    seconds: float = DEFAULT_BUDGET,
) -> tuple | dict:
    """The checks of `result`'s derivatives, in the shape of its `checks` field:

    - a `Report` (or a `TapeView`): per result, a dict source -> `Check` for every derivative
      that is not None, in the derivatives' order (a gradient's zeros filled in by
      `--unconnected zero` have reasons instead, and are not checked);
    - a `HessianResult`: source a -> source b -> `Check` of every block that is not None;
    - a `JvpResult`: per target, the `Check` of its directional derivative (`directional.py`).

    A source whose finite-difference runs fail is left out. `Check.expected` is sympy's
    derivative (a float for one element, else an array), or for finite differences the estimated
    derivative, or the 3 directional derivatives that were compared (`expression` says so).
    All within `seconds` (sympy's `timeout` and simplifying `budget` are cut to the time left);
    a derivative not checked in time is `Check.over_budget`.
    """
    settings = _Settings(budget, max_symbolic_elements, timeout, finite.Clock(seconds))
    with np.errstate(all="ignore"):
        if isinstance(result, HessianResult):
            return _undefined_blocks(result, _hessian(request, result, settings))
        if isinstance(result, JvpResult):  # gradcli jvp: per target, J t against sympy's
            from .directional import jvp_checks

            return _undefined_jvps(result, jvp_checks(request, result, settings))
        evaluation = result.evaluation
        if isinstance(result, Report) and result.kind == "jacobian":
            checks = _jacobians(request, evaluation, settings)
        elif evaluation.order > 1:
            checks = _orders(request, evaluation, settings)
        else:
            checks = _gradients(request, evaluation, settings)
        return _undefined_checks(evaluation, checks)


def _symbolic_else_finite(
    request: Request,
    wanted: dict,
    ask: Callable | None,
    finite_checks: Callable[[list], dict],
    settings: _Settings,
    budget: float = 0.0,
) -> dict:
    """key -> Check: sympy's answers (`ask()`, run in a worker; None: sympy is not asked)
    against the tape's `wanted[key]`, then finite differences (`finite_checks(keys)`) for the
    keys sympy did not answer. The symbolic checks come first, in `wanted`'s order."""
    answers = {}
    if ask is not None and settings.sympy_timeout() > 0:
        deadline = settings.clock.deadline
        answers = expected.in_worker(ask, settings.sympy_timeout(), budget, deadline)
    checks = {
        key: expected.symbolic_check(request, answers[key], got)
        for key, got in wanted.items()
        if isinstance(answers.get(key), expected.Expected)
    }
    rest = [key for key in wanted if key not in checks]
    if rest:
        checks.update(finite_checks(rest))
    return checks


def _wanted(request: Request, evaluation: Evaluation, with_reasons: bool) -> dict:
    """(index, target label or None, source) -> the tape's answer, for every answer not None
    (and, unless `with_reasons`, not a zero filled in for a None)."""
    return {
        (index, result.target if request.targets else None, source): np.asarray(value)
        for index, result in enumerate(evaluation.results)
        for source, value in result.gradients.items()
        if value is not None and (with_reasons or source not in result.reasons)
    }


def _per_result(evaluation: Evaluation, wanted: dict, checks: dict) -> tuple:
    """Per result, a dict source -> Check, in `wanted`'s order."""
    out: list[dict] = [{} for _ in evaluation.results]
    for key in wanted:
        index, _, source = key
        if key in checks:
            out[index][source] = checks[key]
    return tuple(out)


# ---------------------------------------------------------------- each kind


def _gradients(request: Request, evaluation: Evaluation, settings: _Settings) -> tuple:
    wanted = _wanted(request, evaluation, with_reasons=False)
    if not wanted:
        return _per_result(evaluation, wanted, {})
    base = settings.base(request)

    def numeric(rest: list) -> dict:
        return finite.gradients(request, base, {key: wanted[key] for key in rest}, settings.clock)

    symbolic = settings.symbolic(request, base)
    # symengine first (no sympy import, `fast.py`); sympy for what it cannot answer as sympy would
    asked = symbolic and settings.sympy_timeout() > 0
    found = fast.gradients(request, base, list(wanted), settings.sympy_timeout()) if asked else {}
    if found is None:  # late: sympy, one to two orders of magnitude slower, would be too
        found, symbolic = {}, False
    checks = {key: expected.symbolic_check(request, found[key], wanted[key]) for key in found}
    rest = {key: got for key, got in wanted.items() if key not in found}
    if rest:

        def ask() -> tuple[dict, list]:
            return expected.gradients(request, base, list(rest))

        checks.update(
            _symbolic_else_finite(
                request, rest, ask if symbolic else None, numeric, settings, settings.budget
            )
        )
    return _per_result(evaluation, wanted, checks)


def _jacobians(request: Request, evaluation: Evaluation, settings: _Settings) -> tuple:
    wanted = _wanted(request, evaluation, with_reasons=True)
    if not wanted:
        return _per_result(evaluation, wanted, {})
    base = settings.base(request)

    def ask() -> tuple[dict, list]:
        return expected.jacobians(request, base, list(wanted))

    def numeric(rest: list) -> dict:
        found = {
            key: finite.jacobian(request, base, key[1], key[2], wanted[key], settings.clock)
            for key in rest
        }
        return {key: check for key, check in found.items() if check is not None}

    count = sum(value.size for value in wanted.values())
    symbolic = settings.symbolic(request, base) and count <= MAX_SYMBOLIC_DERIVATIVES
    checks = _symbolic_else_finite(request, wanted, ask if symbolic else None, numeric, settings)
    return _per_result(evaluation, wanted, checks)


def _orders(request: Request, evaluation: Evaluation, settings: _Settings) -> tuple:
    wanted = _wanted(request, evaluation, with_reasons=True)
    if not wanted:
        return _per_result(evaluation, wanted, {})
    base = settings.base(request)
    order = evaluation.order

    def ask() -> tuple[dict, list]:
        return expected.orders(request, base, list(wanted), order)

    def numeric(rest: list) -> dict:
        return finite.orders(
            request, base, {key: wanted[key] for key in rest}, order, settings.clock
        )

    symbolic = settings.symbolic(request, base)
    checks = _symbolic_else_finite(request, wanted, ask if symbolic else None, numeric, settings)
    return _per_result(evaluation, wanted, checks)


def _hessian(request: Request, result: HessianResult, settings: _Settings) -> dict:
    """sympy's `hessian` when every source is an input (declared or created) and the inputs are
    small; else finite differences of the tape's gradient."""
    names = [a for a, row in result.blocks.items() if any(v is not None for v in row.values())]
    checks: dict = {a: {} for a in result.blocks}
    if not names:
        return checks
    base = settings.base(request)
    target = result.target.target if request.targets else None
    wanted = {
        (a, b): result.blocks[a][b] for a in names for b in names if result.blocks[a][b] is not None
    }

    def ask() -> tuple[dict, list]:
        return expected.hessian(request, base, target, names)

    def numeric(rest: list) -> dict:
        return finite.hessian(request, base, result, names, rest, settings.clock)

    inputs = not any(is_intermediate(request, base, name) for name in names)
    symbolic = inputs and settings.symbolic(request, base)
    found = _symbolic_else_finite(request, wanted, ask if symbolic else None, numeric, settings)
    for (a, b), check in found.items():
        checks[a][b] = check
    return checks


# ---------------------------------------------------------------- not defined


def _not_defined(check: Check) -> Check:
    """A check of a derivative that is not a number: it neither agrees nor disagrees."""
    return replace(check, agrees=False, defined=False)


def _undefined_checks(evaluation: Evaluation, checks: tuple) -> tuple:
    """The checks, those of a non-finite derivative or of a non-finite target not defined."""
    out = []
    for result, per in zip(evaluation.results, checks):
        whole = is_finite(result.value)
        out.append(
            {
                source: check
                if whole and is_finite(result.gradients.get(source))
                else _not_defined(check)
                for source, check in per.items()
            }
        )
    return tuple(out)


def _undefined_blocks(result: HessianResult, checks: dict) -> dict:
    """The Hessian's checks, those of a non-finite block (or target, or gradient) not defined."""
    whole = result.evaluation.defined
    return {
        a: {
            b: check if whole and is_finite(result.blocks[a][b]) else _not_defined(check)
            for b, check in row.items()
        }
        for a, row in checks.items()
    }


def _undefined_jvps(result: JvpResult, checks: tuple) -> tuple:
    """A directional derivative, or its target's value, that is nan or inf is not defined."""
    return tuple(
        check
        if check is None or (is_finite(target.value) and is_finite(jvp))
        else _not_defined(check)
        for check, target, jvp in zip(checks, result.evaluation.results, result.jvps)
    )
