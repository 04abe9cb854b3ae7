"""Homework mode: `gradcli diff`, `check`, `plot` and `functions`; `grad --format csv`'s guard.

Inputs are inferred: the free names of EXPR (read before any statement assigns them, and not
functions or constants of the language), in order of appearance. Values come as `--NAME VALUE`
or `--at NAME=VALUE` (the spelling for an input named like an option, e.g. `--at order=2`).

- `diff` differentiates symbolically with respect to every input (or each `--wrt`), through the
  primitives' sympy forms (`formula.py`), simplified within `--budget` seconds, in a worker.
- `check` compares a claimed derivative with the true one: symbolically (the difference
  simplifies to 0) and numerically with the tape, at the given point and at random points in
  the inputs' domains (from the registry's `domain` facts).
- `plot` draws f and f' over a range, in the terminal or to a PNG/SVG (matplotlib, optional).
- `functions` lists the registry's public functions, with derivative rules from their sympy forms.

Importing this module imports neither sympy, rich nor matplotlib.
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import click
import numpy as np

from . import syntax as s
from .cli import ProgramCommand, check_name, cli, parse_assignment, read_program, split_words
from .errors import ExitCode, GradcliError, UnknownNameError, UsageError, did_you_mean
from .limits import Limits
from .result import Declaration, Request

SYMPY_TIMEOUT = 10.0  # seconds for sympy's derivative itself (simplifying has --budget)
DEFAULT_INTERVAL = (-3.0, 3.0)  # the registry's default domain: where inputs are sampled
WIDER_INTERVAL = (-30.0, 30.0)  # tried when too few points of the default one are usable
NICE_POINTS = (1.0, 2.0, -1.0, 0.5, -2.0, 1.5, -0.5, 3.0)  # tried first: readable counterexamples
RTOL, ATOL = 1e-7, 1e-9  # a claimed value equals the derivative within atol + rtol * magnitude
PLACEHOLDER = 1.0  # an input's value when only the program's shapes matter
CONTEXT = {"ignore_unknown_options": True, "allow_extra_args": True}


class SymbolicError(GradcliError):
    """sympy cannot give the formula (no sympy form, out of time, or it failed)."""

    kind = "symbolic"


# ---------------------------------------------------------------- programs and their inputs


def walk(node):
    """Every expression node under `node` (a statement's value), in no particular order."""
    stack = [node]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        if isinstance(node, s.Unary):
            stack.append(node.operand)
        elif isinstance(node, (s.Binary, s.Compare)):
            stack += [node.left, node.right]
        elif isinstance(node, s.Call):
            stack += list(node.args) + [k.value for k in node.keywords]
        elif isinstance(node, (s.ListExpr, s.TupleExpr)):
            stack += list(node.items)
        elif isinstance(node, s.Subscript):
            stack += [node.value, *node.index]
        elif isinstance(node, s.Slice):
            stack += [node.start, node.stop, node.step]


def free_names(program: s.Program) -> list[str]:
    """The program's inputs: names read before a statement assigns them that are not functions
    or constants of the language, in order of appearance."""
    from .interpret import CONSTANTS, LANGUAGE_FUNCTIONS, SPELLINGS

    known = set(CONSTANTS) | set(SPELLINGS) | set(LANGUAGE_FUNCTIONS) | {"None"}
    assigned: set[str] = set()
    found: list[str] = []
    for statement in program.statements:
        names = [n for n in walk(statement.value) if isinstance(n, s.Name)]
        for node in sorted(names, key=lambda n: n.span.start):
            name = node.name
            if name not in known and name not in assigned and name not in found:
                found.append(name)
        if isinstance(statement, s.Assign):
            assigned.add(statement.name)
    return found


def sample_intervals(program: s.Program, inputs: list[str]) -> dict:
    """Per input, the interval to sample from: the default, narrowed by the registry's domain of
    each function applied to the input directly (log(x): [0.2, 4]; x**0.5: [0.5, 3])."""
    from .interpret import SPELLINGS
    from .ops import REGISTRY

    box = {name: DEFAULT_INTERVAL for name in inputs}

    def narrow(name: str, interval: tuple) -> None:
        lo, hi = max(box[name][0], interval[0]), min(box[name][1], interval[1])
        if lo < hi:
            box[name] = (lo, hi)

    for statement in program.statements:
        for node in walk(statement.value):
            if isinstance(node, s.Call) and node.args and isinstance(node.args[0], s.Name):
                op = SPELLINGS.get(node.func.name)
                name = node.args[0].name
                if op is not None and op.kind == "elementwise" and op.arity == 1 and name in box:
                    narrow(name, op.domain[0])
            elif isinstance(node, s.Binary) and node.op == "**" and isinstance(node.left, s.Name):
                if node.left.name in box and not _is_integer(node.right):
                    narrow(node.left.name, REGISTRY["power"].domain[0])
    return box


def _is_integer(node) -> bool:
    if isinstance(node, s.Unary) and node.op in "+-":
        node = node.operand
    return isinstance(node, s.Number) and float(node.value).is_integer()


def mixing(program: s.Program, columns) -> tuple[str, s.Span] | None:
    """The first operation that combines different elements of the `columns` inputs (a reduction,
    a shape operation, '@', indexing, a list, a layer), or None: the program is elementwise in
    them, so the gradient of its sum is each point's own derivative."""
    from .interpret import LANGUAGE_FUNCTIONS, SPELLINGS

    tainted = set(columns)

    class Found(Exception):
        pass

    def fail(what: str, span: s.Span):
        raise Found(what, span)

    def visit(node) -> bool:
        if isinstance(node, s.Name):
            return node.name in tainted
        if isinstance(node, s.Unary):
            return visit(node.operand)
        if isinstance(node, (s.Binary, s.Compare)):
            chain = [node]  # a long sum is a deep left spine: walk it with a loop
            while isinstance(chain[-1].left, (s.Binary, s.Compare)):
                chain.append(chain[-1].left)
            depends = visit(chain[-1].left)
            for link in reversed(chain):
                depends = visit(link.right) or depends
                if depends and link.op == "@":
                    fail("'@'", link.op_span)
            return depends
        if isinstance(node, s.Call):
            name = node.func.name
            depends = any([visit(a) for a in node.args] + [visit(k.value) for k in node.keywords])
            op = SPELLINGS.get(name)
            if depends and (name in LANGUAGE_FUNCTIONS or op is None):
                fail(f"{name}()", node.span)
            if depends and op.kind not in ("elementwise", "compare", "other"):
                fail(f"{name}()", node.span)
            return depends
        if isinstance(node, (s.ListExpr, s.TupleExpr)):
            if any([visit(item) for item in node.items]):
                fail("a list", node.span)
            return False
        if isinstance(node, s.Subscript):
            if visit(node.value):
                fail("indexing", node.span)
            return False
        return False

    try:
        for statement in program.statements:
            if visit(statement.value) and isinstance(statement, s.Assign):
                tainted.add(statement.name)
    except Found as found:
        return found.args[0], found.args[1]
    return None


def require_elementwise(program: s.Program, columns, why: str) -> None:
    found = mixing(program, columns)
    if found is not None:
        what, span = found
        names = ", ".join(columns)
        raise UsageError(
            f"{why} needs a program that computes each point on its own: {what} combines "
            f"different elements of {names}",
            span=span,
            source=program.source,
        )


def check_csv(request: Request, evaluation) -> None:
    """`grad --format csv`: refuse (exit 2) a program that is not elementwise in its columns."""
    from .render import csv_columns

    require_elementwise(request.program, csv_columns(evaluation), "--format csv")


# ---------------------------------------------------------------- reading the command line


def read_command(words, at: tuple) -> tuple[s.Program, list[str], dict]:
    """The program, its inputs, and the values given: name -> (text, option)."""
    from .language import parse

    limits = Limits()
    text, loose = split_words(words)
    pairs = [(name, value, f"--{name}") for name, value in loose]
    pairs += [(*parse_assignment(item, "--at"), "--at") for item in at]
    given: dict = {}
    for name, value, option in pairs:
        check_name(name)
        if name in given:
            raise UsageError(f"{name} is given twice")
        given[name] = (value, option)
    if text is None:
        raise UsageError('missing EXPR: e.g. gradcli diff "x**2*sin(x)"')
    program = parse(read_program(text, limits), limits)
    if not program.statements:
        raise UsageError("EXPR is empty")
    inputs = free_names(program)
    for name, (_, option) in given.items():
        if name not in inputs:
            shown = ", ".join(inputs) if inputs else "none"
            raise UnknownNameError(
                f"{option} {name}: EXPR has no input named '{name}'"
                f"{did_you_mean(name, inputs)} (its inputs: {shown})"
            )
    return program, inputs, given


def read_number(name: str, text: str, option: str) -> float:
    from .values import read_value

    label = option if option == f"--{name}" else f"{option} {name}"
    try:
        value = read_value(text)
    except GradcliError as error:
        error.message = f"{label}: {error.message}"
        raise
    if value.shape != ():
        raise UsageError(
            f"{label}: a number is needed here, not an array of shape {value.shape} "
            '(for many points at once: gradcli grad EXPR --x "linspace(-3, 3, 7)" --format csv)'
        )
    if not math.isfinite(float(value)):
        raise UsageError(f"{label}: a finite number is needed here, not {float(value)}")
    return float(value)


def make_request(program: s.Program, inputs: list[str], values: dict | None = None) -> Request:
    """Every input a scalar variable: at its value, else at PLACEHOLDER."""
    values = values or {}
    declarations = tuple(
        Declaration(name, "variable", np.array(values.get(name, PLACEHOLDER), dtype=np.float64))
        for name in inputs
    )
    return Request(program=program, declarations=declarations)


def run_value(request: Request) -> np.ndarray:
    """The program's value, run forward with the engine (user errors raise GradcliError)."""
    from .evaluate import run_program, value_of

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walker, _ = run_program(request)
    return np.asarray(value_of(walker.statements[-1][1]))


def require_scalar(request: Request, what: str) -> None:
    shape = run_value(request).shape
    if shape != ():
        raise UsageError(
            f"{what} must be a number for number inputs; its value has shape {shape} "
            "(gradcli grad differentiates the sum of an array's elements)"
        )


def choose_format(fmt: str | None, flags: dict, default: str) -> str:
    """--format, or a flag such as --json; two different choices are a usage error."""
    chosen = {name for name, on in flags.items() if on} | ({fmt} if fmt else set())
    if len(chosen) > 1:
        raise UsageError(f"choose one output format, not {' and '.join(sorted(chosen))}")
    return chosen.pop() if chosen else default


def collect(produce, *, budget: float, timeout: float = SYMPY_TIMEOUT) -> list[dict]:
    """Run `produce` in a worker (`symbolic.start_worker`): its first message within `timeout`
    seconds (else SymbolicError), then whatever else it sends within `budget` seconds."""
    from .imports import import_sympy
    from .symbolic import GRACE, Late, start_worker

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


def short(value: float, digits: int = 6) -> str:
    """A number for people: 3, not 3.0 (`plot.short`; plot.py is imported when used)."""
    from .plot import short as shorter

    return shorter(value, digits)


def format_point(point: dict) -> str:
    return ", ".join(f"{name} = {short(value)}" for name, value in point.items())


def json_text(data) -> str:
    """As every gradcli JSON document: indented by 2, each array on one line."""
    from .render import json_document

    return json_document(data)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# ---------------------------------------------------------------- gradcli diff

DIFF_EPILOG = """\b
Examples:
  gradcli diff "x**2*sin(x)"                      # x**2*cos(x) + 2*x*sin(x)
  gradcli diff "x*y**2" --format latex           # one line per variable
  gradcli diff "exp(-x**2)" --order 2 --at x=0.5 --json
"""


@cli.command(cls=ProgramCommand, epilog=DIFF_EPILOG, context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [--NAME VALUE]...")
@click.option(
    "--wrt",
    multiple=True,
    metavar="NAME",
    help="Differentiate with respect to NAME (default: every input, in order of appearance).",
)
@click.option(
    "--at",
    multiple=True,
    metavar="NAME=VALUE",
    help="Also evaluate at this point (same as --NAME VALUE); give every input.",
)
@click.option(
    "--order",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="The N-th derivative.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pretty", "latex", "plain", "json"]),
    help="Output format (default: pretty).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--plain", "as_plain", is_flag=True, help="Same as --format plain.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds sympy may spend simplifying.",
)
@click.option("--traceback", is_flag=True, hidden=True, help="Show tracebacks (developers).")
def diff(words, wrt, at, order, fmt, as_json, as_plain, budget, traceback):
    """The derivative of EXPR as a formula: d/dx for one input, the partial derivatives (the
    gradient) for several, the N-th derivative with --order N.

    Inputs are the free names of EXPR (not functions or constants), in order of appearance.
    LaTeX output is sympy's latex() of the derivative, ready to paste. --at x=3 also evaluates
    the derivative there (in floating point).
    """
    from .formula import produce_derivatives

    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "pretty")
    program, inputs, given = read_command(words, at)
    if not inputs:
        raise UsageError("EXPR has no inputs to differentiate with respect to")
    names = list(dict.fromkeys(wrt)) or inputs
    for name in names:
        if name not in inputs:
            raise UnknownNameError(
                f"--wrt {name}: EXPR has no input named '{name}'{did_you_mean(name, inputs)} "
                f"(its inputs: {', '.join(inputs)})"
            )
    point = {name: read_number(name, *given[name]) for name in given}
    missing = [name for name in inputs if name not in point]
    if point and missing:
        raise UsageError(f"--at: give every input a value; missing: {', '.join(missing)}")
    request = make_request(program, inputs, point)
    require_scalar(request, "EXPR")
    unicode = sys.stdout.isatty() and "utf" in (sys.stdout.encoding or "").lower()
    messages = collect(
        produce_derivatives(request, names, order, point, budget, unicode), budget=budget
    )
    if "error" in messages[0]:
        raise SymbolicError(messages[0]["error"])
    derivatives = messages[0]["derivatives"]
    simplified = [False] * len(derivatives)
    for message in messages[1:]:
        index, shown = message["simplified"]
        shown["value"] = derivatives[index]["value"]
        derivatives[index], simplified[index] = shown, True
    source = program.source.strip()
    if fmt == "json":
        document = {
            "expression": source,
            "inputs": inputs,
            "order": order,
            "at": point or None,
            "derivatives": [
                {
                    "wrt": name,
                    "derivative": d["text"],
                    "latex": d["latex"],
                    "simplified": done,
                    "value": _json_number(d["value"]),
                }
                for name, d, done in zip(names, derivatives, simplified)
            ],
        }
        write(json_text(document))
    elif fmt == "latex":
        write("\n".join(d["latex"] for d in derivatives))
    elif fmt == "plain":
        if point:
            write("\n".join(repr(float(d["value"])) for d in derivatives))
        else:
            write("\n".join(d["text"] for d in derivatives))
    else:
        blocks = []
        for d in derivatives:
            block = d["pretty"]
            if point:
                block += f"\n\nat {format_point(point)}: {short(d['value'])}"
            blocks.append(block)
        write("\n\n".join(blocks))
    sys.exit(ExitCode.OK)


def _json_number(value):
    if value is None:
        return None
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else str(value))


# ---------------------------------------------------------------- gradcli check

CHECK_EPILOG = """\b
Examples:
  gradcli check "x*sin(x)" --expect "x*cos(x) + sin(x)"      # right (exit 0)
  gradcli check "x*sin(x)" --expect "x*cos(x)"               # wrong (exit 1), with a point
  gradcli check "x**2" --expect 6 --x 3                       # a number, at the point
"""


@cli.command(cls=ProgramCommand, epilog=CHECK_EPILOG, context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [--NAME VALUE]...")
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pretty", "json"]),
    help="Output format (default: pretty).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds sympy may spend simplifying.",
)
@click.option("--traceback", is_flag=True, hidden=True, help="Show tracebacks (developers).")
def check(words, expect, wrt, at, points, seed, fmt, as_json, budget, traceback):
    """Is ANSWER the derivative of EXPR? Exit 0 right, 1 wrong, 2 bad input.

    Decided symbolically when sympy can (the difference simplifies to 0 within --budget) and
    numerically with the tape: at the given point (--x 3), and at 20 random points where both
    sides are finite, sampled from the inputs' domains. A wrong answer comes with a point where
    it fails, both values, and the correct derivative. A number (--expect 6) is compared at the
    given point; a decimal is right when the derivative rounds to it at the digits given.
    """
    from .formula import produce_comparison
    from .language import parse

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
    elif wrt not in inputs:
        raise UnknownNameError(
            f"--wrt {wrt}: EXPR has no input named '{wrt}'{did_you_mean(wrt, inputs)} "
            f"(its inputs: {', '.join(inputs)})"
        )
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
    point = {name: read_number(name, *given[name]) for name in given}
    missing = [name for name in inputs if name not in point]
    if point and missing:
        raise UsageError(f"give every input a value, or none; missing: {', '.join(missing)}")
    request = make_request(program, inputs, point)
    claim_request = make_request(claim_program, inputs, point)
    require_scalar(request, "EXPR")
    require_scalar(claim_request, "ANSWER")
    number = not free_names(claim_program)
    digits = _decimal_tolerance(claim_program)

    from .imports import import_sympy
    from .symbolic import start_worker

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
    from .evaluate import evaluate

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
    from .symbolic import GRACE, Late

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
        else {k: _json_number(v) if k != "agrees" else v for k, v in numeric["at_point"].items()},
        "numeric": {
            "points": numeric["checked"],
            "intervals": None if intervals is None else {k: list(v) for k, v in intervals.items()},
            "extent": {k: list(v) for k, v in numeric["extent"].items()},
        },
        "counterexample": None
        if mismatch is None
        else {
            "point": mismatch["point"],
            "answer": _json_number(mismatch["answer"]),
            "derivative": _json_number(mismatch["derivative"]),
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


# ---------------------------------------------------------------- gradcli plot

PLOT_EPILOG = """\b
Examples:
  gradcli plot "x**3 - 3*x" --x -3:3                 # in the terminal
  gradcli plot "sin(x)*exp(-x**2)" --x -3:3 -o plot.png
  gradcli plot "a*x**2 + 1" --x -2:2 --a 0.5 --width 60 --height 10
"""


@cli.command(cls=ProgramCommand, epilog=PLOT_EPILOG, context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [--NAME VALUE]...")
@click.option(
    "--at",
    multiple=True,
    metavar="NAME=VALUE",
    help="The range (x=-3:3) or another input's value (same as --NAME VALUE).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write a PNG or SVG (needs matplotlib: pip install 'gradcli[plot]').",
)
@click.option(
    "--points",
    type=click.IntRange(3, 1_000_000),
    default=1001,
    show_default=True,
    help="Samples over the range (for extrema and the image).",
)
@click.option(
    "--width", type=click.IntRange(min=30), help="Terminal plot width (default: terminal)."
)
@click.option(
    "--height", type=click.IntRange(min=3), default=12, show_default=True, help="Rows per panel."
)
@click.option(
    "--size", default="800x600", show_default=True, metavar="WxH", help="Image size in pixels."
)
@click.option("--traceback", is_flag=True, hidden=True, help="Show tracebacks (developers).")
def plot(words, at, output, points, width, height, size, traceback):
    """Plot EXPR and its derivative over a range, with the extrema (zeros of the derivative)
    marked: in the terminal, or to a PNG/SVG with -o.

    The range is --x LO:HI (numbers or pi, e.g. -pi:pi); without one, the only input is plotted
    over [-3, 3] narrowed to its functions' domains (log(x): [0.2, 4]). Other inputs are numbers.
    """
    from . import plot as plotting

    program, inputs, given = read_command(words, at)
    variable, lo, hi, fixed = _plot_inputs(inputs, given, program)
    if output is not None:
        size_px = _image_size(size)
        plotting.require_matplotlib(output)
    require_elementwise(program, [variable], "plot")
    curve = plotting.Curve(program, inputs, variable, fixed)
    xs = np.linspace(lo, hi, points)
    f, df = curve(xs)
    extrema = plotting.extrema(curve, xs, f, df)
    label = program.source.strip()
    if output is not None:
        plotting.save_image(output, xs, f, df, extrema, label, variable, fixed, size_px)
        lines = [f"wrote {output} ({size_px[0]}x{size_px[1]})"]
        lines += plotting.extrema_lines(extrema, variable)
        write("\n".join(lines))
    else:
        from .render import terminal_width

        width = width or max(40, min(120, terminal_width(80)))
        ranges = (plotting.y_range(f), plotting.y_range(df))
        text = plotting.text_plot(
            curve, lo, hi, extrema, label, variable, fixed, width, height, ranges
        )
        write(text)
    sys.exit(ExitCode.OK)


def _plot_inputs(inputs: list[str], given: dict, program: s.Program):
    if not inputs:
        raise UsageError("EXPR has no input to plot against")
    ranges = [name for name, (text, _) in given.items() if ":" in text]
    if len(ranges) > 1:
        raise UsageError(f"give one range, not {len(ranges)} ({', '.join(ranges)})")
    if ranges:
        variable = ranges[0]
        text, option = given[variable]
        lo_text, _, hi_text = text.partition(":")
        lo, hi = read_number(variable, lo_text, option), read_number(variable, hi_text, option)
    else:
        free = [name for name in inputs if name not in given]
        if len(free) != 1:
            raise UsageError(
                f"give the range to plot over, e.g. --{(free or inputs)[0]} -3:3"
                + (f" (EXPR has inputs {', '.join(inputs)})" if len(inputs) > 1 else "")
            )
        variable = free[0]
        lo, hi = sample_intervals(program, inputs)[variable]
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError(f"the range of {variable} must go from a number to a larger one")
    fixed = {}
    for name in inputs:
        if name == variable:
            continue
        if name not in given:
            raise UsageError(f"give {name} a value, e.g. --{name} 1 (only {variable} is plotted)")
        fixed[name] = read_number(name, *given[name])
    return variable, lo, hi, fixed


def _image_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if sep and width.isdigit() and height.isdigit() and 16 <= int(width) <= 10000:
        if 16 <= int(height) <= 10000:
            return int(width), int(height)
    raise UsageError(f"--size takes WIDTHxHEIGHT in pixels, e.g. 800x600 (got {text!r})")


# ---------------------------------------------------------------- gradcli functions

FUNCTIONS_EPILOG = """\b
Examples:
  gradcli functions                       # a table
  gradcli functions --format plain        # sin(x) -> cos(x), one per line
  gradcli functions --format markdown     # the README's function table
"""


@cli.command(epilog=FUNCTIONS_EPILOG)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "plain", "markdown"]),
    help="Output format (default: table).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--plain", "as_plain", is_flag=True, help="Same as --format plain.")
def functions(fmt, as_json, as_plain):
    """Every function of the language, from the primitive registry: aliases, namespaces, the
    domain its tests sample from, the derivative rule (derived from its sympy form) and a one-line
    description."""
    from . import catalog

    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "table")
    entries = catalog.entries()
    if fmt == "json":
        write(json_text(entries))
    elif fmt == "plain":
        write(catalog.to_plain(entries))
    elif fmt == "markdown":
        write(catalog.to_markdown(entries))
    else:
        from .cli import use_color

        write(catalog.to_table(entries, color=use_color()))
    sys.exit(ExitCode.OK)
