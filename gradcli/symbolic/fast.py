"""The cross-check's fast path: a gradient's symbolic answer from symengine, without sympy.

Importing sympy costs about twice importing numpy, more than everything else an everyday
`gradcli grad "x**2" --x 3` does. symengine (sympy's C++ core, about 20 ms to import)
differentiates and substitutes one to two orders of magnitude faster, but it lacks some of what
the cross-check relies on (derivatives of Abs, Max and Piecewise, DiracDelta, assumptions,
`simplify`) and prints in its own order (`2 + x` where sympy writes `x + 2`). So this path
answers only where its answer is the one sympy would give, and gives the rest to sympy
(`expected.py`), unchanged:

- the program uses only operations in `FAST_OPS` (smooth ones whose symengine form is the same
  function), and constant exponents (TensorFlow's convention for d/dy x**y needs the point);
- each value at the point is a finite real number (an infinity, a complex value or an overflow,
  which sympy's arbitrary precision might avoid, goes to sympy);
- the shown expression is one whose text cannot differ between the two libraries (`2*x`,
  `cos(x)`, `-3*x**2`: `_PLAIN`), is not shown (a source of several elements: "N partial
  derivatives"), or is too large to show; anything that sympy would simplify goes to sympy.

`gradcli check`'s symbolic half has the same fast path (`comparison`): when symengine expands
the difference between the derivative and the answer to 0 and the derivative's text is plain,
that is what sympy would say; anything else (a difference not shown to be 0, a form sympy
would simplify, a literal that is not an integer) is sympy's.

It runs in a worker with a deadline, like every symbolic step (`workers.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np

from gradcli.engine.primitives import FORWARD_ON_OBJECTS, Op
from gradcli.program.forward import ForwardRun
from gradcli.program.records import Request

from .expected import Expected
from .expressions import MAX_DEPTH, MAX_SHOWN_TREE, MAX_TREE, NoSympyForm
from .formula import FormulaBackend, formula
from .translate import SympyBackend, _objects, is_intermediate, translate
from .workers import Late, start_worker

__all__ = ["FAST_OPS", "comparison", "gradients"]

# smooth operations whose symengine form is the same function as sympy's (and shapes, whose
# numpy forward works on arrays of symengine objects as it does on sympy's)
FAST_OPS = frozenset(
    (
        "add subtract multiply divide power negative square identity exp log log1p expm1 sqrt"
        " sin cos tan arcsin arccos arctan sinh cosh tanh sigmoid softplus erf"
        " sum mean matmul reshape transpose expand_dims squeeze broadcast_to concat stack getitem"
        " zeros_like ones_like"
    ).split()
)
_NAME = r"[A-Za-z_]\w*(?:\[[\d,]+\])?"
_FUNCTIONS = "sin|cos|tan|exp|log|sqrt|sinh|cosh|tanh|asin|acos|atan"
# an integer, or an optional integer factor times a name or a function of a name, to a
# positive integer power: the same text in sympy and symengine
_PLAIN = re.compile(rf"-?(?:\d+|(?:\d+\*)?(?:{_NAME}|(?:{_FUNCTIONS})\({_NAME}\))(?:\*\*\d+)?)")


def gradients(request: Request, forward: ForwardRun, wanted: list, timeout: float) -> dict | None:
    """(index, target label or None, source) -> `Expected`, for the keys this path can answer
    as sympy would, within `timeout` seconds; the rest are left to sympy. None when late (or
    the worker failed)."""

    return _within(timeout, lambda: _answers(request, forward, wanted))


def _within(timeout: float, job):
    """`job()` run in a worker, its answer; None when it is not ready within `timeout` seconds."""

    def produce(interrupt) -> Iterator:
        with interrupt(timeout):
            yield job()

    worker = start_worker(produce)
    try:
        return worker.receive(timeout)
    except Late:
        return None
    finally:
        worker.close()


class _SymengineBackend(SympyBackend):
    """The sympy backend with symengine's objects, for the operations of `FAST_OPS` only."""

    def module(self):
        import symengine

        return symengine

    def as_expr(self, v):
        se = self.sp
        if isinstance(v, se.Basic):
            return v
        if isinstance(v, (bool, np.bool_)):
            raise NoSympyForm("a truth value")
        if isinstance(v, (int, np.integer)) and abs(int(v)) <= 2**53:
            return se.Integer(int(v))
        if isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(float(v)):
            return se.RealDouble(float(v))
        raise NoSympyForm(f"a value symengine does not hold as sympy would: {v!r}"[:120])

    def make_symbols(self, name: str, value: np.ndarray) -> np.ndarray:
        value = np.asarray(value)
        if value.dtype.kind != "f":
            return self.constants(value)
        symbols = _objects(value.shape)
        for index in np.ndindex(value.shape):
            label = f"{name}[{','.join(str(i) for i in index)}]" if index else name
            symbols[index] = symbol = self.sp.Symbol(label)
            self.point[symbol] = self.sp.RealDouble(float(value[index]))
        self.symbols[name] = symbols
        return symbols

    def apply(self, op: Op, inputs: list, params: dict, node):
        if op.name not in FAST_OPS and op.name != "stop_gradient":
            raise NoSympyForm(f"{op.name} is left to sympy")
        if op.name == "power" and op.sympy != FORWARD_ON_OBJECTS:
            exponent = self.read(inputs[1])
            if any(not e.is_number for e in exponent.flat):
                raise NoSympyForm("a variable exponent is left to sympy")
        return super().apply(op, inputs, params, node)

    def dense(self, x, units: int, activation, use_bias: bool, node):
        raise NoSympyForm("dense is left to sympy")


def _answers(request: Request, forward: ForwardRun, wanted: list) -> dict:
    answers: dict = {}
    translations: dict = {}
    for key in wanted:
        _, target, source = key
        intermediate = source if is_intermediate(request, forward, source) else None
        try:
            if intermediate not in translations:
                translations[intermediate] = translate(
                    request, forward, intermediate=intermediate, backend_class=_SymengineBackend
                )
            answer = _gradient(translations[intermediate], target, source)
        except Exception:  # noqa: BLE001 - whatever symengine cannot do, sympy is asked
            continue
        if answer is not None:
            answers[key] = answer
    return answers


def _gradient(translation, target: str | None, source: str) -> Expected | None:
    import symengine as se

    symbols = translation.symbols.get(source)
    if symbols is None:
        return None
    total = se.Add(*translation.value(target).flat)
    nodes, depth = _measure(total, MAX_TREE)
    if nodes > MAX_TREE or depth > MAX_DEPTH:
        return None
    values = np.empty(symbols.shape, dtype=np.float64)
    derivative = None
    for index in np.ndindex(symbols.shape):
        derivative = total.diff(symbols[index])
        value = _real(se, derivative.xreplace(translation.point))
        if value is None:
            return None
        values[index] = value
    unsigned = np.zeros(symbols.shape, dtype=bool)
    if symbols.size != 1:
        return Expected(values, unsigned, f"{symbols.size} partial derivatives")
    if _measure(derivative, MAX_SHOWN_TREE)[0] > MAX_SHOWN_TREE:
        return Expected(values, unsigned, None)
    shown = str(_display_form(se, derivative))
    return Expected(values, unsigned, shown) if _PLAIN.fullmatch(shown) else None


def _real(se, value) -> float | None:
    """A finite real number, or None (anything else is left to sympy)."""
    if isinstance(value, se.ComplexDouble):
        return None
    if not isinstance(value, se.Number):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # nan, zoo, ...
        return None
    return number if math.isfinite(number) else None


def _display_form(se, expr):
    """As `expressions.display_form`: integral numbers shown as integers (2.0*x**1.0 is 2*x)."""
    integral = {}
    for number in expr.atoms(se.RealDouble):
        value = float(number)
        if value.is_integer() and abs(value) <= 2**53:
            integral[number] = se.Integer(int(value))
    return expr.xreplace(integral) if integral else expr


def _measure(expr, limit: int) -> tuple[int, int]:
    """(nodes, depth) written out as a tree, memoized by value (symengine makes a new Python
    object for each `args` access, so `expressions.measure`'s identities would not hold)."""
    sizes: dict = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in sizes:
            stack.pop()
            continue
        args = node.args
        waiting = [a for a in args if a not in sizes]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        parts = [sizes[a] for a in args]
        sizes[node] = (1 + sum(n for n, _ in parts), 1 + max((d for _, d in parts), default=0))
        if sizes[node][0] > limit:
            return sizes[node]
    return sizes[expr]


# ---------------------------------------------------------------- gradcli check


class _SymengineFormula(FormulaBackend, _SymengineBackend):
    """`FormulaBackend` in symengine: integer literals only (sympy's exact Rationals, pi and E
    are sympy's), no comparisons."""

    def literal(self, value):
        if isinstance(value, bool) or not float(value).is_integer() or abs(value) > 2**53:
            raise NoSympyForm("a literal that is not an integer is left to sympy")
        return self.wrap(self.sp.Integer(int(value)))

    def apply(self, op: Op, inputs: list, params: dict, node):
        if op.kind == "compare":
            raise NoSympyForm("comparisons are left to sympy")
        return super().apply(op, inputs, params, node)


def comparison(request: Request, claim_request: Request, wrt: str, timeout: float) -> dict | None:
    """What sympy's half of `gradcli check` would answer ({"derivative", "difference": "zero",
    "why"}) when symengine shows the difference to be 0 and the derivative's text is plain;
    None otherwise, or when late."""

    return _within(timeout, lambda: _comparison(request, claim_request, wrt))


def _comparison(request: Request, claim_request: Request, wrt: str) -> dict | None:
    try:
        f, symbols = formula(request, _SymengineFormula)
        claim, _ = formula(claim_request, _SymengineFormula)
        derivative = f.diff(symbols[wrt])
        zero = (derivative - claim).expand() == 0
    except Exception:  # noqa: BLE001 - whatever symengine cannot do, sympy is asked
        return None
    shown = str(derivative)
    if not zero or not _PLAIN.fullmatch(shown):
        return None
    return {"derivative": shown, "difference": "zero", "why": "the difference simplifies to 0"}
