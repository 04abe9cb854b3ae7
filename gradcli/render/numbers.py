"""Numbers in the homework commands' outputs: short for people (3, not 3.0), a point as text,
and a float for JSON (the non-finite ones as "nan", "inf", "-inf", as `grad` writes them)."""

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
