"""The catalogue of the language's functions that `gradcli functions` shows, read from the
primitive registry.

One entry per public primitive (`engine.primitives.REGISTRY`, in registration order): its
signature, aliases, namespaces and every accepted spelling (`primitives.spellings()`), the domain
its tests sample from, the one-line doc, its convention at kinks, its sympy form written out and
its derivative rule derived from that form (`sin(x) -> cos(x)`; reductions, shape functions and
matmul have no scalar rule). The form and the rule are read from `rule_texts.py`, derived once
from the registry (`rule_cache.py`); sympy derives them only when that module is stale.
"""

from __future__ import annotations

from gradcli.engine.primitives import REGISTRY, Op, spellings

from .formula import derivative_rules, form_text
from .rule_cache import cached


def entries() -> list[dict]:
    """The public primitives, in registration order, as plain data (what `--json` writes)."""
    table = spellings()
    generated = cached()
    out = []
    for op in REGISTRY.values():
        if not op.public:
            continue
        names = ["values"] if op.variadic else list("xyz"[: op.arity])
        form, derivative = generated.CATALOG[op.name] if generated else derive_texts(op)
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
                "form": form,
                "derivative": derivative,
                "convention": op.convention or None,
            }
        )
    return out


def derive_texts(op: Op) -> tuple[str | None, str | None]:
    """(the sympy form written out, the derivative rule as text), derived by sympy now."""
    return form_text(op), _rule_text(op, derivative_rules(op))


def _rule_text(op: Op, rules: list | None) -> str | None:
    """`cos(x)` for one input; `d/dx: y; d/dy: x` for several; "no gradient"; None: no rule."""
    if not op.differentiable:
        return "no gradient"
    if rules is None:
        return None
    if len(rules) == 1:
        return rules[0][1] or "no gradient"
    return "; ".join(f"d/d{name}: {rule if rule is not None else 'none'}" for name, rule in rules)
