"""`gradcli diff`'s outputs: the derivatives as pretty equations, LaTeX, plain lines or JSON.

Reads what `symbolic.homework.derivatives` answered: per input, the derivative's text, LaTeX,
pretty form and value at the point (if one was given; None where it does not exist), whether it
is the simplified form, and where it does not exist (`symbolic.classical`: "where", said after
the equation, as `\\qquad (x \\neq 0)` in LaTeX, as a note on stderr with --plain, in JSON).
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
            return _latex(derivatives[0])
        # several: each line says which partial derivative it is, as a textbook writes it
        return "\n".join(
            f"{_partial(name, context['order'])} = {_latex(d)}"
            for name, d in zip(context["wrt"], derivatives)
        )
    if fmt == "plain":
        lines = [_plain_value(d["value"]) if point else cut_terms(d["text"]) for d in derivatives]
        if context.get("labels"):
            lines = [f"{name}: {line}" for name, line in zip(context["wrt"], lines)]
        return "\n".join(lines)
    return to_pretty(derivatives, point, context["wrt"], context["order"])


def _latex(derivative: dict) -> str:
    where = derivative.get("where")
    return derivative["latex"] + (f" \\qquad ({where['where_latex']})" if where else "")


def _plain_value(value: float | None) -> str:
    return "nan" if value is None else repr(float(value))


def notes(context: dict, derivatives: list[dict]) -> list[str]:
    """Where each derivative does not exist, a line each (on stderr with --plain)."""
    several = len(derivatives) > 1
    return [
        f"note: {'d/d' + name + ': ' if several else ''}for {d['where']['where']}: "
        f"{d['where']['note']}"
        for name, d in zip(context["wrt"], derivatives)
        if d.get("where")
    ]


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
                **_where(d.get("where")),
            }
            for name, d, done in zip(context["wrt"], derivatives, simplified)
        ],
    }
    return json_document(document)


def _where(where: dict | None) -> dict:
    """JSON's "defined_for" ("x != 0") and "not_defined" (the note), when it does not exist
    somewhere."""
    return {} if not where else {"defined_for": where["where"], "not_defined": where["note"]}


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
        where = d.get("where")
        if where:
            block += f"\n\nfor {where['where']}: {where['note']}"
        if point:
            value = "not defined" if d["value"] is None else short(d["value"])
            block += f"\n\nat {format_point(point)}: {value}"
        blocks.append(block)
    return "\n\n".join(blocks)
