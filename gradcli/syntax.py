"""The parsed form of a gradcli program: immutable nodes, each with its source span.

`language.parse` builds these from text; the interpreter, the declared-value reader and the
symbolic cross-check walk them. Nothing here evaluates anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Span


@dataclass(frozen=True, slots=True)
class Number:
    value: float  # always a float: integer literals are never Python big integers
    is_int: bool  # written without '.', 'e' or 'j': usable as an index, axis or count
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    """A plain or dotted name (`x`, `tf.nn.softplus`); dotted names spell functions/constants."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # '-' or '+'
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # '+', '-', '*', '/', '**', '@'
    left: Expr
    right: Expr
    span: Span
    op_span: Span  # the operator itself, for carets under shape mismatches


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # '<', '<=', '>', '>=', '==', '!='
    left: Expr
    right: Expr
    span: Span
    op_span: Span


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: Name
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Slice:
    start: Expr | None
    stop: Expr | None
    step: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Subscript:
    value: Expr
    index: tuple[Expr | Slice, ...]  # one item per comma-separated position
    span: Span


Expr = (
    Number
    | String
    | Bool
    | Name
    | Unary
    | Binary
    | Compare
    | Call
    | ListExpr
    | TupleExpr
    | Subscript
)


@dataclass(frozen=True, slots=True)
class Assign:
    name: str
    name_span: Span
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class ExprStatement:
    value: Expr
    span: Span


Statement = Assign | ExprStatement


@dataclass(frozen=True, slots=True)
class Program:
    statements: tuple[Statement, ...]
    source: str
