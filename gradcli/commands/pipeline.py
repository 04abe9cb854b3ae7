"""The one pipeline of every command that differentiates a program: grad (with --order and
--format csv), tape, jacobian, hessian and jvp.

words → request (`arguments.build_request`) → the program run for the derivative asked
(`program.compute`) → the symbolic step (the tape's local rules; the cross-check, one entry point
whatever the derivative) → the renderer for the kind and the format (`output.emit`). Each step
takes what the one before it gave, and nothing goes back up. A command is its click declaration
and one call of `differentiate` with its kind of derivative.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from gradcli.program.compute import compute
from gradcli.program.records import GRADIENT, Derivative, Request
from gradcli.record import replace

from .arguments import COMMAND_OPTION_NAMES, build_request
from .options import format_without_csv, output_format, require_plain_for_labels, wants_check
from .output import emit

__all__ = ["differentiate"]


def differentiate(words, options: dict, derivative: Derivative) -> NoReturn:
    """Run a command: click's `words` and `options` in; the result written in the chosen format,
    and the exit code (1 when a check disagrees, else 4 when a value or derivative is not defined:
    nan or inf). Errors raise, for the group to report."""
    fmt = _format(options, derivative)
    require_plain_for_labels(options.get("labels", False), fmt)
    request = build_request(words, options, COMMAND_OPTION_NAMES)
    result = compute(request, derivative)
    if fmt != "csv":  # a row per point (csv): kinks are for one point
        result = _with_kinks(request, result, derivative)
    check = wants_check(options, fmt)
    result = _symbolic(request, result, derivative, check, options.get("budget", 5.0))
    if fmt == "csv":  # per-point columns: refuse a program that mixes the points (exit 2)
        from .homework import check_csv

        check_csv(request, result.evaluation)
    sys.exit(emit(result, fmt, derivative, labels=options.get("labels", False)))


def _with_kinks(request: Request, result, derivative: Derivative):
    """The result with the kinks at its point (`program.kinks`): of the targets' sums (grad,
    tape), of each target element (jacobian), of each first derivative (hessian)."""
    from gradcli.program import kinks

    if derivative == GRADIENT or derivative.kind == "tape":
        return replace(result, kinks=kinks.find_kinks(request, result.evaluation))
    if derivative.kind == "jacobian":
        return replace(result, kinks=kinks.find_jacobian_kinks(request, result.evaluation))
    if derivative.kind == "hessian":
        return replace(result, kinks=kinks.find_hessian_kinks(request, result))
    return result


def _format(options: dict, derivative: Derivative) -> str:
    """csv (a row per point) is grad's format; tape adds Graphviz DOT (`--dot`)."""
    if derivative.kind in ("gradient", "jvp"):
        return output_format(options)
    return format_without_csv(options, options.get("dot", False))


def _symbolic(request: Request, result, derivative: Derivative, check: bool, seconds: float):
    """The tape's local rules (`d/da (a*b) = b`), then the cross-check when asked (within
    `seconds`, --budget)."""
    if derivative.kind == "tape":
        from gradcli.symbolic.rules import explain

        result = explain(result)
    if check:
        from gradcli.symbolic.check import cross_check

        result = replace(result, checks=cross_check(request, result, seconds=seconds))
    return result
