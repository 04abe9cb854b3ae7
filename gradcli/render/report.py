"""One report, three outputs: a JSON document, plain lines for scripts, and rich tables for people.

The renderers read only the plain records of `gradcli.program.records` (never tapes or tensors);
every value goes through one family of helpers, so the outputs agree on what a number looks like:

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
The tables themselves are `tables.py`'s, where rich is imported (inside its functions):
`--json` and `--plain` never load it; json is imported inside the JSON and plain functions here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcli.program.records import Check, Report, TargetResult

from .undefined import with_undefined

__all__ = [
    "SUMMARY_THRESHOLD",
    "check_to_dict",
    "checks_for",
    "format_number",
    "format_shape",
    "format_value",
    "in_source_order",
    "inputs_to_dict",
    "json_document",
    "jsonable",
    "report_to_dict",
    "source_shape",
    "to_csv",
    "to_json",
    "to_plain",
    "to_table",
]

SUMMARY_THRESHOLD = 8  # arrays with more elements are summarised in tables
EDGE_ITEMS = 3  # elements shown at each end of a summarised axis
TABLE_DIGITS = 10  # significant digits in a table (when the repr is longer): homework has 10
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


def in_source_order(mapping: dict, sources: tuple) -> list:
    """The keys of `mapping`: those in `sources` in source order, then any others as given."""
    keys = [s for s in sources if s in mapping]
    return keys + [k for k in mapping if k not in keys]


def source_shape(report: Report, result: TargetResult, source: str) -> tuple | None:
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


def checks_for(report: Report, index: int) -> dict | None:
    return report.checks[index] if index < len(report.checks) else None


# ---------------------------------------------------------------- JSON


def check_to_dict(check: Check) -> dict:
    if not check.checked:  # over the time budget: nothing was compared
        return {
            "method": check.method,
            "expression": check.expression,
            "expected": None,
            "max_abs_err": None,
            "agrees": None,
        }
    return {
        "method": check.method,
        "expression": check.expression,
        "expected": jsonable(check.expected),
        "max_abs_err": jsonable(float(check.max_abs_err)),
        "agrees": bool(check.agrees) if check.defined else None,  # neither, when not defined
        "defined": bool(check.defined),
    }


def report_to_dict(report: Report) -> dict:
    """The JSON document as Python data: only lists, dicts, str, float, int, bool and None."""
    evaluation = report.evaluation
    sources = evaluation.sources
    results = []
    for index, result in enumerate(evaluation.results):
        checks = checks_for(report, index)
        results.append(
            {
                "target": result.target,
                "value": jsonable(result.value),
                "shape": list(np.shape(result.value)),
                "gradients": {
                    s: jsonable(result.gradients[s])
                    for s in in_source_order(result.gradients, sources)
                },
                "reasons": {
                    s: str(result.reasons[s]) for s in in_source_order(result.reasons, sources)
                },
                "check": None
                if checks is None
                else {s: check_to_dict(checks[s]) for s in in_source_order(checks, sources)},
            }
        )
    document = {
        "inputs": inputs_to_dict(evaluation),
        "watched": list(evaluation.watched),
        "results": results,
    }
    if evaluation.order != 1:  # grad --order N: the "gradients" are N-th derivatives
        document["order"] = evaluation.order
    return with_undefined(report, document)


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


def to_plain(report: Report, labels: bool = False) -> str:
    """One line per source (its gradient, `format_value(..., "plain")`), a block per target;
    `labels`: each line starts with its source (`x: 6.0`; `dz/dx: 108.0` with several targets)."""
    evaluation = report.evaluation
    several, order = len(evaluation.results) > 1, evaluation.order
    blocks = []
    for result in evaluation.results:
        lines = [
            (f"{_derivative_label(result.target, s, order) if several else s}: " if labels else "")
            + format_value(result.gradients[s], "plain")
            for s in in_source_order(result.gradients, evaluation.sources)
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- csv

CSV_CHUNK = 65_536  # rows formatted at a time: a million rows never exist as one list of cells


def csv_columns(evaluation) -> list[str]:
    """The inputs that are columns of `to_csv`: those of the targets' shape (a row per element).
    Raises UsageError (exit 2) when there is none: the program is not elementwise."""
    from gradcli.errors import UsageError

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


def to_table(report: Report, *, color: bool, width: int | None = None) -> str:
    """The report as rich tables, returned as text (`tables.report_tables`: rich loads there)."""
    from .tables import report_tables

    return report_tables(report, color=color, width=width)
