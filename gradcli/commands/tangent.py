"""`gradcli tangent EXPR --at x=2`: the tangent line y = m x + b and the normal line at a point,
exact when the input is, and f drawn with its tangent (terminal, or a PNG/SVG with -o).

sympy gives the lines (`symbolic.calculus.produce_tangent`, in a worker with a deadline); the
engine gives the curve (`program.curve`); `render.analysis` and `render.plot` write them.
"""

from __future__ import annotations

import sys

import click

from gradcli.errors import ExitCode
from gradcli.language.analysis import require_elementwise
from gradcli.program.point import make_request, require_scalar

from .arguments import ProgramCommand
from .group import cli
from .homework import (
    BUDGET_OPTION,
    CONTEXT,
    EXPRESSION,
    choose_format,
    draw_curves,
    image_request,
    plot_options,
    read_command,
    read_one_point,
    read_range,
    write,
)
from .options import JSON_FLAG, PLAIN_FLAG, TRACEBACK_FLAG, format_option

TANGENT_EPILOG = """\b
Examples:
  gradcli tangent "x**3" --at x=2                 # y = 12*x - 16, and a plot
  gradcli tangent "exp(x)" --at x=1 --plain       # the tangent and normal lines
  gradcli tangent "sin(x)" --at x=pi/4            # a point as a constant expression
  gradcli tangent "sin(x)" --at x=pi --format latex   # as LaTeX
  gradcli tangent "x**3" --at x=2 -o tangent.png  # needs matplotlib
"""
WINDOW = 3.0  # the plot's default range: the point +- this


@cli.command(cls=ProgramCommand, epilog=TANGENT_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option("--at", multiple=True, metavar="NAME=VALUE", help="The point (same as --NAME VALUE).")
@click.option(
    "--range", "window", metavar="LO:HI", help="The plot's range (default: the point +- 3)."
)
@plot_options
@format_option("pretty", "latex", "plain", "json", more="; pretty draws the plot")
@JSON_FLAG
@PLAIN_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def tangent(
    words, at, window, output, width, height, size, fmt, as_json, as_plain, budget, traceback
):
    """The tangent line y = m*x + b of EXPR at a point, and the normal line (perpendicular to
    it), exact when the point and EXPR's literals are (2, 1/2, pi): f(a), m = f'(a) and
    b = f(a) - m*a from sympy. A vertical tangent (sqrt(x) at 0) is x = a.

    EXPR has one input. The pretty format draws f with its tangent in the terminal over
    --range (default: the point +- 3); -o FILE draws them to a PNG or SVG instead.
    """
    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "pretty")
    program, inputs, given = read_command(words, at, "tangent")
    variable, typed, point = read_one_point(inputs, given, "tangent")
    bounds = plot_window(variable, window, point)
    size_px = image_request(output, size, "tangent")
    request = make_request(program, inputs, {variable: point})
    require_scalar(request, "EXPR")
    drawn = fmt == "pretty" or output is not None
    if drawn:
        require_elementwise(program, [variable], "the plot")

    from gradcli.symbolic.calculus import ask, produce_tangent

    answer = ask(produce_tangent(request, variable, (typed, point), budget), budget)
    context = {"expression": program.source.strip(), "input": variable, "at": point}
    plot = None
    if drawn:
        plot = _plot(
            program, inputs, variable, point, answer, bounds, output, size_px, width, height
        )
    from gradcli.render.analysis import tangent_text

    write(tangent_text(fmt, context, answer, plot if fmt == "pretty" else None))
    sys.exit(ExitCode.OK)


def plot_window(variable: str, window: str | None, point: float) -> tuple[float, float]:
    """--range LO:HI, or the point +- WINDOW (tangent's and taylor's plots)."""
    if window is None:
        return point - WINDOW, point + WINDOW
    return read_range(variable, window, "--range")


def _plot(program, inputs, variable, point, answer, bounds, output, size, width, height):
    """f and the tangent line, with the point marked."""
    if answer["intercept"] is None:  # a vertical tangent: f alone, the point marked
        slope = intercept = float("nan")
    else:
        slope, intercept = answer["slope"]["value"], answer["intercept"]["value"]
    from gradcli.program.curve import Curve
    from gradcli.render.plot import title

    curve = Curve(program, inputs, variable, {})
    heading = title(program.source.strip(), variable, {})

    def line(xs):
        return [(answer["tangent"]["text"], slope * xs + intercept, ".")]

    marks = [(point, answer["value"]["value"])]
    return draw_curves(curve, bounds, line, marks, heading, output, size, width, height)
