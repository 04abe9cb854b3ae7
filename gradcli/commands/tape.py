"""`gradcli tape PROGRAM`: what the tape records, and the backward pass over it, step by step."""

from __future__ import annotations

import click

from gradcli.program.records import TAPE, Derivative

from .arguments import ProgramCommand
from .group import cli
from .options import SETTINGS, TANGENT_OPTION, mode_option, program_options
from .pipeline import differentiate

TAPE_EPILOG = """\b
Examples:
  gradcli tape "y = x*x; z = y*y" --x 3       # two steps; backward 18, then 108
  gradcli tape "y = x*x + x" --x 3 --plain    # x is used twice: its contributions are summed
  gradcli tape "sin(x) * y" --x 1 --y 2 --dot | dot -Tsvg > tape.svg
  gradcli tape "y = x*x; z = y*sin(x)" --x 3 --mode forward   # each step's value and tangent
"""


@cli.command(cls=ProgramCommand, epilog=TAPE_EPILOG, context_settings=SETTINGS)
@program_options
@click.option("--dot", is_flag=True, help="The graph in Graphviz DOT (for `dot -Tsvg`).")
@mode_option(
    "reverse",
    "forward",
    default="reverse",
    help="forward: the forward table shows each step's tangent too (forward mode, along "
    "--tangent), beside the reverse pass.",
)
@TANGENT_OPTION
def tape(words, **options):
    """What the tape records for PROGRAM, and the backward pass over it, step by step.

    The forward table lists each operation with its source text, inputs and value, and whether
    the tape recorded it (and why not). The backward table runs the chain rule from the last
    step: the gradient arriving at each step, the local rule (d/da (a*b) = b), and what it adds
    to each input; a value used more than once gets the sum of its contributions. The final
    gradients are grad's, with the same cross-check. With --mode forward the forward table also
    shows each step's tangent: forward mode's pass, along --tangent, in the same order; the
    target's tangent is the directional derivative, gradient . tangent. Declarations and options
    are grad's.
    """
    if options["tangent"] and options["mode"] != "forward":
        from gradcli.errors import UsageError

        raise UsageError("--tangent is forward mode's direction: add --mode forward")
    mode = options["mode"]
    differentiate(words, options, TAPE if mode == "reverse" else Derivative("tape", mode=mode))
