"""`gradcli diff --steps`: a derivative derived the way a textbook does, one rule at a time.

The expression is read as the student wrote it (`written.written_tree`) and each operation is
matched with its rule: constant, variable, constant multiple, sum or difference, product,
quotient, power, chain ("let u = ..."), exponential, logarithm, trigonometric, inverse
trigonometric, hyperbolic and inverse hyperbolic, absolute value (its sign, and where it is not
differentiable), logarithmic differentiation (`x**x`) and, for every other primitive, its
table entry (derived from the registry's sympy form; see `written.family`). Whatever has no rule
(a reduction over a list, `where`, a primitive with parameters) is differentiated by the table:
sympy's derivative, in one step. The rules' result is then simplified
(`derivation_worker.produce_steps`); it is sympy's derivative of the same expression, which the
tests assert for every case.

What the renderers receive are `Step` records: plain strings, no sympy.
"""

from __future__ import annotations

from gradcli.engine.primitives import REGISTRY
from gradcli.program.records import Request
from gradcli.record import Record

from .expressions import NoSympyForm, letter_e, plain_text
from .sympy_import import import_sympy
from .written import (
    Term,
    factors,
    family,
    is_symbol,
    kink,
    product_statement,
    product_term,
    rebuilt,
    rewritten,
    signed_terms,
    sum_statement,
    table_entry,
    written,
    written_tree,
)

LETTERS = "uvwpqrst"  # the chain rule's "let u = ...", by depth of nesting
MAX_STEPS = 400  # a derivation longer than this is not shown step by step


class Step(Record):
    """One rule applied: to `expression` (as written), with respect to `wrt`, giving `derivative`.

    `statement`: the rule as applied here (text and LaTeX); `let`: the chain rule's substitution
    (name, text, LaTeX) or None; `notes`: what the student should also know (where the function is
    not differentiable, `sqrt(x) = x**(1/2)`); `substeps`: the steps this one uses, in order.
    """

    __slots__ = (
        "rule",
        "wrt",
        "expression",
        "expression_latex",
        "derivative",
        "derivative_latex",
        "statement",
        "statement_latex",
        "let",
        "notes",
        "substeps",
    )

    def __reduce__(self):  # sent from a worker process: rebuilt through __init__
        return (type(self), self._values())


class Derived:
    """A step and the derivative it gives, as sympy (`real`) and as shown (`display`: table
    entries named after their primitive, e.g. sigmoid(u))."""

    __slots__ = ("step", "real", "display")

    def __init__(self, step: Step, real, display):
        self.step, self.real, self.display = step, real, display


class Deriver:
    """Applies the rules to a `Term` tree, with respect to the symbol `x`."""

    def __init__(self, x, taken: set[str]):
        self.sp = import_sympy()
        self.x = x
        self.letters = [c for c in LETTERS if c not in taken] + [f"u{i}" for i in range(1, 99)]
        self.depth = 0
        self.count = 0

    # ------------------------------------------------------------ building steps

    def text(self, expr, written: bool = False) -> tuple[str, str]:
        order = "none" if written else None
        expr = expr if written else letter_e(self.sp, expr)
        return plain_text(self.sp, expr, order=order), self.sp.latex(expr, order=order)

    def step(self, rule, term, wrt, display, statement, *, let=None, notes=(), substeps=()):
        self.count += 1
        if self.count > MAX_STEPS:
            raise NoSympyForm(
                f"the derivation has more than {MAX_STEPS} steps, too many to show: "
                "gradcli diff EXPR without --steps gives the derivative"
            )
        expression, expression_latex = self.text(term.shown, written=True)
        derivative, derivative_latex = self.text(display)
        return Step(
            rule, str(wrt), expression, expression_latex, derivative, derivative_latex,
            statement[0], statement[1], let, tuple(notes), tuple(d.step for d in substeps),
        )  # fmt: skip

    def statement(self, wrt, term, display) -> tuple[str, str]:
        """d/dx f = f' for this term, in text and LaTeX."""
        sp = self.sp
        derivative = plain_text(sp, letter_e(sp, display))
        text = f"d/d{wrt} {plain_text(sp, term.shown, order='none')} = {derivative}"
        latex = (
            rf"\frac{{d}}{{d{sp.latex(wrt)}}} {sp.latex(term.shown, order='none')} = "
            f"{sp.latex(display)}"
        )
        return text, latex

    def named(self, term: Term):
        """The term evaluated as sympy would, each primitive without a family kept by its name
        (`softplus(x**2)`, not `log(exp(x**2) + 1)`): what a shown derivative is made of."""
        if term.op == "log_base":  # log(x, b) shown; ln(x)/ln(b) in a derivative
            x, b = term.operands
            return self.sp.log(self.named(x)) / self.sp.log(self.named(b))
        return rebuilt(term.shown)

    # ------------------------------------------------------------ the rules

    def derive(self, term: Term, wrt=None) -> Derived:
        """The derivative of `term` with respect to `wrt` (default: x), step by step; a rule
        that fails leaves its term to the table (sympy's derivative), never the whole steps."""
        wrt = self.x if wrt is None else wrt
        try:
            return self.by_rule(term, wrt)
        except NoSympyForm:
            raise
        except Exception:  # noqa: BLE001 - e.g. sympy failing inside a rule: one table step
            return self.by_the_table(term, wrt)

    def by_rule(self, term: Term, wrt) -> Derived:
        if wrt not in term.expr.free_symbols:
            return self.simple("constant", term, wrt, self.sp.Integer(0))
        op = term.op
        if op == "symbol":
            return self.simple("variable", term, wrt, self.sp.Integer(1))
        if op == "log_base":
            return self.log_base(term, wrt)
        if op in ("add", "subtract"):
            return self.sum(term, wrt)
        if op in ("multiply", "negative"):
            return self.product(term, wrt)
        if op == "divide":
            if wrt not in term.operands[1].expr.free_symbols:
                return self.product(term, wrt)
            return self.quotient(term, wrt)
        if op == "power":
            return self.power(term, wrt)
        if op in REGISTRY and len(term.operands) == 1 and family(REGISTRY[op])[1] is not None:
            return self.function(term, wrt)
        if op in REGISTRY and len(term.operands) == 1 and table_entry(REGISTRY[op]):
            return self.function(term, wrt)
        return self.by_the_table(term, wrt)

    def simple(self, rule, term, wrt, derivative) -> Derived:
        step = self.step(rule, term, wrt, derivative, self.statement(wrt, term, derivative))
        return Derived(step, derivative, derivative)

    def by_the_table(self, term, wrt) -> Derived:
        derivative = self.sp.diff(term.expr, wrt)
        return self.simple("table", term, wrt, derivative)

    def sum(self, term, wrt) -> Derived:
        signed = signed_terms(term, 1)
        parts = [self.derive(t, wrt) for _, t in signed]
        real = self.sp.Add(*[s * d.real for (s, _), d in zip(signed, parts)])
        display = self.sp.Add(*[s * d.display for (s, _), d in zip(signed, parts)])
        rule = "sum" if all(s > 0 for s, _ in signed) else "difference"
        statement = sum_statement([s for s, _ in signed], wrt)
        return Derived(
            self.step(rule, term, wrt, display, statement, substeps=parts), real, display
        )

    def product(self, term, wrt) -> Derived:
        """Constant multiple (constant factors out), then the product rule on what is left."""
        sp = self.sp
        parts_of = factors(sp, term)
        constant = [f for f in parts_of if wrt not in f.expr.free_symbols]
        varying = [f for f in parts_of if wrt in f.expr.free_symbols]
        if constant:
            c = sp.Mul(*[f.expr for f in constant])
            rest = varying[0] if len(varying) == 1 else product_term(sp, varying)
            inner = self.derive(rest, wrt)
            real, display = c * inner.real, c * inner.display
            shown_c = plain_text(sp, c)
            statement = (
                f"d/d{wrt} (c*f) = c*(d/d{wrt} f), with c = {shown_c}",
                rf"\frac{{d}}{{d{sp.latex(wrt)}}} (c f) = c \frac{{d f}}{{d{sp.latex(wrt)}}},"
                rf"\ c = {sp.latex(c)}",
            )
            step = self.step("constant_multiple", term, wrt, display, statement, substeps=[inner])
            return Derived(step, real, display)
        parts = [self.derive(f, wrt) for f in varying]
        products = [
            [parts[j] if i == j else None for j in range(len(varying))] for i in range(len(varying))
        ]
        named = [self.named(f) for f in varying]
        real = sp.Add(*[sp.Mul(*[p.real if p else f.expr for p, f in zip(row, varying)])
                        for row in products])  # fmt: skip
        display = sp.Add(*[sp.Mul(*[p.display if p else n for p, n in zip(row, named)])
                           for row in products])  # fmt: skip
        step = self.step(
            "product", term, wrt, display, product_statement(len(varying)), substeps=parts
        )
        return Derived(step, real, display)

    def quotient(self, term, wrt) -> Derived:
        f, g = term.operands
        df, dg = self.derive(f, wrt), self.derive(g, wrt)
        real = (df.real * g.expr - f.expr * dg.real) / g.expr**2
        g_named = self.named(g)
        display = (df.display * g_named - self.named(f) * dg.display) / g_named**2
        statement = (
            "(f/g)' = (f'*g - f*g')/g**2",
            r"\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^{2}}",
        )
        step = self.step("quotient", term, wrt, display, statement, substeps=[df, dg])
        return Derived(step, real, display)

    def power(self, term, wrt) -> Derived:
        base, exponent = term.operands
        base_varies = wrt in base.expr.free_symbols
        exponent_varies = wrt in exponent.expr.free_symbols
        if base_varies and exponent_varies:
            return self.logarithmic(term, wrt)
        index = 0 if base_varies else 1
        if is_symbol(term.operands[index], wrt):
            sp = self.sp
            if base_varies:
                n = exponent.expr
                derivative = n * base.expr ** (n - 1)
                return self.simple("power", term, wrt, derivative)
            return self.simple("exponential", term, wrt, sp.diff(term.expr, wrt))
        return self.chain(term, wrt, index)

    def logarithmic(self, term, wrt) -> Derived:
        """y = f**g: ln(y) = g*ln(f), so y' = y*(g*ln(f))'."""
        sp = self.sp
        f, g = term.operands
        log_f = Term("log", (f,), sp.log(f.expr), sp.log(f.shown, evaluate=False))
        product = Term("multiply", (g, log_f), g.expr * log_f.expr,
                       sp.Mul(g.shown, log_f.shown, evaluate=False))  # fmt: skip
        inner = self.derive(product, wrt)
        real, display = term.expr * inner.real, self.named(term) * inner.display
        statement = (
            "y = f**g: ln(y) = g*ln(f), so y'/y = (g*ln(f))' and y' = f**g*(g*ln(f))'",
            r"y = f^{g}:\ \ln y = g \ln f,\ \frac{y'}{y} = (g \ln f)',\ y' = f^{g} (g \ln f)'",
        )
        let = ("ln(y)",) + self.text(product.shown, written=True)
        where = [f"ln(f) needs f > 0: valid where {plain_text(sp, f.shown, order='none')} > 0"]
        step = self.step(
            "logarithmic_differentiation", term, wrt, display, statement, let=let, notes=where,
            substeps=[inner],
        )  # fmt: skip
        return Derived(step, real, display)

    def log_base(self, term, wrt) -> Derived:
        """log(f, b) = ln(f)/ln(b) in one rule, the chain rule for f; a base that varies
        is the quotient of the two logarithms."""
        sp = self.sp
        f, b = term.operands
        if wrt in b.expr.free_symbols:
            logs = [Term("log", (t,), sp.log(t.expr), sp.log(t.shown, evaluate=False))
                    for t in (f, b)]  # fmt: skip
            shown = written(sp, REGISTRY["divide"], [t.shown for t in logs])
            return self.quotient(Term("divide", tuple(logs), term.expr, shown), wrt)
        if not is_symbol(f, wrt):
            return self.chain(term, wrt, 0)
        derivative = 1 / (wrt * sp.log(b.expr))
        base = plain_text(sp, b.shown, order="none")
        notes = [f"log({wrt}, {base}) = ln({wrt})/ln({base})"]
        statement = self.statement(wrt, term, derivative)
        step = self.step("logarithm_base", term, wrt, derivative, statement, notes=notes)
        return Derived(step, derivative, derivative)

    def function(self, term, wrt) -> Derived:
        """A primitive of one input: its own rule at a variable, else the chain rule."""
        (operand,) = term.operands
        if not is_symbol(operand, wrt):
            return self.chain(term, wrt, 0)
        sp = self.sp
        op = REGISTRY[term.op]
        rule, detail = family(op)
        real = sp.diff(term.expr, wrt)
        display, notes = real, []
        if rule == "power":
            exponent = (
                plain_text(sp, detail) if detail.is_Integer else f"({plain_text(sp, detail)})"
            )
            notes.append(f"{plain_text(sp, term.shown)} = {wrt}**{exponent}")
        elif rule == "absolute_value":
            notes += [f"sign({wrt}) = {wrt}/|{wrt}|", f"not differentiable at {wrt} = 0"]
        elif rule == "logarithm" and not isinstance(detail, str):
            notes.append(f"{plain_text(sp, term.shown)} = ln({wrt})/ln({plain_text(sp, detail)})")
        elif rule == "table":
            t, _, named = table_entry(op)
            display = named.xreplace({t: wrt})
        step = self.step(rule, term, wrt, display, self.statement(wrt, term, display), notes=notes)
        return Derived(step, real, display)

    def chain(self, term, wrt, index: int) -> Derived:
        """Let u = the operand at `index`: d/dx f(u) = d/du f(u) * du/dx."""
        sp = self.sp
        inner = term.operands[index]
        letter = self.letters[min(self.depth, len(self.letters) - 1)]
        u = sp.Symbol(letter, real=True)
        u_term = Term("symbol", (), u, u)
        operands = list(term.operands)
        operands[index] = u_term
        exprs = [t.expr for t in operands]
        if term.op == "log_base":
            outer_expr = sp.log(exprs[0]) / sp.log(exprs[1])
        else:
            outer_expr = REGISTRY[term.op].sympy(sp, *exprs)
        outer_shown = rewritten(sp, term, [t.shown for t in operands])
        outer = Term(term.op, tuple(operands), sp.sympify(outer_expr), outer_shown)
        self.depth += 1
        try:
            outer_step = self.derive(outer, u)
            inner_step = self.derive(inner, wrt)
        finally:
            self.depth -= 1
        at = {u: inner.expr}
        real = outer_step.real.xreplace(at) * inner_step.real
        display = outer_step.display.xreplace({u: self.named(inner)}) * inner_step.display
        notes = []
        if outer_step.step.rule == "absolute_value":
            notes.append(kink(sp, inner.expr, wrt))
        statement = (
            f"d/d{wrt} f({letter}) = d/d{letter} f({letter}) * d{letter}/d{wrt}",
            rf"\frac{{d}}{{d{sp.latex(wrt)}}} f({letter}) = \frac{{d f}}{{d{letter}}} "
            rf"\cdot \frac{{d{letter}}}{{d{sp.latex(wrt)}}}",
        )
        let = (letter,) + self.text(inner.shown, written=True)
        step = self.step(
            "chain", term, wrt, display, statement, let=let, notes=notes,
            substeps=[outer_step, inner_step],
        )  # fmt: skip
        return Derived(step, real, display)


# ---------------------------------------------------------------- for the command


def derive(request: Request, name: str) -> tuple[Step, object, object, object]:
    """(the rule tree for d/d`name` of the program, the rules' derivative as sympy, as shown,
    the program as sympy). Runs in this process."""
    term, symbols = written_tree(request)
    deriver = Deriver(symbols[name], set(symbols))
    derived = deriver.derive(term)
    return derived.step, derived.real, derived.display, term.expr
