"""`gradcli minimize`'s outputs: the result as a table, JSON, plain lines or a CSV row; the trace
CSV (a row per step); the target over the steps in the terminal (`plot.text_plot`) or as an image
with, for two inputs, the path on a contour plot; and the progress bar shown while it runs.

What is written is given: a `program.minimize.Minimum` (and, for the contour plot, the target on a
grid, computed by the program part). rich and matplotlib are imported inside the functions that
draw with them.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

from gradcli.errors import FileInputError
from gradcli.program.minimum import Minimum

from .numbers import json_number, short
from .report import check_to_dict, format_value, json_document, jsonable

__all__ = [
    "progress_bar",
    "save_image",
    "target_plot",
    "to_csv",
    "to_json",
    "to_plain",
    "to_table",
    "write_trace",
]


def goal(result: Minimum) -> str:
    return "maximum" if result.maximize else "minimum"


def method_text(result: Minimum) -> str:
    """`newton`, or `newton (the default for 2 scalar inputs)`."""
    if not result.method_is_default:
        return result.method
    size = result.size
    return f"{result.method} (the default for {size} scalar input{'s' if size != 1 else ''})"


def reason_text(result: Minimum) -> str:
    return f"{result.reason} after {result.steps} step{'s' if result.steps != 1 else ''}"


def curvature_text(result: Minimum) -> str | None:
    """`eigenvalues [0.4, 1001.6]: minimum`, with a caveat where the test does not apply."""
    curvature = result.curvature
    if curvature is None:
        return None
    shown = ", ".join(short(float(v)) for v in curvature.eigenvalues)
    if result.at_bounds:
        return f"eigenvalues [{shown}] (on a bound: the second-derivative test does not apply)"
    if result.reason != "converged":
        return f"eigenvalues [{shown}]: a {curvature.kind}'s curvature, but it did not converge"
    return f"eigenvalues [{shown}]: {curvature.kind}"


# ---------------------------------------------------------------- table


def to_table(result: Minimum, *, color: bool, width: int | None = None) -> str:
    """The result table, the cross-check of the gradient there, the notes."""
    from rich.text import Text

    from .tables import agreement_line, check_table, new_table, print_blocks

    ascii = not color
    source = result.request.program.source.strip()
    title = f"{goal(result).capitalize()} of {source}"
    if result.label != source:
        title = f"{goal(result).capitalize()} of {result.label} in {source}"
    table = new_table(title, "", "value", ascii=ascii)
    for name, value in result.values().items():
        table.add_row(Text(name), Text(format_value(value, "table", ascii=ascii)))
    table.add_row(goal(result), Text(short(result.target)))
    table.add_row("gradient norm", Text(short(result.gradient_norm)))
    if result.at_bounds:
        table.add_row("at a bound", Text(", ".join(result.at_bounds)))
        table.add_row("projected gradient norm", Text(short(result.projected_norm)))
    table.add_row("steps", str(result.steps))
    style = "green" if result.reason == "converged" else "bold red"
    table.add_row("reason", Text(result.reason, style=None if ascii else style))
    table.add_row("method", method_text(result))
    curvature = curvature_text(result)
    if curvature is not None:
        table.add_row("Hessian", Text(curvature))
    blocks: list = [table]
    if result.checks:
        title = "Cross-check of the gradient there"
        blocks += [None, check_table(title, result.checks, ascii=ascii)]
        line = agreement_line(list(result.checks.items()))
        if line is not None:
            blocks.append(line)
    for note in result.notes:
        blocks += [Text(f"note: {note}")]
    return print_blocks(blocks, color=color, width=width)


# ---------------------------------------------------------------- json, plain, csv


def to_dict(result: Minimum) -> dict:
    gradient = result.values(result.gradient)
    curvature = result.curvature
    return {
        "program": result.request.program.source,
        "target": result.label,
        "goal": "maximize" if result.maximize else "minimize",
        "method": result.method,
        "method_is_default": result.method_is_default,
        "reason": result.reason,
        "steps": result.steps,
        "value": json_number(result.target),
        "point": {name: jsonable(value) for name, value in result.values().items()},
        "gradient": {name: jsonable(value) for name, value in gradient.items()},
        "gradient_norm": json_number(result.gradient_norm),
        "projected_gradient_norm": json_number(result.projected_norm),
        "at_bounds": list(result.at_bounds),
        "hessian_eigenvalues": None if curvature is None else jsonable(curvature.eigenvalues),
        "point_kind": None if curvature is None else curvature.kind,
        "check": None
        if result.checks is None
        else {name: check_to_dict(check) for name, check in result.checks.items()},
        "notes": list(result.notes),
    }


def to_json(result: Minimum) -> str:
    return json_document(to_dict(result))


def to_plain(result: Minimum) -> str:
    """`name = value` lines: each input, the minimum, the gradient norm, steps, reason, method."""
    lines = [f"{name} = {format_value(v, 'plain')}" for name, v in result.values().items()]
    lines += [
        f"{goal(result)} = {format_value(result.target, 'plain')}",
        f"gradient norm = {format_value(result.gradient_norm, 'plain')}",
        f"steps = {result.steps}",
        f"reason = {result.reason}",
        f"method = {result.method}",
    ]
    if result.curvature is not None and result.reason == "converged" and not result.at_bounds:
        lines.append(f"point = {result.curvature.kind}")
    return "\n".join(lines) + "\n"


def to_csv(result: Minimum) -> str:
    """A header and one row: each input element, the minimum, the gradient norm, steps, reason,
    method."""
    labels = result.element_labels()
    header = [*labels, goal(result), "gradient_norm", "steps", "reason", "method"]
    row = [*(_cell(v) for v in result.point), _cell(result.target)]
    row += [_cell(result.gradient_norm), str(result.steps), result.reason, result.method]
    return _csv_text([header, row])


def write_trace(path: str, result: Minimum) -> None:
    """Every step (0 is the start): step, target, gradient norm, each input element."""
    labels = result.element_labels()
    rows = [["step", "target", "gradient_norm", *labels]]
    points = result.points if result.points is not None else np.empty((len(result.targets), 0))
    for step, (f, norm, point) in enumerate(zip(result.targets, result.gradient_norms, points)):
        rows.append([str(step), _cell(f), _cell(norm), *(_cell(v) for v in point)])
    try:
        Path(path).write_text(_csv_text(rows))
    except OSError as error:
        raise FileInputError(f"cannot write --trace {path}: {error.strerror or error}") from None


def _cell(value: float) -> str:
    return repr(float(value))


def _csv_text(rows: list[list[str]]) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- the target over the steps


def target_plot(result: Minimum, width: int, height: int = 10) -> str | None:
    """The target over the steps above its change per step, drawn by `plot.text_plot` (None
    for fewer than 2 steps)."""
    from . import plot

    targets = result.targets
    if len(targets) < 3:
        return None
    steps = np.arange(len(targets), dtype=np.float64)
    changes = np.diff(targets)
    finite = np.where(np.isfinite(targets), targets, np.nan)
    ranges = (plot.y_range(finite), plot.y_range(changes))
    columns = np.linspace(0.0, steps[-1], plot.plot_columns(ranges, width))
    # each column shows the step at or before it (no interpolation across a jump)
    at = np.minimum(np.floor(columns).astype(int), len(targets) - 1)
    values = (finite[at], changes[np.minimum(at, len(changes) - 1)])
    label = "the target at each step (below, f'(step): its change from the step before)"
    drawn = plot.text_plot(0.0, steps[-1], values, [], ranges, label, "step", {}, height)
    closing = "\n".join(plot.extrema_lines([], "step"))
    return drawn[: -len(closing)].rstrip("\n") if drawn.endswith(closing) else drawn


def save_image(path: str, result: Minimum, grid=None, size=(900, 420)) -> None:
    """The target over the steps (log scale where it is positive) and, with `grid` (xs, ys,
    values) for two inputs, the path on a contour plot."""
    from matplotlib.figure import Figure

    from .plot import DPI

    width, height = size
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    panels = figure.subplots(1, 2 if grid is not None else 1, squeeze=False)[0]
    targets = np.where(np.isfinite(result.targets), result.targets, np.nan)
    left = panels[0]
    left.plot(np.arange(len(targets)), targets, color="C0")
    if np.nanmin(targets, initial=np.inf) > 0:
        left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel(result.label)
    left.set_title(f"{result.method}: {result.reason}", fontsize=10)
    left.grid(True, linewidth=0.3)
    if grid is not None:
        xs, ys, values = grid
        labels = result.element_labels()
        right = panels[1]
        finite = values[np.isfinite(values)]
        if finite.size:
            levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25) ** 2))
            if len(levels) > 1:
                right.contour(xs, ys, values, levels=levels, linewidths=0.6, cmap="viridis")
        path_points = result.points
        right.plot(path_points[:, 0], path_points[:, 1], ".-", color="C3", markersize=2)
        right.plot(*result.point[:2], "*", color="C3", markersize=10)
        right.set_xlabel(labels[0])
        right.set_ylabel(labels[1])
        right.set_title(f"the path to the {goal(result)}", fontsize=10)
    figure.tight_layout()
    try:
        figure.savefig(path, format=Path(path).suffix.lower()[1:], dpi=DPI)
    except OSError as error:
        raise FileInputError(f"cannot write {path}: {error.strerror or error}") from None


# ---------------------------------------------------------------- progress


@contextlib.contextmanager
def progress_bar(total: int, label: str):
    """A rich progress bar on stderr while the steps run; yields `update(step, target, norm)`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total, status="")

        def update(step: int, target: float, norm: float) -> None:
            if step % 10 == 0 or step == total:  # redraws are not free
                status = f"target {short(target)}  |gradient| {short(norm)}"
                progress.update(task, completed=step, status=status)

        yield update
