"""`gradcli jacobian PROGRAM`: every d target[i] / d source[j], TensorFlow's `tape.jacobian`."""

from __future__ import annotations

from gradcli.program.records import JACOBIAN, Derivative

from .arguments import ProgramCommand
from .group import cli
from .options import SETTINGS, mode_option, program_options
from .pipeline import differentiate

JACOBIAN_EPILOG = """\b
Examples:
  gradcli jacobian "x * [3., 4.]" --x 2                          # the column 3, 4
  gradcli jacobian "W @ x" --const W="[[1,2],[3,4]]" --x "[1,1]"  # the matrix W
  gradcli jacobian "tanh(x)" --x "[0, 1, 2]" --json
  gradcli jacobian "sin(x * c)" --x 1 --const c="linspace(0, 1, 100)" --mode both
  gradcli jacobian "[abs(x), relu(x - y)]" --x 0 --y 0      # a note per entry at a kink
"""


@cli.command(cls=ProgramCommand, epilog=JACOBIAN_EPILOG, context_settings=SETTINGS)
@program_options
@mode_option(
    "reverse",
    "forward",
    "both",
    help="Compute by reverse mode (one backward pass per output element), forward mode (one "
    "forward pass per input element), or both, with each mode's passes, operations and time.",
)
def jacobian(words, **options):
    """Jacobian of PROGRAM's last statement (or --target) with respect to its inputs.

    Each entry is d target[i] / d source[j]; the Jacobian has shape target.shape + source.shape,
    TensorFlow's rule. Up to two axes it is shown as a matrix, else as JSON. It is cross-checked
    entry by entry with sympy, or with finite differences for larger programs. Declarations and
    options are grad's.
    """
    mode = options["mode"]
    differentiate(words, options, JACOBIAN if mode is None else Derivative("jacobian", mode=mode))
