"""One report, three outputs: a JSON document, plain lines for scripts, and rich tables for people.

The renderers read only the plain dataclasses of `gradcli.result` (never tapes or tensors). Every
value goes through one family of helpers, so the three outputs agree on what a number looks like:

- `jsonable(value)`: nested lists of Python numbers (floats, ints for integer dtypes, booleans for
  bool dtypes); the non-finite floats become the strings "nan", "inf", "-inf" so that the JSON
  stays valid (`allow_nan=False`).
- `format_value(value, style)`: the text of one value in the "json", "plain" or "table" style.
- `format_number(x, digits)`: one number for people: the shortest repr (6.0, 0.1, 1e-05), rounded
  to `digits` significant digits only when the shortest repr is longer.

Floats narrower than float64 (float32, float16) are written with the shortest decimal that
round-trips at their own precision (0.1, not 0.10000000149011612), as numpy prints them.

The JSON document is indented by 2, with each array (and shape) on one line; `to_plain` writes
full values (never summarised); `to_table` summarises arrays of over SUMMARY_THRESHOLD elements.
rich is imported inside the table functions only: `--json` and `--plain` never load it; json is
imported inside the JSON and plain ones (every module a table does not need is start-up time).
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np

from .result import Check, Report, TargetResult

__all__ = [
    "SUMMARY_THRESHOLD",
    "agreement_line",
    "check_blocks",
    "check_table",
    "check_to_dict",
    "format_number",
    "format_shape",
    "format_value",
    "inputs_block",
    "inputs_to_dict",
    "json_document",
    "jsonable",
    "new_table",
    "print_blocks",
    "report_to_dict",
    "target_blocks",
    "terminal_width",
    "to_json",
    "to_plain",
    "to_table",
    "watched_block",
]

SUMMARY_THRESHOLD = 8  # arrays with more elements are summarised in tables
EDGE_ITEMS = 3  # elements shown at each end of a summarised axis
TABLE_DIGITS = 6  # significant digits of a number in a table, when its shortest repr is longer
ERROR_DIGITS = 2  # significant digits of an absolute error (1.8e-15)
MAX_TABLE_VALUE_CHARS = 600  # a summarised value longer than this is shown flattened
MAX_TABLE_VALUE_LINES = 8  # likewise one of more lines than this (arrays of many axes)
DEFAULT_WIDTH = 100  # table width when the terminal's is unknown (output piped to a file)

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# ---------------------------------------------------------------- values


def _canonical(value: Any) -> np.ndarray:
    """The value as an array; floats as float64 holding their shortest decimal at own precision."""
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.dtype != np.float64:
        if array.dtype.itemsize < 8:  # float16/float32: the decimal numpy prints, e.g. 0.1
            array = array.astype(str).astype(np.float64)
        else:  # longdouble: nearest float64
            array = array.astype(np.float64)
    return array


def _nonfinite_name(x: float) -> str:
    return "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"


def _replace_nonfinite(item: Any) -> Any:
    if isinstance(item, list):
        return [_replace_nonfinite(x) for x in item]
    if isinstance(item, float) and not math.isfinite(item):
        return _nonfinite_name(item)
    return item


def jsonable(value: Any) -> Any:
    """Nested lists of Python numbers; non-finite floats as "nan"/"inf"/"-inf"; None stays None."""
    if value is None:
        return None
    array = _canonical(value)
    kind = array.dtype.kind
    if kind in "biu":
        return array.tolist()
    if kind == "f":
        out = array.tolist()
        return out if np.isfinite(array).all() else _replace_nonfinite(out)
    # not produced by the engine (complex, strings, objects): their text, element by element
    return np.vectorize(str, otypes=[object])(array).tolist() if array.ndim else str(array.item())


def format_number(x: Any, digits: int = TABLE_DIGITS) -> str:
    """One number for people: shortest repr (6.0, not 6.000000), at most `digits` significant."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(_canonical(x))
    if not math.isfinite(x):
        return _nonfinite_name(x)
    text = repr(x)
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").strip("0")
    if len(mantissa) <= digits:
        return text
    text = f"{x:.{digits}g}"
    return text if ("." in text or "e" in text) else text + ".0"


def format_shape(shape: tuple) -> str:
    """A shape as Python writes the tuple: (), (3,), (2, 3)."""
    return str(tuple(int(n) for n in shape))


def _array_text(array: np.ndarray, *, ascii: bool) -> str:
    text = np.array2string(
        array,
        threshold=SUMMARY_THRESHOLD,
        edgeitems=EDGE_ITEMS,
        separator=", ",
        max_line_width=10**9,  # one line per row: the table wraps cells to the screen
        formatter={"float_kind": format_number, "int_kind": format_number, "bool": format_number},
    )
    return text if ascii else text.replace("...", "…")


def _table_text(value: Any, *, ascii: bool) -> str:
    array = _canonical(value)
    if array.ndim == 0:
        return format_number(array.item()) if array.dtype.kind in "biuf" else str(array.item())
    if array.dtype.kind not in "biuf":
        return str(array.tolist())
    text = _array_text(array, ascii=ascii)
    if array.size <= SUMMARY_THRESHOLD:
        return text
    if len(text) > MAX_TABLE_VALUE_CHARS or text.count("\n") >= MAX_TABLE_VALUE_LINES:
        text = _array_text(array.ravel(), ascii=ascii)  # many axes: the first and last elements
    if array.dtype.kind == "b":
        summary = [f"{int(array.sum())} true"]
    else:
        finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
        summary = []
        if finite.size:
            summary += [f"min {format_number(finite.min())}", f"max {format_number(finite.max())}"]
        if finite.size < array.size:
            summary.append(f"{array.size - finite.size} non-finite")
    return f"{text}\n({', '.join(summary)})"  # on a line of its own: cells wrap less


def format_value(value: Any, style: str = "table", *, ascii: bool = True) -> str:
    """The text of one value, in one output's style.

    - "json": compact JSON (`[1.0, 2.0]`), non-finite as the strings "nan"/"inf"; None is `null`.
    - "plain": a number as its JSON form unquoted (6.0, 3, true, nan, -inf); an array as compact
      JSON without spaces (`[1.0,2.0]`, non-finite as "nan" strings, so a line stays valid JSON);
      None is `None`.
    - "table": numbers by `format_number`; arrays of more than SUMMARY_THRESHOLD elements
      summarised as `[0.1, 0.2, 0.3, ..., 0.7, 0.8, 0.9]` and, on a second line,
      `(min -1.2, max 3.4)` (arrays of three or more axes are flattened first; the tables show
      the shape next to every value, so the summary does not repeat it); `...` becomes `…` when
      `ascii` is false; None is `None`.
    """
    if style == "table":
        return "None" if value is None else _table_text(value, ascii=ascii)
    import json

    if style == "json":
        return json.dumps(jsonable(value), separators=(", ", ": "), allow_nan=False)
    if value is None:
        return "None"
    if style == "plain":
        data = jsonable(value)
        if isinstance(data, str) and data in NONFINITE and np.ndim(value) == 0:
            return data
        return json.dumps(data, separators=(",", ":"), allow_nan=False)
    raise ValueError(f"unknown style {style!r}: expected 'json', 'plain' or 'table'")


# ---------------------------------------------------------------- order


def _in_source_order(mapping: dict, sources: tuple) -> list:
    """The keys of `mapping`: those in `sources` in source order, then any others as given."""
    keys = [s for s in sources if s in mapping]
    return keys + [k for k in mapping if k not in keys]


def _source_shape(report: Report, result: TargetResult, source: str) -> tuple | None:
    gradient = result.gradients.get(source)
    if gradient is not None:
        return np.shape(gradient)
    evaluation = report.evaluation
    if source in evaluation.inputs:
        return np.shape(evaluation.inputs[source].value)
    for label, value in evaluation.statements:
        if label == source:
            return np.shape(value)
    return None


def _checks_for(report: Report, index: int) -> dict | None:
    return report.checks[index] if index < len(report.checks) else None


# ---------------------------------------------------------------- JSON


def check_to_dict(check: Check) -> dict:
    return {
        "method": check.method,
        "expression": check.expression,
        "expected": jsonable(check.expected),
        "max_abs_err": jsonable(float(check.max_abs_err)),
        "agrees": bool(check.agrees),
    }


def report_to_dict(report: Report) -> dict:
    """The JSON document as Python data: only lists, dicts, str, float, int, bool and None."""
    evaluation = report.evaluation
    sources = evaluation.sources
    results = []
    for index, result in enumerate(evaluation.results):
        checks = _checks_for(report, index)
        results.append(
            {
                "target": result.target,
                "value": jsonable(result.value),
                "shape": list(np.shape(result.value)),
                "gradients": {
                    s: jsonable(result.gradients[s])
                    for s in _in_source_order(result.gradients, sources)
                },
                "reasons": {
                    s: str(result.reasons[s]) for s in _in_source_order(result.reasons, sources)
                },
                "check": None
                if checks is None
                else {s: check_to_dict(checks[s]) for s in _in_source_order(checks, sources)},
            }
        )
    document = {
        "inputs": inputs_to_dict(evaluation),
        "watched": list(evaluation.watched),
        "results": results,
    }
    if evaluation.order != 1:  # grad --order N: the "gradients" are N-th derivatives
        document["order"] = evaluation.order
    return document


def inputs_to_dict(evaluation) -> dict:
    """The "inputs" of every JSON document: name -> kind, shape, value."""
    return {
        name: {
            "kind": info.kind,
            "shape": list(np.shape(info.value)),
            "value": jsonable(info.value),
        }
        for name, info in evaluation.inputs.items()
    }


def _dump(data: Any, level: int = 0) -> str:
    """JSON indented by 2 for objects and lists of objects; arrays and shapes on one line."""
    import json

    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(data, dict) and data:
        items = [f"{inner}{json.dumps(k)}: {_dump(v, level + 1)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(data, list) and data and any(isinstance(x, dict) for x in data):
        items = [inner + _dump(x, level + 1) for x in data]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(data, separators=(", ", ": "), allow_nan=False)


def to_json(report: Report) -> str:
    """The report as one JSON document (valid: no NaN/Infinity literals), ending with a newline."""
    return json_document(report_to_dict(report))


def json_document(data: Any) -> str:
    """Python data (lists, dicts, str, numbers, None) as gradcli writes JSON: indented by 2, each
    array on one line, ending with a newline."""
    return _dump(data) + "\n"


# ---------------------------------------------------------------- plain


def to_plain(report: Report) -> str:
    """One line per source (its gradient, `format_value(..., "plain")`), a block per target."""
    evaluation = report.evaluation
    blocks = []
    for result in evaluation.results:
        lines = [
            format_value(result.gradients[s], "plain")
            for s in _in_source_order(result.gradients, evaluation.sources)
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- csv

CSV_CHUNK = 65_536  # rows formatted at a time: a million rows never exist as one list of cells


def csv_columns(evaluation) -> list[str]:
    """The inputs that are columns of `to_csv`: those of the targets' shape (a row per element).
    Raises UsageError (exit 2) when there is none: the program is not elementwise."""
    from .errors import UsageError

    shapes = {np.shape(result.value) for result in evaluation.results}
    if len(shapes) != 1:
        raise UsageError(
            "--format csv needs targets of one shape, not "
            + " and ".join(format_shape(shape) for shape in sorted(shapes))
        )
    shape = shapes.pop()
    columns = [n for n, info in evaluation.inputs.items() if np.shape(info.value) == shape]
    if not columns:
        shown = ", ".join(
            f"{n} {format_shape(np.shape(i.value))}" for n, i in evaluation.inputs.items()
        )
        raise UsageError(
            f"--format csv needs an elementwise program (a row per point): the target "
            f"{evaluation.results[0].target} has shape {format_shape(shape)}, but no input "
            f"has that shape (inputs: {shown or 'none'})"
        )
    return columns


def _derivative_label(target: str, source: str, order: int = 1) -> str:
    """dy/dx, d(x*y)/dx; for grad --order 3: d^3y/dx^3."""
    shown = target if target.isidentifier() else f"({target})"
    if order == 1:
        return f"d{shown}/d{source}"
    return f"d^{order}{shown}/d{source}^{order}"


def _csv_cells(value: Any) -> list[str]:
    """Each element's text: the shortest repr that round-trips (nan, inf, -inf as Python reads
    them back with float())."""
    array = _canonical(value).ravel()
    return list(map(repr if array.dtype.kind == "f" else str, array.tolist()))


def to_csv(report: Report) -> str:
    """One row per point: the input columns (`csv_columns`), then per target its value and its
    derivative with respect to each column input (header `d<target>/d<input>`). For an
    elementwise program the gradient of the target's sum is each point's own derivative."""
    import csv
    import io

    evaluation = report.evaluation
    columns = csv_columns(evaluation)
    header, data = list(columns), [evaluation.inputs[name].value for name in columns]
    for result in evaluation.results:
        header.append(result.target)
        data.append(result.value)
        for name in columns:
            gradient = result.gradients.get(name)
            if gradient is not None and np.shape(gradient) == np.shape(result.value):
                order = getattr(evaluation, "order", 1)
                header.append(_derivative_label(result.target, name, order))
                data.append(gradient)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header)
    rows = int(np.size(data[0]))
    flat = [np.ravel(np.asarray(d)) for d in data]
    for start in range(0, rows, CSV_CHUNK):
        cells = [_csv_cells(d[start : start + CSV_CHUNK]) for d in flat]
        buffer.write("\n".join(map(",".join, zip(*cells))))
        buffer.write("\n")
    return buffer.getvalue()


# ---------------------------------------------------------------- tables


def _ascii_simple_head():
    from rich.box import Box

    return Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)


def _agreement_summary(report: Report):
    """'all gradients agree with sympy' or 'N gradients disagree: x, y', styled."""
    evaluation = report.evaluation
    several = len(evaluation.results) > 1
    return agreement_line(
        [
            (f"{source} (target {result.target})" if several else source, check)
            for index, result in enumerate(evaluation.results)
            for source, check in (_checks_for(report, index) or {}).items()
        ],
        noun="gradient" if evaluation.order == 1 else "derivative",
    )


def agreement_line(checks: list, *, noun: str = "gradient"):
    """'all gradients agree with sympy' or 'N gradients disagree: x, y', styled; None when no
    check ran. `checks`: (label, Check) pairs; `noun` names what was checked."""
    from rich.text import Text

    methods, failed = [], []
    for label, check in checks:
        if check.method not in methods:
            methods.append(check.method)
        if not check.agrees:
            failed.append(label)
    if not methods:
        return None
    if failed:
        verb = f"{noun} disagrees" if len(failed) == 1 else f"{noun}s disagree"
        return Text(f"{len(failed)} {verb}: {', '.join(failed)}", style="bold red")
    against = " and ".join("sympy" if m == "symbolic" else "finite differences" for m in methods)
    return Text(f"all {noun}s agree with {against}", style="green")


def new_table(title: str, *columns: str, ascii: bool):
    """A table in the style of every gradcli table: bold title on the left, a rule under the
    header (`-` when `ascii`), no outer edge; every column may wrap, so a narrow terminal never
    loses a column."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=_ascii_simple_head() if ascii else box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        header_style="bold",
        safe_box=ascii,
    )
    for column in columns:
        t.add_column(column, overflow="fold")
    return t


def terminal_width(default: int) -> int:
    """What `shutil.get_terminal_size` answers (COLUMNS first, then the terminal's), without the
    3 ms that importing shutil (and with it bz2, lzma and zlib) adds to every table."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or default


def print_blocks(blocks: list, *, color: bool, width: int | None = None) -> str:
    """Rich renderables (None: a blank line) as text, printed as every gradcli table is: ANSI
    styles only when `color`; without, no escapes and no trailing spaces. `width` defaults to the
    terminal's (DEFAULT_WIDTH when unknown)."""
    import io

    from rich.console import Console

    width = width or terminal_width(DEFAULT_WIDTH)
    buffer = io.StringIO()
    common = dict(
        file=buffer,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        force_jupyter=False,
        force_interactive=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    if color:
        console = Console(force_terminal=True, color_system="auto", **common)
    else:
        console = Console(force_terminal=False, color_system=None, no_color=True, **common)
    for item in blocks:
        console.print() if item is None else console.print(item)
    text = buffer.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


def inputs_block(evaluation, *, ascii: bool):
    """The Inputs table: name, kind, trainable, watched, shape, value (or 'Inputs: none')."""
    from rich.text import Text

    if not evaluation.inputs:
        return Text("Inputs: none", style="bold")
    inputs = new_table(
        "Inputs", "name", "kind", "trainable", "watched", "shape", "value", ascii=ascii
    )
    for name, info in evaluation.inputs.items():
        inputs.add_row(
            Text(name),
            Text(info.kind + (" (created)" if info.created else "")),
            "yes" if info.trainable else "no",
            "yes" if info.watched else "no",
            format_shape(np.shape(info.value)),
            Text(format_value(info.value, "table", ascii=ascii)),
        )
    return inputs


def watched_block(evaluation):
    """'Watched variables: x, y' (or none)."""
    from rich.text import Text

    watched = Text("Watched variables: ", style="bold")
    watched.append(Text(", ".join(evaluation.watched) if evaluation.watched else "none"))
    return watched


def check_table(title: str, checks: dict, *, ascii: bool, label: str = "source"):
    """One Cross-check table: a row per item of `checks` (label -> Check), in the dict's order."""
    from rich.text import Text

    dash = "-" if ascii else "—"
    cross = new_table(
        title, label, "method", "derivative", "expected", "max abs err", "agrees", ascii=ascii
    )
    for name, check in checks.items():
        if check.agrees:
            verdict = Text("yes" if ascii else "✓", style="green")
        else:
            verdict = Text("NO" if ascii else "✗", style="bold red")
        cross.add_row(
            Text(name),
            check.method,
            Text(check.expression if check.expression is not None else dash),
            dash if check.expected is None else Text(format_value(check.expected, ascii=ascii)),
            format_number(float(check.max_abs_err), ERROR_DIGITS),
            verdict,
            style=None if check.agrees else "red",
        )
    return cross


def to_table(report: Report, *, color: bool, width: int | None = None) -> str:
    """The report as rich tables, returned as text (ANSI styles only when `color`).

    Sections: Inputs; per target its value and its Gradients (None with the reason why); the
    watched variables; per target the Cross-check (when one ran) and one summary line; notes.
    With `color=False` the text is plain ASCII apart from user text: no ANSI escapes, no box
    drawing (`-` under the headers), `...` for elided elements, `yes`/`NO` for agreement, and no
    trailing spaces. `width` defaults to the terminal's (DEFAULT_WIDTH when unknown).
    """
    from rich.text import Text

    ascii = not color
    evaluation = report.evaluation
    out: list = [inputs_block(evaluation, ascii=ascii)]  # renderables; None: a blank line
    out += target_blocks(report, ascii=ascii)
    out += [None, watched_block(evaluation)]
    out += check_blocks(report, ascii=ascii)
    if report.notes:
        out.append(None)
    out += [Text(str(note), style="dim") for note in report.notes]
    return print_blocks(out, color=color, width=width)


def target_blocks(report: Report, *, ascii: bool) -> list:
    """Per target: a blank line, its heading (name, shape, value) and its Gradients table (the
    derivatives of `evaluation.order`), None with the reason why."""
    from rich.text import Text

    dash = "-" if ascii else "—"

    def value(v: Any) -> Text:
        return Text(format_value(v, "table", ascii=ascii))

    evaluation = report.evaluation
    sources = evaluation.sources
    order = evaluation.order
    title = "Gradients" if order == 1 else f"Derivatives of order {order}"
    out: list = []
    for result in evaluation.results:
        shown = format_value(result.value, "table", ascii=ascii)
        heading = Text("Target: ", style="bold").append(Text(result.target, style="bold"))
        shape = np.shape(result.value)
        if shape:
            heading.append(f", shape {format_shape(shape)}")
        if "\n" in shown:
            heading.append(" =\n" + "\n".join("  " + line for line in shown.splitlines()))
        else:
            heading.append(" = " + shown)
        has_notes = bool(result.reasons)
        columns = ("source", "shape", "gradient" if order == 1 else "derivative")
        gradients = new_table(title, *columns, *(("note",) if has_notes else ()), ascii=ascii)
        for source in _in_source_order(result.gradients, sources):
            source_shape = _source_shape(report, result, source)
            row = [
                Text(source),
                dash if source_shape is None else format_shape(source_shape),
                value(result.gradients[source]),
            ]
            if has_notes:
                row.append(Text(str(result.reasons.get(source, "")), style="dim"))
            gradients.add_row(*row)
        out += [None, heading, gradients if result.gradients else Text("no sources", style="dim")]
    return out


def check_blocks(report: Report, *, ascii: bool) -> list:
    """Per target whose cross-check ran: a blank line and its Cross-check table; then the
    summary line (nothing when no check ran)."""
    evaluation = report.evaluation
    several = len(evaluation.results) > 1
    out: list = []
    for index, result in enumerate(evaluation.results):
        checks = _checks_for(report, index)
        if not checks:
            continue
        title = f"Cross-check: {result.target}" if several else "Cross-check"
        ordered = {s: checks[s] for s in _in_source_order(checks, evaluation.sources)}
        out += [None, check_table(title, ordered, ascii=ascii)]
    summary = _agreement_summary(report)
    if summary is not None:
        out.append(summary)
    return out
