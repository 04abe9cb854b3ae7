"""Forward mode's outputs: `gradcli jvp` (`JVP`), and the cost of each mode under `--mode`
(`with_costs`, around grad's and jacobian's renderers).

They read only plain records (`JvpResult`, a `Report`'s `Cost`s) and build on `report` and
`tables`: the same value formatters, Inputs and Cross-check sections and JSON layout. Times vary
from run to run, so a table shows them on a line of their own, after the deterministic counts.
rich is imported inside the table functions only.
"""

from __future__ import annotations

import types

import numpy as np

from gradcli.program.records import JvpResult, Report

from . import tables
from .report import (
    check_to_dict,
    csv_columns,
    format_number,
    format_shape,
    format_value,
    inputs_to_dict,
    json_document,
    jsonable,
)

__all__ = ["JVP", "add_tangents", "tangent_blocks", "with_costs"]


# ---------------------------------------------------------------- gradcli jvp


def jvp_to_dict(result: JvpResult) -> dict:
    evaluation = result.evaluation
    results = []
    for index, target in enumerate(evaluation.results):
        check = result.checks[index] if index < len(result.checks) else None
        results.append(
            {
                "target": target.target,
                "value": jsonable(target.value),
                "shape": list(np.shape(target.value)),
                "jvp": jsonable(result.jvps[index]),
                "reason": result.reasons[index],
                "check": None if check is None else check_to_dict(check),
            }
        )
    return {
        "inputs": inputs_to_dict(evaluation),
        "tangents": {name: jsonable(t) for name, t in result.tangents.items()},
        "results": results,
    }


def jvp_to_plain(result: JvpResult, labels: bool = False) -> str:
    """A line per target: its directional derivative (None when no tangent reaches it);
    `labels`: each line starts with `jvp(<target>): `."""
    return "".join(
        (f"jvp({target.target}): " if labels else "") + format_value(jvp, "plain") + "\n"
        for target, jvp in zip(result.evaluation.results, result.jvps)
    )


def jvp_to_csv(result: JvpResult) -> str:
    """A row per point of an elementwise program: the input columns, then per target its value
    and its directional derivative (header `jvp(<target>)`)."""
    import csv
    import io

    evaluation = result.evaluation
    columns = csv_columns(evaluation)
    header = list(columns)
    data = [evaluation.inputs[name].value for name in columns]
    for target, jvp in zip(evaluation.results, result.jvps):
        header += [target.target, f"jvp({target.target})"]
        data += [target.value, np.full(np.shape(target.value), np.nan) if jvp is None else jvp]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    flat = [np.ravel(np.asarray(d)) for d in data]
    for row in zip(*flat):
        writer.writerow([repr(float(x)) if isinstance(x, np.floating) else str(x) for x in row])
    return buffer.getvalue()


def jvp_to_table(result: JvpResult, *, color: bool, width: int | None = None) -> str:
    from rich.text import Text

    ascii = not color
    evaluation = result.evaluation
    out: list = [tables.inputs_block(evaluation, ascii=ascii), None]
    direction = tables.new_table("Tangent", "source", "shape", "tangent", ascii=ascii)
    for name, tangent in result.tangents.items():
        shown = format_value(tangent, "table", ascii=ascii)
        direction.add_row(Text(name), format_shape(np.shape(tangent)), Text(shown))
    out.append(direction if result.tangents else Text("Tangent: no sources", style="dim"))
    has_notes = any(reason is not None for reason in result.reasons)
    columns = ("target", "shape", "value", "jvp", *(("note",) if has_notes else ()))
    jvps = tables.new_table("Directional derivatives", *columns, ascii=ascii)
    for target, jvp, reason in zip(evaluation.results, result.jvps, result.reasons):
        row = [
            Text(target.target),
            format_shape(np.shape(target.value)),
            Text(format_value(target.value, "table", ascii=ascii)),
            Text(format_value(jvp, "table", ascii=ascii)),
        ]
        if has_notes:
            row.append(Text(reason or "", style="dim"))
        jvps.add_row(*row)
    out += [None, jvps]
    checks = [
        (target.target, check)
        for target, check in zip(evaluation.results, result.checks)
        if check is not None
    ]
    if checks:
        out += [None, tables.check_table("Cross-check", dict(checks), ascii=ascii, label="target")]
        line = tables.agreement_line(checks, noun="directional derivative")
        out += [line] if line is not None else []
    return tables.print_blocks(out, color=color, width=width)


def _no_dot(result) -> str:
    raise AssertionError("jvp has no DOT output")  # format_without_csv never chooses it


JVP = types.SimpleNamespace(
    to_table=jvp_to_table,
    to_json=lambda result: json_document(jvp_to_dict(result)),
    to_plain=jvp_to_plain,
    to_csv=jvp_to_csv,
    to_dot=_no_dot,
)


# ---------------------------------------------------------------- --mode: the cost of each mode

_PER = {"forward": "input element", "reverse": "output element"}


def costs_to_list(costs: tuple) -> list:
    return [
        {
            "mode": cost.mode,
            "passes": cost.passes,
            "operations": cost.operations,
            "seconds": jsonable(float(cost.seconds)),
            "max_abs_difference": jsonable(float(cost.difference)),
        }
        for cost in costs
    ]


def costs_blocks(costs: tuple, *, ascii: bool) -> list:
    """The Modes table (passes, what each pass is for, operations, difference from the reported
    answer), the cheaper mode by operations, and the times on a line of their own."""
    from rich.text import Text

    dash = "-" if ascii else "—"
    table = tables.new_table(
        "Modes", "mode", "passes", "one pass per", "operations", "max abs difference", ascii=ascii
    )
    for k, cost in enumerate(costs):
        table.add_row(
            cost.mode,
            str(cost.passes),
            _PER[cost.mode],
            str(cost.operations),
            dash if k == 0 else format_number(float(cost.difference), 2),
        )
    out: list = [None, table]
    if len(costs) > 1:
        ranked = sorted(costs, key=lambda c: c.operations)
        cheap, dear = ranked[0], ranked[-1]
        if cheap.operations == dear.operations:
            out.append(Text("both modes evaluate as many operations here"))
        else:
            out.append(
                Text(
                    f"{cheap.mode} mode is cheaper here: {cheap.operations} operations against "
                    f"{dear.operations}"
                    + (f" ({dear.operations / cheap.operations:.1f}x)" if cheap.operations else ""),
                    style="bold",
                )
            )
    times = ", ".join(f"{cost.mode} {cost.seconds * 1e3:.3g} ms" for cost in costs)
    out.append(Text(f"time: {times}", style="dim"))
    return out


def with_costs(base) -> types.SimpleNamespace:
    """`base` (grad's or jacobian's renderer) with each mode's cost added to the table and the
    JSON document (`"modes"`); plain and csv are unchanged (scripts read them)."""
    from .calculus import jacobian_to_dict
    from .report import report_to_dict

    def to_table(report: Report, *, color: bool, width: int | None = None) -> str:
        text = base.to_table(report, color=color, width=width)
        blocks = costs_blocks(report.costs, ascii=not color)
        return text + tables.print_blocks(blocks, color=color, width=width)

    def to_json(report: Report) -> str:
        document = (jacobian_to_dict if report.kind == "jacobian" else report_to_dict)(report)
        document["modes"] = costs_to_list(report.costs)
        return json_document(document)

    return types.SimpleNamespace(
        to_table=to_table, to_json=to_json, to_plain=base.to_plain, to_csv=base.to_csv
    )


# ---------------------------------------------------------------- gradcli tape --mode forward


def _along(direction: dict, ascii: bool) -> str:
    return ", ".join(
        f"{name} = {format_value(t, 'table', ascii=ascii)}" for name, t in direction.items()
    )


def tangent_blocks(view, ascii: bool) -> list:
    """The forward pass as forward mode runs it: each step's value and tangent, in the reverse
    table's order; then the target's tangent beside gradient . tangent."""
    from rich.text import Text

    if not view.forward:
        return [Text("Forward pass: no operations", style="bold")]
    dash = "-" if ascii else "—"
    arrays = any(np.ndim(step.value) for step in view.forward)
    columns = ["step", "operation", "source", "inputs", "output"]
    columns += ["shape", "value", "tangent"] if arrays else ["value", "tangent"]
    title = f"Forward mode: {len(view.forward)} operations, each with its tangent"
    table = tables.new_table(title, *columns, ascii=ascii)
    for step, tangent in zip(view.forward, view.tangents):
        row = [str(step.step), step.op, Text(step.source), Text(", ".join(step.inputs))]
        row.append(Text(step.output))
        if arrays:
            row.append(format_shape(np.shape(step.value)))
        row.append(format_value(step.value, "table", ascii=ascii))
        row.append(dash if tangent is None else Text(format_value(tangent, "table", ascii=ascii)))
        table.add_row(*row, style=None if tangent is not None else "dim")
    out: list = [Text("Tangent: " + (_along(view.direction, ascii) or "none"), style="bold")]
    out.append(table)
    target = view.target
    last = view.tangents[-1] if view.tangents else None
    jvp = format_value(last, "table", ascii=ascii) if last is not None else "None"
    dot = _gradient_dot_tangent(target.gradients, view.direction)
    line = f"Directional derivative (the target's tangent): {jvp}"
    if dot is not None:  # the same number from the reverse pass below
        line += f"; gradient . tangent: {format_number(dot)}"
    out.append(Text(line, style="dim"))
    return out


def _gradient_dot_tangent(gradients: dict, direction: dict) -> float | None:
    total = 0.0
    for name, tangent in direction.items():
        gradient = gradients.get(name)
        if gradient is None:
            if np.any(tangent):
                return None
            continue
        total += float(np.sum(np.asarray(gradient, dtype=float) * tangent))
    return total


def add_tangents(document: dict, view) -> None:
    """tape's JSON with forward mode's direction and each forward step's tangent."""
    document["mode"] = "forward"
    document["tangents"] = {name: jsonable(t) for name, t in view.direction.items()}
    for step, tangent in zip(document["forward"], view.tangents):
        step["tangent"] = jsonable(tangent)
