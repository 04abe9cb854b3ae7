"""The commands beyond one gradient: `tape`, `jacobian` and `hessian` (`grad --order` is grad's).

Each is grad with another computation: the same declarations and options (`program_options`),
the same request (`build_request`), the same outputs (table, --json, --plain), exit codes and
error edge (`Group.main`); only what it computes and its renderer differ (`render_calculus`,
`render_tape`).
Nothing heavy is imported here (start-up): the engine, sympy and rich load when a command runs.
"""

from __future__ import annotations

import sys

import click

from gradcli.errors import UsageError
from gradcli.record import replace

from .arguments import COMMAND_OPTION_NAMES, ProgramCommand, build_request
from .group import cli, emit, output_format, program_options, wants_check

SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True}


def _format(options: dict, dot: bool = False) -> str:
    fmt = output_format(options)
    if fmt == "csv":
        raise UsageError(
            "--format csv is for gradcli grad (a row per point); use --json or --plain"
        )
    if dot:
        if options["as_json"] or options["as_plain"] or options["fmt"] not in (None, "table"):
            raise UsageError(f"choose one output format, not dot and {fmt}")
        return "dot"
    return fmt


TAPE_EPILOG = """\b
Examples:
  gradcli tape "y = x*x; z = y*y" --x 3       # two steps; backward 18, then 108
  gradcli tape "y = x*x + x" --x 3 --plain    # x is used twice: its contributions are summed
  gradcli tape "sin(x) * y" --x 1 --y 2 --dot | dot -Tsvg > tape.svg
"""


@cli.command(cls=ProgramCommand, epilog=TAPE_EPILOG, context_settings=SETTINGS)
@program_options
@click.option("--dot", is_flag=True, help="The graph in Graphviz DOT (for `dot -Tsvg`).")
def tape(words, dot, **options):
    """What the tape records for PROGRAM, and the backward pass over it, step by step.

    The forward table lists each operation with its source text, inputs and value, and whether
    the tape recorded it (and why not). The backward table runs the chain rule from the last
    step: the gradient arriving at each step, the local rule (d/da (a*b) = b), and what it adds
    to each input; a value used more than once gets the sum of its contributions. The final
    gradients are grad's, with the same cross-check. Declarations and options are grad's.
    """
    fmt = _format(options, dot)
    request = build_request(words, options, COMMAND_OPTION_NAMES)
    from gradcli.program.recording import record
    from gradcli.render.tape import TAPE

    view = record(request)
    if wants_check(options, fmt):
        from gradcli.symbolic.check import cross_check

        view = replace(view, checks=cross_check(request, view.evaluation))
    sys.exit(emit(view, fmt, TAPE))


JACOBIAN_EPILOG = """\b
Examples:
  gradcli jacobian "x * [3., 4.]" --x 2                          # the column 3, 4
  gradcli jacobian "W @ x" --const W="[[1,2],[3,4]]" --x "[1,1]"  # the matrix W
  gradcli jacobian "tanh(x)" --x "[0, 1, 2]" --json
"""


@cli.command(cls=ProgramCommand, epilog=JACOBIAN_EPILOG, context_settings=SETTINGS)
@program_options
def jacobian(words, **options):
    """Jacobian of PROGRAM's last statement (or --target) with respect to its inputs.

    Each entry is d target[i] / d source[j]; the Jacobian has shape target.shape + source.shape,
    TensorFlow's rule. Up to two axes it is shown as a matrix, else as JSON. It is cross-checked
    entry by entry with sympy, or with finite differences for larger programs. Declarations and
    options are grad's.
    """
    fmt = _format(options)
    request = build_request(words, options, COMMAND_OPTION_NAMES)
    from gradcli.program.derivatives import jacobian as jacobians
    from gradcli.render.calculus import JACOBIAN

    report = jacobians(request)
    if wants_check(options, fmt):
        from gradcli.symbolic.derivative_checks import check_jacobians

        report = replace(report, checks=check_jacobians(request, report.evaluation))
    sys.exit(emit(report, fmt, JACOBIAN))


HESSIAN_EPILOG = """\b
Examples:
  gradcli hessian "x**2 * y + sin(x*y)" --x 0.7 --y -1.3
  gradcli hessian "sum(x**3)" --x "[1, 2]" --plain          # [[6.0,0.0],[0.0,12.0]]
  gradcli hessian "mean((w*x - 1)**2)" --w 0.5 --const x="[1, 2, 3]" --json
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
    fmt = _format(options)
    request = build_request(words, options, COMMAND_OPTION_NAMES)
    from gradcli.program.derivatives import hessian as hessians
    from gradcli.render.calculus import HESSIAN

    result = hessians(request)
    if wants_check(options, fmt):
        from gradcli.symbolic.derivative_checks import check_hessian

        result = replace(result, checks=check_hessian(request, result))
    sys.exit(emit(result, fmt, HESSIAN))
