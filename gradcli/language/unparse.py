"""`unparse`: a syntax tree back to gradcli source text, with only the parentheses it needs.

The way back from `parser`: `parse_expression(unparse(e))` equals `e` up to spans, which the
language tests check. Meant for quoting an expression in a message. It shares the parser's table of
operator precedence, so the two cannot disagree about where parentheses are needed.
"""

from __future__ import annotations

from .parser import BINARY_PRECEDENCE
from .syntax import (
    Binary,
    Bool,
    Call,
    Compare,
    Expr,
    Keyword,
    ListExpr,
    Name,
    Number,
    Slice,
    String,
    Subscript,
    TupleExpr,
    Unary,
)

__all__ = ["unparse"]

# Binding strength for `unparse`: an operand weaker than its context gets parentheses.
_UNPARSE_LEVEL = {**BINARY_PRECEDENCE, "**": 5}
_ATOM_LEVEL = 6


def unparse(node: Expr | Slice | Keyword) -> str:
    """Source text for an expression, with only the parentheses it needs (for messages).

    Iterative, with an explicit stack: a 30,000-term sum is deeper than Python's recursion limit.
    `parse_expression(unparse(e))` equals `e` up to spans.
    """
    out: list[str] = []
    stack: list = [(node, 0)]  # items are text to emit or (node, weakest level allowed there)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, context = item
        pieces = _unparse_pieces(node)
        level = _node_level(node)
        if level < context:
            pieces = ["(", *pieces, ")"]
        stack.extend(reversed(pieces))
    return "".join(out)


def _node_level(node) -> int:
    if isinstance(node, Binary | Compare):
        return _UNPARSE_LEVEL[node.op]
    return 4 if isinstance(node, Unary) else _ATOM_LEVEL


def _joined(items) -> list:
    """Comma-separated items, each allowed any expression (the commas delimit them)."""
    pieces: list = []
    for i, item in enumerate(items):
        pieces += [", "] * (i > 0) + [(item, 0)]
    return pieces


def _unparse_pieces(node) -> list:
    """One node's text as a list of strings and (child, level) pairs still to expand."""
    if isinstance(node, Number):
        return [node.text]
    if isinstance(node, String):
        escaped = node.value.replace("\\", "\\\\").replace('"', '\\"')
        return ['"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"']
    if isinstance(node, Bool | Name):
        return [str(node.value) if isinstance(node, Bool) else node.name]
    if isinstance(node, Unary):
        return [node.op, (node.operand, 4)]
    if isinstance(node, Binary | Compare):
        level = _UNPARSE_LEVEL[node.op]
        if node.op == "**":  # right-assoc; the exponent may be unary, the base may not
            return [(node.left, _ATOM_LEVEL), "**", (node.right, 4)]
        right_level = level + 1  # left-assoc, and comparisons don't chain
        return [(node.left, level + (level == 1)), f" {node.op} ", (node.right, right_level)]
    if isinstance(node, Call):
        return [node.func.name, "(", *_joined(node.args + node.keywords), ")"]
    if isinstance(node, Keyword):
        return [f"{node.name}=", (node.value, 0)]
    if isinstance(node, ListExpr):
        return ["[", *_joined(node.items), "]"]
    if isinstance(node, TupleExpr):
        return ["(", *_joined(node.items), "," * (len(node.items) == 1), ")"]
    if isinstance(node, Subscript):
        return [(node.value, _ATOM_LEVEL), "[", *_joined(node.index), "]"]
    if isinstance(node, Slice):
        parts = [node.start, ":", node.stop] + ([":", node.step] if node.step else [])
        return [(p, 0) if not isinstance(p, str) else p for p in parts if p is not None]
    raise TypeError(f"not a gradcli syntax node: {type(node).__name__}")
