"""`gradcli check`'s outputs: the verdict on an answer, as text for people or as JSON.

Reads what the comparison answered (`program.comparison.compare_numerically` and
`symbolic.homework.compare`): the values at the given point, the points compared and the first
mismatch, sympy's derivative and its reading of the difference. `context`: the expression, the
answer, the input (`wrt`), the point (or None) and, for the text, whether the answer is a number.
"""

from __future__ import annotations

from .numbers import cut_terms, format_point, json_number, short


def to_json(context: dict, outcome: str, numeric: dict, symbolic: dict) -> str:
    """The verdict as a JSON document."""
    from .report import json_document  # imported for JSON only: start-up time

    mismatch = numeric["mismatch"]
    intervals = numeric["intervals"]
    document = {
        "verdict": outcome,
        **{k: v for k, v in context.items() if k not in ("decimals", "tolerance")},
        "rounded_to": context.get("decimals") if outcome == "right-when-rounded" else None,
        "tolerance": context.get("tolerance"),
        "derivative": symbolic["derivative"],
        "symbolic": {"result": symbolic["difference"], "note": symbolic["why"]},
        "at_point": None
        if numeric["at_point"] is None
        else {k: json_number(v) if k != "agrees" else v for k, v in numeric["at_point"].items()},
        "numeric": {
            "points": numeric["checked"],
            "intervals": None if intervals is None else {k: list(v) for k, v in intervals.items()},
            "extent": {k: list(v) for k, v in numeric["extent"].items()},
        },
        "counterexample": None
        if mismatch is None
        else {
            "point": mismatch["point"],
            "answer": json_number(mismatch["answer"]),
            "derivative": json_number(mismatch["derivative"]),
        },
    }
    return json_document(document)


def to_text(context: dict, outcome: str, numeric: dict, symbolic: dict) -> str:
    """The verdict for people: right or wrong, and why (a point where it fails, both values),
    then the derivative."""
    of = f"the derivative of {context['expression']} with respect to {context['wrt']}"
    if context["point"] and numeric["at_point"] is not None and context["number"]:
        lines = _number_lines(context, outcome, numeric["at_point"], of)
    elif outcome == "right":
        lines = _right_lines(context, numeric, symbolic, of)
    elif outcome == "right-at-point-only":
        lines = _right_at_point_only_lines(context, numeric, of)
    else:
        lines = _wrong_lines(context, numeric, symbolic, of)
    if symbolic["derivative"] is not None:
        lines.append(f"  the derivative is  {cut_terms(symbolic['derivative'])}")
    return "\n".join(lines)


def _number_lines(context: dict, outcome: str, at_point: dict, of: str) -> list[str]:
    """ANSWER a number, compared at the given point only."""
    where, value = format_point(context["point"]), short(at_point["derivative"])
    if outcome == "right-when-rounded":
        places = context["decimals"]
        exact = short(at_point["derivative"])
        more = "..." if float(exact) != at_point["derivative"] else ""
        return [
            f"right when rounded to {places} decimal place{'s' * (places != 1)} ({exact}{more}): "
            f"at {where}, {context['answer']} is {of}, rounded",
            "  --exact or --tol TOL compare strictly",
        ]
    if outcome == "right":
        within = f" (within --tol {context['tolerance']:g})" if context.get("tolerance") else ""
        return [f"right: at {where}, {of} is {value}{within}"]
    return [f"wrong: at {where}, {of} is {value}, not {context['answer']}"]


def _right_lines(context: dict, numeric: dict, symbolic: dict, of: str) -> list[str]:
    lines = [f"right: {context['answer']} is {of}"]
    lines.append(f"  sympy:    {symbolic['why'] or 'not available'}")
    if numeric["at_point"] is not None:
        lines.append(_both_line(context["point"], numeric["at_point"]))
    if numeric["checked"]:
        where = ", ".join(
            f"{name} from {short(lo, 3)} to {short(hi, 3)}"
            for name, (lo, hi) in numeric["extent"].items()
        )
        lines.append(f"  numbers:  equal at {numeric['checked']} points ({where})")
    return lines


def _right_at_point_only_lines(context: dict, numeric: dict, of: str) -> list[str]:
    point, mismatch = context["point"], numeric["mismatch"]
    return [
        f"wrong: {context['answer']} is right at {format_point(point)} only, not {of}",
        _both_line(point, numeric["at_point"]),
        _values_line(mismatch["point"], mismatch["answer"], mismatch["derivative"]),
    ]


def _wrong_lines(context: dict, numeric: dict, symbolic: dict, of: str) -> list[str]:
    point, at_point, mismatch = context["point"], numeric["at_point"], numeric["mismatch"]
    lines = [f"wrong: {context['answer']} is not {of}"]
    if point and not at_point["agrees"]:
        lines.append(_values_line(point, at_point["answer"], at_point["derivative"]))
    elif mismatch is not None:
        lines.append(_values_line(mismatch["point"], mismatch["answer"], mismatch["derivative"]))
    else:
        lines.append(f"  sympy:    {symbolic['why']}")
    return lines


def _both_line(point: dict, at_point: dict) -> str:
    return f"  at {format_point(point)}:  both are {short(at_point['answer'])}"


def _values_line(where: dict, claim: float, derivative: float) -> str:
    return (
        f"  at {format_point(where)}:  your answer is {short(claim)}, "
        f"the derivative is {short(derivative)}"
    )
