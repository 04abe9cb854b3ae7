"""Homework mode's sympy work, seen from the command: a worker's answers within their deadlines.

- `collect`: run a producer of `formula` in a worker (`workers.start_worker`) and gather its
  messages: the first within SYMPY_TIMEOUT seconds (else `SymbolicError`), the rest within the
  simplifying budget;
- `derivatives`: `gradcli diff`'s formulas, each replaced by its simplified form when sympy
  found a shorter one in time;
- `derivation_steps`: `gradcli diff --steps`' (and `check --steps`') rule trees, each ending
  with its simplify step (`derivation_worker.produce_steps`);
- `compare` and `verdict`: `gradcli check`'s comparison of an answer with the derivative, sympy's
  half in a worker while the tape's half (`program.comparison`) runs, and the verdict of both.

sympy is imported when a worker starts, not when this module is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gradcli.errors import GradcliError, NotRealError, Span, UsageError
from gradcli.program.comparison import Claim, compare_numerically
from gradcli.program.records import Request

from .formula import produce_comparison, produce_derivatives
from .sympy_import import import_sympy
from .workers import GRACE, Late, start_worker

SYMPY_TIMEOUT = 10.0  # seconds for sympy's derivative itself (simplifying has --budget)


class SymbolicError(GradcliError):
    """sympy cannot give the formula (no sympy form, out of time, or it failed)."""

    kind = "symbolic"


def failure(message: dict) -> GradcliError:
    """The error a worker's {"error": why} message says: ours again, with its caret
    (`formula._error`: NotRealError), else a SymbolicError."""
    if message.get("class") == "NotRealError":
        span = message.get("span")
        where = None if span is None else Span(*span)
        return NotRealError(message["error"], span=where, source=message.get("source"))
    return SymbolicError(message["error"])


def collect(produce: Callable, *, budget: float, timeout: float = SYMPY_TIMEOUT) -> list[dict]:
    """Run `produce` in a worker (`workers.start_worker`): its first message within `timeout`
    seconds (else SymbolicError), then whatever else it sends within `budget` seconds."""
    import_sympy()  # imported here, once: a forked worker does not import it again
    worker = start_worker(produce)
    try:
        try:
            messages = [worker.receive(timeout)]
        except Late as why:
            raise SymbolicError(f"sympy did not answer within {timeout:g} s ({why})") from None
        end = time.monotonic() + budget + GRACE
        while True:
            try:
                messages.append(worker.receive(end - time.monotonic()))
            except Late:
                return messages
    finally:
        worker.close()


def derivatives(
    request: Request, wrt: list[str], order: int, point: dict, budget: float, unicode: bool
) -> tuple[list[dict], list[bool]]:
    """Per name of `wrt`, the derivative (text, latex, pretty, value at `point`), and whether it
    is the simplified form; SymbolicError when sympy cannot give them."""
    messages = collect(
        produce_derivatives(request, wrt, order, point, budget, unicode), budget=budget
    )
    if "error" in messages[0]:
        raise failure(messages[0])
    found = messages[0]["derivatives"]
    simplified = [False] * len(found)
    for message in messages[1:]:
        index, shown = message["simplified"]
        shown["value"] = found[index]["value"]
        found[index], simplified[index] = shown, True
    return found, simplified


def derivation_steps(request: Request, wrt: list[str], budget: float) -> list[tuple]:
    """Per name of `wrt`: (the rule tree, its simplify step). The rules must finish within
    SYMPY_TIMEOUT seconds (else SymbolicError, which says so), simplifying within `budget`
    (else the simplify step says the answer is as the rules gave it)."""
    from .derivation_worker import produce_steps, unsimplified

    try:
        messages = collect(
            produce_steps(request, wrt, budget), budget=budget, timeout=SYMPY_TIMEOUT
        )
    except SymbolicError as error:
        raise SymbolicError(
            f"the steps did not finish within {SYMPY_TIMEOUT:g} s, sympy's time for a derivative "
            f"({error.message}); gradcli diff EXPR without --steps gives the derivative alone"
        ) from None
    if "error" in messages[0]:
        raise failure(messages[0])
    derived = messages[0]["derived"]
    last = [unsimplified(*found, budget) for found in derived]
    for message in messages[1:]:
        index, step = message["simplified"]
        last[index] = step
    return [(found[0], simplify) for found, simplify in zip(derived, last)]


def compare(
    claim: Claim, at_point: tuple[float, float] | None, count: int, seed: int, budget: float
) -> tuple[dict, dict]:
    """(the numeric comparison, the symbolic one): sympy compares in a worker while the tape
    compares at the point and at `count` sampled points (`program.comparison`). symengine is
    asked first (`fast.comparison`); sympy only when its answer is not the one sympy would give."""
    from .fast import comparison

    symbolic = comparison(claim.request, claim.answer, claim.wrt, min(SYMPY_TIMEOUT, budget))
    if symbolic is not None:
        return compare_numerically(claim, at_point, count, seed), symbolic
    import_sympy()
    worker = start_worker(produce_comparison(claim.request, claim.answer, claim.wrt, budget))
    try:
        numeric = compare_numerically(claim, at_point, count, seed)
        symbolic = _receive_comparison(worker, budget)
    finally:
        worker.close()
    return numeric, symbolic


def _receive_comparison(worker, budget: float) -> dict:
    """{"derivative": text or None, "difference": "zero" | "nonzero" | "unknown" | "unavailable",
    "why": the reason}, from what the worker sent in time."""
    symbolic = {"derivative": None, "difference": "unavailable", "why": None}
    try:
        first = worker.receive(SYMPY_TIMEOUT)
    except Late as why:
        symbolic["why"] = f"sympy did not answer within {SYMPY_TIMEOUT:g} s ({why})"
        return symbolic
    if "error" in first:
        symbolic["why"] = first["error"]
        if first.get("class") == "NotRealError":  # said with its caret if no point compares
            symbolic["not_real"] = first
        return symbolic
    symbolic["derivative"] = first["derivative"]
    symbolic["difference"], symbolic["why"] = "unknown", f"sympy ran out of time ({budget:g} s)"
    end = time.monotonic() + budget + GRACE
    while True:
        try:
            message = worker.receive(end - time.monotonic())
        except Late:
            return symbolic
        symbolic.update(message)


def verdict(claim: Claim, numeric: dict, symbolic: dict) -> str:
    """ "right", "right-when-rounded" (a number right at the decimal places it gives only),
    "wrong" or "right-at-point-only"; exit 2 when no point could be compared and sympy did not
    decide."""
    at_point, point = numeric["at_point"], claim.point
    if point and not at_point["agrees"]:
        return "wrong"
    if point and claim.number:
        rounded = not at_point["exact"] and claim.tolerance is None
        return "right-when-rounded" if rounded else "right"
    if numeric["mismatch"] is not None:
        return "right-at-point-only" if point else "wrong"
    if symbolic["difference"] == "nonzero":
        return "wrong"
    if numeric["checked"] == 0 and symbolic["difference"] != "zero":
        if symbolic.get("not_real"):  # maximum(x, arccos(2)): nan everywhere, and why
            raise failure(symbolic["not_real"])
        raise UsageError(
            "found no point where EXPR, its derivative and ANSWER are all finite; "
            "give one with --NAME VALUE"
        )
    return "right"
