"""What the parser says when it refuses a program: the messages for the mistakes people make.

Each function reads the parser's position (`parser.tok`, the current token; `parser.tokens` and
`parser.pos`) and makes the `ParseError`, with its caret, that `parser._Parser` raises. Kept apart
from the grammar's own steps, which run for every token: these run once, on the way out.
"""

from __future__ import annotations

from gradcli.errors import ParseError

from .syntax import Bool, Call, Expr, Name, Number, String, Subscript
from .tokens import NOT_OURS, Token, describe, shorten


def unexpected_after_expression(parser, expected: str) -> ParseError:
    """A token where an operator or the end of the statement was expected."""
    tok = parser.tok
    if tok.kind == "op" and tok.text == ",":
        return parser.error("a tuple needs parentheses, as in (1, 2)", tok.span)
    previous = parser.tokens[parser.pos - 1]
    if previous.kind == "num" and (tok.kind == "name" or tok.text == "("):
        number, what = shorten(previous.text), shorten(tok.text)
        message = (
            f"unexpected {describe(tok)} after the number {number}: to multiply, write "
            f"{number}*{what} or {number}{what} (no space)"
        )
        return parser.error(message, tok.span)
    return parser.error(f"unexpected {describe(tok)} after an expression: {expected}", tok.span)


def expected_expression(parser) -> ParseError:
    """A token (or the end) where an expression was expected."""
    tok = parser.tok
    if tok.kind in ("newline", "end"):
        previous = parser.tokens[parser.pos - 1] if parser.pos else tok
        return parser.error(f"expected an expression after {describe(previous)}", tok.span)
    if tok.kind == "op" and tok.text in ("*", "**"):
        return parser.error(f"unpacking ('{tok.text}x') is {NOT_OURS}", tok.span)
    return parser.error(f"unexpected {describe(tok)}: expected an expression", tok.span)


def assignment_follows(tokens: list[Token], pos: int) -> bool:
    """Whether an '=' outside brackets comes later in this statement (as in `a, b = 1, 2`)."""
    depth = 0
    for tok in tokens[pos:]:
        if tok.kind in ("newline", "end") or (tok.text == ";" and tok.kind == "op"):
            return False
        depth += (tok.text in "([") - (tok.text in ")]") if tok.kind == "op" else 0
        if depth == 0 and tok.kind == "op" and tok.text == "=":
            return True
    return False


def check_target(parser, target: Expr) -> None:
    """Refuse the left of '=' unless it is a plain name, saying what it is."""
    if isinstance(target, Name) and "." not in target.name:
        return
    if isinstance(target, Name):
        what = f"the dotted name '{shorten(target.name)}'"
    elif isinstance(target, Subscript):
        what = "an element (values are immutable)"
    elif isinstance(target, Call):
        what = "a function call"
    elif isinstance(target, Number | String | Bool):
        what = "a literal"
    else:
        what = "an expression"
    message = f"cannot assign to {what}: the left of '=' must be a plain name"
    raise parser.error(message, target.span)
