"""The rich side of the renderers: gradcli's tables, and the blocks every table output shares.

`report_tables` is `report.to_table`'s body. `calculus` (jacobian, hessian), `tape` and
`catalog` (functions) build their own tables from the same pieces: `new_table`, the inputs,
targets, watched and cross-check blocks, `agreement_line`, and `print_blocks`, which prints them
as every gradcli table is printed. rich is imported inside these functions, never at import.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from gradcli.program.records import Report

from .report import (
    DEFAULT_WIDTH,
    ERROR_DIGITS,
    checks_for,
    format_number,
    format_shape,
    format_value,
    in_source_order,
    source_shape,
)


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
            for source, check in (checks_for(report, index) or {}).items()
        ],
        noun="gradient" if evaluation.order == 1 else "derivative",
    )


def agreement_line(checks: list, *, noun: str = "gradient"):
    """'all gradients agree with sympy', 'N gradients disagree: x, y', or 'N gradients neither
    agree nor disagree (not defined): x', styled, with 'not checked: ...' after it for what went
    over the time budget; None when no check ran. `checks`: (label, Check) pairs; `noun` names
    what was checked."""
    from rich.text import Text

    methods, failed, undefined, late = [], [], [], []
    for label, check in checks:
        if not check.checked:  # over the check's time budget
            late.append((label, check.expression))
            continue
        if check.method not in methods:
            methods.append(check.method)
        if not check.defined:
            undefined.append(label)
        elif not check.agrees:
            failed.append(label)
    verdict = None
    if failed:
        verdict = _failed_text(noun, failed)
    elif undefined:  # neither agrees nor disagrees: the sentence under the checks says why
        verdict = _undefined_text(noun, undefined)
    elif methods:
        verdict = _agree_text(noun, methods)
    if not late:
        return verdict
    labels = ", ".join(label for label, _ in late)
    line = Text(f"not checked: {late[0][1]}: {labels}", style="yellow")
    return line if verdict is None else Text.assemble(verdict, "; ", line)


def _failed_text(noun: str, failed: list):
    from rich.text import Text

    verb = f"{noun} disagrees" if len(failed) == 1 else f"{noun}s disagree"
    return Text(f"{len(failed)} {verb}: {', '.join(failed)}", style="bold red")


def _undefined_text(noun: str, undefined: list):
    from rich.text import Text

    verb = (
        f"{noun} neither agrees nor disagrees"
        if len(undefined) == 1
        else f"{noun}s neither agree nor disagree"
    )
    return Text(f"{len(undefined)} {verb} (not defined): {', '.join(undefined)}", style="yellow")


def _agree_text(noun: str, methods: list):
    from rich.text import Text

    against = " and ".join("sympy" if m == "symbolic" else "finite differences" for m in methods)
    return Text(f"all {noun}s agree with {against}", style="green")


def undefined_block(result) -> list:
    """A blank line and `not defined at x = 1: ...` when a value or derivative is not a number;
    nothing otherwise."""
    from rich.text import Text

    from .undefined import sentence

    said = sentence(result)
    return [] if said is None else [None, Text(said, style="bold yellow")]


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
    from .fitting import fitted  # narrow terminals: no word cut in two

    for item in blocks:
        console.print() if item is None else console.print(fitted(item, width))
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
        if not check.checked:  # over the time budget: "not checked", why, and dashes
            cross.add_row(Text(name), check.method, Text(check.expression), dash, dash, dash)
            continue
        if not check.defined:
            verdict = Text("not defined", style="yellow")
        elif check.agrees:
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
            style=None if check.agrees or not check.defined else "red",
        )
    return cross


def report_tables(report: Report, *, color: bool, width: int | None = None) -> str:
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
    out += kink_lines(report)
    out += [None, watched_block(evaluation)]
    out += check_blocks(report, ascii=ascii)
    out += undefined_block(report)
    if report.notes:
        out.append(None)
    out += [Text(str(note), style="dim") for note in report.notes]
    return print_blocks(out, color=color, width=width)


def kink_lines(result) -> list:
    """A note per kink (`render.kinks.sentences`), under the derivatives."""
    from rich.text import Text

    from .kinks import sentences

    return [Text(line, style="yellow") for line in sentences(result)]


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
        gathered = _unwatched_constants(evaluation, result)
        shown_sources = [s for s in in_source_order(result.gradients, sources) if s not in gathered]
        has_notes = any(s in result.reasons for s in shown_sources)
        columns = ("source", "shape", "gradient" if order == 1 else "derivative")
        gradients = new_table(title, *columns, *(("note",) if has_notes else ()), ascii=ascii)
        for source in shown_sources:
            shape_of_source = source_shape(report, result, source)
            row = [
                Text(source),
                dash if shape_of_source is None else format_shape(shape_of_source),
                value(result.gradients[source]),
            ]
            if has_notes:
                row.append(Text(str(result.reasons.get(source, "")), style="dim"))
            gradients.add_row(*row)
        out += [None, heading]
        if shown_sources:
            out.append(gradients)
        elif not gathered:
            out.append(Text("no sources", style="dim"))
        if gathered:
            out.append(
                Text(
                    f"constants, not watched: {', '.join(gathered)} "
                    "(add --watch NAME for a gradient)",
                    style="dim",
                )
            )
    return out


def _unwatched_constants(evaluation, result) -> list[str]:
    """The sources whose gradient is None because they are constants nobody watched: one line
    under the gradients names them all (a model's loss shows w and b first, not a row per X)."""
    return [
        source
        for source, gradient in result.gradients.items()
        if gradient is None
        and source in evaluation.inputs
        and evaluation.inputs[source].kind == "constant"
        and str(result.reasons.get(source, "")).startswith("constant: not watched")
    ]


def check_blocks(report: Report, *, ascii: bool) -> list:
    """Per target whose cross-check ran: a blank line and its Cross-check table; then the
    summary line (nothing when no check ran)."""
    evaluation = report.evaluation
    several = len(evaluation.results) > 1
    out: list = []
    for index, result in enumerate(evaluation.results):
        checks = checks_for(report, index)
        if not checks:
            continue
        title = f"Cross-check: {result.target}" if several else "Cross-check"
        ordered = {s: checks[s] for s in in_source_order(checks, evaluation.sources)}
        out += [None, check_table(title, ordered, ascii=ascii)]
    summary = _agreement_summary(report)
    if summary is not None:
        out.append(summary)
    return out
