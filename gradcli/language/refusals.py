"""What the language says when it refuses text: the messages for the mistakes people make.

The parser's (`unexpected_after_expression`, `expected_expression`, `check_target`) read its
position (`parser.tok`, the current token; `parser.tokens` and `parser.pos`) and make the
`ParseError`, with its caret, that `parser._Parser` raises. A student's notation is said as it was
typed: a number or `π` followed by a space and a name (`2 x`, `π x`), `π` after a value (`xπ`), an
operator where a value belongs (`x^^2`, a lone superscript `²`, `^x`, Python's unpacking
`f(**x)`), and a word where a declared value's number belongs (`--at y=nope`, `not_a_number`, for
`values`). Kept apart from the grammar's own steps, which run for every token: these run once, on
the way out.
"""

from __future__ import annotations

from gradcli.errors import ParseError, Span

from .syntax import Bool, Call, Expr, Name, Number, String, Subscript
from .tokens import NOT_OURS, Token, describe, shorten


def unexpected_after_expression(parser, expected: str) -> ParseError:
    """A token where an operator or the end of the statement was expected."""
    tok = parser.tok
    if tok.kind == "op" and tok.text == ",":
        return parser.error("a tuple needs parentheses, as in (1, 2)", tok.span)
    found = after_a_value(parser.text, tok, parser.tokens[parser.pos - 1])  # 2 x, π x, xπ
    if found is not None:
        return found
    return parser.error(f"unexpected {describe(tok)} after an expression: {expected}", tok.span)


def expected_expression(parser) -> ParseError:
    """A token (or the end) where an expression was expected."""
    tok = parser.tok
    if tok.kind in ("newline", "end"):
        previous = parser.tokens[parser.pos - 1] if parser.pos else tok
        return parser.error(f"expected an expression after {describe(previous)}", tok.span)
    if tok.kind == "op" and tok.text in ("*", "**"):
        previous = parser.tokens[parser.pos - 1] if parser.pos else None
        return misplaced_operator(parser.text, tok, previous)
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


CONSTANTS = ("pi", "e", "inf", "nan")


def after_a_value(text: str, tok: Token, previous: Token) -> ParseError | None:
    """`2 x`, `π x`: a product written with a space (the fix); `xπ`: π after a value; else None."""
    typed = text[previous.start : previous.end]  # π: the name pi, as typed
    if (previous.kind == "num" or typed == "π") and (tok.kind == "name" or tok.text == "("):
        number, what = shorten(typed), shorten(text[tok.start : tok.end])
        spaced = f" or {number}{what} (no space)" if tok.start > previous.end else ""
        after = f"the number {number}" if previous.kind == "num" else number
        message = (
            f"unexpected {describe(tok)} after {after}: to multiply, write {number}*{what}{spaced}"
        )
        return ParseError(message, span=tok.span, source=text)
    if text[tok.start : tok.end] == "π":  # xπ, |x|π: only π before a value multiplies
        return ParseError(
            "to multiply by π after a value, write *π (x*π)", span=tok.span, source=text
        )
    return None


def misplaced_operator(text: str, tok: Token, previous: Token | None) -> ParseError:
    """A '*' or '**' where a value belongs, said as it was typed: a superscript (x²'s '**' is
    empty in the text) or '^' with no base, two operators in a row (x^^2), or Python's unpacking
    (f(**x))."""
    typed = text[tok.start : tok.end]
    if not typed:  # a superscript stands for '**' and its exponent
        mark = text[tok.start : tok.start + 1]
        span = Span(tok.start, tok.start + 1)
        if previous is not None and previous.text == "**":  # x^², x**²
            return ParseError(
                f"'{mark}' is already a power: write x{mark} or x^2", span=span, source=text
            )
        message = f"the superscript '{mark}' is a power: write it after its base, as in x{mark}"
        return ParseError(message, span=span, source=text)
    if previous is not None and previous.kind == "op" and previous.text not in "([,;=:":
        shown = text[previous.start : previous.end] or "a superscript"
        power = " (a power is x^2 or x**2)" if "**" in (tok.text, previous.text) else ""
        message = f"'{typed}' cannot follow '{shown}': two operators in a row{power}"
        return ParseError(message, span=tok.span, source=text)
    if typed == "^":
        message = "'^' is a power: write it after its base, as in x^2"
        return ParseError(message, span=tok.span, source=text)
    return ParseError(f"unpacking ('{typed}x') is {NOT_OURS}", span=tok.span, source=text)


def not_a_number(name: str, spellings) -> str:
    """A name where a number belongs: said so, with a constant only when the name is close to
    one in the same spelling (`pie`: pi; `np.pii`: np.pi), never np.e for 'nope'. `spellings`:
    every accepted spelling of a constant."""
    import difflib  # here: only a message needs it (start-up time)

    prefix, dot, base = name.rpartition(".")
    close = difflib.get_close_matches(base, CONSTANTS, n=3, cutoff=0.6)
    spelled = [prefix + dot + c for c in close if prefix + dot + c in spellings]
    hint = " (did you mean " + " or ".join(f"'{c}'" for c in spelled) + "?)" if spelled else ""
    return f"'{name}' is not a number{hint}"
