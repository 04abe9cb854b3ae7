"""The catalogue of the language's functions that `gradcli functions` shows, read from the
primitive registry.

One entry per public primitive (`engine.primitives.REGISTRY`, in registration order): its
signature, aliases, namespaces and every accepted spelling (`primitives.spellings()`), the domain
its tests sample from, the one-line doc, its convention at kinks, its sympy form written out and
its derivative rule derived from that form (`sin(x) -> cos(x)`; reductions, shape functions and
matmul have no scalar rule). sympy is imported when the entries are built.
"""

from __future__ import annotations

from gradcli.engine.primitives import REGISTRY, Op, spellings

from .formula import derivative_rules, form_text


def entries() -> list[dict]:
    """The public primitives, in registration order, as plain data (what `--json` writes)."""
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


def _rule_text(op: Op, rules: list | None) -> str | None:
    """`cos(x)` for one input; `d/dx: y; d/dy: x` for several; "no gradient"; None: no rule."""
    if not op.differentiable:
        return "no gradient"
    if rules is None:
        return None
    if len(rules) == 1:
        return rules[0][1] or "no gradient"
    return "; ".join(f"d/d{name}: {rule if rule is not None else 'none'}" for name, rule in rules)
