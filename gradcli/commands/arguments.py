"""From the command line's words to a `Request`: what click does not parse for us.

Click cannot bind PROGRAM itself (in `gradcli grad --x 3 "x**2"` it would take `--x` as the
program), nor the `--NAME VALUE` declarations, whose names are the user's. `ProgramCommand` hands
click only its own options and everything else, in order, as `words`; `split_words` sorts those
into the program and the declarations, and `build_request` turns all of it into one checked,
immutable `Request`.
"""

from __future__ import annotations

import os
import sys

import click
import numpy as np

from gradcli.errors import DeclarationError, FileInputError, GradcliError, UsageError
from gradcli.language.limits import DEFAULT_LIMITS, Limits
from gradcli.program.records import Declaration, Request

# every option name of the program commands (- written _): no declaration may take one
COMMAND_OPTION_NAMES = {
    "var",
    "at",
    "frozen",
    "const",
    "watch",
    "auto_watch",
    "no_auto_watch",
    "wrt",
    "target",
    "unconnected",
    "stop",
    "seed",
    "dtype",
    "check",
    "no_check",
    "budget",
    "format",
    "json",
    "plain",
    "labels",
    "max_elements",
    "max_program_chars",
    "max_depth",
    "max_tape_ops",
    "traceback",
    "help",
    "order",
    "dot",
    "mode",
    "tangent",
}


# ---------------------------------------------------------------- argument words


def split_words(words: tuple[str, ...]) -> tuple[str | None, list[tuple[str, str]]]:
    """The program and the `--NAME VALUE` / `--NAME=VALUE` declarations, from click's leftovers.

    Click cannot bind PROGRAM itself: in `gradcli grad --x 3 "x**2"` it would take `--x` as the
    program. So every word click does not know arrives here, in order, and is sorted out by hand.
    """
    program, declared, i = None, [], 0
    while i < len(words):
        word = words[i]
        if word == "--":
            rest = words[i + 1 :]
            if program is None and rest:
                program, rest = rest[0], rest[1:]
            if rest:
                raise UsageError(f"unexpected argument {rest[0]!r} after the program")
            break
        if word.startswith("--") and len(word) > 2:
            name, has_value, value = word[2:].partition("=")
            if not has_value:
                if i + 1 >= len(words):
                    raise UsageError(f"--{name} needs a value, e.g. --{name} 3")
                value, i = words[i + 1], i + 1
            _check_not_split(f"--{name} ", value, words[i + 1 :])
            declared.append((name, value))
        elif program is None:
            program = word
        elif _open_brackets(word) < 0:  # `--at x=[1, 2]` unquoted: `2]` is left over
            raise UsageError(
                f"unexpected {word!r}, the end of an unquoted list? The shell splits unquoted "
                'words at spaces; quote the whole value, e.g. --at "x=[1, 2]" or --x "[1, 2]"'
            )
        else:
            raise UsageError(
                f"expected one PROGRAM, got {program!r} and {word!r}; quote the "
                'program, e.g. gradcli grad "x**2 + 1" --x 3'
            )
        i += 1
    return program, declared


def _open_brackets(text: str) -> int:
    return text.count("[") + text.count("(") - text.count("]") - text.count(")")


def _check_not_split(option: str, value: str, rest) -> None:
    """`--x [1, 2]` unquoted reaches us as `[1,` and `2]`: say to quote it, with the whole value."""
    if _open_brackets(value) <= 0:
        return
    joined = value
    for word in rest:
        if word.startswith("--") or _open_brackets(joined) <= 0:
            break
        joined += " " + word
    if joined == value or _open_brackets(joined) > 0:
        return  # nothing completes it: the value's own parse error says what is open
    raise UsageError(
        f"{option.strip()}: the value {value!r} is cut off: the shell splits unquoted words at "
        f'spaces; quote the whole value: {option}"{joined}"'
    )


def parse_assignment(text: str, option: str) -> tuple[str, str]:
    name, has_value, value = text.partition("=")
    if not has_value or not name:
        named_at = "; an input named at is declared with --var at=VALUE" if option == "--at" else ""
        raise UsageError(f"{option} takes NAME=VALUE, e.g. {option} x=3 (got {text!r}){named_at}")
    return name.strip(), value


def check_name(name: str) -> str:
    """`name`, if a program can refer to it as an input; else the reason, at declaration."""
    from gradcli.language.walker import undeclarable  # the engine's names: not at start-up

    problem = undeclarable(name)
    if problem is None:
        return name
    if name.isidentifier() and name.isascii() and not name.startswith("__"):
        raise DeclarationError(problem)
    raise UsageError(problem)


def read_program(text: str | None, limits: Limits) -> str:
    if text is None:
        raise UsageError('missing PROGRAM: e.g. gradcli grad "x**2" --x 3')
    if text == "-":
        return sys.stdin.read(limits.max_program_chars + 1)
    if text.startswith("@"):
        return _read_program_file(text[1:], limits)
    return text


def _read_program_file(path: str, limits: Limits) -> str:
    import stat

    try:
        info = os.stat(path)
    except OSError as error:
        raise FileInputError(f"cannot read program file {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileInputError(f"program file {path} is not a regular file")
    with open(path, "rb") as handle:
        data = handle.read(limits.max_program_chars * 4 + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileInputError(
            f"program file {path} is not UTF-8: invalid byte "
            f"0x{data[error.start]:02x} at byte offset {error.start}"
        ) from None


def build_request(words, options: dict, command_options: set) -> Request:
    """Everything the command line says, checked, as one immutable request."""
    from gradcli.language.parser import parse
    from gradcli.language.values import read_value

    limits = Limits(
        max_program_chars=options["max_program_chars"],
        max_elements=options["max_elements"],
        max_depth=options["max_depth"],
        max_tape_ops=options.get("max_tape_ops", DEFAULT_LIMITS.max_tape_ops),
    )
    program_text, loose = split_words(words)
    dtype = np.dtype(options["dtype"])
    pairs = [(name, value, "variable", f"--{name}") for name, value in loose]
    for kind, key in (("variable", "at"), ("variable", "var"), ("frozen", "frozen")) + (
        ("constant", "const"),
    ):
        for text in options.get(key, ()):
            pairs.append((*parse_assignment(text, f"--{key}"), kind, f"--{key}"))
    for name, _value, _kind, option in pairs:
        if option == f"--{name}" and name.replace("-", "_") in command_options:
            raise UsageError(
                f"--{name} is an option of this command; to declare an input named "
                f"{name}, write --var {name}=VALUE"
            )
        check_name(name)
    order = typed_order(click.get_current_context().meta.get("gradcli.argv", []))
    pairs.sort(key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    program = parse(read_program(program_text, limits), limits)
    rng = LazyGenerator(options["seed"])
    declarations = []
    for name, text, kind, option in pairs:
        try:
            value = read_value(text, dtype=dtype, rng=rng, limits=limits)
        except GradcliError as error:
            error.message = (
                f"{option}{'' if option.endswith(name) else ' ' + name}: {error.message}"
            )
            raise
        declarations.append(Declaration(name, kind, value))
    tangents = []
    for text in options.get("tangent", ()):  # gradcli jvp's direction
        name, value = parse_assignment(text, "--tangent")
        try:
            tangents.append((name, read_value(value, dtype=dtype, rng=rng, limits=limits)))
        except GradcliError as error:
            error.message = f"--tangent {name}: {error.message}"
            raise
    return Request(
        program=program,
        declarations=tuple(declarations),
        watch=tuple(options["watch"]),
        auto_watch=options["auto_watch"],
        wrt=tuple(options["wrt"]),
        targets=tuple(options["target"]),
        unconnected=options["unconnected"],
        seed=options["seed"],
        dtype=dtype,
        stop=tuple(options["stop"]),
        limits=limits,
        tangents=tuple(tangents),
    )


class LazyGenerator:
    """numpy's seeded generator, made on first use: numpy.random costs start-up time (7 ms)."""

    def __init__(self, seed: int):
        self._seed, self._generator = seed, None

    def __getattr__(self, name: str):
        if self._generator is None:
            self._generator = np.random.default_rng(self._seed)
        return getattr(self._generator, name)


class ProgramCommand(click.Command):
    """Keeps the raw arguments (declarations are reported in the order they were typed), and
    hands click only its own options: PROGRAM and the `--NAME VALUE` declarations go, in order
    and untouched, to `words`, after a `--`.

    Left to click, each declaration would be an unknown option that click raises and catches
    internally, loading difflib and gettext's catalogues on the way: 4 ms of every start-up.
    """

    def parse_args(self, ctx, args):
        ctx.meta["gradcli.argv"] = list(args)
        return super().parse_args(ctx, self._options_first(ctx, list(args)))

    def _options_first(self, ctx, args: list[str]) -> list[str]:
        values_taken = {}  # option name -> how many words follow it
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                taken = 0 if param.is_flag or param.count else param.nargs
                values_taken.update(dict.fromkeys((*param.opts, *param.secondary_opts), taken))
        options, words, i = [], [], 0
        while i < len(args):
            word = args[i]
            if word == "--":  # the user's own: everything after it is PROGRAM's
                words += args[i:]
                break
            name, attached = _option_name(word, values_taken)
            taken = values_taken.get(name)
            if taken is None:
                words.append(word)
            else:
                taken = 0 if attached else taken
                if i + taken >= len(args):  # click's own words for it
                    raise click.BadOptionUsage(name, f"Option '{name}' requires an argument.", ctx)
                options += args[i : i + 1 + taken]
                i += taken
            i += 1
        return [*options, "--", *words]


def _option_name(word: str, values_taken: dict) -> tuple[str, bool]:
    """The option a word names, and whether its value is attached (`--seed=3`, `-oplot.png`)."""
    if word.startswith("--"):
        name, equals, _ = word.partition("=")
        return name, bool(equals)
    if len(word) > 2 and values_taken.get(word[:2]):  # a short option that takes a value
        return word[:2], True
    return word, False


def typed_order(argv: list[str]) -> list[str]:
    """Declared names in the order they appear on the command line."""
    names = []
    for i, word in enumerate(argv):
        option, _, inline = word.partition("=")
        if option in ("--var", "--frozen", "--const", "--at"):
            text = inline if inline else (argv[i + 1] if i + 1 < len(argv) else "")
            names.append(text.partition("=")[0].strip())
        elif word.startswith("--") and option[2:].replace("-", "_") not in COMMAND_OPTION_NAMES:
            names.append(option[2:])
    return names
