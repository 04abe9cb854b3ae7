"""`gradcli functions`' outputs: the catalogue of the language's functions (`symbolic.catalog`)
as a table, plain lines (`sin(x) -> cos(x)`), a markdown table or JSON.

The markdown output is the README's function table (a test keeps the two equal). rich is
imported inside `to_table` only: the other outputs never load it.
"""

from __future__ import annotations

NONE = "-"
MARKDOWN_COLUMNS = ("Function", "Aliases", "Namespaces", "Domain", "Derivative", "Description")


def to_json(entries: list[dict]) -> str:
    """The entries as they are, one JSON document."""
    from .report import json_document  # imported for JSON only: start-up time

    return json_document(entries)


def _domain_text(domain: dict) -> str:
    return ", ".join(f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in domain.items())


def _description(entry: dict) -> str:
    doc = entry["doc"]
    return f"{doc} ({entry['convention']})" if entry["convention"] else doc


def to_plain(entries: list[dict], labels: bool = False) -> str:
    """One line per function: `sin(x) -> cos(x)`; with `labels`, `sin: sin(x) -> cos(x)` (the
    name a script splits on, as every command's `--labels` starts a line with its source)."""
    lines = [f"{e['signature']} -> {e['derivative'] or NONE}" for e in entries]
    if labels:
        lines = [f"{e['name']}: {line}" for e, line in zip(entries, lines)]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _prose(text: str) -> str:
    for ch in ("\\", "*", "_", "`", "|", "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return text


def _code(text: str | None) -> str:
    return NONE if not text else f"`{_cell(text)}`"


def to_markdown(entries: list[dict]) -> str:
    """A GitHub table: the README's function table, between its functions markers."""
    lines = [
        "| " + " | ".join(MARKDOWN_COLUMNS) + " |",
        "|" + "|".join("---" for _ in MARKDOWN_COLUMNS) + "|",
    ]
    for e in entries:
        cells = [
            _code(e["signature"]),
            ", ".join(_code(a) for a in e["aliases"]) or NONE,
            ", ".join(e["namespaces"]) or NONE,
            _prose(_domain_text(e["domain"])),
            _code(e["derivative"]),
            _prose(_description(e)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def to_table(entries: list[dict], *, color: bool, width: int | None = None) -> str:
    """The functions as a gradcli table (ASCII, no styles, when not `color`)."""
    from rich.text import Text

    from .tables import new_table, print_blocks

    table = new_table(
        "Functions", "function", "aliases", "domain", "derivative", "description", ascii=not color
    )
    for e in entries:
        table.add_row(
            Text(e["signature"]),
            Text(", ".join(e["aliases"]) or NONE),
            Text(_domain_text(e["domain"])),
            Text(e["derivative"] or NONE),
            Text(_description(e)),
        )
    note = Text(
        "Also: dense(x, units, activation=None, use_bias=True), assign, assign_add, assign_sub; "
        "the constants pi and e. max(a, b, ...) and min(a, b, ...) with several values "
        "are elementwise, as Python's; max(x) and max(x, axis=k) reduce, and so do np.max(x, 0) "
        "and tf.reduce_max(x, 0), whose second argument is the axis. log(x, b) is the logarithm "
        "to base b. Notation: x^2 is x**2, 2x and 3(x+1) multiply, |x| is abs(x), and the "
        "README lists the Unicode spellings (superscripts, multiplication signs, pi). The "
        "domain is where the tests sample each input. Namespaced spellings (tf.math.sin, "
        "np.sin): gradcli functions --json.",
        style="dim",
    )
    return print_blocks([table, None, note], color=color, width=width)
