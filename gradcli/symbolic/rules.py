"""A primitive's local derivative, as a person reads it: `d/da (a*b) = b`, and its value at a point.

Derived from the primitive's sympy form (`Op.sympy`, through `formula.local_derivatives`), with
symbols a, b, c, ... for its inputs in order. Operations whose rule works on whole arrays
(reductions, shapes, matmul) have no scalar formula; their rule is named by the primitive's name
and doc. `gradcli tape` shows these rules beside each step of the backward pass: `explain`
fills them, and each local value, into the view that `program.recording.record` left without.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from gradcli.engine.primitives import REGISTRY, Op
from gradcli.program.steps import (
    SYMBOLS,
    BackwardStep,
    Contribution,
    LocalRule,
    TapeView,
    symbol,
)
from gradcli.record import replace

from .formula import local_derivatives
from .rule_cache import cached
from .sympy_import import import_sympy

__all__ = ["custom_rule", "explain", "local_rule", "local_value"]


def explain(view: TapeView) -> TapeView:
    """`view` with each contribution's local rule, and its local value where one is shown."""
    return replace(view, backward=tuple(_explained(step) for step in view.backward))


def _explained(step: BackwardStep) -> BackwardStep:
    if step.custom:  # a `gc.custom_gradient` call (`gc.explain`): the rule is the user's
        contributions = tuple(
            c if c.rule is not None else replace(c, rule=custom_rule(step.op, c.symbol))
            for c in step.contributions
        )
        return replace(step, contributions=contributions)
    op = REGISTRY[step.op]
    contributions = tuple(_explained_contribution(op, step, c) for c in step.contributions)
    return replace(step, contributions=contributions)


def _explained_contribution(op: Op, step: BackwardStep, c: Contribution) -> Contribution:
    if c.rule is not None:  # named by the recording: the input gets no gradient
        return c
    rule = local_rule(op, c.index)
    local = None
    if c.value is not None and rule.derived:
        local = local_value(op, c.index, list(step.operands))
        if local is not None and not _consistent(step.incoming, local, c.value):
            local = None  # shown only when incoming x local is the contribution itself
    return replace(c, rule=rule, local=local)


def _consistent(incoming, local, value) -> bool:
    try:
        return bool(np.allclose(np.asarray(incoming) * local, value, rtol=1e-12, atol=0.0))
    except (TypeError, ValueError):
        return False


def custom_rule(name: str, input_symbol: str) -> LocalRule:
    """The rule of a `gc.custom_gradient` step: whatever its `grad_fn` sent, not derived here."""
    return LocalRule(
        f"custom gradient: {name}",
        f"what {name}'s grad_fn returned for {input_symbol}, given the incoming gradient "
        "(the user's rule: not incoming times a derivative gradcli knows)",
        False,
    )


@functools.cache
def local_rule(op: Op, i: int) -> LocalRule | None:
    """The local rule of input `i` of `op` (None: the input gets no gradient, e.g. where's
    condition), derived by sympy from `op.sympy` when the op works element by element."""
    grad = op.grads[i] if op.arity else op.grads[0]  # variadic: one rule shared by every input
    if grad is None:
        return None
    formula = _sympy_rules(op)
    if formula is not None:
        return formula[i]
    inputs = ", ".join(SYMBOLS[: op.arity]) if op.arity else "a, b, ..."
    words = op.doc + (f" ({op.convention})" if op.convention else "")
    return LocalRule(f"d/d{symbol(i)} {op.name}({inputs})", words, False)


@functools.cache
def _sympy_rules(op: Op) -> list | None:
    """Each input's LocalRule, written from the one derivation of `formula.local_derivatives`
    (read from `rule_texts.py`, derived once: `rule_cache.py`)."""
    generated = cached()
    rules = generated.TAPE[op.name] if generated else derive_rules(op)
    if rules is None:
        return None
    return [None if rule is None else LocalRule(*rule, True) for rule in rules]


def derive_rules(op: Op) -> list | None:
    """Per input, (symbols, words) of its rule, or None where no gradient passes; None when
    the op has no scalar formula. Derived by sympy now."""
    found = local_derivatives(op, SYMBOLS)
    if found is None:
        return None
    sp = import_sympy()
    expr, derivatives = found
    shown_expr = _text(sp, expr)
    bracketed = shown_expr if _is_atom(shown_expr) else f"({shown_expr})"
    rules = []
    for i, (name, derivative) in enumerate(derivatives):
        if derivative is None:  # no gradient passes (where's condition): never asked for
            rules.append(None)
            continue
        shown = _text(sp, derivative)
        words = (
            f"the derivative of {shown_expr} with respect to {name}, its "
            f"{_ordinal(i + 1)} input, is {shown}"
        )
        if op.convention:
            words += f" ({op.convention})"
        rules.append((f"d/d{name} {bracketed} = {shown}", words))
    return rules


def _is_atom(text: str) -> bool:
    """`a` or `sin(a)`: needs no brackets after d/da (`sin(a) + cos(a)` does)."""
    if re.fullmatch(r"\w+", text):
        return True
    if not re.match(r"\w+\(", text) or not text.endswith(")"):
        return False
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char == ")":
            return i == len(text) - 1
    return False


def _text(sp, expr) -> str:
    """A sympy expression as a person writes it: Piecewise as `1 if a > 0 else 0`."""
    if isinstance(expr, sp.Piecewise):
        parts = []
        for value, condition in expr.args:
            if condition is sp.true:
                parts.append(_text(sp, value))
            else:
                parts.append(f"{_text(sp, value)} if {sp.sstr(condition)} else")
        return " ".join(parts)
    return sp.sstr(expr)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def local_value(op: Op, i: int, values: list) -> np.ndarray | None:
    """The local derivative at the step's (scalar) inputs, from the same sympy derivative."""
    if not callable(op.sympy) or op.kind not in ("elementwise", "other") or op.params:
        return None
    if not op.arity or any(np.ndim(v) for v in values):
        return None
    sp = import_sympy()

    symbols = sp.symbols(" ".join(SYMBOLS[: op.arity]), real=True, seq=True)
    try:
        derivative = sp.diff(op.sympy(sp, *symbols), symbols[i])
        derivative = derivative.replace(sp.DiracDelta, lambda *_: sp.Integer(0))
        point = {sym: sp.Float(float(v)) for sym, v in zip(symbols, values)}
        return np.float64(float(derivative.xreplace(point)))
    except Exception:  # complex, undefined, or not a number: not shown
        return None
