"""`gradcli diff`'s outputs: the derivatives as pretty equations, LaTeX, plain lines or JSON.

Reads what `symbolic.homework.derivatives` answered: per input, the derivative's text, LaTeX,
pretty form and value at the point (if one was given), and whether it is the simplified form.
"""

from __future__ import annotations

from .numbers import cut_terms, format_point, json_number, short


def to_text(fmt: str, context: dict, derivatives: list[dict], simplified: list[bool]) -> str:
    """In the format `fmt` ("json", "latex", "plain", "pretty"). `context`: the expression,
    its inputs, the order, the point (or None) and the names differentiated for (`wrt`)."""
    point = context["at"]
    if fmt == "json":
        return to_json(context, derivatives, simplified)
    if fmt == "latex":
        if len(derivatives) == 1:
            return derivatives[0]["latex"]
        # several: each line says which partial derivative it is, as a textbook writes it
        return "\n".join(
            f"{_partial(name, context['order'])} = {d['latex']}"
            for name, d in zip(context["wrt"], derivatives)
        )
    if fmt == "plain":
        lines = [repr(float(d["value"])) if point else cut_terms(d["text"]) for d in derivatives]
        if context.get("labels"):
            lines = [f"{name}: {line}" for name, line in zip(context["wrt"], lines)]
        return "\n".join(lines)
    return to_pretty(derivatives, point, context["wrt"], context["order"])


def _partial(name: str, order: int) -> str:
    """\\frac{\\partial f}{\\partial x}, or of order N: \\frac{\\partial^{2} f}{\\partial x^{2}}."""
    if order == 1:
        return f"\\frac{{\\partial f}}{{\\partial {name}}}"
    return f"\\frac{{\\partial^{{{order}}} f}}{{\\partial {name}^{{{order}}}}}"


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


def to_pretty(
    derivatives: list[dict], point: dict | None, names: list | None = None, order: int = 1
) -> str:
    """Each derivative's equation, and its value at the point, in blocks apart; a long one on
    one line, cut after its first terms (`cut_terms`)."""
    blocks = []
    for index, d in enumerate(derivatives):
        block = d["pretty"]
        if cut_terms(d["text"]) != d["text"] and names is not None:
            power = "" if order == 1 else f"^{order}"
            block = f"d{power}/d{names[index]}{power} = {cut_terms(d['text'])}"
        if point:
            block += f"\n\nat {format_point(point)}: {short(d['value'])}"
        blocks.append(block)
    return "\n\n".join(blocks)
