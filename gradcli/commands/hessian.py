"""`gradcli hessian PROGRAM`: every second derivative of a scalar target, by nested tapes."""

from __future__ import annotations

from gradcli.program.records import HESSIAN

from .arguments import ProgramCommand
from .group import cli
from .options import SETTINGS, program_options
from .pipeline import differentiate

HESSIAN_EPILOG = """\b
Examples:
  gradcli hessian "x**2 * y + sin(x*y)" --x 0.7 --y -1.3
  gradcli hessian "sum(x**3)" --x "[1, 2]" --plain          # [[6.0,0.0],[0.0,12.0]]
  gradcli hessian "mean((w*x - 1)**2)" --w 0.5 --const x="[1, 2, 3]" --json
  gradcli hessian "abs(x)*y + x**2" --x 0 --y 1    # notes where a first derivative kinks
"""


@cli.command(cls=ProgramCommand, epilog=HESSIAN_EPILOG, context_settings=SETTINGS)
@program_options
def hessian(words, **options):
    """Hessian of PROGRAM's scalar last statement (or --target): every second derivative.

    Computed with two nested tapes (the gradient, recorded, then differentiated again), a block
    d2f/da db for every pair of sources, of shape a.shape + b.shape. The blocks are checked for
    symmetry and cross-checked with sympy's hessian (finite differences of the gradient for
    larger programs). Declarations and options are grad's.
    """
    differentiate(words, options, HESSIAN)
