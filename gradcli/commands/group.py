"""The command line: argv -> request -> evaluation -> report -> renderer -> exit code.

This is the only place where errors become messages and exit codes (`Group.main`). Commands share
their declarations and options through the `program_options` decorator (the words click does not
parse are `arguments.py`'s), and their outputs through `emit`; none has a parser or a renderer of
its own.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from gradcli import __version__
from gradcli.errors import ExitCode, GradcliError, UsageError
from gradcli.imports import collector_paused, freeze_imports
from gradcli.language.limits import DEFAULT_LIMITS
from gradcli.program.records import Report

from .arguments import COMMAND_OPTION_NAMES, ProgramCommand, build_request

_FORMATS = ("table", "json", "plain", "csv")


class SeedType(click.ParamType):
    """An integer; the error reminds that `--seed` is an option, not a declaration."""

    name = "integer"

    def convert(self, value, param, ctx):
        try:
            return int(value)
        except (TypeError, ValueError):
            self.fail(
                f"--{param.name} takes an integer, not {value!r}; to declare an input named "
                f"{param.name}, write --var {param.name}=VALUE",
                param,
                ctx,
            )


# Options that several commands share, spelt once (each use makes a fresh click.Option).
JSON_FLAG = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
PLAIN_FLAG = click.option("--plain", "as_plain", is_flag=True, help="Same as --format plain.")
TRACEBACK_FLAG = click.option(
    "--traceback", is_flag=True, hidden=True, help="Show tracebacks (developers)."
)


def format_option(*choices: str, more: str = ""):
    """--format, its first choice the default (None until a command resolves it with the flags)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=None,
        help=f"Output format (default: {choices[0]}){more}.",
    )


def program_options(command):
    """The declarations and options every program-running command shares (grad, jacobian, ...)."""
    options = [
        click.argument("words", nargs=-1, type=click.UNPROCESSED),
        click.option(
            "--var",
            multiple=True,
            metavar="NAME=VALUE",
            help="Declare a trainable variable (same as --NAME VALUE).",
        ),
        click.option(
            "--frozen",
            multiple=True,
            metavar="NAME=VALUE",
            help="Declare a variable with trainable=False.",
        ),
        click.option(
            "--const",
            multiple=True,
            metavar="NAME=VALUE",
            help="Declare a constant (not watched unless --watch).",
        ),
        click.option("--watch", multiple=True, metavar="NAME", help="Watch an input or statement."),
        click.option(
            "--auto-watch/--no-auto-watch",
            default=True,
            help="Watch trainable variables when read (watch_accessed_variables).",
        ),
        click.option(
            "--wrt",
            multiple=True,
            metavar="NAME",
            help="Differentiate with respect to NAME (default: every input).",
        ),
        click.option(
            "--target",
            multiple=True,
            metavar="NAME",
            help="Differentiate NAME (default: the last statement).",
        ),
        click.option(
            "--unconnected",
            type=click.Choice(["none", "zero"]),
            default="none",
            help="Gradient of an unconnected source: None or zeros.",
        ),
        click.option(
            "--stop",
            multiple=True,
            metavar="NAME",
            help="Evaluate statement NAME with recording paused.",
        ),
        click.option("--seed", type=SeedType(), default=0, help="Seed for random values."),
        click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64"),
        click.option(
            "--check/--no-check",
            default=None,
            help="Cross-check with sympy (default: on for tables, off for json/plain).",
        ),
        format_option(*_FORMATS, more="; csv: one row per point of an elementwise program"),
        JSON_FLAG,
        PLAIN_FLAG,
        click.option(
            "--max-elements",
            type=int,
            default=DEFAULT_LIMITS.max_elements,
            show_default=True,
            help="Largest tensor allowed.",
        ),
        click.option(
            "--max-program-chars",
            type=int,
            default=DEFAULT_LIMITS.max_program_chars,
            show_default=True,
        ),
        click.option("--max-depth", type=int, default=DEFAULT_LIMITS.max_depth, show_default=True),
        TRACEBACK_FLAG,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def output_format(options: dict) -> str:
    chosen = [
        f for f, flag in (("json", options["as_json"]), ("plain", options["as_plain"])) if flag
    ]
    if options["fmt"]:
        chosen.append(options["fmt"])
    if len(set(chosen)) > 1:
        raise UsageError(f"choose one output format, not {' and '.join(sorted(set(chosen)))}")
    return chosen[0] if chosen else "table"


def wants_check(options: dict, fmt: str) -> bool:
    return options["check"] if options["check"] is not None else fmt == "table"


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit(report: Report, fmt: str, renderer=None) -> int:
    """Write the report in the chosen format; warnings to stderr. Returns the exit code.

    `renderer`: for reports of another kind (jacobian, hessian, tape), a namespace with the same
    functions as `gradcli.render` (to_table, to_json, to_plain, ...); `gradcli.render` by default.
    """
    from gradcli.render import report as render

    render = render if renderer is None else renderer
    for warning in report.evaluation.warnings:
        click.echo(warning, err=True)
    if fmt == "json":
        text = render.to_json(report)
    elif fmt == "plain":
        text = render.to_plain(report)
    elif fmt == "csv":
        text = render.to_csv(report)
    elif fmt == "dot":  # gradcli tape --dot
        text = render.to_dot(report)
    else:
        with collector_paused():  # rich's import, the bulk of a table's time, makes no garbage
            text = render.to_table(report, color=use_color())
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return ExitCode.OK if report.agrees else ExitCode.CHECK_DISAGREES


# ---------------------------------------------------------------- commands


# Commands defined in other modules, imported when named (or listed): `gradcli grad`, the
# command typed a hundred times a day, does not pay for loading them.
LAZY_COMMANDS = {
    "tape": "calculus",
    "jacobian": "calculus",
    "hessian": "calculus",
    "diff": "diff",
    "check": "check",
    "plot": "plot",
    "functions": "functions",
}


class Group(click.Group):
    """The one place where errors become messages and exit codes; suggests misspelt commands;
    loads the LAZY_COMMANDS' modules on demand."""

    def list_commands(self, ctx) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, name: str):
        if name not in self.commands and name in LAZY_COMMANDS:
            importlib.import_module(f"{__package__}.{LAZY_COMMANDS[name]}")
        return super().get_command(ctx, name)

    def main(self, args=None, prog_name=None, **extra):
        args = list(sys.argv[1:] if args is None else args)
        try:
            super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except GradcliError as error:
            click.echo(error.render(), err=True)
            sys.exit(error.exit_code)
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help(), err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except click.ClickException as error:
            click.echo(f"usage: {error.format_message()}", err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except Exception:  # a bug: one line for users, the traceback for developers
            if "--traceback" in args:
                import traceback

                traceback.print_exc()
            else:
                click.echo(
                    "internal error: this is a bug in gradcli; please report it with the "
                    "command you ran (add --traceback to see the details)",
                    err=True,
                )
            sys.exit(ExitCode.INTERNAL_ERROR)
        sys.exit(ExitCode.OK)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        known = self.list_commands(ctx)
        if name is not None and name not in known and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise click.UsageError(f"no command '{name}'.{hint} See gradcli --help.", ctx)
        return super().resolve_command(ctx, args)


EPILOG = """\b
Examples:
  gradcli grad "x**2" --x 3
  gradcli grad "y = x @ w + b; loss = mean(y**2)" --const x="[[1,2,3]]" \
      --w "normal((3,2))" --b "zeros(2)"
  gradcli grad "sin(x) * y" --x 1 --y 2 --json
"""


@click.group(cls=Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradcli")
def cli():
    """Gradients on the command line: reverse-mode autodiff with TensorFlow's GradientTape
    semantics, checked against sympy."""


GRAD_EPILOG = """\b
Examples:
  gradcli grad "x**2" --x 3 --plain                      # 6.0
  gradcli grad "x0**2 + x1**2" --x0 3 --frozen x1=3      # x1 is not watched
  gradcli grad "y = x*x; z = y*y" --x 3 --target z --target y --json
  gradcli grad "x**3" --x 2 --order 3 --plain            # 6.0, the third derivative
"""


@cli.command(
    cls=ProgramCommand,
    epilog=GRAD_EPILOG,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@program_options
@click.option(
    "--order",
    type=click.IntRange(min=1),
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
def grad(words, **options):
    """Gradient of PROGRAM's last statement (or --target) with respect to its inputs.

    Declare inputs with --NAME VALUE (a trainable variable), --var NAME=VALUE, --frozen NAME=VALUE
    or --const NAME=VALUE. A VALUE is a number, a list such as "[[1, 2], [3, 4]]", a constructor
    such as "zeros(3)" or "normal((3, 2))", or @FILE (.npy, .csv, .json, .txt).
    """
    from gradcli.program.run import evaluate

    fmt = output_format(options)
    request = build_request(words, options, COMMAND_OPTION_NAMES)
    order = options["order"]
    if order > 1:
        from gradcli.program.derivatives import derivatives_of_order

        evaluation = derivatives_of_order(request, order)
    else:
        evaluation = evaluate(request)
    if fmt == "csv":  # per-point columns: refuse a program that mixes the points (exit 2)
        from .homework import check_csv

        check_csv(request, evaluation)
    checks: tuple = ()
    if wants_check(options, fmt) and order > 1:
        from gradcli.symbolic.derivative_checks import check_order

        checks = check_order(request, evaluation)
    elif wants_check(options, fmt):
        from gradcli.symbolic.check import cross_check

        checks = cross_check(request, evaluation)
    sys.exit(emit(Report(evaluation, checks), fmt))


# ---------------------------------------------------------------- the edge


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command line and exit with its code."""
    # measured: the tape's objects otherwise pay for every imported module's objects, and sympy's
    # import is a third faster without collections (see gradcli.imports)
    freeze_imports()
    cli.main(args=argv, prog_name="gradcli")
