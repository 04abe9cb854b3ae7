"""A command's report, written: the renderer for its format, warnings to stderr, the exit code."""

from __future__ import annotations

import os
import sys

import click

from gradcli.errors import ExitCode
from gradcli.imports import collector_paused
from gradcli.program.records import Report


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit(report: Report, fmt: str, renderer=None) -> int:
    """Write the report in the chosen format; warnings to stderr. Returns the exit code.

    `renderer`: for reports of another kind (jacobian, hessian, tape), a namespace with the same
    functions as `gradcli.render` (to_table, to_json, to_plain, ...); `gradcli.render` by default.
    """
    from gradcli.render import report as render

    render = render if renderer is None else renderer
    for warning in report.evaluation.warnings:
        click.echo(warning, err=True)
    if fmt == "json":
        text = render.to_json(report)
    elif fmt == "plain":
        text = render.to_plain(report)
    elif fmt == "csv":
        text = render.to_csv(report)
    elif fmt == "dot":  # gradcli tape --dot
        text = render.to_dot(report)
    else:
        with collector_paused():  # rich's import, the bulk of a table's time, makes no garbage
            text = render.to_table(report, color=use_color())
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return ExitCode.OK if report.agrees else ExitCode.CHECK_DISAGREES
