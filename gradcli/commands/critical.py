"""`gradcli critical EXPR --x -3:3 [--y -3:3]`: the critical points of a function of one or two
inputs in a range, each classified by the second-derivative test, in a table and on a plot.

sympy first (`symbolic.calculus.produce_critical`, in a worker, within --budget): exact points
when it can give every zero of the gradient in the range; otherwise the engine's numeric search
(`program.critical`). The output says which found them; `render.analysis` and `render.plot`
write them.
"""

from __future__ import annotations

import sys

import click
import numpy as np

from gradcli.errors import ExitCode, UsageError
from gradcli.language import syntax as s
from gradcli.language.analysis import require_elementwise, sample_intervals
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
    read_range,
    write,
)
from .options import JSON_FLAG, PLAIN_FLAG, TRACEBACK_FLAG, format_option

CRITICAL_EPILOG = """\b
Examples:
  gradcli critical "x**3 - 3*x" --x -3:3                # -1 maximum, 1 minimum
  gradcli critical "x**2 - y**2" --x -1:1 --y -1:1      # (0, 0) saddle
  gradcli critical "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --x -5:5 --y -5:5 --plain
  gradcli critical "x*sin(x)" --x -3:3 --json           # found numerically
  gradcli critical "x^3 - x" --x -3:3 --format latex    # a LaTeX tabular, exact values
"""
IMAGE_GRID = 200  # points per axis of a two-input image


@cli.command(cls=ProgramCommand, epilog=CRITICAL_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option("--at", multiple=True, metavar="NAME=LO:HI", help="A range (same as --NAME LO:HI).")
@plot_options
@format_option("pretty", "plain", "json", "latex", more="; pretty draws the plot")
@JSON_FLAG
@PLAIN_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def critical(words, at, output, width, height, size, fmt, as_json, as_plain, budget, traceback):
    """The critical points of EXPR (where every partial derivative is 0) in a range, each a
    minimum, maximum, saddle or inflection by the second-derivative test (f'' with one input,
    the Hessian's eigenvalues with two; with one input a zero f'' goes on to the higher
    derivatives, or to f' on either side), or "test inconclusive".

    EXPR has one or two inputs, each with a range --x LO:HI (default: [-3, 3] narrowed to its
    functions' domains). sympy solves f' = 0 exactly when it can give every solution in the
    range within --budget seconds; otherwise Newton's method from a grid of starts, with the
    engine's gradient and Hessian, finds them. The output says which. The pretty format draws
    f (one input) or a shaded map of f (two) with the points marked; -o FILE draws an image.
    """
    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "pretty")
    program, inputs, given = read_command(words, at, "critical")
    box = _ranges(program, inputs, given)
    size_px = image_request(output, size, "critical")
    require_scalar(make_request(program, inputs), "EXPR")
    require_elementwise(program, inputs, "critical")  # every start of the search at once

    from gradcli.symbolic.calculus import solve_critical

    found = solve_critical(make_request(program, inputs), inputs, box, budget)
    if found["method"] == "numeric":
        from gradcli.program.critical import critical_points

        found["points"] = critical_points(program, inputs, box)
    plot = None
    if fmt == "pretty" or output is not None:
        plot = _plot(program, inputs, box, found["points"], output, size_px, width, height)
    context = {"expression": program.source.strip(), "inputs": inputs, "box": box}
    from gradcli.render.analysis import critical_text

    write(critical_text(fmt, context, found, plot if fmt == "pretty" else None))
    sys.exit(ExitCode.OK)


def _ranges(program: s.Program, inputs: list[str], given: dict) -> list[tuple[float, float]]:
    if not 1 <= len(inputs) <= 2:
        has = f"{len(inputs)}: {', '.join(inputs)}" if inputs else "none"
        raise UsageError(f"critical needs EXPR of one or two inputs (EXPR has {has})")
    default = sample_intervals(program, inputs)
    return [read_range(name, *given[name]) if name in given else default[name] for name in inputs]


def _plot(program, inputs, box, points, output, size, width, height) -> str:
    from gradcli.render import plot as drawing

    heading = drawing.title(program.source.strip(), inputs[0], {})
    if len(inputs) == 1:
        from gradcli.program.curve import Curve

        curve = Curve(program, inputs, inputs[0], {})
        marks = [(point["at"][0], point["value"]) for point in points]
        return draw_curves(
            curve, box[0], lambda xs: [], marks, heading, output, size, width, height
        )
    from gradcli.program.critical import Derivatives

    heading = f"f({', '.join(inputs)}) = {program.source.strip()}"
    marked = [(point["kind"], *point["at"]) for point in points]
    if output is None:
        from gradcli.render.tables import terminal_width

        width = width or max(40, min(120, terminal_width(80)))
        columns, rows = max(10, width - 8), height
    else:
        columns = rows = IMAGE_GRID
    (x_lo, x_hi), (y_lo, y_hi) = box
    xs, ys = np.meshgrid(np.linspace(x_lo, x_hi, columns), np.linspace(y_hi, y_lo, rows))
    values, _, _ = Derivatives(program, inputs)(np.stack([xs.ravel(), ys.ravel()]))
    values = values.reshape(rows, columns)
    if output is None:
        return drawing.map_plot(box, values, marked, heading, inputs)
    drawing.save_map(output, box, values, marked, heading, inputs, size)
    return f"wrote {output} ({size[0]}x{size[1]})"
