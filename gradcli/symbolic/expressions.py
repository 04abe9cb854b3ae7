"""sympy expressions measured, evaluated at the program's point, and shown to people.

`measure` and `tree_size` count an expression written out as a tree (sympy walks trees, not
DAGs) in time linear in its shared form, against the bounds below; `at_point` and `to_float`
turn a derivative into the number the tape is compared with; `display_form` and `text` are what
a person reads. `clamp` keeps every number within what mpmath can work on quickly.

`NoSympyForm` is what every step raises when sympy cannot (or may not) answer: the check then
falls back on finite differences. These functions take `sp` (the sympy module) from their
caller: importing this module does not import sympy.
"""

from __future__ import annotations

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


def display_form(sp, expr):
    """`expr` for people: integral Floats (every literal is a Float) as Integers, so 2.0*x**1.0
    shows as 2*x. Only shown, never evaluated: the values come from the Float form."""
    integral = {}
    for number in expr.atoms(sp.Float):
        value = float(number)
        if value.is_integer() and abs(value) <= 2**53:
            integral[number] = sp.Integer(int(value))
    if expr.has(sp.E):  # Euler's number as the student wrote it: e*x, not E*x (no input is "e")
        integral[sp.E] = sp.Symbol("e")
    return expr.xreplace(integral) if integral else expr


def text(sp, expr) -> str:
    shown = sp.sstr(expr, full_prec=False)
    return shown if len(shown) <= MAX_TEXT else shown[: MAX_TEXT - 3] + "..."


_TYPED_PRINTERS: dict = {}


def typed(sp, expr, order: str | None = None) -> str:
    """`expr` as text the student can type back into gradcli: sympy's `sstr`, with the names
    gradcli's language reads where sympy's differ (`abs(x)`, not sympy's `Abs(x)`)."""
    printer_class = _TYPED_PRINTERS.get(id(sp))
    if printer_class is None:

        class TypedPrinter(sp.printing.str.StrPrinter):
            def _print_Abs(self, expr) -> str:
                return f"abs({self._print(expr.args[0])})"

        printer_class = _TYPED_PRINTERS[id(sp)] = TypedPrinter
    settings = {} if order is None else {"order": order}
    return printer_class(settings).doprint(sp.sympify(expr))
