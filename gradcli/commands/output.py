"""A command's result, written: its kind's renderer for its format, warnings to stderr, the exit
code."""

from __future__ import annotations

import os
import sys

import click

from gradcli.errors import ExitCode
from gradcli.imports import collector_paused
from gradcli.program.records import Derivative


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit(result, fmt: str, derivative: Derivative, labels: bool = False) -> int:
    """Write the result (a `Report`, `HessianResult`, `TapeView` or `JvpResult`) in the chosen
    format; warnings to stderr (and with --plain, csv or dot, the sentence saying what is not
    defined). Returns the exit code: 1 when a check disagrees, else 4 when a value or a
    derivative is nan or inf."""
    render = renderer(derivative)
    if getattr(result, "costs", ()):  # --mode: each mode's passes, operations and time
        from gradcli.render.forward import with_costs

        render = with_costs(render)
    for warning in result.evaluation.warnings:
        click.echo(warning, err=True)
    if fmt in ("plain", "csv", "dot"):  # the table and JSON say these themselves
        _notes_to_stderr(result)
    if fmt == "json":
        text = render.to_json(result)
    elif fmt == "plain":
        text = render.to_plain(result, labels=labels)
    elif fmt == "csv":
        text = render.to_csv(result)
    elif fmt == "dot":  # gradcli tape --dot
        text = render.to_dot(result)
    else:
        with collector_paused():  # rich's import, the bulk of a table's time, makes no garbage
            text = render.to_table(result, color=use_color())
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if not result.agrees:
        return ExitCode.CHECK_DISAGREES
    return ExitCode.OK if result.defined else ExitCode.NOT_DEFINED


def _notes_to_stderr(result) -> None:
    """The kinks (`render.kinks`) and what is not defined (`render.undefined`), on stderr."""
    if getattr(result, "kinks", ()):
        from gradcli.render.kinks import sentences

        for line in sentences(result):
            click.echo(line, err=True)
    if not result.defined:
        from gradcli.render.undefined import sentence

        click.echo(sentence(result), err=True)


def renderer(derivative: Derivative):
    """The renderer of a kind of derivative: a namespace with `gradcli.render.report`'s functions
    (to_table, to_json, to_plain, ...), imported when the command renders."""
    if derivative.kind == "jacobian":
        from gradcli.render.calculus import JACOBIAN

        return JACOBIAN
    if derivative.kind == "hessian":
        from gradcli.render.calculus import HESSIAN

        return HESSIAN
    if derivative.kind == "tape":
        from gradcli.render.tape import TAPE

        return TAPE
    if derivative.kind == "jvp":
        from gradcli.render.forward import JVP

        return JVP
    from gradcli.render import report

    return report
