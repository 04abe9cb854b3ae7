"""The gradcli language's tokenizer: text in, a list of `Token`s out, or a `ParseError`.

Only the tokens of the small grammar exist (numbers, strings, names, the operators in `_OPS`).
Every other piece of Python is met here or in the parser and refused by name, with a message
that says what it is (`KEYWORD_MESSAGES`, `_REJECTED_OPS`) and a caret under it. Characters that
look like ASCII but are not (Cyrillic 'х') are named by their code point.

The notation students type is spelled here as the tokens of the grammar, so the parser never
knows it: `^` is `**` (the language has no bitwise operators); `π` is the name `pi`; `·` and `×`
are `*`, `÷` is `/`, `−` (U+2212) is `-`; superscripts `x²`, `x⁻¹` are `x**2`, `x**-1`; `|x|` is
`abs(x)` (a bar opens where a value cannot end, else closes the innermost open bar, so `||x| - 1|`
nests); a number or `π` written directly before a name, `(`, `π` or a bar multiplies (`2x`,
`3(x+1)`, `2pi`, `πx`, `2πr`, `π(x+1)`), exactly as if `*` stood between them (π is one
character, never part of a name, so `πx` can mean nothing else; a name before π or a number
after it, `xπ`, `π2`, is not a product). A space breaks it: `2 x` and `π x` are refused, with
the fix.
"""

from __future__ import annotations

import keyword
import re
from typing import NamedTuple

from gradcli.errors import ParseError, Span

__all__ = ["KEYWORD_MESSAGES", "NOT_OURS", "Token", "describe", "shorten", "tokenize"]

NOT_OURS = "not part of the gradcli language"

# Every Python keyword except True/False is refused where it is met, whatever the context.
KEYWORD_MESSAGES: dict[str, str] = {kw: f"'{kw}' is {NOT_OURS}" for kw in keyword.kwlist}
KEYWORD_MESSAGES.update(
    {
        "lambda": f"lambda is {NOT_OURS}",
        "for": f"comprehensions and loops ('for') are {NOT_OURS}",
        "while": f"loops ('while') are {NOT_OURS}",
        "if": f"conditionals ('if') are {NOT_OURS}",
        "else": f"conditionals ('else') are {NOT_OURS}",
        "elif": f"conditionals ('elif') are {NOT_OURS}",
        "and": f"boolean operators ('and') are {NOT_OURS}",
        "or": f"boolean operators ('or') are {NOT_OURS}",
        "not": f"boolean operators ('not') are {NOT_OURS}",
        "is": f"the 'is' operator is {NOT_OURS}; compare with '=='",
        "in": f"the 'in' operator is {NOT_OURS}",
        "import": f"import is {NOT_OURS}; its functions are built in",
        "from": f"import is {NOT_OURS}; its functions are built in",
        "None": f"None is {NOT_OURS}",
    }
)
for _kw in ("True", "False"):
    del KEYWORD_MESSAGES[_kw]

_AUGMENTED = ("**=", "//=", ">>=", "<<=", "+=", "-=", "*=", "/=", "%=", "@=", "&=", "|=", "^=")
_REJECTED_OPS: dict[str, str] = {
    op: f"augmented assignment ('{op}') is not supported; write x = x {op[:-1]} ..."
    for op in _AUGMENTED
}
_REJECTED_OPS.update(
    {
        "//": f"floor division ('//') is {NOT_OURS}",
        "%": f"the '%' operator is {NOT_OURS}",
        ":=": f"assignment expressions (':=') are {NOT_OURS}; assign with '=' in a statement",
        "{": f"dict and set literals ('{{') are {NOT_OURS}",
        "}": f"dict and set literals ('}}') are {NOT_OURS}",
        "...": f"'...' (Ellipsis) is {NOT_OURS}",
        "->": f"annotations ('->') are {NOT_OURS}",
        "!": f"'!' is {NOT_OURS}; for 'not equal' write '!='",
        "\\": "a backslash is only allowed at the end of a line, to continue it",
        "`": f"backticks are {NOT_OURS}",
        "$": f"'$' is {NOT_OURS}",
        "?": f"'?' is {NOT_OURS}",
    }
)
_REJECTED_OPS.update({op: f"bitwise operators ('{op}') are {NOT_OURS}" for op in "&~"})
_REJECTED_OPS["|"] = (
    f"'|' stands only around a value, as in |x| for abs(x); bitwise or is {NOT_OURS}"
)
_REJECTED_OPS.update({op: f"bitwise operators ('{op}') are {NOT_OURS}" for op in ("<<", ">>")})
_OPS = {"**", "*", "/", "@", "+", "-", "<", "<=", ">", ">=", "==", "!=", "(", ")", "["}
_OPS |= {"]", ",", ":", "=", ";", ".", "^", "|"}
# math notation -> the operator it stands for (see the module docstring)
_SAME_AS = {"^": "**", "·": "*", "×": "*", "÷": "/", "−": "-"}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")

_DIGITS = r"[0-9](?:_?[0-9])*"
_NUMBER = rf"(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
_ALL_OPS = sorted(_OPS | set(_REJECTED_OPS), key=len, reverse=True)
# Spaces (and a backslash ending a line) are read as the start of the token after them: one
# match per token. Written so a long run of them backtracks linearly, never exponentially; and
# no token starts with a space, nor with a backslash that ends a line (the refused '\\' is one
# that does not), so giving spaces back can never match a different token.
_OP_ALTERNATIVES = "|".join(re.escape(op) if op != "\\" else r"\\(?!\r\n|\n)" for op in _ALL_OPS)
_SPACES = r"[ \t\f]*(?:\\(?:\r\n|\n)[ \t\f]*)*"
# the most frequent kinds first: the first alternative that matches is taken
_TOKEN = re.compile(
    rf"{_SPACES}(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>{_NUMBER})|(?P<op>{_OP_ALTERNATIVES})"
    rf"|(?P<newline>\r\n|\n)|(?P<comment>#[^\r\n]*)|(?P<quote>['\"])|(?P<pi>π)|(?P<math>[·×÷−])"
    r"|(?P<power>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
_ONLY_SPACES = re.compile(_SPACES)
# operators that are tokens as they are: no bracket to track, no notation to translate
_PLAIN_OPS = _OPS - {"(", "[", ")", "]", "|", "^"}
# what may follow a number directly to multiply it: a name, '(' or 'π' (a bar: see `_bar`)
_MULTIPLIES = re.compile(r"[A-Za-z(π]")
_WORD_CHARS = re.compile(r"[A-Za-z0-9_]*")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_STRING_PREFIXES = {"f": "f-strings", "b": "byte strings", "r": "raw strings", "u": "u-strings"}
_PREFIX_WORDS = {"f", "b", "r", "u", "t", "rb", "br", "fr", "rf", "tr", "rt"}
_CLOSERS = {")": "(", "]": "[", "|": "|"}
# what `_check_number` looks at after a number: a word character, '(' or 'π' (a set, not a
# string: the end of the text, '', is in every string)
_NUMBER_FOLLOWERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_(π")
_DIGIT_OR_UNDERSCORE = frozenset("0123456789_")  # after a leading 0: perhaps leading zeros
_VALUE_ENDS = {"num", "str", "name"}  # a bar after one of these (or after ')' or ']') closes


class Token(NamedTuple):
    kind: str  # 'num', 'str', 'name', 'op', 'newline' or 'end'
    text: str
    start: int
    end: int
    value: str = ""  # a string literal's decoded value

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


def _error(message: str, text: str, start: int, end: int) -> ParseError:
    return ParseError(message, span=Span(start, end), source=text)


def shorten(text: str, limit: int = 24) -> str:
    """Quote a token for a message, cut short so a 10,000-digit literal doesn't flood the screen."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(tok: Token) -> str:
    """How a message names a token: "name 'y'", "number '3'", "')'", "end of input"."""
    if tok.kind == "op":
        return f"'{tok.text}'"
    if tok.kind in ("newline", "end"):
        return "end of line" if tok.kind == "newline" else "end of input"
    kind = {"num": "number", "str": "string", "name": "name"}[tok.kind]
    return f"{kind} {shorten(tok.text)}" if tok.kind == "str" else f"{kind} '{shorten(tok.text)}'"


def _bad_character(text: str, i: int) -> ParseError:
    """Name the character and its code point: look-alikes such as Cyrillic 'х' are invisible."""
    import unicodedata  # here: only this error message needs it (start-up time)

    c = text[i]
    code = f"U+{ord(c):04X}"
    if c == "\r":
        message = f"a carriage return ({code}) not followed by a newline; use '\\n' line endings"
    elif c.isprintable():
        message = f"character '{c}' ({code}) is not allowed here"
        if c.isalnum():
            message += "; gradcli names are ASCII"
    else:
        kind = "a control character" if unicodedata.category(c) == "Cc" else "unprintable"
        name = unicodedata.name(c, "").lower() or kind
        message = f"character {code} ({name}) is not allowed here"
    plain = unicodedata.normalize("NFKC", c)
    if plain != c and plain.isascii() and plain.isprintable():
        message += f" (did you mean '{plain}'?)"
    return _error(message, text, i, i + 1)


def _scan_string(text: str, start: int) -> tuple[int, str]:
    """Read a one-line quoted string with only simple escapes; return its end and its value."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        raise _error(f"triple-quoted strings are {NOT_OURS}", text, start, start + 3)
    out: list[str] = []
    i = start + 1
    while True:
        c = text[i] if i < len(text) else "\n"
        if c in "\r\n" or (c == "\\" and text[i + 1 : i + 2] in ("", "\r", "\n")):
            raise _error("unterminated string", text, start, start + 1)
        if c == quote:
            return i + 1, "".join(out)
        if c == "\\":
            if text[i + 1] not in _ESCAPES:
                message = "unsupported escape in a string; only \\\\, \\', \\\", \\n and \\t work"
                raise _error(message, text, i, i + 2)
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        if not (c.isprintable() or c == "\t"):
            raise _bad_character(text, i)
        out.append(c)
        i += 1


def _check_number(text: str, start: int, end: int) -> bool:
    """Refuse what Python would read differently or not at all: 0x1F, 1j, 007, 1e, 2_x.

    Returns whether a name, '(', 'π' or a bar follows directly: `2x` is `2*x`."""
    literal = text[start:end]
    rest = _WORD_CHARS.match(text, end).end()
    if literal == "0" and text[end : end + 1] in ("x", "X", "o", "O", "b", "B"):
        message = "hexadecimal, octal and binary literals are not supported; write it in decimal"
        raise _error(message, text, start, rest)
    if rest > end:
        suffix = text[end:rest]
        if suffix in ("j", "J"):
            raise _error(f"complex numbers ('{literal}j') are {NOT_OURS}", text, start, rest)
        message = f"invalid number '{shorten(text[start:rest])}'"
        if suffix in ("e", "E"):  # 1e, 1e-x: an exponent without digits, not 1 times e
            message += f": an exponent needs digits, as in {literal}e-3 (for times e: {literal}*e)"
            raise _error(message, text, start, rest)
        if suffix[0] == "_" or suffix[0].isdigit():
            raise _error(message, text, start, rest)
    digits = literal.replace("_", "")
    if digits.isdigit() and digits[0] == "0" and digits.strip("0"):
        message = f"leading zeros are not allowed in integers; write {digits.lstrip('0')}"
        raise _error(message, text, start, end)
    return _MULTIPLIES.match(text, end) is not None


def tokenize(text: str) -> list[Token]:
    """Split text into tokens, ending with an 'end' token.

    Newlines inside (), [] and bars are dropped (implicit line joining, as in Python), so the
    parser never sees a newline inside brackets; an unclosed bracket is reported at its opening.
    """
    tokens: list[Token] = []
    open_brackets: list[Token] = []
    match, length = _TOKEN.match, len(text)
    # Token(...) runs NamedTuple's __new__ in Python; a plain tuple.__new__ is a third of it,
    # for a tuple of the same five fields (this runs once per token of every program)
    new, append = tuple.__new__, tokens.append
    i = 0
    while i < length:
        m = match(text, i)
        if m is None:  # spaces to the end of the text, or a character no token starts with
            i = _ONLY_SPACES.match(text, i).end()
            if i < length:
                raise _bad_character(text, i)
            break
        kind = m.lastgroup
        start, end = m.span(kind)
        if kind == "pi":  # π is the name pi; like a number, it multiplies what follows it
            append(new(Token, ("name", "pi", start, end, "")))  # directly: πx, 2πr, π(x+1), ππ
            if _MULTIPLIES.match(text, end) is not None:
                append(Token("op", "*", end, end))
        elif kind == "name":
            word = text[start:end]
            if word in KEYWORD_MESSAGES:
                raise _error(KEYWORD_MESSAGES[word], text, start, end)
            if text[end : end + 1] in ("'", '"') and word.lower() in _PREFIX_WORDS:
                what = _STRING_PREFIXES.get(word.lower()[0], "string prefixes")
                raise _error(f"{what} are {NOT_OURS}", text, start, end + 1)
            if word[:2] == "__":
                raise _error("names starting with '__' are not allowed", text, start, end)
            append(new(Token, ("name", word, start, end, "")))
        elif kind == "op" and (op := text[start:end]) in _PLAIN_OPS:
            append(new(Token, ("op", op, start, end, "")))
        elif kind == "num":
            literal = text[start:end]
            append(new(Token, ("num", literal, start, end, "")))
            # only a word character, '(' or 'π' right after it, or a 0 before a digit (007: not
            # 0.001), needs a look
            if (
                text[end : end + 1] in _NUMBER_FOLLOWERS
                or (literal[0] == "0" and literal[1:2] in _DIGIT_OR_UNDERSCORE)
            ) and _check_number(text, start, end):  # 2x, 3(x+1), 2π: the '*' is implied
                append(Token("op", "*", end, end))
        elif kind == "newline":
            if not open_brackets:
                append(new(Token, ("newline", "\n", start, end, "")))
        elif kind == "quote":
            end, value = _scan_string(text, start)
            append(Token("str", text[start:end], start, end, value))
        elif kind == "power":  # x²: '**' and the exponent, as if typed
            exponent = m.group(kind).translate(_SUPERSCRIPTS)
            append(Token("op", "**", start, start))
            if exponent[0] in "+-":
                append(Token("op", exponent[0], start, start + 1))
                exponent, start = exponent[1:], start + 1
            if not exponent:
                raise _error(
                    "a superscript sign needs digits after it, as in x⁻¹", text, start, end
                )
            append(Token("num", exponent, start, end))
        elif kind == "op" or kind == "math":
            op = _SAME_AS.get(m.group(kind), m.group(kind))
            if op == "|":
                _bar(text, tokens, open_brackets, start)
            elif op in _REJECTED_OPS:
                raise _error(_REJECTED_OPS[op], text, start, end)
            else:
                token = new(Token, ("op", op, start, end, ""))
                if op in "([":
                    open_brackets.append(token)
                elif op in ")]" and open_brackets:
                    _close(text, open_brackets, op, start, end)
                append(token)
        i = end  # a comment: nothing to keep
    if open_brackets:
        opening = open_brackets[-1]  # the innermost, as Python reports it
        raise _error(f"'{opening.text}' was never closed", text, opening.start, opening.end)
    append(Token("end", "", len(text), len(text)))
    return tokens


def _close(text: str, open_brackets: list[Token], op: str, start: int, end: int) -> None:
    opening = open_brackets.pop()
    if opening.text != _CLOSERS[op]:
        message = f"closing '{op}' does not match opening '{opening.text}'"
        if opening.text == "|":
            message += f" (the bar at column {opening.start + 1} is not closed before it)"
        raise _error(message, text, start, end)


def _bar(text: str, tokens: list[Token], open_brackets: list[Token], i: int) -> None:
    """`|` opens `abs(` where a value cannot end; else it closes the innermost open bar."""
    last = tokens[-1] if tokens else None
    value_ended = last is not None and (
        last.kind in _VALUE_ENDS or (last.kind == "op" and last.text in (")", "]"))
    )
    if not value_ended:
        open_brackets.append(Token("op", "|", i, i + 1))
        tokens.append(Token("name", "abs", i, i + 1))
        tokens.append(Token("op", "(", i, i + 1))
    elif open_brackets and open_brackets[-1].text == "|":
        open_brackets.pop()
        tokens.append(Token("op", ")", i, i + 1))
    elif (last.kind == "num" or text[last.start : last.end] == "π") and last.end == i:
        # 2|x|, π|x|: a number (or π) directly before a bar multiplies
        tokens.append(Token("op", "*", i, i))
        _bar(text, tokens, open_brackets, i)
    elif open_brackets:
        _close(text, open_brackets, "|", i, i + 1)
    elif last.kind == "num":
        message = f"to multiply by |...|, write {last.text}*|...| or {last.text}|...| (no space)"
        raise _error(message, text, i, i + 1)
    else:
        raise _error(_REJECTED_OPS["|"], text, i, i + 1)
