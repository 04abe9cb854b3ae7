"""The classical derivative a calculus course means, and where it does not exist.

sympy differentiates `abs`, `sign` and `where` as distributions: d/dx |x| = sign(x) everywhere,
d2/dx2 |x| = 2*DiracDelta(x). A student means the derivative where it exists: sign(x) for
x != 0, a second derivative of 0 for x != 0, and none at x = 0. `classical(sp, derivative)` drops
the distributions (DiracDelta is 0 wherever its argument is not); `where_not(sp, f, symbol,
order)` finds the points where the derivative of that order does not exist.

The candidates are where an `abs`, `sign` or `where` of f (or of a derivative) switches: where an
argument u of Abs, sign or DiracDelta, or a side of a Piecewise condition, is 0, solved for the
variable when u is a polynomial in it of small degree. At each, the derivative of order N exists
exactly when f is continuous there and each derivative of order 1..N has equal finite one-sided
limits (the mean value theorem: then the limit is the derivative). A u that cannot be solved is
said as it is ("where sin(x) = 0 it may not exist"), not checked. sympy is the caller's.
"""

from __future__ import annotations

from .expressions import plain_text

__all__ = ["classical", "where_not"]

MAX_DEGREE = 4  # a switch's argument solved for the variable up to this degree
ORDINALS = {1: "first", 2: "second", 3: "third"}


def classical(sp, derivative):
    """The derivative where it exists: each DiracDelta (of any order) is 0 off its argument's
    zeros, which `where_not` says."""
    if not derivative.has(sp.DiracDelta):
        return derivative
    return derivative.replace(sp.DiracDelta, lambda *args: sp.Integer(0))


def where_not(sp, f, symbol, order: int) -> tuple[dict | None, list]:
    """Where the `order`-th derivative of f by `symbol` does not exist: ({"where": "x != 0",
    "where_latex": "x \\neq 0", "note": "at x = 0 it does not exist (...)"}, the roots of
    `symbol` there), or (None, [])
    when it exists wherever f's switches are (or f has none)."""
    derivatives = [f]
    for _ in range(order):
        derivatives.append(classical(sp, sp.diff(derivatives[-1], symbol)))
    switches = _switches(sp, derivatives, symbol)
    conditions, latex, notes = [], [], []
    unsolved, points = [], []  # points: (root, why) where it does not exist
    for u in switches:
        roots = _roots(sp, u, symbol)
        if roots is None:
            unsolved.append(u)
            continue
        for root in roots:
            why = _fails(sp, derivatives, symbol, root)
            if why is not None and all(root != known for known, _ in points):
                points.append((root, why))
    if all(root.is_number for root, _ in points):  # said from left to right
        points.sort(key=lambda found: float(found[0]))
    for root, why in points:
        conditions.append(f"{symbol} != {plain_text(sp, root)}")
        latex.append(sp.latex(sp.Ne(symbol, root, evaluate=False)))
        notes.append(f"at {symbol} = {plain_text(sp, root)} it does not exist ({why})")
    for u in unsolved:
        conditions.append(f"{plain_text(sp, u)} != 0")
        latex.append(sp.latex(sp.Ne(u, 0, evaluate=False)))
        notes.append(f"where {plain_text(sp, u)} = 0 it may not exist (not checked)")
    if not conditions:
        return None, []
    said = {"where": " and ".join(conditions), "note": "; ".join(notes)}
    return {**said, "where_latex": ", ".join(latex)}, [root for root, _ in points]


def _switches(sp, expressions: list, symbol) -> list:
    """The arguments (holding `symbol`) where an Abs, sign, DiracDelta or Piecewise switches."""
    found = []
    for expr in expressions:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Abs, sp.sign, sp.DiracDelta, sp.Heaviside)):
                found.append(node.args[0])
            elif isinstance(node, sp.Piecewise):
                for _, condition in node.args:
                    for relation in condition.atoms(sp.core.relational.Relational):
                        found.append(relation.lhs - relation.rhs)
    return [u for u in dict.fromkeys(sp.expand(u) for u in found) if symbol in u.free_symbols]


def _roots(sp, u, symbol) -> list | None:
    """The real zeros of u in `symbol` (the other names as they are), or None when u is not a
    polynomial in it of degree at most MAX_DEGREE."""
    try:
        if not u.is_polynomial(symbol) or sp.Poly(u, symbol).degree() > MAX_DEGREE:
            return None
        roots = sp.solve(u, symbol)
    except Exception:  # noqa: BLE001 - not solved: said, not checked
        return None
    return [root for root in dict.fromkeys(roots) if root.is_real is not False]


def _fails(sp, derivatives: list, symbol, root) -> str | None:
    """Why the derivative of the last order does not exist at `symbol` = root (f not
    continuous; a derivative whose one-sided limits differ or are infinite), or None."""
    for order, expr in enumerate(derivatives):
        left, right = (_limit(sp, expr, symbol, root, side) for side in (-1, 1))
        finite = all(side.is_finite for side in (left, right))
        same = finite and sp.simplify(left - right) == 0
        if order == 0:
            if not same:
                return (
                    f"the function jumps: from the left {_said(sp, left)}, "
                    f"from the right {_said(sp, right)}"
                )
            if sp.simplify(expr.subs(symbol, root) - left) != 0:
                return "the function is not continuous there"
            continue
        if not same:
            last = len(derivatives) - 1
            which = "derivative" if order == last == 1 else f"{_ordinal(order)} derivative"
            return (
                f"the {which} from the left is {_said(sp, left)}, from the right {_said(sp, right)}"
            )
    return None


def _limit(sp, expr, symbol, root, side: int):
    """The limit of expr as `symbol` tends to root from one side: `symbol` = root + side*t with
    t > 0, so that each switch decides itself (sympy's own limit misreads a Piecewise's)."""
    t = sp.Dummy("t", positive=True)
    return sp.limit(expr.subs(symbol, root + side * t), t, 0, "+")


def _said(sp, value) -> str:
    if value is sp.oo or value is sp.zoo:
        return "inf"
    if value is -sp.oo:
        return "-inf"
    return plain_text(sp, value)


def _ordinal(order: int) -> str:
    return ORDINALS.get(order, f"{order}th")
