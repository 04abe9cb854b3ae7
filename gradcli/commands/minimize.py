"""`gradcli minimize PROGRAM`: where a program's target is smallest (or largest), over its
trainable inputs.

words → request (`arguments.build_request`, as grad) → the loop (`program.minimize`, with a
progress bar from `render.minimize` on a terminal) → the cross-check of the gradient at the answer
(`symbolic.check.cross_check`, as grad's) → the trace and the image → the result in the chosen
format (`render.minimize`).
"""

from __future__ import annotations

import math
import sys

import click
import numpy as np

from gradcli.errors import ExitCode, GradcliError, UsageError

from .arguments import COMMAND_OPTION_NAMES, ProgramCommand, build_request, parse_assignment
from .group import cli
from .options import SETTINGS, output_format, program_options, wants_check

MINIMIZE_EPILOG = """\b
Examples:
  gradcli minimize "(1 - x)**2 + 100*(y - x**2)**2" --x -1.2 --y 1
  gradcli minimize "(x - 3)**2" --x 0 --method gd --lr 0.1 --plain
  gradcli minimize "sin(x)" --x 1 --maximize
  gradcli minimize "(x - 3)**2" --x 0 --bound x=-1:2
  gradcli minimize "mean((x @ w - y)**2)" --const x=@x.csv --const y=@y.csv --w "zeros(3)"
  gradcli minimize "x**2 + y**2" --x 1 --y 2 --trace steps.csv -o path.png
"""

OPTION_NAMES = {"method", "steps", "tol", "lr", "momentum", "beta1", "beta2", "maximize"}
OPTION_NAMES |= {"bound", "trace", "output", "o"}
METHOD_OPTIONS = {  # option -> the methods that take it
    "lr": ("gd", "adam"),
    "momentum": ("gd",),
    "beta1": ("adam",),
    "beta2": ("adam",),
}
GRID = 50  # points per axis of the contour plot


@cli.command(cls=ProgramCommand, epilog=MINIMIZE_EPILOG, context_settings=SETTINGS)
@program_options
@click.option(
    "--method",
    type=click.Choice(["gd", "adam", "newton", "bfgs"]),
    help="gd, adam, newton or bfgs (default: newton up to 10 scalar inputs, bfgs up to 2,000, "
    "adam beyond).",
)
@click.option(
    "--steps", type=click.IntRange(1, 1_000_000), default=1000, show_default=True, metavar="N"
)
@click.option(
    "--tol",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=1e-6,
    show_default=True,
    help="Converged when the gradient norm is at most this (or the target changes by at most "
    "its square, relative, over 10 steps).",
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True, max=1e6),
    help="Learning rate of gd and adam (default: Keras's, 0.01 and 0.001).",
)
@click.option(
    "--momentum", type=click.FloatRange(0, 1, max_open=True), help="Momentum of gd (default 0)."
)
@click.option(
    "--beta1", type=click.FloatRange(0, 1, max_open=True), help="adam's beta_1 (default 0.9)."
)
@click.option(
    "--beta2", type=click.FloatRange(0, 1, max_open=True), help="adam's beta_2 (default 0.999)."
)
@click.option("--maximize", is_flag=True, help="Find the largest value instead.")
@click.option(
    "--bound",
    multiple=True,
    metavar="NAME=LO:HI",
    help="Keep an input within [LO, HI] (each element; either side may be left open: x=0:).",
)
@click.option(
    "--trace", metavar="FILE.csv", help="Write every step: step, target, gradient norm, inputs."
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Draw the target over the steps (and for two inputs the path on a contour plot) to a "
    "PNG or SVG (needs matplotlib: pip install 'gradcli[plot]').",
)
def minimize(words, **options):
    """Minimize PROGRAM's target (its last statement, or --target; a scalar) over its trainable
    inputs, from where they are declared; frozen and constant inputs are held fixed.

    Prints the answer (each input, the minimum, the gradient norm there, the steps, why it
    stopped: converged, step limit, diverged: non-finite values, or no progress, and the method),
    the cross-check of the gradient there, the Hessian's eigenvalues (up to 32 scalar inputs:
    minimum, maximum or saddle point), and the target over the steps. Exit code 1 when it
    diverged or the check disagrees.
    """
    from gradcli.program.minimize import Settings
    from gradcli.program.minimize import minimize as run

    fmt = output_format(options)
    for name in ("tol", "lr", "momentum", "beta1", "beta2"):
        if options[name] is not None and math.isnan(options[name]):  # FloatRange lets nan by
            raise UsageError(f"--{name} takes a number, not nan")
    bounds = _bounds(options["bound"])
    if options["output"] is not None:
        from gradcli.render.plot import require_matplotlib

        require_matplotlib(options["output"])
    request = build_request(words, options, COMMAND_OPTION_NAMES | OPTION_NAMES)
    _check_method_options(options)
    settings = Settings(
        method=options["method"],
        steps=options["steps"],
        tol=options["tol"],
        learning_rate=options["lr"],
        momentum=options["momentum"] or 0.0,
        beta_1=0.9 if options["beta1"] is None else options["beta1"],
        beta_2=0.999 if options["beta2"] is None else options["beta2"],
        maximize=options["maximize"],
        bounds=bounds,
        keep_points=options["trace"] is not None or options["output"] is not None,
    )
    if fmt == "table" and sys.stdout.isatty() and sys.stderr.isatty():
        from gradcli.render.minimize import progress_bar

        with progress_bar(settings.steps, "minimizing") as update:
            result = run(request, settings, update)
    else:
        result = run(request, settings)
    if wants_check(options, fmt) and math.isfinite(result.target):
        result = _checked(result)
    _write_files(result, options)
    sys.exit(_emit(result, fmt, terminal_plot=options["output"] is None))


# the shared options whose grad wording does not fit minimize
_HELP = {
    "wrt": "Train only NAME (default: every trainable input).",
    "target": "Minimize NAME (default: the last statement).",
    "fmt": "Output format (default: table); csv: a header and one row.",
}
for _param in minimize.params:
    if _param.name in _HELP:
        _param.help = _HELP[_param.name]


def _check_method_options(options: dict) -> None:
    """A method's option given to another method (--momentum with adam), or without --method
    (the default method depends on the problem's size): exit 2, before anything runs."""
    method = options["method"]
    for option, methods in METHOD_OPTIONS.items():
        if options[option] is None or method in methods:
            continue
        takes = " and ".join(methods)
        if method is None:
            raise UsageError(
                f"--{option} is an option of {takes}: choose the method, e.g. --method "
                f"{methods[0]} --{option} {options[option]:g} (the default method depends on the "
                "problem's size)"
            )
        raise UsageError(
            f"--{option} is an option of {takes}, not of {method}: drop --{option}, or use "
            f"--method {methods[0]}"
        )


def _bounds(texts: tuple[str, ...]) -> dict:
    """--bound NAME=LO:HI (either side may be empty: unbounded) -> name -> (lo, hi)."""
    bounds = {}
    for text in texts:
        name, value = parse_assignment(text, "--bound")
        lo_text, colon, hi_text = value.partition(":")
        if not colon:
            raise UsageError(f"--bound {text}: write NAME=LO:HI, e.g. --bound {name}=0:10")
        lo = _bound_number(text, lo_text, -math.inf)
        hi = _bound_number(text, hi_text, math.inf)
        if not lo < hi:
            raise UsageError(f"--bound {text}: the lower bound must be below the upper one")
        if name in bounds:
            raise UsageError(f"--bound {name} is given twice")
        bounds[name] = (lo, hi)
    return bounds


def _bound_number(text: str, side: str, open_side: float) -> float:
    from gradcli.language.values import read_value

    if not side.strip():
        return open_side
    try:
        value = read_value(side.strip())
    except GradcliError as error:
        raise UsageError(f"--bound {text}: {error.message}") from None
    if value.shape != () or math.isnan(float(value)):
        raise UsageError(f"--bound {text}: each bound is one number (or empty, for none)")
    return float(value)


def _checked(result):
    """The gradient at the answer, computed and cross-checked as `grad` does."""
    from gradcli.program.compute import compute
    from gradcli.program.minimize import request_at
    from gradcli.program.records import GRADIENT
    from gradcli.record import replace
    from gradcli.symbolic.check import cross_check

    request = request_at(result)
    checks = cross_check(request, compute(request, GRADIENT))
    return replace(result, checks=checks[0] if checks else {})


def _write_files(result, options: dict) -> None:
    from gradcli.render import minimize as rendering

    if options["trace"] is not None:
        rendering.write_trace(options["trace"], result)
    if options["output"] is not None:
        grid = None
        if result.size == 2 and len(result.points):
            grid = _grid(result)
        rendering.save_image(options["output"], result, grid)
        click.echo(f"wrote {options['output']}", err=True)


def _grid(result):
    """The target on a GRID x GRID grid around the path, for the contour plot: 15% of the path's
    extent on each side (at least a tenth of the values' size, or 0.1: a path that hardly moved
    still gets a picture of its surroundings)."""
    points = result.points[np.all(np.isfinite(result.points), axis=1)]
    lo, hi = points.min(axis=0), points.max(axis=0)
    size = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1.0)
    margin = np.maximum((hi - lo) * 0.15, 0.1 * size)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], GRID)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], GRID)
    from gradcli.program.minimize import target_on_grid

    return xs, ys, target_on_grid(result, xs, ys)


def _emit(result, fmt: str, terminal_plot: bool) -> int:
    from gradcli.render import minimize as rendering

    from .output import use_color

    if fmt == "json":
        text = rendering.to_json(result)
    elif fmt == "plain":
        text = rendering.to_plain(result)
    elif fmt == "csv":
        text = rendering.to_csv(result)
    else:
        from gradcli.render.tables import terminal_width

        text = rendering.to_table(result, color=use_color())
        plot = rendering.target_plot(result, max(40, min(120, terminal_width(80))))
        if plot is not None and terminal_plot:  # with -o, the image has it
            text = text.rstrip("\n") + "\n\n" + plot
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    failed = result.reason.startswith("diverged") or not result.agrees
    return ExitCode.CHECK_DISAGREES if failed else ExitCode.OK
