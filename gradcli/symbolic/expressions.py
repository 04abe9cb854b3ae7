"""sympy expressions measured, evaluated at the program's point, and shown to people.

`measure` and `tree_size` count an expression written out as a tree (sympy walks trees, not
DAGs) in time linear in its shared form, against the bounds below; `at_point` and `to_float`
turn a derivative into the number the tape is compared with; `display_form`, `textbook` and
`text` are what a person reads, in gradcli's own language (a student pastes it into
`--expect`). `clamp` keeps every number within what mpmath can work on quickly.

`NoSympyForm` is what every step raises when sympy cannot (or may not) answer: the check then
falls back on finite differences. These functions take `sp` (the sympy module) from their
caller: importing this module does not import sympy.
"""

from __future__ import annotations

import math
from fractions import Fraction

from gradcli.errors import NotRealError

MAX_TREE = 50_000  # nodes of an expression written out as a tree (sympy walks trees, not DAGs)
MAX_DEPTH = 400  # nesting of an expression: sympy recurses, and slowly, on deeper ones
MAX_SHOWN_TREE = 5_000  # a derivative larger than this is not shown (nor simplified)
SIMPLE_TREE = 5  # a shown expression this small is not simplified
MAX_TEXT = 500  # characters of a shown expression
HUGE_BITS = 2**16  # a number beyond 2**(2**16) is taken as infinite (mpmath would crawl on)


class NoSympyForm(Exception):
    """The program cannot be (or was not) translated to sympy: check it by finite differences."""


# ---------------------------------------------------------------- sizes


def measure(expr, limit: int | None = None) -> tuple[int, int]:
    """(nodes, depth) of `expr` written out as a tree, in time linear in its shared form; the
    count stops soon after passing `limit`."""
    sizes: dict[int, tuple[int, int]] = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        waiting = [a for a in node.args if id(a) not in sizes]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        parts = [sizes[id(a)] for a in node.args]
        sizes[id(node)] = (1 + sum(n for n, _ in parts), 1 + max((d for _, d in parts), default=0))
        if limit is not None and sizes[id(node)][0] > limit:
            return sizes[id(node)]
    return sizes[id(expr)]


def tree_size(expr, limit: int | None = None) -> int:
    return measure(expr, limit)[0]


# ---------------------------------------------------------------- numbers at the point


def clamp(sp, value):
    """A Float beyond 2**(2**16) in size as +-oo (below its inverse as 0): float64 overflows far
    earlier, and mpmath would spend unbounded time on such numbers (exp of them, sin of them)."""
    if isinstance(value, sp.Float):
        sign, mantissa, exponent, bits = value._mpf_
        if mantissa and exponent + bits > HUGE_BITS:
            return -sp.oo if sign else sp.oo
        if mantissa and exponent + bits < -HUGE_BITS:
            return sp.Float(0.0)
    return value


def at_point(sp, expr, point: dict):
    """`expr` with the symbols replaced by Floats, rebuilt bottom-up once per shared subexpression.

    sympy evaluates each rebuilt node (sin(Float) is a Float, a Piecewise picks its branch), so
    this is `xreplace(point)` in time linear in the shared form, with `clamp` on every number.
    DiracDelta is 0: it comes only from sign, whose gradient TensorFlow defines as 0 everywhere.
    """
    done: dict = {}
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in done:
            stack.pop()
            continue
        if node in point:
            done[node] = point[node]
        elif node.func is sp.DiracDelta:
            done[node] = sp.Integer(0)
        elif not node.args:
            done[node] = node
        else:
            waiting = [a for a in node.args if a not in done]
            if waiting:
                stack.extend(waiting)
                continue
            done[node] = clamp(sp, node.func(*[done[a] for a in node.args]))
        stack.pop()
    return done[expr]


def to_float(sp, value) -> tuple[float, bool]:
    """A value at the point as (float, sign unknown): complex values are nan (numpy's answer for
    a real program), zoo is an infinity of unknown sign."""
    if value is sp.nan:
        return float("nan"), False
    if value is sp.zoo:
        return float("inf"), True
    if value is sp.oo or value is -sp.oo:
        return (float("inf") if value is sp.oo else float("-inf")), False
    if value.is_Number:
        try:
            return float(value), False
        except OverflowError:
            return (float("inf") if value > 0 else float("-inf")), False
    if value.is_number:
        real, imaginary = value.evalf().as_real_imag()
        if imaginary is sp.nan or imaginary.is_zero is False:
            return float("nan"), False
        if imaginary.is_zero and real.is_Number:
            return to_float(sp, real)
    raise NoSympyForm(f"the derivative is not a number at the point: {str(value)[:80]}")


# ---------------------------------------------------------------- shown expressions


MAX_DENOMINATOR = 1000  # a Float equal to p/q with q at most this is shown as the fraction


def require_real(sp, name: str, node, values, source: str) -> None:
    """NotRealError (with a caret) where sympy knows the value of operation `name` at `node` is
    not real for any real input (arccos(2), sqrt(-1 - x**2)) or not finite (1/0, log(0)): said
    where it is, before a comparison or a Piecewise of it fails in sympy with a TypeError."""
    for value in values.ravel():
        if not isinstance(value, sp.Expr):
            continue
        infinite = value.has(sp.zoo)  # 1/0, log(0), x/0: sympy's complex infinity
        nan = value.has(sp.nan) or any(math.isnan(f) for f in value.atoms(sp.Float))
        if value.is_extended_real is not False and not (infinite or nan):
            continue
        text = source[node.span.start : node.span.end]
        if infinite or nan:
            why = "it holds nan" if nan else "it is infinite"
            message = f"{text} is not a finite real number: {why}"
            raise NotRealError(message, span=node.span, source=source)
        symbols = sorted(str(s) for s in value.free_symbols)
        if symbols:
            why = f"not for any real {', '.join(symbols)}"
        elif getattr(node, "args", None) and len(node.args) == 1:
            argument = source[node.args[0].span.start : node.args[0].span.end]
            why = f"{argument} is outside the domain of {name}"
        elif name == "power":
            why = "a negative number to a fractional power is not real"
        else:
            why = f"its inputs are outside the domain of {name}"
        raise NotRealError(f"{text} is not a real number: {why}", span=node.span, source=source)


def display_form(sp, expr):
    """`expr` for people: integral Floats (every literal is a Float) as Integers, so 2.0*x**1.0
    shows as 2*x, and Floats that are exactly a small fraction as that fraction (x/3's
    derivative is 1/3, not 0.333333333333333). Only shown, never evaluated: the values come from
    the Float form. A DiracDelta (from sign) is not shown: it is 0 wherever it is not
    infinite, and the values take it as 0."""
    if expr.has(sp.DiracDelta):  # 0 off its zeros, as the values take it (`at_point`)
        expr = expr.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    exact = {}
    for number in expr.atoms(sp.Float):
        fraction = _fraction(float(number))
        if fraction is not None:
            exact[number] = sp.Rational(*fraction)
    if expr.has(sp.E):  # Euler's number as the student wrote it: e*x, not E*x (no input is "e")
        exact[sp.E] = sp.Symbol("e")
    return expr.xreplace(exact) if exact else expr


def _fraction(value: float) -> tuple[int, int] | None:
    """(p, q) when `value` is p/q to the last bit with q <= MAX_DENOMINATOR: what an exact input
    (x/3, 0.5*x) gives; a number computed from an inexact one is almost never that."""
    if value.is_integer() and abs(value) <= 2**53:
        return int(value), 1
    if not math.isfinite(value):
        return None
    fraction = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if fraction.numerator / fraction.denominator != value:
        return None
    return fraction.numerator, fraction.denominator


def textbook(sp, expr):
    """The form a textbook writes: powers of one base gathered (e*x**(e - 1), not E*x**E/x)
    when that leaves fewer powers and is no longer; a common factor that holds a function taken
    out when that is shorter ((x + 1)*exp(x), not x*exp(x) + exp(x); but x**2*cos(x) +
    2*x*sin(x) stays, as textbooks write it); Euler's number as the letter e (sympy orders the
    number E first: -1 + E); sign(u) written |u|/u where that is shorter (3*x*abs(x), not
    x**2*sign(x) + 2*x*abs(x)). Only shown, never evaluated."""
    try:
        expr = _signs_as_abs(sp, expr)
        gathered = sp.powsimp(expr)
        fewer_powers = len(gathered.atoms(sp.Pow)) < len(expr.atoms(sp.Pow))
        shown = gathered if fewer_powers and sp.count_ops(gathered) <= sp.count_ops(expr) else expr
        factored = sp.factor_terms(shown)
        if _factor_holds_function(sp, factored):
            shown = factored if sp.count_ops(factored) < sp.count_ops(shown) else shown
    except Exception:  # noqa: BLE001 - a form sympy cannot rewrite is shown as it is
        shown = expr
    return letter_e(sp, shown)


def _signs_as_abs(sp, expr):
    """sign(u) as |u|/u when the u's then cancel and the whole is shorter: x**2*sign(x) is
    x*|x|, which is 0 at 0 as the other is; sign(x) alone stays (|x|/x is not defined at 0)."""
    signs = expr.atoms(sp.sign)
    if not signs:
        return expr
    rewritten = expr.xreplace({s: sp.Abs(s.args[0]) / s.args[0] for s in signs})
    arguments = {s.args[0] for s in signs}
    divides = any(p.exp.is_negative and p.base in arguments for p in rewritten.atoms(sp.Pow))
    if divides or rewritten.has(sp.sign) or sp.count_ops(rewritten) >= sp.count_ops(expr):
        return expr
    return rewritten


def letter_e(sp, expr):
    """Euler's number as the letter e, so that sympy orders it as a name (e - 1, not -1 + E).
    Only shown, never evaluated; not for written forms (xreplace evaluates them)."""
    return expr.xreplace({sp.E: sp.Symbol("e")}) if expr.has(sp.E) else expr


def _factor_holds_function(sp, expr) -> bool:
    """A product with a sum in it whose other factors hold a function: exp(x)*(x + 1)."""
    if not expr.is_Mul or not any(factor.is_Add for factor in expr.args):
        return False
    outside = [factor for factor in expr.args if not factor.is_Add]
    return any(factor.atoms(sp.Function) for factor in outside)


def plain_text(sp, expr, **settings) -> str:
    """`expr` written in gradcli's own language: e for Euler's number, abs, max and min (sympy's
    E, Abs, Max, Min are not names a user can type), so it can be pasted back as an answer.
    `settings`: sympy's StrPrinter's (order="none": as written). Floats are written without
    trailing zeros (0.3, not 0.300000000000000), as the answers they stand beside are."""
    return _printer(sp)({"full_prec": False, **settings}).doprint(expr)


def text(sp, expr) -> str:
    shown = _printer(sp)({"full_prec": False}).doprint(expr)
    return shown if len(shown) <= MAX_TEXT else shown[: MAX_TEXT - 3] + "..."


_PRINTERS: dict = {}


def _printer(sp):
    """sympy's StrPrinter with gradcli's names (made once: sympy is imported by the caller)."""
    if "text" not in _PRINTERS:
        from sympy.printing.str import StrPrinter

        class LanguagePrinter(StrPrinter):
            def _print_Exp1(self, expr):
                return "e"

            def _print_Abs(self, expr):
                return f"abs({self._print(expr.args[0])})"

            def _print_exp(self, expr):  # exp(2) is e**2; exp(x) stays
                power = expr.args[0]
                if not power.is_Rational:
                    return super()._print_Function(expr)
                shown = self._print(power)
                return f"e**{shown}" if power.is_Integer and power > 0 else f"e**({shown})"

            def _print_Piecewise(self, expr):  # where(x >= 1, 2*x, 1), as gradcli writes it
                shown = "nan"  # where no piece holds, sympy's Piecewise is not defined
                for value, condition in reversed(expr.args):
                    shown = self._where(condition, self._print(value), shown)
                return shown

            def _where(self, condition, then: str, otherwise: str) -> str:
                """`then` where `condition` holds, else `otherwise`, with the language's one
                choice, `where` of a comparison: (a | b) picks `then` at a, else tries b;
                (a & b) tries b where a holds; ~a swaps the two."""
                if condition is sp.true or condition is sp.false:
                    return then if condition is sp.true else otherwise
                if isinstance(condition, (sp.Or, sp.And)):
                    first, *rest = condition.args
                    rest = condition.func(*rest)
                    if isinstance(condition, sp.Or):
                        return self._where(first, then, self._where(rest, then, otherwise))
                    return self._where(first, self._where(rest, then, otherwise), otherwise)
                if isinstance(condition, sp.Not):
                    return self._where(condition.args[0], otherwise, then)
                if isinstance(condition, sp.Contains):  # x in an interval: its inequalities
                    relational = condition.args[1].as_relational(condition.args[0])
                    return self._where(relational, then, otherwise)
                if not condition.is_Relational:  # Xor, Implies, ...: as and, or, not
                    normal = condition.to_nnf()
                    if normal != condition:
                        return self._where(normal, then, otherwise)
                    # an atom (where(c, ...) of a value c): the language reads it as c != 0
                    return f"where({self._print(condition)}, {then}, {otherwise})"
                return f"where({self._relation(condition)}, {then}, {otherwise})"

            def _relation(self, condition) -> str:
                left, right = (self._print(side) for side in condition.args)
                return f"{left} {condition.rel_op} {right}"  # Eq is ==, Ne is !=

            def _print_Heaviside(self, expr):  # its value at 0 is its second argument
                u, at_zero = expr.args
                shown = f"where({self._print(u)} > 0, 1, {self._print(at_zero)})"
                return f"where({self._print(u)} < 0, 0, {shown})"

            def _print_Infinity(self, expr):
                return "inf"

            def _print_NegativeInfinity(self, expr):
                return "-inf"

            def _print_NaN(self, expr):
                return "nan"

            def _print_BooleanTrue(self, expr):
                return "True"

            def _print_BooleanFalse(self, expr):
                return "False"

            def _print_Max(self, expr):
                return f"max({self.stringify(expr.args, ', ')})"

            def _print_Min(self, expr):
                return f"min({self.stringify(expr.args, ', ')})"

        _PRINTERS["text"] = LanguagePrinter
    return _PRINTERS["text"]
