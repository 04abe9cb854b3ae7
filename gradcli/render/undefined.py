"""What a result says when a value or a derivative it holds is not a number (nan, inf).

A non-finite target or derivative is neither right nor wrong: it is not defined at the point.
`sentence(result)` says where and why, in one line a student can act on:
`not defined at x = 1: '/' divides by zero (input values 2.0, 0.0)`, from the first operation
that made a nan or an inf (`Evaluation.undefined`), or else the first derivative that is not a
number (the backward pass made it: `sqrt(x)` at 0). Every output of a result shows it: the
table as its last line, JSON as `"not_defined"`, and `--plain` on stderr (`commands.output`).
"""

from __future__ import annotations

import numpy as np

from gradcli.program.records import HessianResult, finite

from .numbers import short

__all__ = ["sentence", "with_undefined"]

MAX_POINT_ELEMENTS = 6  # a larger input is named by its shape in the sentence


def sentence(result) -> str | None:
    """`not defined at x = 1: why`, or None when every value and derivative is a number."""
    if result.defined:
        return None
    evaluation = result.evaluation
    why = evaluation.undefined or _first_nonfinite(result)
    point = _point(evaluation)
    return f"not defined at {point}: {why}" if point else f"not defined: {why}"


def with_undefined(result, document: dict) -> dict:
    """The JSON document, with "not_defined" (the sentence) last when a value is not a number,
    and each result's "kinks" (`render.kinks`) when it has some (a document without results,
    a Hessian's: its own "kinks")."""
    from .kinks import to_dict

    kinks = getattr(result, "kinks", ())
    for kink in kinks:
        for entry in document.get("results", ()):
            if entry["target"] == kink.target:
                entry.setdefault("kinks", []).append(to_dict(kink))
    if kinks and "results" not in document and "kinks" not in document:  # a Hessian's
        document = {**document, "kinks": [to_dict(kink) for kink in kinks]}
    said = sentence(result)
    return document if said is None else {**document, "not_defined": said}


def _point(evaluation) -> str:
    """`x = 1, y = [1, 2]`: the declared inputs (not the variables a program creates)."""
    parts = []
    for name, info in evaluation.inputs.items():
        if info.created:
            continue
        value = np.asarray(info.value)
        if value.ndim == 0:
            shown = short(float(value)) if value.dtype.kind in "fiu" else str(value.item())
        elif value.size <= MAX_POINT_ELEMENTS and value.dtype.kind in "fiu":
            shown = "[" + ", ".join(short(float(v)) for v in value.ravel()) + "]"
        else:
            shown = f"an array of shape {tuple(value.shape)}"
        parts.append(f"{name} = {shown}")
    return ", ".join(parts)


def _first_nonfinite(result) -> str:
    """The first value or derivative that is not a number, said in words."""
    evaluation = result.evaluation
    noun = "derivative" if evaluation.order == 1 else f"derivative of order {evaluation.order}"
    for item in evaluation.results:
        if not finite(item.value):
            return f"the value of {item.target} is {_kind(item.value)}"
        for source, gradient in item.gradients.items():
            if not finite(gradient):
                return f"its {noun} with respect to {source} is {_kind(gradient)}"
    if isinstance(result, HessianResult):
        for a, row in result.blocks.items():
            for b, block in row.items():
                if not finite(block):
                    return f"its second derivative by {a} and {b} is {_kind(block)}"
    return "a value is not a number"


def _kind(value) -> str:
    """nan, inf or -inf: the first non-finite element of `value`."""
    array = np.asarray(value, dtype=np.float64)
    first = float(array[~np.isfinite(array)].flat[0])
    return "nan" if np.isnan(first) else "inf" if first > 0 else "-inf"
