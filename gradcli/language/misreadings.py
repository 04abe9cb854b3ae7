"""What the parser says where a student's notation cannot be read, as it was typed.

Messages only, for error paths: a number or `π` followed by a space and a name (`2 x`, `π x`),
`π` after a value (`xπ`), an operator where a value belongs (`x^^2`, a lone superscript `²`, `^x`,
Python's unpacking `f(**x)`), and a word where a declared value's number belongs (`--at y=nope`).
"""

from __future__ import annotations

from gradcli.errors import ParseError, Span

from .tokens import NOT_OURS, Token, describe, shorten

__all__ = ["after_a_value", "misplaced_operator", "not_a_number"]

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
