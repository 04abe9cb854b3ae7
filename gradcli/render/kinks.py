"""Kinks, said: where a target is not differentiable, its one-sided derivatives, and that the
gradient shown is TensorFlow's convention there (`program.kinks` finds them).

`sentence(kink, several)` is the line a table and `--plain` (on stderr) show; `to_dict(kink)`
what `--json` carries in a result's `"kinks"`.
"""

from __future__ import annotations

import math

from .numbers import json_number, short

__all__ = ["sentence", "to_dict"]


def _side(value: float | None) -> str:
    return "not defined" if value is None else short(value)


def sentence(kink, several: bool = False) -> str:
    """`note: x = 0 is a kink (abs() at 0): the derivative from the left is -1, from the right
    1; the gradient shown, 0, is TensorFlow's convention there (abs'(0) = 0)`."""
    of = f" of {kink.target}" if several else ""
    conventions = f" ({'; '.join(kink.conventions)})" if kink.conventions else ""
    infinite = [side is not None and math.isinf(side) for side in (kink.left, kink.right)]
    if all(infinite):  # both one-sided differences grow without bound: a jump
        return (
            f"note: {kink.source} = {short(kink.at)} is a jump{of} ({', '.join(kink.operations)}):"
            f" the function is not continuous there; the gradient shown, "
            f"{short(kink.gradient)}, is TensorFlow's convention there{conventions}"
        )
    return (
        f"note: {kink.source} = {short(kink.at)} is a kink{of} ({', '.join(kink.operations)}): "
        f"the derivative from the left is {_side(kink.left)}, from the right "
        f"{_side(kink.right)}; the gradient shown, {short(kink.gradient)}, is TensorFlow's "
        f"convention there{conventions}"
    )


def to_dict(kink) -> dict:
    """A kink as JSON: the source (element), its value, the one-sided derivatives (null: not
    defined on that side), the gradient given, the operations and their conventions."""
    return {
        "source": kink.source,
        "at": json_number(kink.at),
        "left": json_number(kink.left),
        "right": json_number(kink.right),
        "gradient": json_number(kink.gradient),
        "operations": list(kink.operations),
        "conventions": list(kink.conventions),
    }
