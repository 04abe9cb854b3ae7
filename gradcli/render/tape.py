"""The outputs of `gradcli tape`: the forward and backward tables, JSON, plain text, Graphviz DOT.

`TAPE` is the renderer namespace handed to `commands.output.emit`. It reads only a `TapeView`
(plain records from `program/steps.py`), and builds on `report` and `tables` like every renderer.
rich is imported inside the table functions only.
"""

from __future__ import annotations

import types

import numpy as np

from . import tables
from .calculus import named, no_csv
from .report import (
    check_to_dict,
    format_shape,
    format_value,
    inputs_to_dict,
    json_document,
    jsonable,
)
from .undefined import with_undefined

__all__ = ["TAPE"]


def _times(ascii: bool) -> str:
    return "*" if ascii else "×"


def _contribution_text(step, c, ascii: bool) -> str:
    if c.value is None:
        return f"none: {c.note}" if c.note else "none"
    shown = format_value(c.value, "table", ascii=ascii)
    if c.local is not None and step.incoming is not None and np.ndim(step.incoming) == 0:
        incoming = format_value(step.incoming, "table", ascii=ascii)
        local = format_value(c.local, "table", ascii=ascii)
        return f"{incoming} {_times(ascii)} {local} = {shown}"
    return shown


def _sum_text(total, parts, ascii: bool) -> str:
    shown = [format_value(value, "table", ascii=ascii) for _, value in parts]
    if all("\n" not in text for text in shown) and all(np.ndim(v) == 0 for _, v in parts):
        return " + ".join(shown) + " = " + format_value(total, "table", ascii=ascii)
    steps = ", ".join(str(step) for step, _ in parts)
    return f"{len(parts)} contributions (steps {steps}) = " + format_value(
        total, "table", ascii=ascii
    )


def tape_to_table(view, *, color: bool, width: int | None = None) -> str:
    """The inputs, the forward pass (every operation, recorded or not and why), the backward pass
    (each step's incoming gradient, local rule and contributions; fan-out sums), the targets, the
    watched variables and the cross-check."""
    ascii = not color
    evaluation = view.evaluation
    out: list = [tables.inputs_block(evaluation, ascii=ascii), None]
    if view.mode == "forward":  # tape --mode forward: each step's tangent beside its value
        from .forward import tangent_blocks

        out += tangent_blocks(view, ascii)
    else:
        out += _forward_blocks(view, ascii)
    out += [None, *_backward_blocks(view, ascii)]
    out += tables.target_blocks(view.report, ascii=ascii)
    out += _kink_lines(view)
    out += [None, tables.watched_block(evaluation)]
    out += tables.check_blocks(view.report, ascii=ascii)
    out += tables.undefined_block(view)
    return tables.print_blocks(out, color=color, width=width)


def _kink_lines(view) -> list:
    """A note per source element at a kink (`render.kinks.sentence`), as grad's table has."""
    from rich.text import Text

    from .kinks import sentence

    return [Text(sentence(kink), style="yellow") for kink in view.kinks]


def _forward_blocks(view, ascii: bool) -> list:
    from rich.text import Text

    if not view.forward:
        return [Text("Forward pass: no operations", style="bold")]
    recorded = sum(step.recorded for step in view.forward)
    arrays = any(np.ndim(step.value) for step in view.forward)
    sourced = bool(view.program)  # gc.explain's steps have no program text: the call says all
    columns = ["step", "operation", "source", "inputs", "output"] if sourced else []
    columns = columns or ["step", "operation", "inputs", "output"]
    columns += ["shape", "value", "recorded"] if arrays else ["value", "recorded"]
    title = (
        f"Forward pass: {len(view.forward)} operation{'s' * (len(view.forward) != 1)}, "
        f"{recorded} recorded on the tape"
    )
    forward = tables.new_table(title, *columns, ascii=ascii)
    for step in view.forward:
        row = [str(step.step), step.op] + ([Text(step.source)] if sourced else [])
        row += [Text(", ".join(step.inputs)), Text(step.output)]
        if arrays:
            row.append(format_shape(np.shape(step.value)) if step.value is not None else "")
        row.append(_value_text(step, ascii))
        row.append(_recorded_text(step))
        forward.add_row(*row, style=None if step.recorded else "dim")
    out: list = [forward]
    if view.reads:
        reads = ", ".join(f"{n} read{'s' * (n != 1)} of {name}" for name, n in view.reads.items())
        out.append(
            Text(
                f"The tape also recorded {reads}: each read of a watched variable is recorded "
                "(identity); the tables name the variable instead.",
                style="dim",
            )
        )
    return out


def _value_text(step, ascii: bool) -> str:
    if step.value is None:  # gc.explain: a large value that no gradient rule reads
        return "not kept"
    return format_value(step.value, "table", ascii=ascii)


def _recorded_text(step):
    from rich.text import Text

    if not step.recorded:
        return Text(f"no: {step.why}", style="dim")
    if step.custom is None:
        return Text(f"yes ({step.why})", style="dim") if step.why else "yes"
    said = "yes: one step, a custom gradient"
    if step.custom:
        said += (
            f"; inside it the tape also recorded {', '.join(step.custom)} (for second "
            "derivatives), folded here: the walk goes through grad_fn instead"
        )
    return Text(said + (f" ({step.why})" if step.why else ""))


def _backward_blocks(view, ascii: bool) -> list:
    from rich.text import Text

    if not (view.backward or view.sums):
        return [Text("Backward pass: no recorded step leads to the target", style="bold")]
    t = named(view.target.target)
    backward = tables.new_table(
        f"Backward pass: the chain rule, last step first, starting from d{t}/d{t} = 1",
        *("step", "operation", "incoming", "local rule", "input", "contribution"),
        ascii=ascii,
    )
    sums_before: dict = {}  # the step a fan-out sum is shown before (None: at the end)
    for total in view.sums:
        sums_before.setdefault(total.before, []).append(total)
    for step in view.backward:
        _add_sums(backward, sums_before.get(step.step, []), ascii)
        _add_step(backward, step, ascii)
    _add_sums(backward, sums_before.get(None, []), ascii)
    note = Text(
        "a, b, ... are a step's inputs in order; contribution = incoming "
        f"{_times(ascii)} local derivative; a value used more than once gets the sum of "
        "its contributions",
        style="dim",
    )
    return [backward, note]


def _add_sums(backward, totals: list, ascii: bool) -> None:
    from rich.text import Text

    for total in totals:
        why = f"fan-out: {len(total.parts)} contributions added"
        backward.add_row(
            "sum",
            Text(total.label),
            "",
            Text(why, style="dim"),
            "",
            _sum_text(total.total, total.parts, ascii),
            style="bold",
        )


def _add_step(backward, step, ascii: bool) -> None:
    """One backward step: a row per input (the step, operation and incoming on the first)."""
    from rich.text import Text

    operation = Text(f"{step.output} = {step.source}")
    if step.incoming is None:
        why = Text("no gradient arrives: not on a path to the target")
        backward.add_row(str(step.step), operation, "none", why, "", "", style="dim")
        return
    incoming = format_value(step.incoming, "table", ascii=ascii)
    if not step.contributions:
        backward.add_row(str(step.step), operation, incoming, "", "", "")
    for i, c in enumerate(step.contributions):
        rule = Text(c.rule.symbols if step.custom else f"{step.op}: {c.rule.symbols}")
        if not c.rule.derived and not step.custom:
            rule.append(Text(f"\n{c.rule.words}", style="dim"))
        first = i == 0
        backward.add_row(
            str(step.step) if first else "",
            operation if first else "",
            incoming if first else "",
            rule,
            Text(f"{c.symbol} = {c.input}"),
            _contribution_text(step, c, ascii),
            style=None if c.value is not None else "dim",
        )


def tape_to_dict(view) -> dict:
    target = view.target
    checks = view.checks[0] if view.checks else None
    document = _tape_dict(view, target, checks)
    _add_custom(document, view)
    if view.kinks:  # as grad's results carry them
        from .kinks import to_dict

        document["kinks"] = [to_dict(kink) for kink in view.kinks]
    document = with_undefined(view, document)
    if view.mode == "forward":  # tape --mode forward: the direction, and each step's tangent
        from .forward import add_tangents

        add_tangents(document, view)
    return document


def _add_custom(document: dict, view) -> None:
    """gc.explain's custom-gradient steps: marked, with what was recorded inside them."""
    for entry, step in zip(document["forward"], view.forward):
        if step.custom is not None:
            entry["custom_gradient"] = {"inside": list(step.custom)}
    for entry, step in zip(document["backward"], view.backward):
        if step.custom:
            entry["custom_gradient"] = True


def _tape_dict(view, target, checks) -> dict:
    return {
        "program": view.program or None,  # None: gc.explain's view of a tape, no program
        "inputs": inputs_to_dict(view.evaluation),
        "watched": list(view.evaluation.watched),
        "target": target.target,
        "forward": [
            {
                "step": step.step,
                "op": step.op,
                "source": step.source,
                "inputs": list(step.inputs),
                "output": step.output,
                "shape": None if step.value is None else list(np.shape(step.value)),
                "value": jsonable(step.value),
                "recorded": step.recorded,
                "why": step.why or None,
            }
            for step in view.forward
        ],
        "reads": dict(view.reads),
        "backward": [
            {
                "step": step.step,
                "op": step.op,
                "source": step.source,
                "output": step.output,
                "incoming": jsonable(step.incoming),
                "contributions": [
                    {
                        "input": c.input,
                        "symbol": c.symbol,
                        "rule": c.rule.symbols,
                        "words": c.rule.words,
                        "local": jsonable(c.local),
                        "value": jsonable(c.value),
                        "note": c.note or None,
                    }
                    for c in step.contributions
                ],
            }
            for step in view.backward
        ],
        "sums": [
            {
                "value": total.label,
                "parts": [{"step": step, "value": jsonable(value)} for step, value in total.parts],
                "total": jsonable(total.total),
                "before_step": total.before,
            }
            for total in view.sums
        ],
        "gradients": {s: jsonable(g) for s, g in target.gradients.items()},
        "reasons": {s: str(r) for s, r in target.reasons.items()},
        "check": None if checks is None else {s: check_to_dict(c) for s, c in checks.items()},
    }


def tape_to_plain(view, labels: bool = False) -> str:
    """One line per event, for scripts: forward steps, backward contributions, sums, gradients.
    Each line already starts with what it is (`gradient x 6.0`): `labels` changes nothing."""

    def v(value) -> str:
        return format_value(value, "plain")

    lines = []
    tangents = view.tangents if view.mode == "forward" else ()
    for index, step in enumerate(view.forward):
        line = f"forward {step.step} {step.output} = {step.op}({', '.join(step.inputs)}) = "
        line += ("not-kept" if step.value is None else v(step.value)) + (
            "" if step.recorded else " not-recorded"
        )
        if tangents:
            line += f" tangent {v(tangents[index])}"
        lines.append(line)
    sums_before: dict = {}
    for total in view.sums:
        sums_before.setdefault(total.before, []).append(total)

    def add_sums(before):
        for total in sums_before.get(before, []):
            parts = " + ".join(v(value) for _, value in total.parts)
            lines.append(f"sum {total.label} = {parts} = {v(total.total)}")

    for step in view.backward:
        add_sums(step.step)
        for c in step.contributions:
            if c.value is not None:
                lines.append(f"backward {step.step} {step.output} -> {c.input} {v(c.value)}")
    add_sums(None)
    for source, gradient in view.target.gradients.items():
        lines.append(f"gradient {source} {v(gradient)}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def tape_to_dot(view) -> str:
    """The graph in Graphviz DOT: a box per value (its value and gradient), an ellipse per step
    (dashed when not recorded), edges in execution order; every node declared once, first."""
    target = view.target
    gradient_of: dict = dict(target.gradients)
    for step in view.backward:
        gradient_of.setdefault(step.output, step.incoming)
    values: dict = {}  # label -> (node id, value)
    for name, info in view.evaluation.inputs.items():
        values.setdefault(name, (f"v{len(values)}", info.value))
    steps, edges = [], []
    for step in view.forward:
        for label in step.inputs:
            values.setdefault(label, (f"v{len(values)}", None))
        values.setdefault(step.output, (f"v{len(values)}", step.value))
        node = f"s{step.step}"
        steps.append((node, step))
        for position, label in enumerate(step.inputs):
            edges.append(
                f"  {values[label][0]} -> {node} [label={_dot_string(chr(97 + position))}];"
            )
        edges.append(f"  {node} -> {values[step.output][0]};")
    lines = [
        "digraph tape {",
        "  rankdir=LR;",
        '  node [fontname="monospace", fontsize=10];',
        '  edge [fontname="monospace", fontsize=9];',
    ]
    for label, (node, value) in values.items():
        text = label
        if value is not None:
            text += "\nvalue " + format_value(value, "table")
        if label in gradient_of:
            gradient = gradient_of[label]
            text += "\ngrad " + ("None" if gradient is None else format_value(gradient, "table"))
        lines.append(f"  {node} [shape=box, label={_dot_string(text)}];")
    for node, step in steps:
        text = f"{step.step}: {step.op}\n{step.source}"
        style = "" if step.recorded else ", style=dashed, color=gray"
        lines.append(f"  {node} [shape=ellipse, label={_dot_string(text)}{style}];")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


TAPE = types.SimpleNamespace(
    to_table=tape_to_table,
    to_json=lambda view: json_document(tape_to_dict(view)),
    to_plain=tape_to_plain,
    to_dot=tape_to_dot,
    to_csv=no_csv,
)
