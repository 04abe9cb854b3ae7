"""`gradcli diff EXPR`: the derivative of an expression as a formula (pretty, LaTeX, plain, JSON).

Differentiated symbolically through the primitives' sympy forms (`symbolic.formula`), with
respect to every input (or each `--wrt`), simplified within `--budget` seconds, in a worker
(`symbolic.homework`); written by `render.formulas`. With `--steps`, derived rule by rule as a
textbook does (`symbolic.derivation`), written by `render.derivation`.
"""

from __future__ import annotations

import sys

import click

from gradcli.errors import ExitCode, UsageError
from gradcli.program.point import make_request, require_scalar

from .arguments import ProgramCommand
from .group import cli
from .homework import (
    BUDGET_OPTION,
    CONTEXT,
    EXPRESSION,
    choose_format,
    read_command,
    read_point,
    require_input,
    write,
)
from .options import (
    JSON_FLAG,
    LABELS_FLAG,
    PLAIN_FLAG,
    TRACEBACK_FLAG,
    format_option,
    require_plain_for_labels,
)

DIFF_EPILOG = """\b
Examples:
  gradcli diff "x**2*sin(x)"                      # x**2*cos(x) + 2*x*sin(x)
  gradcli diff "x*y**2" --format latex           # one line per variable
  gradcli diff "exp(-x**2)" --order 2 --at x=0.5 --json
  gradcli diff "|x|" --order 2                    # 0 for x != 0; none at x = 0
  gradcli diff "x**2*sin(x)" --steps              # product rule, power rule, ...
  gradcli diff "sin(x**2)" --steps --format latex # an align* block for a homework sheet
  gradcli diff "x*exp(x*y)" --steps --wrt y --json
"""


@cli.command(cls=ProgramCommand, epilog=DIFF_EPILOG, context_settings=CONTEXT)
@EXPRESSION
@click.option(
    "--wrt",
    multiple=True,
    metavar="NAME",
    help="Differentiate with respect to NAME (default: every input, in order of appearance).",
)
@click.option(
    "--at",
    multiple=True,
    metavar="NAME=VALUE",
    help="Also evaluate at this point (same as --NAME VALUE); give every input.",
)
@click.option(
    "--order",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="The N-th derivative.",
)
@click.option(
    "--steps",
    is_flag=True,
    help="Show the derivation rule by rule (product, chain with 'let u = ...', ...), numbered.",
)
@format_option("pretty", "latex", "plain", "json")
@JSON_FLAG
@PLAIN_FLAG
@LABELS_FLAG
@BUDGET_OPTION
@TRACEBACK_FLAG
def diff(words, wrt, at, order, steps, fmt, as_json, as_plain, labels, budget, traceback):
    """The derivative of EXPR as a formula: d/dx for one input, the partial derivatives (the
    gradient) for several, the N-th derivative with --order N.

    Inputs are the free names of EXPR (not functions or constants), in order of appearance.
    LaTeX output is sympy's latex() of the derivative, ready to paste. --at x=3 also evaluates
    the derivative there (in floating point). Where abs, sign or where switch, the answer is
    the derivative where it exists (never a DiracDelta), and the output says where it does not.

    --steps derives it as a textbook does, following EXPR as written: each rule (constant
    multiple, sum, product, quotient, power, chain with "let u = ...", exponential, logarithm,
    trigonometric, hyperbolic, absolute value, logarithmic differentiation for x**x, and every
    other function by its table entry), numbered and nested, then a simplify step; the answer
    is sympy's derivative. As a tree (pretty), plain lines, a LaTeX align* block, or JSON.
    """
    from gradcli.symbolic.homework import derivatives

    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "pretty")
    require_plain_for_labels(labels, fmt)
    program, inputs, given = read_command(words, at, "diff")
    if not inputs:
        raise UsageError("EXPR has no inputs to differentiate with respect to")
    names = list(dict.fromkeys(wrt)) or inputs
    for name in names:
        require_input(name, inputs)
    point = read_point(inputs, given)
    request = make_request(program, inputs, point)
    require_scalar(request, "EXPR")
    unicode = sys.stdout.isatty() and "utf" in (sys.stdout.encoding or "").lower()
    if steps:
        _write_steps(program, inputs, names, request, order, point, fmt, budget, unicode)
        sys.exit(ExitCode.OK)
    found, simplified = derivatives(request, names, order, point, budget, unicode)
    context = {
        "expression": program.source.strip(),
        "inputs": inputs,
        "order": order,
        "at": point or None,
        "wrt": names,
        "labels": labels,
    }
    from gradcli.render.formulas import notes, to_text  # the output's module, once there is one

    write(to_text(fmt, context, found, simplified))
    if fmt in ("plain", "latex"):  # the pretty and JSON outputs say where it does not exist
        for note in notes(context, found):
            click.echo(note, err=True)
    sys.exit(ExitCode.OK)


def _write_steps(program, inputs, names, request, order, point, fmt, budget, unicode) -> None:
    """`diff --steps`: the derivation of each first derivative, rule by rule."""
    if order != 1:
        raise UsageError("--steps shows a first derivative's derivation: leave out --order")
    if point:
        raise UsageError(
            "--steps derives the formula: leave out the point "
            "(gradcli diff EXPR --at NAME=VALUE evaluates the derivative there)"
        )
    from gradcli.render.derivation import to_text
    from gradcli.symbolic.homework import derivation_steps

    from .output import use_color

    derivations = derivation_steps(request, names, budget)
    context = {"expression": program.source.strip(), "inputs": inputs}
    write(to_text(fmt, context, derivations, color=use_color(), ascii=not unicode))
