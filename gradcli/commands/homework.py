"""Homework mode's common ground: what `gradcli diff`, `check`, `plot` and `functions` share.

Each command lives in a module of its own (`diff_command.py`, `check_command.py`,
`plot_command.py`, and `catalog.py` for `functions`); this one holds what they share:

- the program's inputs, inferred: the free names of EXPR (read before any statement assigns them,
  and not functions or constants of the language), in order of appearance, and the intervals
  they are sampled from (the registry's `domain` facts);
- the command line: EXPR and its values, as `--NAME VALUE` or `--at NAME=VALUE` (the spelling for
  an input named like an option, e.g. `--at order=2`), and the output format flags;
- sympy in a worker with a deadline (`collect`), and the output helpers;
- `grad --format csv`'s guard: a program whose points mix cannot be one row per point.

Importing this module imports neither sympy, rich nor matplotlib.
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import click
import numpy as np

from gradcli.errors import GradcliError, UnknownNameError, UsageError, did_you_mean
from gradcli.language import syntax as s
from gradcli.language.limits import Limits
from gradcli.program.records import Declaration, Request

from .arguments import check_name, parse_assignment, read_program, split_words

SYMPY_TIMEOUT = 10.0  # seconds for sympy's derivative itself (simplifying has --budget)
DEFAULT_INTERVAL = (-3.0, 3.0)  # the registry's default domain: where inputs are sampled
PLACEHOLDER = 1.0  # an input's value when only the program's shapes matter
CONTEXT = {"ignore_unknown_options": True, "allow_extra_args": True}
EXPRESSION = click.argument(
    "words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [--NAME VALUE]..."
)
BUDGET_OPTION = click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds sympy may spend simplifying.",
)


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
    from gradcli.language.walker import CONSTANTS, LANGUAGE_FUNCTIONS, SPELLINGS

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
    from gradcli.engine.primitives import REGISTRY
    from gradcli.language.walker import SPELLINGS

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
    from gradcli.language.walker import LANGUAGE_FUNCTIONS, SPELLINGS

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
    from gradcli.render.report import csv_columns

    require_elementwise(request.program, csv_columns(evaluation), "--format csv")


# ---------------------------------------------------------------- reading the command line


def read_command(words, at: tuple) -> tuple[s.Program, list[str], dict]:
    """The program, its inputs, and the values given: name -> (text, option)."""
    from gradcli.language.parser import parse

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
    from gradcli.language.values import read_value

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


def require_input(name: str, inputs: list[str]) -> None:
    """--wrt NAME must name one of EXPR's inputs."""
    if name not in inputs:
        raise UnknownNameError(
            f"--wrt {name}: EXPR has no input named '{name}'{did_you_mean(name, inputs)} "
            f"(its inputs: {', '.join(inputs)})"
        )


def read_point(inputs: list[str], given: dict) -> dict:
    """The point EXPR is evaluated at: a number for every input, or no point at all."""
    point = {name: read_number(name, *given[name]) for name in given}
    missing = [name for name in inputs if name not in point]
    if point and missing:
        raise UsageError(
            f"give every input a value (--NAME VALUE or --at NAME=VALUE), or none; "
            f"missing: {', '.join(missing)}"
        )
    return point


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
    from gradcli.program.run import run_program, value_of

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
    """Run `produce` in a worker (`workers.start_worker`): its first message within `timeout`
    seconds (else SymbolicError), then whatever else it sends within `budget` seconds."""
    from gradcli.symbolic.sympy_import import import_sympy
    from gradcli.symbolic.workers import GRACE, Late, start_worker

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
    from gradcli.render.plot import short as shorter

    return shorter(value, digits)


def format_point(point: dict) -> str:
    return ", ".join(f"{name} = {short(value)}" for name, value in point.items())


def json_text(data) -> str:
    """As every gradcli JSON document: indented by 2, each array on one line."""
    from gradcli.render.report import json_document

    return json_document(data)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def json_number(value):
    """A float for JSON: non-finite ones as "nan", "inf" or "-inf", as grad writes them."""
    if value is None:
        return None
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else str(value))
