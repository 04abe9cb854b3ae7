"""What the homework commands (`gradcli diff`, `check`, `plot`, `functions`) share on the
command line: EXPR and its values, as `--NAME VALUE` or `--at NAME=VALUE` (the spelling for an
input named like an option, e.g. `--at order=2`), the output format flags, and writing.

Also `grad --format csv`'s guard (`check_csv`): a program whose points mix cannot be one row per
point.

Importing this module imports neither sympy, rich nor matplotlib.
"""

from __future__ import annotations

import math
import sys

import click

from gradcli.errors import (
    GradcliError,
    UnknownNameError,
    UsageError,
    ValueInputError,
    did_you_mean,
)
from gradcli.language import syntax as s
from gradcli.language.analysis import free_names, require_elementwise
from gradcli.language.limits import MAX_BUDGET_SECONDS, MAX_PLOT_HEIGHT, MAX_PLOT_WIDTH, Limits
from gradcli.program.records import Request

from .arguments import check_name, parse_assignment, read_program, split_words
from .options import BudgetType

CONTEXT = {"ignore_unknown_options": True, "allow_extra_args": True}
EXPRESSION = click.argument(
    "words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [--NAME VALUE]..."
)
OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write a PNG or SVG (needs matplotlib: pip install 'gradcli[plot]').",
)
WIDTH_OPTION = click.option(
    "--width",
    type=click.IntRange(30, MAX_PLOT_WIDTH),
    help="Terminal plot width (default: terminal).",
)
SIZE_OPTION = click.option(
    "--size", default="800x600", show_default=True, metavar="WxH", help="Image size in pixels."
)
BUDGET_OPTION = click.option(
    "--budget",
    type=BudgetType(),
    default=2.0,
    show_default=True,
    help=f"Seconds sympy may spend simplifying (at most {MAX_BUDGET_SECONDS:g}).",
)


def check_csv(request: Request, evaluation) -> None:
    """`grad --format csv`: refuse (exit 2) a program that is not elementwise in its columns."""
    from gradcli.render.report import csv_columns

    require_elementwise(request.program, csv_columns(evaluation), "--format csv")


# ---------------------------------------------------------------- reading the command line


# what `missing EXPR` shows, per command
EXAMPLES = {
    "diff": 'gradcli diff "x**2*sin(x)"',
    "check": 'gradcli check "x**2" --expect "2*x"',
    "plot": 'gradcli plot "x**3 - 3*x" --x -3:3',
    "tangent": 'gradcli tangent "x**3" --at x=2',
    "taylor": 'gradcli taylor "exp(x)" --at x=0 --order 5',
    "critical": 'gradcli critical "x**3 - 3*x" --x -3:3',
}


def read_command(words, at: tuple, command: str) -> tuple[s.Program, list[str], dict]:
    """The program, its inputs, and the values given: name -> (text, option)."""
    from gradcli.language.parser import parse

    limits = Limits()
    text, loose = split_words(words)
    pairs = [(name, value, f"--{name}") for name, value in loose]
    pairs += [(*parse_assignment(item, "--at"), "--at") for item in at]
    given: dict = {}
    for name, value, option in pairs:
        check_name(name)
        if name in given:
            raise UsageError(f"{name} is given twice")
        given[name] = (value, option)
    if text is None:
        raise UsageError(f"missing EXPR: e.g. {EXAMPLES[command]}")
    program = parse(read_program(text, limits), limits)
    if not program.statements:
        raise UsageError("EXPR is empty")
    inputs = free_names(program)
    for name, (_, option) in given.items():
        if name not in inputs:
            shown = ", ".join(inputs) if inputs else "none"
            raise UnknownNameError(
                f"{option} {name}: EXPR has no input named '{name}'"
                f"{did_you_mean(name, inputs)} (its inputs: {shown})"
            )
    return program, inputs, given


def read_number(name: str, text: str, option: str) -> float:
    """One finite number for input `name`, read from `text` as given by `option`."""
    from gradcli.language.values import read_value

    label = option if option == f"--{name}" else f"{option} {name}"
    try:
        value = read_value(text)
    except GradcliError as error:
        error.message = f"{label}: {error.message}"
        raise
    if value.shape != ():
        raise UsageError(
            f"{label}: a number is needed here, not an array of shape {value.shape} "
            '(for many points at once: gradcli grad EXPR --x "linspace(-3, 3, 7)" --format csv)'
        )
    if not math.isfinite(float(value)):
        raise UsageError(f"{label}: a finite number is needed here, not {float(value)}")
    return float(value)


def require_input(name: str, inputs: list[str]) -> None:
    """--wrt NAME must name one of EXPR's inputs."""
    if name not in inputs:
        raise UnknownNameError(
            f"--wrt {name}: EXPR has no input named '{name}'{did_you_mean(name, inputs)} "
            f"(its inputs: {', '.join(inputs)})"
        )


def read_point(inputs: list[str], given: dict) -> dict:
    """The point EXPR is evaluated at: a number for every input, or no point at all."""
    for name, (text, option) in given.items():
        if text.strip() in inputs:  # --at x=y: a value is a number, not another input
            label = option if option == f"--{name}" else f"{option} {name}"
            raise ValueInputError(
                f"{label}: '{text.strip()}' is an input of EXPR, not a number: give each input "
                f"its own number (e.g. --at {name}=1)"
            )
    point = {name: read_number(name, *given[name]) for name in given}
    missing = [name for name in inputs if name not in point]
    if point and missing:
        raise UsageError(
            f"give every input a value (--NAME VALUE or --at NAME=VALUE), or none; "
            f"missing: {', '.join(missing)}"
        )
    return point


def read_one_point(inputs: list[str], given: dict, command: str) -> tuple[str, str, float]:
    """The one input of EXPR, and the point (--at x=2) where `command` expands it: as typed,
    and its value."""
    if len(inputs) != 1:
        has = f"{len(inputs)}: {', '.join(inputs)}" if inputs else "none"
        raise UsageError(f"{command} needs EXPR of one input (EXPR has {has})")
    (name,) = inputs
    if name not in given:
        raise UsageError(f"give the point, e.g. --at {name}=2 (or --{name} 2)")
    return name, given[name][0], read_number(name, *given[name])


def read_range(name: str, text: str, option: str) -> tuple[float, float]:
    """`LO:HI` (numbers or constants: -pi:pi), LO < HI, for input `name`."""
    lo_text, colon, hi_text = text.partition(":")
    if not colon:
        raise UsageError(f"{option} {text}: give a range LO:HI for {name}, e.g. -3:3")
    lo, hi = read_number(name, lo_text, option), read_number(name, hi_text, option)
    if not lo < hi:
        raise UsageError(f"the range of {name} must go from a number to a larger one")
    return lo, hi


def image_size(text: str) -> tuple[int, int]:
    """--size WIDTHxHEIGHT in pixels."""
    width, sep, height = text.lower().partition("x")
    if sep and width.isdigit() and height.isdigit() and 16 <= int(width) <= 10000:
        if 16 <= int(height) <= 10000:
            return int(width), int(height)
    raise UsageError(f"--size takes WIDTHxHEIGHT in pixels, e.g. 800x600 (got {text!r})")


HEIGHT_OPTION = click.option(
    "--height",
    type=click.IntRange(3, MAX_PLOT_HEIGHT),
    default=12,
    show_default=True,
    help="Rows of the terminal plot.",
)
IMAGE_POINTS = 1001  # samples of each curve in an image


def plot_options(command):
    """-o, --width, --height and --size: the options of a command that draws (tangent, taylor,
    critical)."""
    for option in reversed((OUTPUT_OPTION, WIDTH_OPTION, HEIGHT_OPTION, SIZE_OPTION)):
        command = option(command)
    return command


def image_request(output: str | None, size: str, command: str) -> tuple[int, int] | None:
    """The image's size in pixels when -o is given (refused, exit 2, before any computing, when
    the format is unknown or matplotlib is missing); None for the terminal."""
    if output is None:
        return None
    from gradcli.render.plot import require_matplotlib

    pixels = image_size(size)
    require_matplotlib(output, command)
    return pixels


def draw_curves(curve, window, others, marks, heading, output, size, width, height) -> str:
    """f (`curve`: `program.curve.Curve`) and `others(xs)`, [(legend, values, character)], over
    `window` (lo, hi) in one panel with `marks` (x, y): in the terminal, or to the image
    `output`. The text to write."""
    import numpy as np

    from gradcli.render import plot as drawing

    lo, hi = window
    legend = f"f({curve.variable})"
    if output is not None:
        xs = np.linspace(lo, hi, IMAGE_POINTS)
        series = [(legend, curve(xs)[0], "*"), *others(xs)]
        drawing.save_overlay(output, xs, series, marks, heading, curve.variable, size)
        return f"wrote {output} ({size[0]}x{size[1]})"
    from gradcli.render.tables import terminal_width

    width = width or max(40, min(120, terminal_width(80)))
    ranges = (drawing.y_range(curve(np.linspace(lo, hi, IMAGE_POINTS))[0]),)
    xs = np.linspace(lo, hi, drawing.plot_columns(ranges, width))
    series = [(legend, curve(xs)[0], "*"), *others(xs)]
    return drawing.overlay_plot(lo, hi, series, marks, heading, height)


def choose_format(fmt: str | None, flags: dict, default: str) -> str:
    """--format, or a flag such as --json; two different choices are a usage error."""
    chosen = {name for name, on in flags.items() if on} | ({fmt} if fmt else set())
    if len(chosen) > 1:
        raise UsageError(f"choose one output format, not {' and '.join(sorted(chosen))}")
    return chosen.pop() if chosen else default


def write(text: str) -> None:
    """`text` on stdout, ending with one newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
