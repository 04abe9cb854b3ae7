"""Programs as formulas: the sympy side of homework mode (`gradcli diff`, `check`, `functions`).

A program becomes one sympy expression through the same walker that runs it on the tape and each
primitive's own sympy form (`Op.sympy`), as in `translate`, with three differences that make
the result a formula a student recognises rather than the tape's derivative at one point:

- literals are exact: `2` is the Integer 2, `0.5` is 1/2 (a decimal of at most 8 significant
  digits becomes its Rational), `pi` and `e` are sympy's pi and E;
- power has no point-dependent convention: d/dy x**y is x**y*log(x), not TensorFlow's 0 for x <= 0;
- comparisons are relations (`x > 0` is Gt(x, 0)), so `where(x > 0, x**2, 0)` is a Piecewise.

What only a tape has (`stop_gradient`, assignments, dense layers with random weights) is refused
with `NoSympyForm`. The program's text never reaches sympy; symbols are our input names.

The `produce_*` functions run inside a worker (`workers.start_worker`: a forked child killed
when late; `homework` starts them and reads their answers), so they are generators of picklable
messages (dicts of strings and floats). A primitive's rule as text (`derivative_rules`,
`local_derivatives`) is what `catalog` and `rules` read. sympy is imported inside functions only.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from gradcli.engine.primitives import FORWARD_ON_OBJECTS, Op
from gradcli.errors import GradcliError, NotRealError
from gradcli.language.walker import Walker
from gradcli.program.records import Request

from .classical import classical, where_not
from .expressions import (
    MAX_SHOWN_TREE,
    NoSympyForm,
    at_point,
    plain_text,
    require_real,
    textbook,
    to_float,
    tree_size,
)
from .sympy_import import import_sympy
from .translate import SympyBackend
from .workers import OutOfTime

RELATIONS = {
    "less": "Lt",
    "less_equal": "Le",
    "greater": "Gt",
    "greater_equal": "Ge",
    "equal": "Eq",
    "not_equal": "Ne",
}
EXACT_DIGITS = 8  # a literal with at most this many significant digits is taken as exact
SIMPLER = 0.7  # a simplified form is shown when it has at most this fraction of the operations
TAPE_ONLY = "is a tape operation, not part of a formula: use gradcli grad"


def exact_number(sp, value: float):
    """A literal as the number its writer meant: 2 -> 2, 0.1 -> 1/10, pi -> pi."""
    if value == math.pi:
        return sp.pi
    if value == math.e:
        return sp.E
    if not math.isfinite(value):
        return sp.Float(value)
    if value.is_integer() and abs(value) <= 2**53:
        return sp.Integer(int(value))
    text = repr(value)
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "").strip("0")
    if len(mantissa) <= EXACT_DIGITS:
        return sp.Rational(text)
    return sp.Float(value)


class FormulaBackend(SympyBackend):
    """`SympyBackend` for formulas: exact literals, relations, no tape-only operations."""

    def __init__(self, request: Request):
        super().__init__(request, forward=None)

    def literal(self, value):
        if isinstance(value, bool):
            return super().literal(value)
        return self.wrap(exact_number(self.sp, float(value)))

    def apply(self, op: Op, inputs: list, params: dict, node):
        if op.name == "stop_gradient":
            raise NoSympyForm(f"stop_gradient {TAPE_ONLY}")
        if op.kind == "compare":
            relation = getattr(self.sp, RELATIONS[op.name])
            values = [self.read(v) for v in inputs]
            return self.wrap(np.frompyfunc(relation, 2, 1)(*values))
        out = super().apply(op, inputs, params, node)
        if self.sp.__name__ == "sympy":  # symengine's formulas (`fast`) know no assumptions
            require_real(self.sp, op.name, node, self.read(out), self.request.program.source)
            self._require_finite(inputs, out, node)
        return out

    def _require_finite(self, inputs: list, out, node) -> None:
        """NotRealError where an input's value is swallowed by an infinity (x + inf, x*inf,
        maximum(x, inf)): the formula is infinite for every input, so there is nothing to
        differentiate. An infinity of constants alone (-inf, exp(-inf)) stays a value."""
        infinite = [
            getattr(v, "has", lambda *a: False)(self.sp.oo, -self.sp.oo)
            for v in self.read(out).ravel()
        ]
        if not any(infinite):
            return
        names = set()
        for value in inputs:
            for item in np.ravel(self.read(value)):
                names |= {str(s) for s in getattr(item, "free_symbols", ())}
        if names:
            source = self.request.program.source
            text = source[node.span.start : node.span.end]
            every = ", ".join(sorted(names))
            message = f"{text} is not a finite real number: it is infinite for every {every}"
            raise NotRealError(message, span=node.span, source=source)

    def _power_convention(self, base, exponent):
        return [base, exponent]

    def dense(self, x, units, activation, use_bias, node):
        raise NoSympyForm(f"dense (a layer with random weights) {TAPE_ONLY}")

    def assign(self, kind, name, variable, delta, node):
        raise NoSympyForm(f"{kind} {TAPE_ONLY}")

    def statement(self, label, node, run):
        if label in self.request.stop:
            raise NoSympyForm(f"--stop {TAPE_ONLY}")
        return run()


def formula(request: Request, backend_class: type[FormulaBackend] | None = None) -> tuple:
    """(expression of the last statement, {input name: Symbol}); the program must be scalar.
    `backend_class`: a FormulaBackend (`fast.py`'s builds the formula in symengine)."""
    value, symbols = run_scalar(request, (backend_class or FormulaBackend)(request))
    return value[()], symbols


def run_scalar(request: Request, backend: FormulaBackend) -> tuple:
    """The program run on `backend`: (its last statement's value, the backend's 0-d object array,
    {input name: Symbol}); NoSympyForm when there is no statement or the value is not a number."""
    env, deps = backend.declare()
    walker = Walker(request.program, backend, env, deps)
    with np.errstate(all="ignore"):
        walker.run()
    if not walker.statements:
        raise NoSympyForm("the program has no statements")
    value = backend.read(walker.statements[-1][1])
    if value.shape != ():
        raise NoSympyForm(f"the program's value has shape {value.shape}, not a number")
    symbols = {name: array[()] for name, array in backend.symbols.items() if array.shape == ()}
    return value, symbols


def choose(sp, raw, simplified):
    """The form to show: the simplified one only when it is clearly shorter (sympy's simplify
    prefers x*(x*cos(x) + 2*sin(x)) to x**2*cos(x) + 2*x*sin(x); a student expects the latter)."""
    if simplified is None or simplified == raw:
        return raw
    before, after = sp.count_ops(raw), sp.count_ops(simplified)
    return simplified if after <= SIMPLER * before else raw


def value_at(sp, expr, point: dict) -> float:
    """`expr` at `point` (Symbol -> float), substituting Floats (never exact integers)."""
    floats = {symbol: sp.Float(float(v)) for symbol, v in point.items()}
    return to_float(sp, at_point(sp, expr, floats))[0]


def _error(error: BaseException) -> dict:
    """A worker's failure as a message: ours (NotRealError) keeps its class and caret for the
    parent to raise again (`homework.failure`)."""
    if isinstance(error, GradcliError):
        span = None if error.span is None else (error.span.start, error.span.end)
        return {"error": error.message, "class": type(error).__name__, "span": span,
                "source": error.source}  # fmt: skip
    return {"error": f"{error}"[:300] if isinstance(error, NoSympyForm) else _describe(error)}


def _describe(error: BaseException) -> str:
    return f"sympy failed: {type(error).__name__}: {error}"[:300]


# ---------------------------------------------------------------- gradcli diff


def _value(sp, derivative, at: dict, roots: list, symbol) -> float | None:
    """The derivative at the point; None at a root where it does not exist
    (`classical.where_not`)."""
    if any(float(root.subs(at)) == at[symbol] for root in roots):
        return None
    return value_at(sp, derivative, at)


def _shown(sp, f, symbol, order: int, derivative, unicode: bool, where=None) -> dict:
    """The derivative as text (in gradcli's language: `e`, `abs`), LaTeX and a pretty equation
    d/dx f = f', in the form a textbook writes (`expressions.textbook`); `where`: where it does
    not exist (`classical.where_not`), carried along."""
    small = tree_size(derivative, MAX_SHOWN_TREE) <= MAX_SHOWN_TREE
    if small:
        derivative = textbook(sp, derivative)
    text = plain_text(sp, derivative)
    latex = sp.latex(derivative)
    if small and tree_size(f, MAX_SHOWN_TREE) <= MAX_SHOWN_TREE:
        equation = sp.Eq(sp.Derivative(f, (symbol, order)), derivative, evaluate=False)
        pretty = sp.pretty(equation, use_unicode=unicode, wrap_line=False)
        pretty = "\n".join(line.rstrip() for line in pretty.splitlines())
    else:
        pretty = f"d/d{symbol} = {text}"
    return {"text": text, "latex": latex, "pretty": pretty, "where": where}


def produce_derivatives(
    request: Request,
    wrt: list[str],
    order: int,
    point: dict,
    budget: float,
    unicode: bool,
) -> Callable:
    """For a worker: first {"derivatives": [per wrt: text, latex, pretty, value]}, then
    {"simplified": (index, shown)} for each derivative simplify shortens within `budget` s."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            f, symbols = formula(request)
            # where abs, sign or where switch: the derivative where it exists, and where not
            derivatives = [classical(sp, sp.diff(f, (symbols[name], order))) for name in wrt]
            missing = [where_not(sp, f, symbols[name], order) for name in wrt]
            at = {symbols[name]: value for name, value in point.items()}
            first = []
            for name, derivative, (where, roots) in zip(wrt, derivatives, missing):
                shown = _shown(sp, f, symbols[name], order, derivative, unicode, where)
                shown["value"] = _value(sp, derivative, at, roots, symbols[name]) if point else None
                first.append(shown)
        except Exception as error:  # sympy raises many kinds: each is a message for the user
            yield _error(error)
            return
        yield {"derivatives": first}
        end = time.monotonic() + budget
        for index, (name, derivative) in enumerate(zip(wrt, derivatives)):
            if tree_size(derivative, MAX_SHOWN_TREE) > MAX_SHOWN_TREE:
                continue
            try:
                with interrupt(end - time.monotonic()):
                    simplified = sp.simplify(derivative)
            except OutOfTime:
                return
            except Exception:
                continue
            chosen = choose(sp, derivative, simplified)
            if chosen is not derivative:
                shown = _shown(sp, f, symbols[name], order, chosen, unicode, missing[index][0])
                yield {"simplified": (index, shown)}

    return produce


# ---------------------------------------------------------------- gradcli check


def produce_comparison(
    request: Request, claim_request: Request, wrt: str, budget: float
) -> Callable:
    """For a worker: {"derivative": text}, then {"difference": "zero" | "nonzero" | "unknown",
    "why": ...}, then perhaps {"derivative": shorter text} (simplify within `budget` s)."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            f, symbols = formula(request)
            claim, _ = formula(claim_request)
            derivative = classical(sp, sp.diff(f, symbols[wrt]))  # where it exists
        except Exception as error:
            yield _error(error)
            return
        yield {"derivative": _text(sp, derivative)}
        end = time.monotonic() + budget
        difference = derivative - claim
        if difference != 0:
            try:
                with interrupt(end - time.monotonic()):
                    difference = sp.simplify(difference)
            except OutOfTime:
                yield {"difference": "unknown", "why": f"sympy ran out of time ({budget:g} s)"}
                return
            except Exception as error:
                yield {"difference": "unknown", "why": _describe(error)}
                return
        if difference == 0:
            yield {"difference": "zero", "why": "the difference simplifies to 0"}
        elif difference.is_number and difference.is_zero is False:
            why = f"the difference is {plain_text(sp, difference)}"
            yield {"difference": "nonzero", "why": why}
        else:
            shown = plain_text(sp, difference)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            yield {"difference": "unknown", "why": f"the difference simplifies to {shown}, not 0"}
        if tree_size(derivative, MAX_SHOWN_TREE) > MAX_SHOWN_TREE:
            return
        try:
            with interrupt(end - time.monotonic()):
                simplified = sp.simplify(derivative)
        except (OutOfTime, Exception):
            return
        chosen = choose(sp, derivative, simplified)
        if chosen is not derivative:
            yield {"derivative": _text(sp, chosen)}

    return produce


def _text(sp, derivative) -> str:
    """`gradcli check`'s derivative as text: in the textbook's form where small enough."""
    if tree_size(derivative, MAX_SHOWN_TREE) <= MAX_SHOWN_TREE:
        derivative = textbook(sp, derivative)
    return plain_text(sp, derivative)


# ---------------------------------------------------------------- gradcli functions


def derivative_rules(op: Op) -> list[tuple[str, str | None]] | None:
    """Per input of an elementwise primitive: (input name, its derivative from the sympy form,
    or None where the primitive passes no gradient). None for primitives whose derivative is
    not a formula of scalars (reductions, shapes, matmul) or that have no sympy form."""
    found = local_derivatives(op)
    if found is None:
        return None
    _, derivatives = found
    sp = import_sympy()  # written in gradcli's language (abs, where, e), as diff answers
    return [(str(s), None if d is None else plain_text(sp, d)) for s, d in derivatives]


@functools.cache
def local_derivatives(op: Op, names: str = "xyz") -> tuple | None:
    """(the form, [(symbol, the derivative, or None where no gradient passes)]) for an
    elementwise primitive, its inputs named by `names`; None when its derivative is not a
    formula of scalars (reductions, shapes, matmul) or it has no sympy form. The one derivation
    of a primitive's rule as text: `gradcli functions` and `gradcli tape` both show it."""
    if op.sympy is None or op.sympy == FORWARD_ON_OBJECTS or op.variadic:
        return None
    if op.kind not in ("elementwise", "other") or op.params or op.arity > len(names):
        return None
    sp = import_sympy()
    symbols = _form_symbols(sp, op, names)
    try:
        expr = _basic(sp, op.sympy(sp, *symbols))
        derivatives = []
        for symbol, rule in zip(symbols, op.grads):
            if rule is None:
                derivatives.append((symbol, None))
                continue
            # DiracDelta comes only from sign, whose gradient the tape defines as 0 (as the
            # cross-check does); powsimp writes x**y*y/x as x**(y - 1)*y
            derivative = sp.powsimp(sp.diff(expr, symbol))
            derivative = derivative.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
            derivatives.append((symbol, choose(sp, derivative, sp.simplify(derivative))))
    except Exception:  # noqa: BLE001 - a form sympy cannot differentiate: no formula
        return None
    return expr, derivatives


def _form_symbols(sp, op: Op, names: str = "xyz") -> list:
    """The inputs as real symbols named by `names`, in order; an input that passes no gradient
    (`where`'s condition) is a plain symbol, as a Piecewise condition must be."""
    return [
        sp.Symbol(name, real=rule is not None) for name, rule in zip(names[: op.arity], op.grads)
    ]


def form_text(op: Op) -> str | None:
    """The primitive's sympy form written out in gradcli's language, e.g. `1/(exp(-x) + 1)` for
    sigmoid, `where(x > 0, x, 0)` for relu."""
    if op.sympy is None or op.sympy == FORWARD_ON_OBJECTS or op.variadic or op.params:
        return None
    if op.kind not in ("elementwise", "other"):
        return None
    sp = import_sympy()
    return plain_text(sp, _basic(sp, op.sympy(sp, *_form_symbols(sp, op))))


def _basic(sp, value):
    """A form's result as a sympy object: some forms return a plain 0 or 1."""
    return sp.Integer(value) if isinstance(value, int) else value
