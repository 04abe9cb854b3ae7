"""`gradcli jvp PROGRAM`: a directional derivative (Jacobian-vector product), by forward mode."""

from __future__ import annotations

from gradcli.program.records import JVP

from .arguments import ProgramCommand
from .group import cli
from .options import SETTINGS, TANGENT_OPTION, program_options
from .pipeline import differentiate

JVP_EPILOG = """\b
Examples:
  gradcli jvp "x*y + sin(x)" --x 3 --y 1                  # along x: y + cos(x)
  gradcli jvp "x*y + sin(x)" --x 3 --y 1 --tangent y=1    # along y: x
  gradcli jvp "x**2" --x "[1, 2, 3]" --tangent x="[1, 1, 1]" --plain   # [2.0, 4.0, 6.0]
  gradcli jvp "W @ x" --const W="[[1,2],[3,4]]" --x "[1,1]" --tangent x="[1,0]" --json
"""


@cli.command(cls=ProgramCommand, epilog=JVP_EPILOG, context_settings=SETTINGS)
@program_options
@TANGENT_OPTION
def jvp(words, **options):
    """Directional derivative of PROGRAM's last statement (or --target): the Jacobian-vector
    product J t, by forward mode (TensorFlow's ForwardAccumulator).

    One forward pass carries a tangent beside each value: the inputs start with --tangent's
    values, and each operation's forward rule passes it on. The answer has the target's shape;
    for a scalar target it is the gradient . tangent, which the cross-check compares with sympy
    (or finite differences along the tangent). The inputs are the accumulator's primals, whatever
    their kind; --wrt chooses some of them. Declarations and options are grad's.
    """
    differentiate(words, options, JVP)
