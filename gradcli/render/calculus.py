"""The outputs of `gradcli jacobian` and `gradcli hessian` (`gradcli tape`'s: `tape.py`).

Each command's renderer is a namespace with grad's functions (`to_table`, `to_json`, `to_plain`),
handed to `commands.output.emit`. They read only plain data (a `Report` of Jacobians,
`HessianResult`) and build on `report` and `tables`: the same value formatters (`format_value`,
`format_number`, `jsonable`), the same tables, the same Inputs and Cross-check sections, the same
JSON layout. rich is imported inside the table functions only.
"""

from __future__ import annotations

import types

import numpy as np

from gradcli.errors import UsageError
from gradcli.program.records import Report

from . import tables
from .report import (
    check_to_dict,
    format_number,
    format_shape,
    format_value,
    inputs_to_dict,
    json_document,
    jsonable,
    report_to_dict,
)
from .undefined import with_undefined

__all__ = ["HESSIAN", "JACOBIAN", "matrix_labels", "no_csv", "named"]

MAX_MATRIX_ROWS = 40  # a larger Jacobian or Hessian is shown summarised (all of it with --json)
MAX_MATRIX_COLUMNS = 12


def no_csv(report) -> str:
    raise UsageError("--format csv is for gradcli grad; use --json or --plain here")


def named(label: str) -> str:
    """A label as it reads inside d(...)/d(...): bare when it is a name."""
    return label if label.isidentifier() else f"({label})"


# ---------------------------------------------------------------- matrices


def matrix_labels(value_label: str, shape: tuple, axes: int) -> list[str]:
    """Labels of the `axes` leading axes of a value of `shape`: x, x[0], x[0, :]."""
    if not shape:
        return [value_label]
    value_label = named(value_label)
    if axes == len(shape):
        return [f"{value_label}[{', '.join(map(str, i))}]" for i in np.ndindex(shape)]
    return [f"{value_label}[{i}, :]" for i in range(shape[0])]


def output_labels(target: str, shape: tuple) -> list[str]:
    """Labels of a target's elements: a list's own items (`[x*y, sin(x)]`: x*y, sin(x)) when the
    target is a list of that many, else `matrix_labels`."""
    if len(shape) == 1 and target.startswith("[") and target.endswith("]"):
        items, depth, start = [], 0, 1
        for i, char in enumerate(target[1:-1], start=1):
            depth += char in "([{"
            depth -= char in ")]}"
            if char == "," and depth == 0:
                items.append(target[start:i].strip())
                start = i + 1
        items.append(target[start:-1].strip())
        if len(items) == shape[0] and all(items):
            return items
    return matrix_labels(target, shape, len(shape))


def _one_matrix(result, shapes: dict, ascii: bool):
    """A target's Jacobians by several sources as one matrix: rows the target's elements,
    columns every element of every source (None when it does not fit, or a value has more than
    one axis)."""
    t_shape = np.shape(result.value)
    present = {s: np.asarray(v) for s, v in result.gradients.items() if v is not None}
    if len(present) < 2 or len(t_shape) > 1:
        return None
    s_shapes = {s: shapes.get(s, v.shape[len(t_shape) :]) for s, v in present.items()}
    if any(len(shape) > 1 for shape in s_shapes.values()):
        return None
    rows = output_labels(result.target, t_shape)
    columns = [label for s in present for label in matrix_labels(s, s_shapes[s], 1)]
    if len(rows) > MAX_MATRIX_ROWS or len(columns) > MAX_MATRIX_COLUMNS:
        return None
    values = np.concatenate([v.reshape(len(rows), -1) for v in present.values()], axis=1)
    names = ", ".join(named(s) for s in present)
    title = f"Jacobian d{named(result.target)}/d({names}), shape {format_shape(values.shape)}"
    corner = "output \\ input"
    return _matrix_table(title, corner, rows, columns, values, ascii)


def _matrix_table(title: str, corner: str, rows: list, columns: list, values, ascii: bool):
    """A heading line and a table without a title of its own (a long title would wrap to the
    table's width)."""
    from rich.console import Group
    from rich.text import Text

    table = tables.new_table("", corner, *columns, ascii=ascii)
    table.title = None
    values = np.asarray(values).reshape(len(rows), len(columns))
    for label, row in zip(rows, values):
        table.add_row(Text(label), *(format_number(v) for v in row))
    return Group(Text(title, style="bold"), table)


def _jacobian_block(
    title: str, target: str, t_shape: tuple, source: str, s_shape: tuple, value, ascii: bool
):
    """A Jacobian as a matrix table (up to two axes), else as JSON or a summary."""
    from rich.text import Text

    value = np.asarray(value)
    if value.ndim <= 2:
        if len(t_shape) == 2:  # a matrix target and a scalar source: the target's own layout
            rows = [f"{named(target)}[{i}, :]" for i in range(t_shape[0])]
            columns = [f"[:, {j}]" for j in range(t_shape[1])]
        elif len(s_shape) == 2:  # a scalar target and a matrix source
            rows = [f"{named(source)}[{i}, :]" for i in range(s_shape[0])]
            columns = [f"[:, {j}]" for j in range(s_shape[1])]
        else:
            rows = output_labels(target, t_shape)
            columns = matrix_labels(source, s_shape, len(s_shape))
        if len(rows) <= MAX_MATRIX_ROWS and len(columns) <= MAX_MATRIX_COLUMNS:
            corner = f"d{named(target)}/d{named(source)}"
            return _matrix_table(title, corner, rows, columns, value, ascii)
        shown = format_value(value, "table", ascii=ascii)
        return Text(f"{title}\n{shown}\n(summarised: --json shows every entry)")
    if value.size <= 200:
        return Text(f"{title}, as JSON (more than two axes)\n{format_value(value, 'json')}")
    shown = format_value(value, "table", ascii=ascii)
    return Text(f"{title} (more than two axes; --json shows every entry)\n{shown}")


def _heading(label: str, value, ascii: bool):
    from rich.text import Text

    shown = format_value(value, "table", ascii=ascii)
    heading = Text("Target: ", style="bold").append(Text(label, style="bold"))
    if np.shape(value):
        heading.append(f", shape {format_shape(np.shape(value))}")
    if "\n" in shown:
        return heading.append(" =\n" + "\n".join("  " + line for line in shown.splitlines()))
    return heading.append(" = " + shown)


def _source_shapes(evaluation) -> dict:
    return {name: np.shape(info.value) for name, info in evaluation.inputs.items()}


def _checks_section(checks: list, title: str, ascii: bool, noun: str, label: str = "source"):
    """The Cross-check table of (label, Check) pairs and its summary line."""
    if not checks:
        return []
    out = [None, tables.check_table(title, dict(checks), ascii=ascii, label=label)]
    line = tables.agreement_line(checks, noun=noun)
    return out + ([line] if line is not None else [])


# ---------------------------------------------------------------- jacobian


def jacobian_to_table(report, *, color: bool, width: int | None = None) -> str:
    from rich.text import Text

    ascii = not color
    evaluation = report.evaluation
    shapes = _source_shapes(evaluation)
    out: list = [tables.inputs_block(evaluation, ascii=ascii)]
    checks: list = []
    several = len(evaluation.results) > 1
    for index, result in enumerate(evaluation.results):
        t_shape = np.shape(result.value)
        out += [None, _heading(result.target, result.value, ascii)]
        matrix = _one_matrix(result, shapes, ascii)
        if matrix is not None:
            out += [None, matrix]
        for source, value in result.gradients.items():
            label = f"d{named(result.target)}/d{named(source)}"
            if value is None:
                why = result.reasons.get(source, "")
                out += [None, Text(f"Jacobian {label}: None ({why})", style="dim")]
                continue
            if matrix is not None:  # shown in the one matrix
                if source in result.reasons:
                    out.append(Text(f"{source}: {result.reasons[source]}", style="dim"))
                continue
            s_shape = shapes.get(source, np.shape(value)[len(t_shape) :])
            title = f"Jacobian {label}, shape {format_shape(np.shape(value))}"
            out += [
                None,
                _jacobian_block(title, result.target, t_shape, source, s_shape, value, ascii),
            ]
            if source in result.reasons:
                out.append(Text(result.reasons[source], style="dim"))
        per = report.checks[index] if index < len(report.checks) and report.checks[index] else {}
        checks += [(f"{s} (target {result.target})" if several else s, c) for s, c in per.items()]
    out += tables.kink_lines(report)
    out += [None, tables.watched_block(evaluation)]
    out += _checks_section(checks, "Cross-check", ascii, "Jacobian")
    out += tables.undefined_block(report)
    return tables.print_blocks(out, color=color, width=width)


def jacobian_to_dict(report) -> dict:
    """grad's JSON document, with "jacobians" (and their shapes) where grad has "gradients"."""
    document = report_to_dict(report)
    for result in document["results"]:
        renamed = {}
        for key, value in result.items():
            if key == "gradients":
                renamed["jacobians"] = value
                renamed["jacobian_shapes"] = {s: list(np.shape(v)) for s, v in value.items()}
            else:
                renamed[key] = value
        result.clear()
        result.update(renamed)
    return document


def _row_text(cells, label: str | None = None) -> str:
    text = " ".join(format_value(cell, "plain") for cell in cells)
    return text if label is None else f"{label}: {text}"


def jacobian_to_plain(report, labels: bool = False) -> str:
    """Per target, one matrix, a row per line: a row per element of the target, a column per
    element of every source in order (`None` for a source without a gradient), numbers as grad's
    plain values separated by spaces; targets separated by a blank line. `labels`: each row
    starts with its output (`x*y: 2.0 1.0`)."""
    evaluation = report.evaluation
    shapes = _source_shapes(evaluation)
    blocks = []
    for result in evaluation.results:
        size = int(np.size(result.value))
        columns = []
        for source, value in result.gradients.items():
            if value is None:
                count = int(np.prod(shapes.get(source, ()), dtype=int))
                columns.append(np.full((size, count), None, dtype=object))
            else:
                columns.append(np.asarray(value, dtype=object).reshape(size, -1))
        matrix = np.concatenate(columns, axis=1) if columns else np.empty((size, 0), object)
        names = output_labels(result.target, np.shape(result.value)) if labels else [None] * size
        blocks.append("\n".join(_row_text(row, name) for row, name in zip(matrix, names)))
    return "\n\n".join(blocks) + "\n"


JACOBIAN = types.SimpleNamespace(
    to_table=jacobian_to_table,
    to_json=lambda report: json_document(jacobian_to_dict(report)),
    to_plain=jacobian_to_plain,
    to_csv=no_csv,
)


# ---------------------------------------------------------------- hessian


def _hessian_matrix(result, names: list, shapes: dict, ascii: bool):
    """The whole Hessian as one matrix over every element of every source (small ones)."""
    labels = {name: matrix_labels(name, shapes[name], len(shapes[name])) for name in names}
    rows = [label for name in names for label in labels[name]]
    if len(rows) > MAX_MATRIX_COLUMNS:
        return None
    table = tables.new_table("Hessian", "", *rows, ascii=ascii)
    for a in names:
        size_a = len(labels[a])
        row_values = []
        for b in names:
            block = result.blocks[a][b]
            size_b = len(labels[b])
            if block is None:
                row_values.append(np.full((size_a, size_b), None, dtype=object))
            else:
                row_values.append(np.asarray(block, dtype=object).reshape(size_a, size_b))
        for label, values in zip(labels[a], np.concatenate(row_values, axis=1)):
            table.add_row(label, *("None" if v is None else format_number(v) for v in values))
    return table


def hessian_to_table(result, *, color: bool, width: int | None = None) -> str:
    from rich.text import Text

    ascii = not color
    evaluation = result.evaluation
    target = result.target
    names = list(result.blocks)
    shapes = {
        name: np.shape(target.gradients[name])
        if target.gradients[name] is not None
        else _source_shapes(evaluation).get(name, ())
        for name in names
    }
    out: list = [tables.inputs_block(evaluation, ascii=ascii)]
    out += tables.target_blocks(Report(evaluation), ascii=ascii)
    matrix = _hessian_matrix(result, names, shapes, ascii) if names else None
    if matrix is not None:
        out += [None, matrix]
    else:
        blocks = tables.new_table("Hessian blocks", "block", "shape", "value", ascii=ascii)
        for a in names:
            for b in names:
                block = result.blocks[a][b]
                shape = shapes[a] + shapes[b]
                blocks.add_row(
                    f"d2{named(target.target)}/d{named(a)} d{named(b)}",
                    format_shape(shape),
                    format_value(block, "table", ascii=ascii),
                )
        out += [None, blocks if names else Text("no sources", style="dim")]
    bar = "|" if ascii else "│"
    measure = f"largest {bar}H - H^T{bar} = {format_number(result.asymmetry, 2)}"
    if result.symmetric:
        out.append(Text(f"symmetric: yes ({measure})", style="green"))
    else:
        out.append(Text(f"NOT symmetric: {measure}", style="bold red"))
    out += tables.kink_lines(result)
    out += [None, tables.watched_block(evaluation)]
    pairs = [
        (f"{a}, {b}", check) for a, row in (result.checks or {}).items() for b, check in row.items()
    ]
    out += _checks_section(pairs, "Cross-check", ascii, "second derivative", label="block")
    out += tables.undefined_block(result)
    return tables.print_blocks(out, color=color, width=width)


def hessian_to_dict(result) -> dict:
    evaluation = result.evaluation
    target = result.target
    return with_undefined(
        result,
        {
            "inputs": inputs_to_dict(evaluation),
            "watched": list(evaluation.watched),
            "target": target.target,
            "value": jsonable(target.value),
            "gradients": {s: jsonable(g) for s, g in target.gradients.items()},
            "reasons": {s: str(r) for s, r in target.reasons.items()},
            "hessian": {
                a: {b: jsonable(v) for b, v in row.items()} for a, row in result.blocks.items()
            },
            "symmetry": {
                "max_abs_asymmetry": jsonable(float(result.asymmetry)),
                "symmetric": bool(result.symmetric),
            },
            "check": None
            if result.checks is None
            else {
                a: {b: check_to_dict(check) for b, check in row.items()}
                for a, row in result.checks.items()
            },
        },
    )


def hessian_to_plain(result, labels: bool = False) -> str:
    """The Hessian over every element of every source, a row per line (x, then y, ...), numbers
    as grad's plain values separated by spaces; `None` for a block whose gradient is None.
    `labels`: each row starts with its source element (`x: ...`, `x[0]: ...`)."""
    target = result.target
    names = list(result.blocks)
    sizes = {
        name: int(np.size(target.gradients[name]))
        if target.gradients[name] is not None
        else int(np.prod(_source_shapes(result.evaluation).get(name, ()), dtype=int))
        for name in names
    }
    lines = []
    for a in names:
        parts = []
        for b in names:
            block = result.blocks[a][b]
            if block is None:
                parts.append(np.full((sizes[a], sizes[b]), None, dtype=object))
            else:
                parts.append(np.asarray(block, dtype=object).reshape(sizes[a], sizes[b]))
        if parts:
            shape = np.shape(target.gradients[a]) if target.gradients[a] is not None else ()
            row_labels = matrix_labels(a, shape, len(shape)) if labels else [None] * sizes[a]
            if len(row_labels) != sizes[a]:
                row_labels = [f"{a}[{i}]" for i in range(sizes[a])]
            rows = np.concatenate(parts, axis=1)
            lines += [_row_text(row, label) for row, label in zip(rows, row_labels)]
    return "\n".join(lines) + "\n"


HESSIAN = types.SimpleNamespace(
    to_table=hessian_to_table,
    to_json=lambda result: json_document(hessian_to_dict(result)),
    to_plain=hessian_to_plain,
    to_csv=no_csv,
)
