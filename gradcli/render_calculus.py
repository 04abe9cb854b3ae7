"""The outputs of `gradcli tape`, `gradcli jacobian` and `gradcli hessian`.

Each command's renderer is a namespace with grad's functions (`to_table`, `to_json`, `to_plain`,
and `to_dot` for the tape), handed to `cli.emit`. They read only plain data (`TapeView`, a
`Report` of Jacobians, `HessianResult`) and build on `gradcli.render`: the same value formatters
(`format_value`, `format_number`, `jsonable`), the same tables, the same Inputs and Cross-check
sections, the same JSON layout. rich is imported inside the table functions only.
"""

from __future__ import annotations

import types

import numpy as np

from . import render, tables
from .errors import UsageError
from .render import format_number, format_shape, format_value, jsonable
from .result import Report

__all__ = ["HESSIAN", "JACOBIAN", "TAPE", "matrix_labels"]

MAX_MATRIX_ROWS = 40  # a larger Jacobian or Hessian is shown summarised (all of it with --json)
MAX_MATRIX_COLUMNS = 12


def _no_csv(report) -> str:
    raise UsageError("--format csv is for gradcli grad; use --json or --plain here")


def _named(label: str) -> str:
    """A label as it reads inside d(...)/d(...): bare when it is a name."""
    return label if label.isidentifier() else f"({label})"


# ---------------------------------------------------------------- matrices


def matrix_labels(value_label: str, shape: tuple, axes: int) -> list[str]:
    """Labels of the `axes` leading axes of a value of `shape`: x, x[0], x[0, :]."""
    if not shape:
        return [value_label]
    value_label = _named(value_label)
    if axes == len(shape):
        return [f"{value_label}[{', '.join(map(str, i))}]" for i in np.ndindex(shape)]
    return [f"{value_label}[{i}, :]" for i in range(shape[0])]


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
            rows = [f"{_named(target)}[{i}, :]" for i in range(t_shape[0])]
            columns = [f"[:, {j}]" for j in range(t_shape[1])]
        elif len(s_shape) == 2:  # a scalar target and a matrix source
            rows = [f"{_named(source)}[{i}, :]" for i in range(s_shape[0])]
            columns = [f"[:, {j}]" for j in range(s_shape[1])]
        else:
            rows = matrix_labels(target, t_shape, len(t_shape))
            columns = matrix_labels(source, s_shape, len(s_shape))
        if len(rows) <= MAX_MATRIX_ROWS and len(columns) <= MAX_MATRIX_COLUMNS:
            corner = f"d{_named(target)}/d{_named(source)}"
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
        for source, value in result.gradients.items():
            label = f"d{_named(result.target)}/d{_named(source)}"
            if value is None:
                why = result.reasons.get(source, "")
                out += [None, Text(f"Jacobian {label}: None ({why})", style="dim")]
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
    out += [None, tables.watched_block(evaluation)]
    out += _checks_section(checks, "Cross-check", ascii, "Jacobian")
    return tables.print_blocks(out, color=color, width=width)


def jacobian_to_dict(report) -> dict:
    """grad's JSON document, with "jacobians" (and their shapes) where grad has "gradients"."""
    document = render.report_to_dict(report)
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


JACOBIAN = types.SimpleNamespace(
    to_table=jacobian_to_table,
    to_json=lambda report: render.json_document(jacobian_to_dict(report)),
    to_plain=render.to_plain,  # a line per source: the Jacobian as compact JSON
    to_csv=_no_csv,
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
                    f"d2{_named(target.target)}/d{_named(a)} d{_named(b)}",
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
    out += [None, tables.watched_block(evaluation)]
    pairs = [
        (f"{a}, {b}", check) for a, row in (result.checks or {}).items() for b, check in row.items()
    ]
    out += _checks_section(pairs, "Cross-check", ascii, "second derivative", label="block")
    return tables.print_blocks(out, color=color, width=width)


def hessian_to_dict(result) -> dict:
    evaluation = result.evaluation
    target = result.target
    return {
        "inputs": render.inputs_to_dict(evaluation),
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
            a: {b: render.check_to_dict(check) for b, check in row.items()}
            for a, row in result.checks.items()
        },
    }


def hessian_to_plain(result) -> str:
    """A line per block, in row order (d2f/dx dx, d2f/dx dy, d2f/dy dx, ...), each as grad's
    plain value: a number, compact JSON for an array, None."""
    lines = [
        format_value(block, "plain") for row in result.blocks.values() for block in row.values()
    ]
    return "\n".join(lines) + "\n"


HESSIAN = types.SimpleNamespace(
    to_table=hessian_to_table,
    to_json=lambda result: render.json_document(hessian_to_dict(result)),
    to_plain=hessian_to_plain,
    to_csv=_no_csv,
)


# ---------------------------------------------------------------- tape


def _times(ascii: bool) -> str:
    return "*" if ascii else "×"


def _contribution_text(step, c, ascii: bool) -> str:
    if c.value is None:
        return f"none: {c.note}" if c.note else "none"
    shown = format_value(c.value, "table", ascii=ascii)
    if c.local is not None and step.incoming is not None and np.ndim(step.incoming) == 0:
        incoming = format_value(step.incoming, "table", ascii=ascii)
        local = format_value(c.local, "table", ascii=ascii)
        return f"{incoming} {_times(ascii)} {local} = {shown}"
    return shown


def _sum_text(total, parts, ascii: bool) -> str:
    shown = [format_value(value, "table", ascii=ascii) for _, value in parts]
    if all("\n" not in text for text in shown) and all(np.ndim(v) == 0 for _, v in parts):
        return " + ".join(shown) + " = " + format_value(total, "table", ascii=ascii)
    steps = ", ".join(str(step) for step, _ in parts)
    return f"{len(parts)} contributions (steps {steps}) = " + format_value(
        total, "table", ascii=ascii
    )


def tape_to_table(view, *, color: bool, width: int | None = None) -> str:
    from rich.text import Text

    ascii = not color
    evaluation = view.evaluation
    out: list = [tables.inputs_block(evaluation, ascii=ascii)]

    recorded = sum(step.recorded for step in view.forward)
    arrays = any(np.ndim(step.value) for step in view.forward)
    columns = ["step", "operation", "source", "inputs", "output"]
    columns += ["shape", "value", "recorded"] if arrays else ["value", "recorded"]
    title = (
        f"Forward pass: {len(view.forward)} operation{'s' * (len(view.forward) != 1)}, "
        f"{recorded} recorded on the tape"
    )
    forward = tables.new_table(title, *columns, ascii=ascii)
    for step in view.forward:
        row = [
            str(step.step),
            step.op,
            Text(step.source),
            Text(", ".join(step.inputs)),
            Text(step.output),
        ]
        if arrays:
            row.append(format_shape(np.shape(step.value)))
        row.append(format_value(step.value, "table", ascii=ascii))
        row.append("yes" if step.recorded else Text(f"no: {step.why}", style="dim"))
        forward.add_row(*row, style=None if step.recorded else "dim")
    out += [None, forward if view.forward else Text("Forward pass: no operations", style="bold")]
    if view.reads:
        reads = ", ".join(f"{n} read{'s' * (n != 1)} of {name}" for name, n in view.reads.items())
        out.append(
            Text(
                f"The tape also recorded {reads}: each read of a watched variable is recorded "
                "(identity); the tables name the variable instead.",
                style="dim",
            )
        )

    target = view.target
    t = _named(target.target)
    backward = tables.new_table(
        f"Backward pass: the chain rule, last step first, starting from d{t}/d{t} = 1",
        "step",
        "operation",
        "incoming",
        "local rule",
        "input",
        "contribution",
        ascii=ascii,
    )
    sums_before: dict = {}
    for total in view.sums:
        sums_before.setdefault(total.before, []).append(total)

    def add_sums(before):
        for total in sums_before.get(before, []):
            why = f"fan-out: {len(total.parts)} contributions added"
            backward.add_row(
                "sum",
                Text(total.label),
                "",
                Text(why, style="dim"),
                "",
                _sum_text(total.total, total.parts, ascii),
                style="bold",
            )

    for step in view.backward:
        add_sums(step.step)
        operation = Text(f"{step.output} = {step.source}")
        incoming = (
            "none" if step.incoming is None else format_value(step.incoming, "table", ascii=ascii)
        )
        if step.incoming is None:
            backward.add_row(
                str(step.step),
                operation,
                incoming,
                Text("no gradient arrives: not on a path to the target"),
                "",
                "",
                style="dim",
            )
            continue
        first = True
        for c in step.contributions:
            rule = Text(f"{step.op}: {c.rule.symbols}")
            if not c.rule.derived:
                rule.append(Text(f"\n{c.rule.words}", style="dim"))
            backward.add_row(
                str(step.step) if first else "",
                operation if first else "",
                incoming if first else "",
                rule,
                Text(f"{c.symbol} = {c.input}"),
                _contribution_text(step, c, ascii),
                style=None if c.value is not None else "dim",
            )
            first = False
        if first:
            backward.add_row(str(step.step), operation, incoming, "", "", "")
    add_sums(None)
    if view.backward or view.sums:
        out += [None, backward]
        out.append(
            Text(
                "a, b, ... are a step's inputs in order; contribution = incoming "
                f"{_times(ascii)} local derivative; a value used more than once gets the sum of "
                "its contributions",
                style="dim",
            )
        )
    else:
        out += [None, Text("Backward pass: no recorded step leads to the target", style="bold")]
    out += tables.target_blocks(view.report, ascii=ascii)
    out += [None, tables.watched_block(evaluation)]
    out += tables.check_blocks(view.report, ascii=ascii)
    return tables.print_blocks(out, color=color, width=width)


def tape_to_dict(view) -> dict:
    target = view.target
    checks = view.checks[0] if view.checks else None
    return {
        "program": view.program,
        "inputs": render.inputs_to_dict(view.evaluation),
        "watched": list(view.evaluation.watched),
        "target": target.target,
        "forward": [
            {
                "step": step.step,
                "op": step.op,
                "source": step.source,
                "inputs": list(step.inputs),
                "output": step.output,
                "shape": list(np.shape(step.value)),
                "value": jsonable(step.value),
                "recorded": step.recorded,
                "why": step.why or None,
            }
            for step in view.forward
        ],
        "reads": dict(view.reads),
        "backward": [
            {
                "step": step.step,
                "op": step.op,
                "source": step.source,
                "output": step.output,
                "incoming": jsonable(step.incoming),
                "contributions": [
                    {
                        "input": c.input,
                        "symbol": c.symbol,
                        "rule": c.rule.symbols,
                        "words": c.rule.words,
                        "local": jsonable(c.local),
                        "value": jsonable(c.value),
                        "note": c.note or None,
                    }
                    for c in step.contributions
                ],
            }
            for step in view.backward
        ],
        "sums": [
            {
                "value": total.label,
                "parts": [{"step": step, "value": jsonable(value)} for step, value in total.parts],
                "total": jsonable(total.total),
                "before_step": total.before,
            }
            for total in view.sums
        ],
        "gradients": {s: jsonable(g) for s, g in target.gradients.items()},
        "reasons": {s: str(r) for s, r in target.reasons.items()},
        "check": None
        if checks is None
        else {s: render.check_to_dict(c) for s, c in checks.items()},
    }


def tape_to_plain(view) -> str:
    """One line per event, for scripts: forward steps, backward contributions, sums, gradients."""

    def v(value) -> str:
        return format_value(value, "plain")

    lines = []
    for step in view.forward:
        line = f"forward {step.step} {step.output} = {step.op}({', '.join(step.inputs)}) = "
        line += v(step.value) + ("" if step.recorded else " not-recorded")
        lines.append(line)
    sums_before: dict = {}
    for total in view.sums:
        sums_before.setdefault(total.before, []).append(total)

    def add_sums(before):
        for total in sums_before.get(before, []):
            parts = " + ".join(v(value) for _, value in total.parts)
            lines.append(f"sum {total.label} = {parts} = {v(total.total)}")

    for step in view.backward:
        add_sums(step.step)
        for c in step.contributions:
            if c.value is not None:
                lines.append(f"backward {step.step} {step.output} -> {c.input} {v(c.value)}")
    add_sums(None)
    for source, gradient in view.target.gradients.items():
        lines.append(f"gradient {source} {v(gradient)}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def tape_to_dot(view) -> str:
    """The graph in Graphviz DOT: a box per value (its value and gradient), an ellipse per step
    (dashed when not recorded), edges in execution order; every node declared once, first."""
    target = view.target
    gradient_of: dict = dict(target.gradients)
    for step in view.backward:
        gradient_of.setdefault(step.output, step.incoming)
    values: dict = {}  # label -> (node id, value)
    for name, info in view.evaluation.inputs.items():
        values.setdefault(name, (f"v{len(values)}", info.value))
    steps, edges = [], []
    for step in view.forward:
        for label in step.inputs:
            values.setdefault(label, (f"v{len(values)}", None))
        values.setdefault(step.output, (f"v{len(values)}", step.value))
        node = f"s{step.step}"
        steps.append((node, step))
        for position, label in enumerate(step.inputs):
            edges.append(
                f"  {values[label][0]} -> {node} [label={_dot_string(chr(97 + position))}];"
            )
        edges.append(f"  {node} -> {values[step.output][0]};")
    lines = [
        "digraph tape {",
        "  rankdir=LR;",
        '  node [fontname="monospace", fontsize=10];',
        '  edge [fontname="monospace", fontsize=9];',
    ]
    for label, (node, value) in values.items():
        text = label
        if value is not None:
            text += "\nvalue " + format_value(value, "table")
        if label in gradient_of:
            gradient = gradient_of[label]
            text += "\ngrad " + ("None" if gradient is None else format_value(gradient, "table"))
        lines.append(f"  {node} [shape=box, label={_dot_string(text)}];")
    for node, step in steps:
        text = f"{step.step}: {step.op}\n{step.source}"
        style = "" if step.recorded else ", style=dashed, color=gray"
        lines.append(f"  {node} [shape=ellipse, label={_dot_string(text)}{style}];")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


TAPE = types.SimpleNamespace(
    to_table=tape_to_table,
    to_json=lambda view: render.json_document(tape_to_dict(view)),
    to_plain=tape_to_plain,
    to_dot=tape_to_dot,
    to_csv=_no_csv,
)
