"""The options the commands share, each spelt once: program_options (the declarations and
options of every command that differentiates a program), --format and its flags, --seed.

The words click does not parse (PROGRAM and the `--NAME VALUE` declarations) are
`arguments.py`'s.
"""

from __future__ import annotations

import click

from gradcli.errors import UsageError
from gradcli.language.limits import DEFAULT_LIMITS, MAX_BUDGET_SECONDS

_FORMATS = ("table", "json", "plain", "csv")


class SeedType(click.ParamType):
    """An integer; the error reminds that `--seed` is an option, not a declaration."""

    name = "integer"

    def convert(self, value, param, ctx):
        try:
            seed = int(value)
        except (TypeError, ValueError):
            self.fail(
                f"--{param.name} takes an integer, not {value!r}; to declare an input named "
                f"{param.name}, write --var {param.name}=VALUE",
                param,
                ctx,
            )
        if seed < 0:  # numpy's generators take seeds >= 0 only
            self.fail(f"--{param.name} takes an integer >= 0, not {value!r}", param, ctx)
        return seed


class BudgetType(click.ParamType):
    """Seconds: a finite number from 0 to MAX_BUDGET_SECONDS (click's FloatRange lets nan by)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"--{param.name} takes a number of seconds, not {value!r}", param, ctx)
        if not 0 <= seconds <= MAX_BUDGET_SECONDS:  # false for nan too
            self.fail(
                f"--{param.name} takes seconds from 0 to {MAX_BUDGET_SECONDS:g}, not {value!r}",
                param,
                ctx,
            )
        return seconds


# Options that several commands share, spelt once (each use makes a fresh click.Option).
JSON_FLAG = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
PLAIN_FLAG = click.option("--plain", "as_plain", is_flag=True, help="Same as --format plain.")
LABELS_FLAG = click.option(
    "--labels", is_flag=True, help="With --plain: each line starts with its source (x: 6.0)."
)
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
            "--at",
            multiple=True,
            metavar="NAME=VALUE",
            help="Same as --NAME VALUE, as diff and check take the point: --at x=pi/6.",
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
        click.option(
            "--budget",
            type=BudgetType(),
            default=5.0,  # symbolic.check.DEFAULT_BUDGET (not imported: it would load sympy's part)
            show_default=True,
            help="Seconds the cross-check may take in all; what is not checked in time says "
            '"not checked: over the N s budget" (exit 0).',
        ),
        format_option(*_FORMATS, more="; csv: one row per point of an elementwise program"),
        JSON_FLAG,
        PLAIN_FLAG,
        LABELS_FLAG,
        click.option(
            "--max-elements",
            type=click.IntRange(min=1),
            default=DEFAULT_LIMITS.max_elements,
            show_default=True,
            help="Largest tensor allowed.",
        ),
        click.option(
            "--max-program-chars",
            type=click.IntRange(min=1),
            default=DEFAULT_LIMITS.max_program_chars,
            show_default=True,
        ),
        click.option(
            "--max-depth",
            type=click.IntRange(min=1),
            default=DEFAULT_LIMITS.max_depth,
            show_default=True,
        ),
        TRACEBACK_FLAG,
    ]
    for option in reversed(options):
        command = option(command)
    return command


TANGENT_OPTION = click.option(
    "--tangent",
    multiple=True,
    metavar="NAME=VALUE",
    help="The direction for input NAME, of its shape (default: the first watched input's first "
    "unit vector; the other inputs: zeros).",
)


def mode_option(*modes: str, default: str | None = None, help: str):
    """--mode: how derivatives are computed (forward or reverse mode; "both" compares them)."""
    return click.option("--mode", type=click.Choice(modes), default=default, help=help)


def output_format(options: dict) -> str:
    """The format --format, --json and --plain choose (table by default); two different: exit 2."""
    chosen = [
        f for f, flag in (("json", options["as_json"]), ("plain", options["as_plain"])) if flag
    ]
    if options["fmt"]:
        chosen.append(options["fmt"])
    if len(set(chosen)) > 1:
        raise UsageError(f"choose one output format, not {' and '.join(sorted(set(chosen)))}")
    return chosen[0] if chosen else "table"


def wants_check(options: dict, fmt: str) -> bool:
    """--check/--no-check, else a check for tables only."""
    return options["check"] if options["check"] is not None else fmt == "table"


# The settings of every command that takes PROGRAM and --NAME VALUE declarations.
SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True}


def require_plain_for_labels(labels: bool, fmt: str) -> None:
    """--labels labels --plain's lines: with another format it would be silently ignored."""
    if labels and fmt != "plain":
        raise UsageError(f"--labels is for --plain (the {fmt} output labels its values already)")


def format_without_csv(options: dict, dot: bool = False) -> str:
    """The format of a command without csv (csv is grad's); "dot" for `gradcli tape --dot`."""
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
