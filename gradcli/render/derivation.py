"""`gradcli diff --steps`' outputs: the rule tree as numbered nested steps, in four formats.

Reads `symbolic.derivation.Step` records (plain strings; no sympy): per input, the rule tree and
its simplify step (`symbolic.homework.derivation_steps`). `pretty` is a rich tree (ASCII guides
when `ascii`, colour when `color`); `plain` is the same numbered lines, indented, with no
guides; `latex` is an `align*` block for a homework sheet; `json` is the rule tree itself (its
schema is in the README, under `gradcli diff`).
"""

from __future__ import annotations

TITLES = {
    "constant": "Constant rule",
    "variable": "Variable rule",
    "constant_multiple": "Constant multiple rule",
    "sum": "Sum rule",
    "difference": "Difference rule",
    "product": "Product rule",
    "quotient": "Quotient rule",
    "power": "Power rule",
    "chain": "Chain rule",
    "exponential": "Exponential rule",
    "logarithm": "Logarithm rule",
    "logarithm_base": "Logarithm rule, base b",
    "trigonometric": "Trigonometric rule",
    "inverse_trigonometric": "Inverse trigonometric rule",
    "hyperbolic": "Hyperbolic rule",
    "inverse_hyperbolic": "Inverse hyperbolic rule",
    "absolute_value": "Absolute value rule",
    "logarithmic_differentiation": "Logarithmic differentiation",
    "table": "By the table",
    "simplify": "Simplify",
}
# rules whose statement is the step itself (d/dx sin(x) = cos(x)): not repeated
SELF_STATED = ("constant", "variable", "power", "exponential", "logarithm", "logarithm_base",
               "trigonometric",
               "inverse_trigonometric", "hyperbolic", "inverse_hyperbolic", "absolute_value",
               "table", "simplify")  # fmt: skip


def title(rule: str) -> str:
    return TITLES.get(rule, rule.replace("_", " ").capitalize())


def numbered(derivation: tuple) -> list[tuple[str, int, object]]:
    """(number, depth, step) for every step of (rule tree, simplify step), in reading order:
    1, 1.1, 1.2, 2."""
    rows: list = []

    def visit(step, number: str, depth: int) -> None:
        rows.append((number, depth, step))
        for index, sub in enumerate(step.substeps, start=1):
            visit(sub, f"{number}.{index}", depth + 1)

    for index, step in enumerate(derivation, start=1):
        visit(step, str(index), 0)
    return rows


def heading(step) -> str:
    if step.rule == "simplify":
        if step.expression == step.derivative:
            return step.expression
        return f"{step.expression} = {step.derivative}"
    return f"d/d{step.wrt} {step.expression} = {step.derivative}"


def details(step) -> list[str]:
    """The lines under a step's heading: the rule as stated, the substitution, the notes."""
    lines = []
    if step.rule not in SELF_STATED:
        lines.append(step.statement)
    if step.let is not None:
        lines.append(f"let {step.let[0]} = {step.let[1]}")
    lines += list(step.notes)
    return lines


def to_text(fmt: str, context: dict, derivations: list[tuple], *, color: bool, ascii: bool):
    """In the format `fmt`. `context`: the expression, its inputs, the names (`wrt`)."""
    if fmt == "json":
        return to_json(context, derivations)
    if fmt == "latex":
        return "\n\n".join(to_latex(d) for d in derivations)
    if fmt == "plain":
        return "\n\n".join(to_plain(d) for d in derivations)
    return to_tree(derivations, color=color, ascii=ascii)


def to_plain(derivation: tuple) -> str:
    """Numbered lines, indented by depth; the answer last."""
    tree, simplify = derivation
    lines = [f"d/d{tree.wrt} {tree.expression}"]
    for number, depth, step in numbered(derivation):
        indent = "   " * depth
        lines.append(f"{indent}{number}. {title(step.rule)}: {heading(step)}")
        lines += [f"{indent}   {line}" for line in details(step)]
    lines.append(f"answer: d/d{tree.wrt} {tree.expression} = {simplify.derivative}")
    return "\n".join(lines)


def tree_renderable(derivation: tuple):
    """The derivation as a rich Tree, and the answer line under it."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    tree, simplify = derivation
    root = Tree(Text(f"d/d{tree.wrt} {tree.expression}", style="bold"), guide_style="dim")
    parents = {-1: root}
    for number, depth, step in numbered(derivation):
        label = Text()
        label.append(f"{number}. {title(step.rule)}: ", style="bold cyan")
        label.append(heading(step))
        for line in details(step):
            label.append("\n" + line, style="yellow" if line in step.notes else "dim")
        parents[depth] = parents[depth - 1].add(label)
    answer = Text()
    answer.append("answer: ", style="bold")
    answer.append(f"d/d{tree.wrt} {tree.expression} = ")
    answer.append(simplify.derivative, style="bold green")
    return Group(root, answer)


def to_tree(derivations: list[tuple], *, color: bool, ascii: bool) -> str:
    """Each derivation as a tree, blocks apart (ASCII guides when `ascii`)."""
    import io

    from rich.console import Console

    from .tables import DEFAULT_WIDTH, terminal_width

    class Buffer(io.StringIO):
        encoding = "ascii" if ascii else "utf-8"  # rich draws ASCII guides for an ASCII file

    buffer = Buffer()
    console = Console(
        file=buffer,
        width=terminal_width(DEFAULT_WIDTH),
        highlight=False,
        markup=False,
        emoji=False,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        force_jupyter=False,
        force_interactive=False,
        legacy_windows=False,
    )
    for index, derivation in enumerate(derivations):
        if index:
            console.print()
        console.print(tree_renderable(derivation))
    text = buffer.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


def to_latex(derivation: tuple) -> str:
    """An align* block: one line per step (number, rule, the step), the answer last."""
    tree, simplify = derivation
    d = rf"\frac{{d}}{{d{tree.wrt}}}"
    lines = [r"\begin{align*}"]
    for number, depth, step in numbered(derivation):
        indent = r"\quad " * depth
        of = rf"\frac{{d}}{{d{step.wrt}}}\left[{step.expression_latex}\right]"
        text = rf"{indent}\text{{{number}. {title(step.rule)}:}}"
        if step.rule == "simplify":
            same = step.expression == step.derivative
            shown = "" if same else rf"{step.expression_latex} = "
            lines.append(rf"{text} && {shown}{step.derivative_latex} \\")
            for note in step.notes:
                lines.append(rf"{indent}\quad && \text{{{_escape(note)}}} \\")
            continue
        lines.append(rf"{text} && {of} = {step.derivative_latex} \\")
        if step.rule not in SELF_STATED:
            lines.append(rf"{indent}\quad && {step.statement_latex} \\")
        if step.let is not None:
            lines.append(rf"{indent}\quad && \text{{let }} {step.let[0]} = {step.let[2]} \\")
        for note in step.notes:
            lines.append(rf"{indent}\quad && \text{{{_escape(note)}}} \\")
    lines.append(rf"{d}\left[{tree.expression_latex}\right] &&= {simplify.derivative_latex}")
    lines.append(r"\end{align*}")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Plain text inside \\text{}: LaTeX's special characters escaped."""
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("^", r"\^{}"),
                          ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                          ("{", r"\{"), ("}", r"\}"), ("|", r"\textbar{}")):  # fmt: skip
        text = text.replace(char, escaped)
    return text


def step_to_dict(step, number: str) -> dict:
    """One step of the JSON rule tree (the README documents its fields)."""
    return {
        "number": number,
        "rule": step.rule,
        "title": title(step.rule),
        "wrt": step.wrt,
        "expression": step.expression,
        "expression_latex": step.expression_latex,
        "derivative": step.derivative,
        "derivative_latex": step.derivative_latex,
        "statement": step.statement,
        "statement_latex": step.statement_latex,
        "let": None
        if step.let is None
        else {"name": step.let[0], "expression": step.let[1], "latex": step.let[2]},
        "notes": list(step.notes),
        "substeps": [
            step_to_dict(sub, f"{number}.{index}")
            for index, sub in enumerate(step.substeps, start=1)
        ],
    }


def derivation_to_dict(derivation: tuple) -> dict:
    tree, simplify = derivation
    return {
        "wrt": tree.wrt,
        "steps": [step_to_dict(tree, "1"), step_to_dict(simplify, "2")],
        "answer": simplify.derivative,
        "answer_latex": simplify.derivative_latex,
    }


def to_json(context: dict, derivations: list[tuple]) -> str:
    from .report import json_document  # imported for JSON only: start-up time

    document = {
        "expression": context["expression"],
        "inputs": context["inputs"],
        "derivations": [derivation_to_dict(d) for d in derivations],
    }
    return json_document(document)


def with_steps(document: str, derivation: tuple | None) -> str:
    """A JSON document (`check`'s verdict) with the derivation under "steps" (null: none)."""
    import json

    from .report import json_document

    data = json.loads(document)
    data["steps"] = None if derivation is None else derivation_to_dict(derivation)
    return json_document(data)
