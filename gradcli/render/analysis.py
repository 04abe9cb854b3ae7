"""`gradcli tangent`, `taylor` and `critical`'s outputs: pretty text (with the terminal plot the
command drew), plain lines, LaTeX and JSON.

Reads what `symbolic.calculus` answered (exact texts and their floats) and, for `critical`,
`program.critical`'s points when they were found numerically. Plain text only: no rich.
"""

from __future__ import annotations

import re

from .numbers import json_number, short

EXACT_NUMBER = re.compile(r"-?\d+(/\d+)?")  # an integer or a fraction: no float needed beside it
LONGEST_EXACT = 24  # a longer exact value (a CRootOf) is shown as its float in tables


def _json(document: dict) -> str:
    from .report import json_document  # imported for JSON only: start-up time

    return json_document(document)


def _number(shown: dict | None) -> dict | None:
    if shown is None:
        return None
    return {"exact": shown["text"], "latex": shown["latex"], "value": json_number(shown["value"])}


def _exact_and_float(shown: dict) -> str:
    text = shown["text"]
    return text if EXACT_NUMBER.fullmatch(text) else f"{text} = {short(shown['value'])}"


def _exact_point(answer: dict, at: float) -> str:
    """The point as typed when it is a constant expression (--at x=pi/4: "pi/4 = 0.7853981634"),
    else its float (2, 0.5)."""
    exact = (answer.get("at") or {}).get("text")
    if exact and len(exact) <= LONGEST_EXACT and not EXACT_NUMBER.fullmatch(exact):
        return f"{exact} = {short(at)}"
    return short(at)


def table(header: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Columns of text, the first left-aligned and the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


# ---------------------------------------------------------------- tangent


def tangent_text(fmt: str, context: dict, answer: dict, plot: str | None) -> str:
    """`answer`: `symbolic.calculus.produce_tangent`'s; `context`: expression, input, at."""
    if fmt == "json":
        return _json(
            {
                "expression": context["expression"],
                "input": context["input"],
                "at": context["at"],
                "at_exact": _number(answer.get("at")),  # pi/4 as typed, as the values are
                "value": _number(answer["value"]),
                "slope": _number(answer["slope"]),
                "intercept": _number(answer["intercept"]),
                "tangent": answer["tangent"],
                "normal": answer["normal"],
            }
        )
    if fmt in ("plain", "latex"):
        key = "text" if fmt == "plain" else "latex"
        return f"{answer['tangent'][key]}\n{answer['normal'][key]}"
    name, header_at = context["input"], _exact_point(answer, context["at"])
    at = header_at.split(" = ")[0]  # f(pi/4), not f(0.7853981634)
    lines = [
        f"f({name}) = {context['expression']}   at {name} = {header_at}",
        f"  f({at})  = {_exact_and_float(answer['value'])}",
        f"  f'({at}) = "
        + (
            "infinite (a vertical tangent)"
            if answer["intercept"] is None
            else _exact_and_float(answer["slope"])
        ),
        f"tangent:  {answer['tangent']['text']}",
        f"normal:   {answer['normal']['text']}",
    ]
    return "\n".join(lines + ([""] + [plot] if plot else []))


# ---------------------------------------------------------------- taylor


def taylor_text(fmt: str, context: dict, answer: dict, errors: list, plot: str | None) -> str:
    """`answer`: `symbolic.calculus.produce_taylor`'s; `errors`: (x, f, P) at a few points;
    `context`: expression, input, at, order."""
    polynomial = answer["polynomial"]
    remainder_text, remainder_latex = answer["remainder"]
    if fmt == "json":
        return _json(
            {
                "expression": context["expression"],
                "input": context["input"],
                "at": context["at"],
                "at_exact": _number(answer.get("at")),
                "order": context["order"],
                "polynomial": polynomial["text"],
                "latex": polynomial["latex"],
                "coefficients": [_number(term["coefficient"]) for term in answer["terms"]],
                "remainder": remainder_text,
                "errors": [
                    {"x": x, "f": json_number(f), "polynomial": p, "error": json_number(abs(f - p))}
                    for x, f, p in errors
                ],
            }
        )
    if fmt == "plain":
        return polynomial["text"]
    if fmt == "latex":
        return f"{polynomial['latex']} + {remainder_latex}"
    name, at = context["input"], _exact_point(answer, context["at"])
    lines = [
        f"Taylor polynomial of order {context['order']} of f({name}) = {context['expression']} "
        f"at {name} = {at}:",
        f"  P({name}) = {polynomial['text']}",
        f"  f({name}) = P({name}) + {remainder_text}",
        f"error |f - P| near {name} = {at}:",
    ]
    rows = [[short(x), short(f), short(p), short(abs(f - p), 3)] for x, f, p in errors]
    lines += table([name, f"f({name})", f"P({name})", "|f - P|"], rows)
    return "\n".join(lines + ([""] + [plot] if plot else []))


# ---------------------------------------------------------------- critical


def critical_text(fmt: str, context: dict, found: dict, plot: str | None) -> str:
    """`found`: {"method": "symbolic" | "numeric", "why": why not symbolic, "points": [...]}
    (`symbolic.calculus.produce_critical`'s or `program.critical.critical_points`' points);
    `context`: expression, inputs, box (per input (lo, hi))."""
    names, points = context["inputs"], found["points"]
    if fmt == "json":
        return _json(
            {
                "expression": context["expression"],
                "inputs": names,
                "ranges": {name: list(bounds) for name, bounds in zip(names, context["box"])},
                "method": found["method"],
                "why_numeric": found.get("why"),
                "points": [
                    {
                        "at": dict(zip(names, point["at"])),
                        "exact": dict(zip(names, point["exact"])) if "exact" in point else None,
                        "value": json_number(point["value"]),
                        "kind": point["kind"],
                        ("second_derivative" if len(names) == 1 else "hessian_determinant"): (
                            json_number(point["second"])
                        ),
                    }
                    for point in points
                ],
            }
        )
    if fmt == "latex":
        return _critical_latex(names, points)
    if fmt == "plain":
        return "\n".join(
            " ".join([point["kind"], *(repr(v) for v in point["at"]), repr(point["value"])])
            for point in points
        )
    where = ", ".join(
        f"{name} in [{short(lo)}, {short(hi)}]" for name, (lo, hi) in zip(names, context["box"])
    )
    lines = [f"critical points of {context['expression']} for {where}"]
    if found["method"] == "symbolic":
        lines.append("found symbolically: sympy solved f' = 0 (every solution in the range)")
    else:
        lines.append(
            "found numerically: Newton's method from a grid of starts, with the engine's "
            "gradient and Hessian"
        )
        lines.append(f"  (not symbolically: {found['why']})")
    if not points:
        lines.append("no critical points in the range")
    else:
        second = "f''" if len(names) == 1 else "det H"
        rows = [
            [
                _kind(point["kind"]),
                *_coordinates(point),
                short(point["value"]),
                short(point["second"]),
            ]
            for point in points
        ]
        lines += table(["kind", *names, "f", second], rows)
    return "\n".join(lines + ([""] + [plot] if plot else []))


def _critical_latex(names: list[str], points: list[dict]) -> str:
    """The table as a LaTeX tabular for a homework sheet: exact values where sympy found them
    (x = \\frac{\\sqrt{3}}{3}), else the floats."""
    second = "f''" if len(names) == 1 else r"\det H"
    header = " & ".join(["kind", *(f"${name}$" for name in names), "$f$", f"${second}$"])
    lines = [rf"\begin{{tabular}}{{l{'r' * (len(names) + 2)}}}", rf"{header} \\", r"\hline"]
    for point in points:
        exact = point.get("latex") or [None] * len(point["at"])
        cells = [_kind(point["kind"])]
        cells += [f"${text if text is not None else _latex_number(value)}$"
                  for value, text in zip(point["at"], exact)]  # fmt: skip
        cells.append(f"${point.get('value_latex') or _latex_number(point['value'])}$")
        cells.append(f"${_latex_number(point['second'])}$")
        lines.append(" & ".join(cells) + r" \\")
    if not points:
        lines.append(
            rf"\multicolumn{{{len(names) + 3}}}{{l}}{{no critical points in the range}} \\"
        )
    lines.append(r"\end{tabular}")
    return "\n".join(lines)


def _latex_number(value: float) -> str:
    """A float as the tables show it, its exponent as LaTeX: 7.9 \\times 10^{-31}, not 7.9e-31."""
    text = short(value)
    mantissa, _, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else text


def _kind(kind: str) -> str:
    return "test inconclusive" if kind == "inconclusive" else kind


def _coordinates(point: dict) -> list[str]:
    exact = point.get("exact") or [None] * len(point["at"])
    shown = []
    for value, text in zip(point["at"], exact):
        if text is None or len(text) > LONGEST_EXACT or EXACT_NUMBER.fullmatch(text):
            shown.append(short(value))
        else:
            shown.append(f"{text} = {short(value)}")
    return shown
