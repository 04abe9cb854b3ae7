"""gradcli's own exceptions, the exit codes they map to, and caret drawing.

Every error a user can cause is a `GradcliError`. The command line turns it into one paragraph on
stderr and an exit code in exactly one place (`commands.group.Group.main`); the library only
raises.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    CHECK_DISAGREES = 1
    BAD_INPUT = 2
    INTERNAL_ERROR = 3
    NOT_DEFINED = 4  # a derivative or value asked for is not a number (nan, inf) at the point


class Span:
    """A half-open range of *character* offsets [start, end) into a source text. Immutable.

    Written by hand, not as a frozen dataclass: defining one costs about 0.5 ms of every start-up
    (see `gradcli.record`), and this module is imported by every command."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int):
        _set_start(self, start)  # the slots' own setters: __setattr__ refuses, and a parsed
        _set_end(self, end)  # program makes a few Spans per token

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("Span is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Span:
            return NotImplemented
        return (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span(start={self.start!r}, end={self.end!r})"

    def __reduce__(self):  # pickle and copy through __init__ (__setattr__ refuses)
        return Span, (self.start, self.end)

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


_set_start, _set_end = Span.start.__set__, Span.end.__set__


def caret_lines(source: str, span: Span) -> str:
    """The source line holding `span.start` and a caret line under the span (in characters)."""
    start = max(0, min(span.start, len(source)))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end == -1:
        line_end = len(source)
    # control characters would act on the terminal, tabs would shift the caret: show one
    # printable character for each, so columns still line up
    line = "".join(
        " " if c == "\t" else c if c.isprintable() else "\N{REPLACEMENT CHARACTER}"
        for c in source[line_start:line_end]
    )
    column = start - line_start
    width = max(1, min(span.end, line_end) - start)
    return f"  {line}\n  {' ' * column}{'^' * width}"


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a character offset."""
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


class GradcliError(Exception):
    """Base of every error a user can cause; `exit_code` says how the command line exits."""

    exit_code = ExitCode.BAD_INPUT
    kind = "error"

    def __init__(self, message: str, *, span: Span | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source

    def with_source(self, source: str) -> GradcliError:
        """Attach the text the span points into (the parser knows it; deeper layers may not)."""
        if self.source is None:
            self.source = source
        return self

    def render(self) -> str:
        """The message a person reads: one paragraph, and the source line with a caret."""
        if self.span is None or self.source is None:
            return f"{self.kind}: {self.message}"
        line, column = line_and_column(self.source, self.span.start)
        where = f" (line {line}, column {column})" if "\n" in self.source else f" (column {column})"
        return f"{self.kind}{where}: {self.message}\n{caret_lines(self.source, self.span)}"

    def __str__(self) -> str:
        return self.render()


class ParseError(GradcliError):
    """The text is not a program (or declared value) of the gradcli language."""

    kind = "syntax error"


class UnknownNameError(GradcliError):
    """A name that is neither declared, assigned, a function, nor a constant."""

    kind = "unknown name"


class ArgumentError(GradcliError, TypeError):
    """A function called with arguments that do not fit its signature."""

    kind = "bad arguments"


class ShapeError(GradcliError, ValueError):
    """Shapes that an operation cannot combine; the message names the operation and both shapes."""

    kind = "shape mismatch"


class IndexOutOfRangeError(GradcliError, IndexError):
    """An index that the indexed value's shape does not have (the message gives the shape)."""

    kind = "bad index"


class ValueInputError(GradcliError, ValueError):
    """A declared value that is not a number, a rectangular list, or a known constructor."""

    kind = "bad value"


class FileInputError(GradcliError):
    """A `@file` that is missing, not a regular file, too large, or not in a readable format."""

    kind = "bad file"


class LimitError(GradcliError):
    """Input that would make us allocate or compute more than the limits allow."""

    kind = "limit exceeded"


class DeclarationError(GradcliError):
    """A declared name that is declared twice, shadows a function, or is not a valid name."""

    kind = "bad declaration"


class UsageError(GradcliError):
    """Command-line options that do not fit together."""

    kind = "usage"


class NotRealError(GradcliError):
    """A part of a formula is not a real number (arccos(2), log(-1), sqrt(-1 - x**2)): its
    input is outside its function's domain."""

    kind = "not real"


class NotDefinedError(GradcliError):
    """A value or derivative the command was asked for is not defined (nan, inf) at the point."""

    exit_code = ExitCode.NOT_DEFINED
    kind = "not defined"


class GradientError(GradcliError):
    """A gradient that cannot be computed as asked (e.g. a source that is not in the program)."""

    kind = "gradient error"


def did_you_mean(name: str, candidates) -> str:
    """' (did you mean 'sin'?)' for the closest candidate, or '' when none is close."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def ragged_message(label: str, first_label: str, shape: tuple, first: tuple) -> str:
    """'ragged list: x[1] has 3 elements but x[0] has 2', for lists and files alike."""
    if len(shape) == 1 and len(first) == 1:
        has = plural(shape[0], "element")
        return f"ragged list: {label} has {has} but {first_label} has {first[0]}"
    return f"ragged list: {label} {_shape_words(shape)} but {first_label} {_shape_words(first)}"


def _shape_words(shape: tuple[int, ...]) -> str:
    if not shape:
        return "is a number"
    if len(shape) == 1:
        return f"has {plural(shape[0], 'element')}"
    return f"has shape {shape}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
