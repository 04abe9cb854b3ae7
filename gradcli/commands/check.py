"""`gradcli check EXPR --expect ANSWER`: is ANSWER the derivative of EXPR?

Compared symbolically (the difference simplifies to 0) and numerically with the tape, at the
given point and at random points in the inputs' domains (from the registry's `domain` facts).
A wrong answer comes with a point where it fails, both values, and the correct derivative.
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import click
import numpy as np

from gradcli.errors import ExitCode, GradcliError, UsageError
from gradcli.language import syntax as s
from gradcli.language.limits import Limits
from gradcli.program.records import Declaration, Request

from .arguments import ProgramCommand, read_program
from .group import cli
from .homework import (
    BUDGET_OPTION,
    CONTEXT,
    EXPRESSION,
    SYMPY_TIMEOUT,
    choose_format,
    format_point,
    free_names,
    json_number,
    json_text,
    make_request,
    read_command,
    read_point,
    require_input,
    require_scalar,
    run_value,
    sample_intervals,
    short,
    write,
)
from .options import JSON_FLAG, TRACEBACK_FLAG, format_option

WIDER_INTERVAL = (-30.0, 30.0)  # tried when too few points of the default one are usable
NICE_POINTS = (1.0, 2.0, -1.0, 0.5, -2.0, 1.5, -0.5, 3.0)  # tried first: readable counterexamples
RTOL, ATOL = 1e-7, 1e-9  # a claimed value equals the derivative within atol + rtol * magnitude

CHECK_EPILOG = """\b
Examples:
  gradcli check "x*sin(x)" --expect "x*cos(x) + sin(x)"      # right (exit 0)
  gradcli check "x*sin(x)" --expect "x*cos(x)"               # wrong (exit 1), with a point
  gradcli check "x**2" --expect 6 --x 3                       # a number, at the point
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
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the points.")
@format_option("pretty", "json")
@JSON_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def check(words, expect, wrt, at, points, seed, fmt, as_json, budget, traceback):
    """Is ANSWER the derivative of EXPR? Exit 0 right, 1 wrong, 2 bad input.

    Decided symbolically when sympy can (the difference simplifies to 0 within --budget) and
    numerically with the tape: at the given point (--x 3), and at 20 random points where both
    sides are finite, sampled from the inputs' domains. A wrong answer comes with a point where
    it fails, both values, and the correct derivative. A number (--expect 6) is compared at the
    given point; a decimal is right when the derivative rounds to it at the digits given.
    """
    from gradcli.language.parser import parse
    from gradcli.symbolic.formula import produce_comparison

    fmt = choose_format(fmt, {"json": as_json}, "pretty")
    program, inputs, given = read_command(words, at)
    if not inputs:
        raise UsageError("EXPR has no inputs: nothing to differentiate")
    if wrt is None:
        if len(inputs) > 1:
            raise UsageError(
                f"EXPR has inputs {', '.join(inputs)}: say which derivative ANSWER is with --wrt"
            )
        wrt = inputs[0]
    else:
        require_input(wrt, inputs)
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
    point = read_point(inputs, given)
    request = make_request(program, inputs, point)
    claim_request = make_request(claim_program, inputs, point)
    require_scalar(request, "EXPR")
    require_scalar(claim_request, "ANSWER")
    number = not free_names(claim_program)
    digits = _decimal_tolerance(claim_program)

    from gradcli.symbolic.sympy_import import import_sympy
    from gradcli.symbolic.workers import start_worker

    import_sympy()
    worker = start_worker(produce_comparison(request, claim_request, wrt, budget))
    try:
        numeric = _compare_numerically(
            request, claim_request, inputs, wrt, point, number, points, seed, digits
        )
        symbolic = _receive_comparison(worker, budget)
    finally:
        worker.close()
    outcome = _verdict(numeric, symbolic, point, number)
    context = {
        "expression": program.source.strip(),
        "answer": claim_program.source.strip(),
        "wrt": wrt,
        "point": point or None,
    }
    if fmt == "json":
        write(json_text(_check_document(context, outcome, numeric, symbolic)))
    else:
        write(_check_text({**context, "number": number}, outcome, numeric, symbolic))
    sys.exit(ExitCode.OK if outcome == "right" else ExitCode.CHECK_DISAGREES)


def _decimal_tolerance(program: s.Program) -> float | None:
    """For an ANSWER that is one decimal literal (0.54, -1.5): half a unit of its last digit."""
    if len(program.statements) != 1:
        return None
    node = program.statements[0].value
    if isinstance(node, s.Unary) and node.op in "+-":
        node = node.operand
    if not isinstance(node, s.Number) or "." not in node.text or "e" in node.text.lower():
        return None
    decimals = len(node.text.split(".", 1)[1].replace("_", ""))
    return 0.5 * 10.0**-decimals * (1 + 1e-9)


def _agree(derivative: float, claim: float, digits: float | None) -> bool:
    if not (math.isfinite(derivative) and math.isfinite(claim)):
        return False
    gap = abs(derivative - claim)
    return gap <= max(ATOL + RTOL * max(abs(derivative), abs(claim)), digits or 0.0)


def _at(request: Request, claim_request: Request, inputs, wrt: str, values: dict):
    """(f, df/dwrt by the tape, ANSWER's value) at `values`; nan where a run fails."""
    from gradcli.program.run import evaluate

    declarations = tuple(
        Declaration(name, "variable", np.array(values[name], dtype=np.float64)) for name in inputs
    )
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            evaluation = evaluate(
                Request(
                    program=request.program,
                    declarations=declarations,
                    wrt=(wrt,),
                    unconnected="zero",
                )
            )
            claim = run_value(Request(program=claim_request.program, declarations=declarations))
        result = evaluation.results[0]
        return float(result.value), float(result.gradients[wrt]), float(claim)
    except (GradcliError, TypeError, ValueError):
        return math.nan, math.nan, math.nan


def _compare_numerically(
    request, claim_request, inputs, wrt, point, number, count, seed, digits
) -> dict:
    """The given point (if any), then `count` usable random points (unless ANSWER is a number
    and a point is given): {"at_point", "checked", "mismatch", "intervals" (sampled from),
    "extent" (per input, the least and greatest value among the points compared)}."""
    result = {"at_point": None, "checked": 0, "mismatch": None, "intervals": None, "extent": {}}
    if point:
        f, derivative, claim = _at(request, claim_request, inputs, wrt, point)
        if not (math.isfinite(f) and math.isfinite(derivative)):
            raise UsageError(
                f"EXPR or its derivative is not finite at {format_point(point)} "
                f"(f = {f}, d/d{wrt} = {derivative}): choose another point"
            )
        result["at_point"] = {
            "derivative": derivative,
            "answer": claim,
            "agrees": _agree(derivative, claim, digits),
        }
        if number:
            return result
    intervals = sample_intervals(request.program, inputs)
    result["intervals"] = intervals
    rng = np.random.default_rng(seed)
    for values in _candidates(intervals, rng, count):
        f, derivative, claim = _at(request, claim_request, inputs, wrt, values)
        if not all(math.isfinite(v) for v in (f, derivative, claim)):
            continue
        result["checked"] += 1
        for name, value in values.items():
            lo, hi = result["extent"].get(name, (value, value))
            result["extent"][name] = (min(lo, value), max(hi, value))
        if not _agree(derivative, claim, digits):
            result["mismatch"] = {"point": values, "derivative": derivative, "answer": claim}
            break
        if result["checked"] >= count:
            break
    return result


def _candidates(intervals: dict, rng, count: int):
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


def _receive_comparison(worker, budget: float) -> dict:
    from gradcli.symbolic.workers import GRACE, Late

    symbolic = {"derivative": None, "difference": "unavailable", "why": None}
    try:
        first = worker.receive(SYMPY_TIMEOUT)
    except Late as why:
        symbolic["why"] = f"sympy did not answer within {SYMPY_TIMEOUT:g} s ({why})"
        return symbolic
    if "error" in first:
        symbolic["why"] = first["error"]
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


def _verdict(numeric: dict, symbolic: dict, point: dict, number: bool) -> str:
    at_point = numeric["at_point"]
    if point and not at_point["agrees"]:
        return "wrong"
    if point and number:
        return "right"
    if numeric["mismatch"] is not None:
        return "right-at-point-only" if point else "wrong"
    if symbolic["difference"] == "nonzero":
        return "wrong"
    if numeric["checked"] == 0 and symbolic["difference"] != "zero":
        raise UsageError(
            "found no point where EXPR, its derivative and ANSWER are all finite; "
            "give one with --NAME VALUE"
        )
    return "right"


def _check_document(context: dict, outcome: str, numeric: dict, symbolic: dict) -> dict:
    mismatch = numeric["mismatch"]
    intervals = numeric["intervals"]
    return {
        "verdict": outcome,
        **context,
        "derivative": symbolic["derivative"],
        "symbolic": {"result": symbolic["difference"], "note": symbolic["why"]},
        "at_point": None
        if numeric["at_point"] is None
        else {k: json_number(v) if k != "agrees" else v for k, v in numeric["at_point"].items()},
        "numeric": {
            "points": numeric["checked"],
            "intervals": None if intervals is None else {k: list(v) for k, v in intervals.items()},
            "extent": {k: list(v) for k, v in numeric["extent"].items()},
        },
        "counterexample": None
        if mismatch is None
        else {
            "point": mismatch["point"],
            "answer": json_number(mismatch["answer"]),
            "derivative": json_number(mismatch["derivative"]),
        },
    }


def _check_text(context, outcome, numeric, symbolic) -> str:
    expression, answer, wrt, point = (context[k] for k in ("expression", "answer", "wrt", "point"))
    of = f"the derivative of {expression} with respect to {wrt}"
    at_point, mismatch = numeric["at_point"], numeric["mismatch"]
    lines = []

    def values_line(where: dict, claim: float, derivative: float) -> str:
        return (
            f"  at {format_point(where)}:  your answer is {short(claim)}, "
            f"the derivative is {short(derivative)}"
        )

    if at_point is not None:
        both_line = f"  at {format_point(point)}:  both are {short(at_point['answer'])}"
    if point and at_point is not None and context["number"]:
        value = short(at_point["derivative"])
        if outcome == "right":
            close = "" if at_point["derivative"] == at_point["answer"] else " (to the digits given)"
            lines.append(f"right: at {format_point(point)}, {of} is {value}{close}")
        else:
            lines.append(f"wrong: at {format_point(point)}, {of} is {value}, not {answer}")
    elif outcome == "right":
        lines.append(f"right: {answer} is {of}")
        lines.append(f"  sympy:    {symbolic['why'] or 'not available'}")
        if at_point is not None:
            lines.append(both_line)
        if numeric["checked"]:
            where = ", ".join(
                f"{name} from {short(lo, 3)} to {short(hi, 3)}"
                for name, (lo, hi) in numeric["extent"].items()
            )
            lines.append(f"  numbers:  equal at {numeric['checked']} points ({where})")
    elif outcome == "right-at-point-only":
        lines.append(f"wrong: {answer} is right at {format_point(point)} only, not {of}")
        lines.append(both_line)
        lines.append(values_line(mismatch["point"], mismatch["answer"], mismatch["derivative"]))
    else:
        lines.append(f"wrong: {answer} is not {of}")
        if point and not at_point["agrees"]:
            lines.append(values_line(point, at_point["answer"], at_point["derivative"]))
        elif mismatch is not None:
            lines.append(values_line(mismatch["point"], mismatch["answer"], mismatch["derivative"]))
        else:
            lines.append(f"  sympy:    {symbolic['why']}")
    if symbolic["derivative"] is not None:
        lines.append(f"  the derivative is  {symbolic['derivative']}")
    return "\n".join(lines)
