"""`gradcli check EXPR --expect ANSWER`: is ANSWER the derivative of EXPR?

Compared symbolically (the difference simplifies to 0, `symbolic.homework.compare`) and
numerically with the tape (`program.comparison`), at the given point and at random points in the
inputs' domains (from the registry's `domain` facts). A wrong answer comes with a point where it
fails, both values, and the correct derivative (`render.verdict`), and with `--steps` its
derivation rule by rule (`symbolic.derivation`, `render.derivation`).
"""

from __future__ import annotations

import math
import sys

import click

from gradcli.errors import ExitCode, NotDefinedError, UsageError
from gradcli.language import syntax as s
from gradcli.language.analysis import free_names
from gradcli.language.limits import Limits
from gradcli.program.comparison import (
    Claim,
    decimal_places,
    decimal_tolerance,
    undefined_at,
    values_at,
)
from gradcli.program.point import make_request, require_scalar

from .arguments import ProgramCommand, read_program
from .group import cli
from .homework import (
    BUDGET_OPTION,
    CONTEXT,
    EXPRESSION,
    choose_format,
    read_command,
    read_point,
    require_input,
    write,
)
from .options import JSON_FLAG, TRACEBACK_FLAG, format_option

CHECK_EPILOG = """\b
Examples:
  gradcli check "x*sin(x)" --expect "x*cos(x) + sin(x)"      # right (exit 0)
  gradcli check "x*sin(x)" --expect "x*cos(x)"               # wrong (exit 1), with a point
  gradcli check "x**2" --expect 6 --x 3                       # a number, at the point
  gradcli check "sin(x**2)" --expect "cos(x**2)" --steps     # wrong: and how to derive it
  gradcli check "sin(x)" --expect 0.5 --x 1                   # right when rounded (exit 0)
  gradcli check "sin(x)" --expect 0.5 --x 1 --exact           # wrong (exit 1)
"""


@cli.command(cls=ProgramCommand, epilog=CHECK_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option(
    "--expect",
    required=True,
    metavar="ANSWER",
    help="The claimed derivative: a formula in EXPR's inputs, or a number.",
)
@click.option("--wrt", metavar="NAME", help="The input ANSWER is the derivative for.")
@click.option("--at", multiple=True, metavar="NAME=VALUE", help="The point (same as --NAME VALUE).")
@click.option(
    "--points",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Random points to compare at.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for the points."
)
@click.option(
    "--exact",
    is_flag=True,
    help="A decimal ANSWER must be the derivative (to 1e-7 relative), not only when rounded.",
)
@click.option(
    "--tol",
    type=float,
    metavar="TOL",
    help="Right when |ANSWER - derivative| <= TOL (instead of the decimal places ANSWER gives).",
)
@click.option(
    "--steps",
    is_flag=True,
    help="When ANSWER is wrong, also show the derivative's derivation rule by rule.",
)
@format_option("pretty", "json")
@JSON_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def check(words, expect, wrt, at, points, seed, exact, tol, fmt, as_json, steps, budget, traceback):
    """Is ANSWER the derivative of EXPR? Exit 0 right (or right when rounded), 1 wrong, 2 bad
    input, 4 not defined at the point.

    Decided symbolically when sympy can (the difference simplifies to 0 within --budget) and
    numerically with the tape: at the given point (--x 3), and at 20 random points where both
    sides are finite, sampled from the inputs' domains. A wrong answer comes with a point where
    it fails, both values, and the correct derivative. A number (--expect 6) is compared at the
    given point; a decimal (--expect 0.54) that is the derivative rounded to its decimal places
    is "right when rounded"; --exact or --tol TOL compare strictly.
    With --steps, a wrong answer also comes with the derivation, as `gradcli diff --steps`.
    """
    from gradcli.symbolic.homework import compare, verdict

    fmt = choose_format(fmt, {"json": as_json}, "pretty")
    program, inputs, given = read_command(words, at, "check")
    if not inputs:
        raise UsageError("EXPR has no inputs: nothing to differentiate")
    wrt = _choose_wrt(wrt, inputs)
    claim_program = _read_answer(expect, inputs)
    point = read_point(inputs, given)
    request = make_request(program, inputs, point)
    claim_request = make_request(claim_program, inputs, point)
    require_scalar(request, "EXPR")
    require_scalar(claim_request, "ANSWER")
    number = not free_names(claim_program)
    digits = None if exact else decimal_tolerance(claim_program)
    claim = Claim(
        request, claim_request, inputs, wrt, point, number, digits, _tolerance(tol, exact)
    )
    numeric, symbolic = compare(claim, _at_point(claim), points, seed, budget)
    outcome = verdict(claim, numeric, symbolic)
    context = {
        "expression": program.source.strip(),
        "answer": claim_program.source.strip(),
        "wrt": wrt,
        "point": point or None,
        "decimals": decimal_places(claim_program) if digits is not None else None,
        "tolerance": tol,
    }
    right = outcome in ("right", "right-when-rounded")
    derivation = None
    if steps and not right:
        from gradcli.symbolic.homework import derivation_steps

        derivation = derivation_steps(request, [wrt], budget)[0]
    _write_verdict(fmt, context, outcome, numeric, symbolic, number, steps, derivation)
    sys.exit(ExitCode.OK if right else ExitCode.CHECK_DISAGREES)


def _tolerance(tol: float | None, exact: bool) -> float | None:
    """--tol: a finite number >= 0, and not with --exact."""
    if tol is None:
        return None
    if exact:
        raise UsageError("choose --exact or --tol, not both")
    if not (math.isfinite(tol) and tol >= 0):
        raise UsageError(f"--tol must be a finite number >= 0, not {tol}")
    return tol


def _choose_wrt(wrt: str | None, inputs: list[str]) -> str:
    """--wrt NAME, or the only input."""
    if wrt is None:
        if len(inputs) > 1:
            raise UsageError(
                f"EXPR has inputs {', '.join(inputs)}: say which derivative ANSWER is with --wrt"
            )
        return inputs[0]
    require_input(wrt, inputs)
    return wrt


def _read_answer(expect: str, inputs: list[str]) -> s.Program:
    """ANSWER parsed: not empty, and a formula of EXPR's inputs only."""
    from gradcli.language.parser import parse

    limits = Limits()
    claim_program = parse(read_program(expect, limits), limits)
    if not claim_program.statements:
        raise UsageError("--expect: ANSWER is empty")
    for name in free_names(claim_program):
        if name not in inputs:
            raise UsageError(
                f"--expect: ANSWER uses '{name}', which is not an input of EXPR "
                f"(its inputs: {', '.join(inputs)})"
            )
    return claim_program


def _at_point(claim: Claim) -> tuple[float, float] | None:
    """(the derivative, ANSWER) at the given point, where EXPR and its derivative must be
    finite; None without a point."""
    if not claim.point:
        return None
    f, derivative, answer = values_at(claim, claim.point)
    if not (math.isfinite(f) and math.isfinite(derivative)):
        from gradcli.render.numbers import format_point

        fallback = f"d/d{claim.wrt} = {derivative}" if math.isfinite(f) else f"EXPR = {f}"
        why = undefined_at(claim, claim.point) or fallback
        raise NotDefinedError(
            f"the derivative of {claim.request.program.source.strip()} at "
            f"{format_point(claim.point)} ({why}): no answer is right or wrong there; "
            "choose another point"
        )
    return derivative, answer


def _write_verdict(fmt, context, outcome, numeric, symbolic, number, steps, derivation) -> None:
    """The verdict; with `--steps` on a wrong answer, the derivation after it (in JSON, under
    "steps", null for a right answer)."""
    from gradcli.render import verdict as shown

    if fmt == "json":
        text = shown.to_json(context, outcome, numeric, symbolic)
        if steps:
            from gradcli.render.derivation import with_steps

            text = with_steps(text, derivation)
        write(text)
        return
    text = shown.to_text({**context, "number": number}, outcome, numeric, symbolic)
    if derivation is not None:
        from gradcli.render.derivation import to_tree

        from .output import use_color

        unicode = sys.stdout.isatty() and "utf" in (sys.stdout.encoding or "").lower()
        text += "\n\nhow to derive it:\n" + to_tree(
            [derivation], color=use_color(), ascii=not unicode
        )
    write(text)
