"""`gradcli plot EXPR`: f and f' over a range, in the terminal or to a PNG/SVG (matplotlib,
optional), with the extrema marked. The values are `program.curve`'s, the drawing is
`render.plot`'s."""

from __future__ import annotations

import math
import sys

import click
import numpy as np

from gradcli.errors import ExitCode, UsageError
from gradcli.language import syntax as s
from gradcli.language.analysis import require_elementwise, sample_intervals
from gradcli.language.limits import MAX_PLOT_HEIGHT

from .arguments import ProgramCommand
from .group import cli
from .homework import (
    CONTEXT,
    EXPRESSION,
    OUTPUT_OPTION,
    SIZE_OPTION,
    WIDTH_OPTION,
    image_size,
    read_command,
    read_number,
    read_range,
    write,
)
from .options import TRACEBACK_FLAG

PLOT_EPILOG = """\b
Examples:
  gradcli plot "x**3 - 3*x" --x -3:3                 # in the terminal
  gradcli plot "sin(x)*exp(-x**2)" --x -3:3 -o plot.png
  gradcli plot "a*x**2 + 1" --x -2:2 --a 0.5 --width 60 --height 10
"""


@cli.command(cls=ProgramCommand, epilog=PLOT_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option(
    "--at",
    multiple=True,
    metavar="NAME=VALUE",
    help="The range (x=-3:3) or another input's value (same as --NAME VALUE).",
)
@OUTPUT_OPTION
@click.option(
    "--points",
    type=click.IntRange(3, 1_000_000),
    default=1001,
    show_default=True,
    help="Samples over the range (for extrema and the image).",
)
@WIDTH_OPTION
@click.option(
    "--height",
    type=click.IntRange(3, MAX_PLOT_HEIGHT),
    default=12,
    show_default=True,
    help="Rows per panel.",
)
@SIZE_OPTION
@TRACEBACK_FLAG
def plot(words, at, output, points, width, height, size, traceback):
    """Plot EXPR and its derivative over a range, with the extrema (zeros of the derivative)
    marked: in the terminal, or to a PNG/SVG with -o.

    The range is --x LO:HI (numbers or pi, e.g. -pi:pi); without one, the only input is plotted
    over [-3, 3] narrowed to its functions' domains (log(x): [0.2, 4]). Other inputs are numbers.
    """
    from gradcli.render import plot as drawing

    program, inputs, given = read_command(words, at, "plot")
    variable, lo, hi, fixed = _plot_inputs(inputs, given, program)
    if output is not None:
        size_px = image_size(size)
        drawing.require_matplotlib(output)
    require_elementwise(program, [variable], "plot")

    from gradcli.program.curve import Curve, extrema  # the engine, once the inputs are read

    curve = Curve(program, inputs, variable, fixed)
    xs = np.linspace(lo, hi, points)
    f, df = curve(xs)
    found = extrema(curve, xs, f, df)
    label = program.source.strip()
    if output is not None:
        drawing.save_image(output, xs, f, df, found, label, variable, fixed, size_px)
        lines = [f"wrote {output} ({size_px[0]}x{size_px[1]})"]
        lines += drawing.extrema_lines(found, variable)
        write("\n".join(lines))
    else:
        from gradcli.render.tables import terminal_width

        width = width or max(40, min(120, terminal_width(80)))
        ranges = (drawing.y_range(f), drawing.y_range(df))
        columns = np.linspace(lo, hi, drawing.plot_columns(ranges, width))
        values = curve(columns)
        write(drawing.text_plot(lo, hi, values, found, ranges, label, variable, fixed, height))
    sys.exit(ExitCode.OK)


def _plot_inputs(inputs: list[str], given: dict, program: s.Program):
    if not inputs:
        raise UsageError("EXPR has no input to plot against")
    ranges = [name for name, (text, _) in given.items() if ":" in text]
    if len(ranges) > 1:
        raise UsageError(f"give one range, not {len(ranges)} ({', '.join(ranges)})")
    if ranges:
        variable = ranges[0]
        lo, hi = read_range(variable, *given[variable])
    else:
        free = [name for name in inputs if name not in given]
        if len(free) != 1:
            raise UsageError(
                f"give the range to plot over, e.g. --{(free or inputs)[0]} -3:3"
                + (f" (EXPR has inputs {', '.join(inputs)})" if len(inputs) > 1 else "")
            )
        variable = free[0]
        lo, hi = sample_intervals(program, inputs)[variable]
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError(f"the range of {variable} must go from a number to a larger one")
    fixed = {}
    for name in inputs:
        if name == variable:
            continue
        if name not in given:
            raise UsageError(f"give {name} a value, e.g. --{name} 1 (only {variable} is plotted)")
        fixed[name] = read_number(name, *given[name])
    return variable, lo, hi, fixed
