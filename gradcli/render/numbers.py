"""Numbers in the homework commands' outputs: short for people (3, not 3.0), a point as text,
and a float for JSON (the non-finite ones as "nan", "inf", "-inf", as `grad` writes them); and
a long formula cut after its first terms (`cut_terms`: the whole is in --format json)."""

from __future__ import annotations

import math


def short(value: float, digits: int = 10) -> str:
    """A number for people: `report.format_number`, without a trailing .0 (3, not 3.0)."""
    from .report import format_number  # imported when a number is written: start-up time

    text = format_number(value, digits)
    return text[:-2] if text.endswith(".0") else text


def format_point(point: dict) -> str:
    """`x = 1, y = 0.5`."""
    return ", ".join(f"{name} = {short(value)}" for name, value in point.items())


def json_number(value: float | None) -> float | str | None:
    """A float for JSON: non-finite ones as "nan", "inf" or "-inf", as grad writes them."""
    if value is None:
        return None
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else str(value))


MAX_FORMULA_CHARS = 300  # a longer sum is cut after its first terms (--format json: whole)


def cut_terms(text: str, limit: int = MAX_FORMULA_CHARS) -> str:
    """A formula for people: a sum longer than `limit` characters cut after the terms that fit,
    `a + b + ... (12 more terms)`; anything else as it is."""
    if len(text) <= limit:
        return text
    terms = _terms(text)
    shown, count = "", 0
    for sign, term in terms:
        piece = (f"-{term}" if sign == "-" else term) if not shown else f" {sign} {term}"
        if shown and len(shown) + len(piece) > limit:
            break
        shown, count = shown + piece, count + 1
    rest = len(terms) - count
    if rest <= 0:
        return text
    return f"{shown} + ... ({rest} more term{'s' * (rest != 1)}; --format json gives it whole)"


def _terms(text: str) -> list[tuple[str, str]]:
    """The top-level terms of sympy's text of a sum: [("+", "x**2"), ("-", "2*x")]."""
    terms, depth, start, sign = [], 0, 0, "+"
    if text.startswith("-"):
        sign, start = "-", 1
    i = start
    while i < len(text):
        char = text[i]
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0 and text.startswith((" + ", " - "), i):
            terms.append((sign, text[start:i]))
            sign, start = text[i + 1], i + 3
            i += 3
            continue
        i += 1
    terms.append((sign, text[start:]))
    return terms
