"""`gradcli functions`: the language's functions, read from the primitive registry.

One entry per public primitive (`ops.REGISTRY`, in registration order): its signature, aliases,
namespaces and every accepted spelling (`ops.spellings()`), the domain its tests sample from, the
one-line doc, its convention at kinks, and its derivative rule derived from its sympy form
(`sin(x) -> cos(x)`; reductions, shape functions and matmul have no scalar rule). The markdown
output is the README's function table (a test keeps the two equal).
"""

from __future__ import annotations

import sys

from gradcli.errors import ExitCode

from .group import cli
from .homework import choose_format, json_text, write
from .options import JSON_FLAG, PLAIN_FLAG, format_option
from .output import use_color

NONE = "-"
MARKDOWN_COLUMNS = ("Function", "Aliases", "Namespaces", "Domain", "Derivative", "Description")


def entries() -> list[dict]:
    from gradcli.engine.primitives import REGISTRY, spellings
    from gradcli.symbolic.formula import derivative_rules, form_text

    table = spellings()
    out = []
    for op in REGISTRY.values():
        if not op.public:
            continue
        names = ["values"] if op.variadic else list("xyz"[: op.arity])
        rules = derivative_rules(op)
        out.append(
            {
                "name": op.name,
                "signature": op.signature,
                "kind": op.kind,
                "aliases": list(op.aliases),
                "namespaces": list(op.namespaces),
                "spellings": sorted(name for name, o in table.items() if o is op),
                "domain": {n: list(interval) for n, interval in zip(names, op.domain)},
                "doc": op.doc,
                "form": form_text(op),
                "derivative": _rule_text(op, rules),
                "convention": op.convention or None,
            }
        )
    return out


def _rule_text(op, rules) -> str | None:
    """`cos(x)` for one input; `d/dx: y; d/dy: x` for several; "no gradient"; None: no rule."""
    if not op.differentiable:
        return "no gradient"
    if rules is None:
        return None
    if len(rules) == 1:
        return rules[0][1] or "no gradient"
    return "; ".join(f"d/d{name}: {rule if rule is not None else 'none'}" for name, rule in rules)


def _domain_text(domain: dict) -> str:
    return ", ".join(f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in domain.items())


def _description(entry: dict) -> str:
    doc = entry["doc"]
    return f"{doc} ({entry['convention']})" if entry["convention"] else doc


def to_plain(entries: list[dict]) -> str:
    """One line per function: `sin(x) -> cos(x)`."""
    return "\n".join(f"{e['signature']} -> {e['derivative'] or NONE}" for e in entries)


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

    from gradcli.render.tables import new_table, print_blocks

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
        "the constants pi and e. The domain is where the tests sample each input. Namespaced "
        "spellings (tf.math.sin, np.sin): gradcli functions --json.",
        style="dim",
    )
    return print_blocks([table, None, note], color=color, width=width)


# ---------------------------------------------------------------- the command

FUNCTIONS_EPILOG = """\b
Examples:
  gradcli functions                       # a table
  gradcli functions --format plain        # sin(x) -> cos(x), one per line
  gradcli functions --format markdown     # the README's function table
"""


@cli.command(epilog=FUNCTIONS_EPILOG)
@format_option("table", "json", "plain", "markdown")
@JSON_FLAG
@PLAIN_FLAG
def functions(fmt, as_json, as_plain):
    """Every function of the language, from the primitive registry: aliases, namespaces, the
    domain its tests sample from, the derivative rule (derived from its sympy form) and a one-line
    description."""
    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "table")
    found = entries()
    if fmt == "json":
        write(json_text(found))
    elif fmt == "plain":
        write(to_plain(found))
    elif fmt == "markdown":
        write(to_markdown(found))
    else:
        write(to_table(found, color=use_color()))
    sys.exit(ExitCode.OK)
