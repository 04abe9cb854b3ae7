"""Kinks, said: where a target is not differentiable, its one-sided derivatives, and that the
gradient shown is TensorFlow's convention there (`program.kinks` finds them).

`sentence(kink, several)` is the line a table and `--plain` (on stderr) show, `sentences(result)`
a result's (a Jacobian's of each target element, a Hessian's of each first derivative);
`to_dict(kink)` what `--json` carries in a result's `"kinks"` (a Hessian's: the document's).
"""

from __future__ import annotations

import math

import numpy as np

from .numbers import json_number, short

__all__ = ["sentence", "sentences", "to_dict"]


def _side(value: float | None) -> str:
    return "not defined" if value is None else short(value)


def sentence(kink, several: bool = False, of: str | None = None) -> str:
    """`note: x = 0 is a kink (abs() at 0): the derivative from the left is -1, from the right
    1; the gradient shown, 0, is TensorFlow's convention there (abs'(0) = 0)`. `several`: it
    names the target; `of`: the target's element a Jacobian's kink is of."""
    function, shown = "the function", "gradient"
    of = f" of {kink.target}" if several and of is None else f" of {of}" if of else ""
    if kink.element is not None:
        shown = "Jacobian entry"
    if kink.gradient_of:  # a Hessian's: the first derivative by an element is what kinks
        function = f"the derivative by {kink.gradient_of}"
        of, shown = f" of {function}", "second derivative"
    conventions = f" ({'; '.join(kink.conventions)})" if kink.conventions else ""
    # + 0.0: a zero entry is said 0, not -0 (the table keeps TensorFlow's signed zero)
    infinite = [side is not None and math.isinf(side) for side in (kink.left, kink.right)]
    if all(infinite):  # both one-sided differences grow without bound: a jump
        return (
            f"note: {kink.source} = {short(kink.at)} is a jump{of} ({', '.join(kink.operations)}):"
            f" {function} is not continuous there; the {shown} shown, "
            f"{short(kink.gradient + 0.0)}, is TensorFlow's convention there{conventions}"
        )
    return (
        f"note: {kink.source} = {short(kink.at)} is a kink{of} ({', '.join(kink.operations)}): "
        f"the derivative from the left is {_side(kink.left)}, from the right "
        f"{_side(kink.right)}; the {shown} shown, {short(kink.gradient + 0.0)}, is TensorFlow's "
        f"convention there{conventions}"
    )


def sentences(result) -> list[str]:
    """A result's kinks, a sentence each: a Jacobian's names the target element (when the
    target has several, or there are several targets)."""
    results = result.evaluation.results
    several = len(results) > 1
    out = []
    for kink in getattr(result, "kinks", ()):
        of = None
        shape = next((np.shape(r.value) for r in results if r.target == kink.target), ())
        if kink.element is not None and shape:
            from .calculus import output_labels

            of = output_labels(kink.target, shape)[int(np.ravel_multi_index(kink.element, shape))]
        out.append(sentence(kink, several, of))
    return out


def to_dict(kink) -> dict:
    """A kink as JSON: the source (element), its value, the one-sided derivatives (null: not
    defined on that side), the gradient given, the operations and their conventions; a
    Jacobian's the target element's index ("element"), a Hessian's the source element whose
    first derivative it is of ("gradient_of"), "gradient" their entry."""
    return {
        "source": kink.source,
        "at": json_number(kink.at),
        "left": json_number(kink.left),
        "right": json_number(kink.right),
        "gradient": json_number(kink.gradient),
        "operations": list(kink.operations),
        "conventions": list(kink.conventions),
        **({} if kink.element is None else {"element": list(kink.element)}),
        **({"gradient_of": kink.gradient_of} if kink.gradient_of else {}),
    }
