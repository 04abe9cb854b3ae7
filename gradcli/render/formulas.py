"""`gradcli diff`'s outputs: the derivatives as pretty equations, LaTeX, plain lines or JSON.

Reads what `symbolic.homework.derivatives` answered: per input, the derivative's text, LaTeX,
pretty form and value at the point (if one was given), and whether it is the simplified form.
"""

from __future__ import annotations

from .numbers import format_point, json_number, short


def to_text(fmt: str, context: dict, derivatives: list[dict], simplified: list[bool]) -> str:
    """In the format `fmt` ("json", "latex", "plain", "pretty"). `context`: the expression,
    its inputs, the order, the point (or None) and the names differentiated for (`wrt`)."""
    point = context["at"]
    if fmt == "json":
        return to_json(context, derivatives, simplified)
    if fmt == "latex":
        return "\n".join(d["latex"] for d in derivatives)
    if fmt == "plain":
        if point:
            return "\n".join(repr(float(d["value"])) for d in derivatives)
        return "\n".join(d["text"] for d in derivatives)
    return to_pretty(derivatives, point)


def to_json(context: dict, derivatives: list[dict], simplified: list[bool]) -> str:
    """The derivatives, with the expression, its inputs, the order and the point."""
    from .report import json_document  # imported for JSON only: start-up time

    document = {
        "expression": context["expression"],
        "inputs": context["inputs"],
        "order": context["order"],
        "at": context["at"],
        "derivatives": [
            {
                "wrt": name,
                "derivative": d["text"],
                "latex": d["latex"],
                "simplified": done,
                "value": json_number(d["value"]),
            }
            for name, d, done in zip(context["wrt"], derivatives, simplified)
        ],
    }
    return json_document(document)


def to_pretty(derivatives: list[dict], point: dict | None) -> str:
    """Each derivative's equation, and its value at the point, in blocks apart."""
    blocks = []
    for d in derivatives:
        block = d["pretty"]
        if point:
            block += f"\n\nat {format_point(point)}: {short(d['value'])}"
        blocks.append(block)
    return "\n\n".join(blocks)
