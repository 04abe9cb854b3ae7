"""The click group: the one place where errors become messages and exit codes (`Group.main`).

`gradcli`'s commands live one per module (`grad.py`, `tape.py`, ...), each imported when it is
named: `gradcli grad`, the command typed a hundred times a day, does not pay for loading the
others.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from gradcli import __version__
from gradcli.errors import ExitCode, GradcliError
from gradcli.imports import freeze_imports

LAZY_COMMANDS = {
    "grad": "grad",
    "tape": "tape",
    "jacobian": "jacobian",
    "jvp": "jvp",
    "hessian": "hessian",
    "diff": "diff",
    "check": "check",
    "plot": "plot",
    "minimize": "minimize",
    "functions": "functions",
    "tangent": "tangent",
    "taylor": "taylor",
    "critical": "critical",
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
            # numpy's overflow/invalid RuntimeWarnings are not for users: every command finds
            # and explains non-finite values itself (nan verdicts, "no finite values" plots)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
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


# ---------------------------------------------------------------- the edge


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command line and exit with its code."""
    # measured: the tape's objects otherwise pay for every imported module's objects, and sympy's
    # import is a third faster without collections (see gradcli.imports)
    freeze_imports()
    cli.main(args=argv, prog_name="gradcli")
