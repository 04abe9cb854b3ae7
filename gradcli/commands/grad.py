"""`gradcli grad PROGRAM`: the gradient of a program's target with respect to its inputs."""

from __future__ import annotations

import click

from gradcli.language.limits import DEFAULT_LIMITS, MAX_ORDER
from gradcli.program.records import Derivative, gradient_of_order

from .arguments import ProgramCommand
from .group import cli
from .options import mode_option, program_options
from .pipeline import differentiate

GRAD_EPILOG = """\b
Examples:
  gradcli grad "x**2" --x 3 --plain                      # 6.0
  gradcli grad "x0**2 + x1**2" --x0 3 --frozen x1=3      # x1 is not watched
  gradcli grad "y = x*x; z = y*y" --x 3 --target z --target y --json
  gradcli grad "x**3" --x 2 --order 3 --plain            # 6.0, the third derivative
  gradcli grad "sum(x**2)" --x "[1, 2, 3]" --mode both   # 3 forward passes, 1 backward
"""


@cli.command(
    cls=ProgramCommand,
    epilog=GRAD_EPILOG,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@program_options
@click.option(
    "--order",
    type=click.IntRange(1, MAX_ORDER),
    default=1,
    metavar="N",
    help="The N-th derivative (N nested tapes), for scalar sources.",
)
@click.option(
    "--max-tape-ops",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMITS.max_tape_ops,
    show_default=True,
    help="Operations a tape may hold before --order differentiates it again.",
)
@mode_option(
    "reverse",
    "forward",
    "both",
    help="Compute by reverse mode (one backward pass per target), forward mode (one forward "
    "pass per input element), or both, with each mode's passes, operations and time.",
)
def grad(words, **options):
    """Gradient of PROGRAM's last statement (or --target) with respect to its inputs.

    Declare inputs with --NAME VALUE (a trainable variable), --var NAME=VALUE, --frozen NAME=VALUE
    or --const NAME=VALUE. A VALUE is a number, a list such as "[[1, 2], [3, 4]]", a constructor
    such as "zeros(3)" or "normal((3, 2))", or @FILE (.npy, .csv, .json, .txt).
    """
    mode = options["mode"]
    derivative = gradient_of_order(options["order"])
    if mode is not None:
        derivative = Derivative("gradient", options["order"], mode)
    differentiate(words, options, derivative)
