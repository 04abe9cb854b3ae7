"""`gradcli taylor EXPR --at x=0 --order 5`: the Taylor polynomial with exact coefficients, the
order of the remainder, the error at a few points, and f drawn against the polynomial.

sympy gives the polynomial (`symbolic.calculus.produce_taylor`, in a worker with a deadline);
the engine gives f at the points and the curve (`program.curve`); `render.analysis` and
`render.plot` write them.
"""

from __future__ import annotations

import sys

import click
import numpy as np

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
    write,
)
from .options import JSON_FLAG, PLAIN_FLAG, TRACEBACK_FLAG, format_option
from .tangent import plot_window

TAYLOR_EPILOG = """\b
Examples:
  gradcli taylor "exp(x)" --at x=0 --order 5          # 1 + x + x**2/2 + ...
  gradcli taylor "sin(x)/x" --at x=0 --order 6 --plain
  gradcli taylor "log(x)" --at x=1 --order 3 --format latex
  gradcli taylor "cos(x)" --at x=0 --order 4 -o taylor.png
"""
MAX_ORDER = 30  # sympy's series past this takes seconds, and the terms no longer fit a line
ERROR_OFFSETS = (-1.0, -0.5, -0.1, 0.1, 0.5, 1.0)  # where the error is shown: a + each


@cli.command(cls=ProgramCommand, epilog=TAYLOR_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option(
    "--at", multiple=True, metavar="NAME=VALUE", help="The center (same as --NAME VALUE)."
)
@click.option(
    "--order",
    type=click.IntRange(0, MAX_ORDER),
    default=5,
    show_default=True,
    metavar="N",
    help=f"The polynomial's degree (0 to {MAX_ORDER}).",
)
@click.option(
    "--range", "window", metavar="LO:HI", help="The plot's range (default: the center +- 3)."
)
@plot_options
@format_option("pretty", "latex", "plain", "json", more="; pretty draws the plot")
@JSON_FLAG
@PLAIN_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def taylor(
    words,
    at,
    order,
    window,
    output,
    width,
    height,
    size,
    fmt,
    as_json,
    as_plain,
    budget,
    traceback,
):
    """The Taylor polynomial of order N of EXPR at a point a: the sum of f^(k)(a)/k! (x - a)^k
    for k = 0..N, with exact coefficients (sympy's series: sin(x)/x at 0 works), the remainder's
    order O((x - a)^(N+1)), and |f - P| at a +- 0.1, 0.5 and 1.

    EXPR has one input. A point where f has no such polynomial (sqrt(x) at 0) exits 2. The
    pretty format draws f and P in the terminal over --range (default: a +- 3); -o FILE draws
    them to a PNG or SVG.
    """
    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "pretty")
    program, inputs, given = read_command(words, at, "taylor")
    variable, typed, center = read_one_point(inputs, given, "taylor")
    bounds = plot_window(variable, window, center)
    size_px = image_request(output, size, "taylor")
    request = make_request(program, inputs, {variable: center})
    require_scalar(request, "EXPR")
    require_elementwise(program, [variable], "taylor")  # f at several points at once

    from gradcli.program.curve import Curve, polynomial_values
    from gradcli.symbolic.calculus import ask, produce_taylor

    answer = ask(produce_taylor(request, variable, (typed, center), order), budget)
    coefficients = [term["coefficient"]["value"] for term in answer["terms"]]
    curve = Curve(program, inputs, variable, {})
    xs = center + np.array(ERROR_OFFSETS)
    f, _ = curve(xs)
    errors = list(
        zip(xs.tolist(), f.tolist(), polynomial_values(coefficients, center, xs).tolist())
    )
    plot = None
    if fmt == "pretty" or output is not None:
        from gradcli.render.plot import title

        def polynomial(points):
            legend = f"P({variable}), order {order}"
            return [(legend, polynomial_values(coefficients, center, points), ".")]

        heading = title(program.source.strip(), variable, {})
        marks = [(center, coefficients[0])]
        plot = draw_curves(
            curve, bounds, polynomial, marks, heading, output, size_px, width, height
        )
    context = {
        "expression": program.source.strip(),
        "input": variable,
        "at": center,
        "order": order,
    }
    from gradcli.render.analysis import taylor_text

    write(taylor_text(fmt, context, answer, errors, plot if fmt == "pretty" else None))
    sys.exit(ExitCode.OK)
