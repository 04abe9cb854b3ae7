"""The parsed form of a gradcli program: immutable nodes, each with its source span.

`parser.parse` builds these from text; the walker (`walker`), the declared-value reader
(`values`) and the homework commands' reading of a program (`analysis`) walk them. Nothing here
evaluates anything.
"""

from __future__ import annotations

from gradcli.errors import Span
from gradcli.record import Record, fields, replace  # noqa: F401  (re-exported for the parser)


class Node(Record):
    """A node of a parsed program; every node has a `span`."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__init__ = _positional_init(cls._setters)


def _positional_init(setters: tuple):
    """A node's `__init__`: every field, in order, and positional only (as the parser and
    `record.replace` make nodes). The parser makes a node for nearly every token, and Record's
    general `__init__` (keywords, defaults, a loop over the fields) was half of each node's cost."""
    if not 2 <= len(setters) <= 5:
        return Record.__init__
    s0, s1, s2, s3, s4 = setters + (None,) * (5 - len(setters))

    def init2(self, a, b, /):
        s0(self, a)
        s1(self, b)

    def init3(self, a, b, c, /):
        s0(self, a)
        s1(self, b)
        s2(self, c)

    def init4(self, a, b, c, d, /):
        s0(self, a)
        s1(self, b)
        s2(self, c)
        s3(self, d)

    def init5(self, a, b, c, d, e, /):
        s0(self, a)
        s1(self, b)
        s2(self, c)
        s3(self, d)
        s4(self, e)

    return (init2, init3, init4, init5)[len(setters) - 2]


class Number(Node):
    __slots__ = ("value", "is_int", "text", "span")
    value: float  # always a float: integer literals are never Python big integers
    is_int: bool  # written without '.', 'e' or 'j': usable as an index, axis or count
    text: str
    span: Span


class String(Node):
    __slots__ = ("value", "span")
    value: str
    span: Span


class Bool(Node):
    __slots__ = ("value", "span")
    value: bool
    span: Span


class Name(Node):
    """A plain or dotted name (`x`, `tf.nn.softplus`); dotted names spell functions/constants."""

    __slots__ = ("name", "span")
    name: str
    span: Span


class Unary(Node):
    __slots__ = ("op", "operand", "span")
    op: str  # '-' or '+'
    operand: Expr
    span: Span


class Binary(Node):
    __slots__ = ("op", "left", "right", "span", "op_span")
    op: str  # '+', '-', '*', '/', '**', '@'
    left: Expr
    right: Expr
    span: Span
    op_span: Span  # the operator itself, for carets under shape mismatches


class Compare(Node):
    __slots__ = ("op", "left", "right", "span", "op_span")
    op: str  # '<', '<=', '>', '>=', '==', '!='
    left: Expr
    right: Expr
    span: Span
    op_span: Span


class Keyword(Node):
    __slots__ = ("name", "value", "span")
    name: str
    value: Expr
    span: Span


class Call(Node):
    __slots__ = ("func", "args", "keywords", "span")
    func: Name
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    span: Span


class ListExpr(Node):
    __slots__ = ("items", "span")
    items: tuple[Expr, ...]
    span: Span


class TupleExpr(Node):
    __slots__ = ("items", "span")
    items: tuple[Expr, ...]
    span: Span


class Slice(Node):
    __slots__ = ("start", "stop", "step", "span")
    start: Expr | None
    stop: Expr | None
    step: Expr | None
    span: Span


class Subscript(Node):
    __slots__ = ("value", "index", "span")
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


class Assign(Node):
    __slots__ = ("name", "name_span", "value", "span")
    name: str
    name_span: Span
    value: Expr
    span: Span


class ExprStatement(Node):
    __slots__ = ("value", "span")
    value: Expr
    span: Span


Statement = Assign | ExprStatement


class Program(Node):
    __slots__ = ("statements", "source")
    statements: tuple[Statement, ...]
    source: str
