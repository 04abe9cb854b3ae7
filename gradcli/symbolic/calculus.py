"""The sympy side of `gradcli tangent`, `taylor` and `critical`: exact lines, polynomials and
critical points of a program read as a formula (`formula.formula`, exact literals).

Each `produce_*` runs inside a worker (`workers.start_worker`, started by `homework.collect`), so
each is a generator of picklable messages (dicts of strings and floats):

- `produce_tangent`: f(a), f'(a), the tangent and normal lines, exact when the input is;
- `produce_taylor`: the coefficients of the Taylor polynomial of order n at a, exact, from
  sympy's series (which also handles removable singularities: sin(x)/x at 0);
- `produce_critical`: the zeros of the gradient in a box when sympy can give all of them (one
  input: `solveset` on the interval answers a finite set; two: a polynomial gradient, whose
  system `solve` answers completely), each classified by the second-derivative test; otherwise
  {"unsolved": why}, and the command finds them numerically (`program.critical`).

sympy is imported inside functions only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gradcli.program.critical import HIGHER_ORDERS, kind_from_higher_derivative, kind_from_signs
from gradcli.program.records import Request

from .expressions import to_float
from .formula import _describe, _error, exact_number, formula
from .sympy_import import import_sympy
from .workers import OutOfTime

REAL_TOLERANCE = 1e-12  # an imaginary part below this (relative) is a rounding of a real root


def join_terms(texts: list[str]) -> str:
    """`a + b - c` from the terms' texts `a`, `b`, `-c` (in the order given), or `0`."""
    joined = ""
    for text in texts:
        if not joined:
            joined = text
        elif text.startswith("-"):
            joined += " - " + text[1:].lstrip()
        else:
            joined += " + " + text
    return joined or "0"


def _shown(sp, expr) -> dict:
    """An exact number as text, LaTeX and float."""
    written = _with_e(sp, expr)
    return {"text": sp.sstr(written), "latex": sp.latex(written), "value": to_float(sp, expr)[0]}


def _with_e(sp, expr):
    """`expr` with Euler's number as the student writes it: exp(-1) is 1/e, E*x is e*x (sympy
    prints exp(-1) and E, which the lines mixed: y = -x*exp(-1) + exp(-1) + E). Only shown."""
    e = sp.Symbol("e", positive=True)
    powers = expr.replace(lambda n: isinstance(n, sp.exp) and n.args[0].is_number,
                          lambda n: e ** n.args[0])  # fmt: skip
    return powers.xreplace({sp.E: e})


def _line(sp, slope, intercept, x) -> dict:
    """y = slope*x + intercept, the x term first, as text and LaTeX; the intercept's terms
    collected (1/e + e, not a sum with exp(-1) in it)."""
    terms = [_with_e(sp, term) for term in (slope * x, intercept) if term != 0]
    return {
        "text": "y = " + join_terms([sp.sstr(t) for t in terms]),
        "latex": "y = " + join_terms([sp.latex(t) for t in terms]),
    }


def _simplest(sp, expr, interrupt, seconds: float):
    """`expr` simplified within `seconds` (else as it is): f(a) is a number, and sympy's
    simplify of a number is quick unless it is not."""
    try:
        with interrupt(seconds):
            return sp.nsimplify(sp.simplify(expr), rational=False) if expr.is_number else expr
    except OutOfTime:
        return expr
    except Exception:  # noqa: BLE001 - the unsimplified number is still right
        return expr


def exact_point(sp, text: str, value: float):
    """The point `text` (as typed: 2, 1/3, pi/4) as an exact number, when gradcli's parser
    reads it as a constant formula of that value; else the float's `exact_number`."""
    from gradcli.language.analysis import free_names
    from gradcli.language.limits import Limits
    from gradcli.language.parser import parse

    try:
        program = parse(text, Limits())
        if not free_names(program):
            exact, _ = formula(Request(program=program, declarations=()))
            if exact.is_number and abs(to_float(sp, exact)[0] - value) <= 1e-12 * max(
                1, abs(value)
            ):
                return exact
    except Exception:  # noqa: BLE001 - a value the parser does not read as a formula
        pass
    return exact_number(sp, value)


def ask(produce: Callable, budget: float) -> dict:
    """The one answer of a `produce_*` run in a worker (`homework.collect`: SymbolicError when
    sympy does not answer in time); an {"error": why} answer raises SymbolicError."""
    from .homework import SYMPY_TIMEOUT, collect, failure

    # the first answer may take the whole budget (critical's solve), and more for the rest
    answer = collect(produce, budget=budget, timeout=SYMPY_TIMEOUT + budget)[0]
    if "error" in answer:
        raise failure(answer)  # a SymbolicError, or ours again (NotRealError)
    return answer


# ---------------------------------------------------------------- gradcli tangent


def produce_tangent(
    request: Request, variable: str, at: tuple[str, float], budget: float
) -> Callable:
    """For a worker: {"value", "slope", "intercept" (each text, latex, value), "tangent" and
    "normal" (text, latex; a vertical line is `x = a`)}, or {"error": why}."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            f, symbols = formula(request)
            x = symbols[variable]
            a = exact_point(sp, *at)
            fa = _simplest(sp, f.subs(x, a), interrupt, budget / 2)
            slope = _simplest(sp, sp.diff(f, x).subs(x, a), interrupt, budget / 2)
            answer = _tangent(sp, x, a, fa, slope)
            answer.setdefault("at", _shown(sp, a))
        except Exception as error:  # sympy raises many kinds: each is a message for the user
            yield _error(error)
            return
        yield answer

    return produce


def _tangent(sp, x, a, fa, slope) -> dict:
    value, _ = to_float(sp, fa)
    if not (fa.is_finite and fa.is_real is not False) or value != value:
        return {"error": f"f is not a finite real number at {x} = {sp.sstr(a)} (it is {fa})"}
    answer = {"value": _shown(sp, fa), "slope": _shown(sp, slope)}
    point = f"{x} = {sp.sstr(a)}"
    if slope.is_infinite:  # sqrt(x) at 0: a vertical tangent (zoo: the side is unknown)
        answer["intercept"] = None
        answer["tangent"] = {"text": f"x = {sp.sstr(a)}", "latex": f"x = {sp.latex(a)}"}
        answer["normal"] = _line(sp, sp.Integer(0), fa, x)
        return answer
    if slope.is_real is False or slope is sp.nan:
        return {"error": f"f has no derivative at {point} (f'({sp.sstr(a)}) is {slope})"}
    intercept = sp.expand(fa - slope * a)
    answer["intercept"] = _shown(sp, intercept)
    answer["tangent"] = _line(sp, slope, intercept, x)
    if slope == 0:
        answer["normal"] = {"text": f"x = {sp.sstr(a)}", "latex": f"x = {sp.latex(a)}"}
    else:
        answer["normal"] = _line(sp, -1 / slope, sp.expand(fa + a / slope), x)
    return answer


# ---------------------------------------------------------------- gradcli taylor


def produce_taylor(request: Request, variable: str, at: tuple[str, float], order: int) -> Callable:
    """For a worker: {"terms": [per degree k: text, latex, coefficient (text, latex, value)],
    "remainder": (text, latex)}, or {"error": why}."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            f, symbols = formula(request)
            a = exact_point(sp, *at)
            answer = _taylor(sp, f, symbols[variable], a, order)
            answer.setdefault("at", _shown(sp, a))
        except Exception as error:
            yield _error(error)
            return
        yield answer

    return produce


def _taylor(sp, f, x, a, order: int) -> dict:
    t = sp.Dummy("t", real=True)
    near = f.subs(x, a + t)
    expansion = sp.series(near, t, 0, order + 1).removeO()
    point = f"{x} = {sp.sstr(a)}"
    if not expansion.is_polynomial(t):
        return {
            "error": f"f has no Taylor polynomial at {point}: near it, f is "
            f"{sp.sstr(expansion.subs(t, x - a))} + ..., not a polynomial in {sp.sstr(x - a)} "
            f"(f is not {order} times differentiable there)"
        }
    # sympy expands from the right by default: abs(x) at 0 would be x
    if sp.expand(expansion - sp.series(near, t, 0, order + 1, dir="-").removeO()) != 0:
        return {
            "error": f"f has no Taylor polynomial at {point}: its expansions from the left and "
            "from the right differ (f is not differentiable there)"
        }
    polynomial = sp.Poly(expansion, t)
    shift = x - a
    terms = []
    for degree in range(order + 1):
        coefficient = sp.nsimplify(polynomial.coeff_monomial(t**degree), rational=False)
        shown = _shown(sp, coefficient)
        if shown["value"] != shown["value"] or abs(shown["value"]) == float("inf"):
            return {"error": f"f's {degree}-th derivative at {point} is not finite ({coefficient})"}
        terms.append({**_term(sp, coefficient, shift**degree), "coefficient": shown})
    remainder = shift ** (order + 1)
    shown = [term for term in terms if term["coefficient"]["text"] != "0"]
    return {
        "terms": terms,
        "polynomial": {
            "text": join_terms([term["text"] for term in shown]),
            "latex": join_terms([term["latex"] for term in shown]),
        },
        "remainder": (f"O({sp.sstr(remainder)})", rf"O\left({sp.latex(remainder)}\right)"),
    }


def _term(sp, coefficient, power) -> dict:
    """coefficient*(x - a)**k as a student writes it: 2*(x - 1), not 2*x - 2 (sympy would
    distribute a number over the sum), the sign in front and the denominator last."""
    coefficient = _with_e(sp, coefficient)
    if power == 1:
        return {"text": sp.sstr(coefficient), "latex": sp.latex(coefficient)}
    sign = ""
    if coefficient.could_extract_minus_sign():
        sign, coefficient = "-", -coefficient
    numerator, denominator = coefficient.as_numer_denom()
    top = sp.Mul(numerator, power, evaluate=False) if numerator != 1 else power
    text, latex = sp.sstr(top), sp.latex(top)
    if denominator != 1:
        if top.is_Add:  # (x - 1)/2, not x - 1/2
            text = f"({text})"
        below = sp.sstr(denominator)
        text += f"/{below}" if denominator.is_Atom else f"/({below})"
        latex = rf"\frac{{{latex}}}{{{sp.latex(denominator)}}}"
    return {"text": sign + text, "latex": sign + latex}


# ---------------------------------------------------------------- gradcli critical


def produce_critical(request: Request, names: list[str], box: list, budget: float) -> Callable:
    """For a worker: {"points": [per point: "at" (floats), "exact" (texts), "value", "kind",
    "second" (f'' or det H)]}, or {"unsolved": why sympy could not give every zero}."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            f, symbols = formula(request)
            variables = [symbols[name] for name in names]
            gradient = [sp.diff(f, v) for v in variables]
        except Exception as error:
            yield _error(error)
            return
        try:
            with interrupt(budget):
                solutions, why = _solve(sp, gradient, variables, box)
                if solutions is not None:
                    points = [_classify(sp, f, variables, s) for s in solutions]
        except OutOfTime:
            yield {"unsolved": f"sympy did not solve f' = 0 within --budget {budget:g} s"}
            return
        except Exception as error:  # noqa: BLE001 - the numeric search still can
            yield {"unsolved": _describe(error)}
            return
        if solutions is None:
            yield {"unsolved": why}
            return
        yield {"points": sorted(points, key=lambda p: p["at"])}

    return produce


def solve_critical(request: Request, names: list[str], box: list, budget: float) -> dict:
    """{"method": "symbolic", "points": [...]} when sympy gave every critical point in `box`
    within `budget` seconds, else {"method": "numeric", "why": why not}."""
    from .homework import SymbolicError

    try:
        answer = ask(produce_critical(request, names, box, budget), budget)
    except SymbolicError as error:
        return {"method": "numeric", "why": error.message}
    if "unsolved" in answer:
        return {"method": "numeric", "why": answer["unsolved"]}
    return {"method": "symbolic", "points": answer["points"]}


def _solve(sp, gradient: list, variables: list, box: list) -> tuple[list | None, str]:
    """Every real zero of `gradient` in `box` (one tuple of exact values each), or (None, why)
    when sympy's answer would not be all of them."""
    bounds = [(exact_number(sp, lo), exact_number(sp, hi)) for lo, hi in box]
    if len(variables) == 1:
        found = sp.solveset(gradient[0], variables[0], sp.Interval(*bounds[0]))
        if found is sp.S.EmptySet:
            return [], ""
        if not isinstance(found, sp.FiniteSet):
            kind = "every point" if found == sp.Interval(*bounds[0]) else "no closed form"
            return None, f"sympy's solveset gives {kind} for the zeros of f'"
        return [(value,) for value in found], ""
    if not all(g.is_polynomial(*variables) for g in gradient):
        return None, "sympy finds every solution of a system only when it is polynomial"
    solutions = []
    for solution in sp.solve(gradient, variables, dict=True):
        values = tuple(solution.get(v, v) for v in variables)
        if any(value.free_symbols for value in values):
            return None, "the critical points are not isolated (sympy gives a curve of them)"
        if all(_real(sp, value) for value in values):
            solutions.append(tuple(v if v.is_real else sp.re(v) for v in values))
    inside = [
        values
        for values in solutions
        if all(lo <= to_float(sp, v)[0] <= hi for v, (lo, hi) in zip(values, box))
    ]
    return inside, ""


def _real(sp, value) -> bool:
    if value.is_real is not None:
        return bool(value.is_real)
    real, imaginary = (float(part) for part in sp.N(value, 30).as_real_imag())
    return abs(imaginary) <= REAL_TOLERANCE * max(1.0, abs(real))


def _classify(sp, f, variables: list, values: tuple) -> dict:
    """A critical point's kind by the second-derivative test, decided exactly; with one input a
    zero f'' goes on to the first higher derivative that is not zero."""
    point = dict(zip(variables, values))
    if len(variables) == 1:
        (x,) = variables
        second = sp.simplify(sp.diff(f, x, 2).subs(point))
        kind = kind_from_signs([_sign(sp, second)])
        derivative = sp.diff(f, x, 2)
        for order in range(3, HIGHER_ORDERS + 1) if kind == "inconclusive" else ():
            derivative = sp.diff(derivative, x)
            sign = _sign(sp, derivative.subs(point))
            if sign:
                kind = kind_from_higher_derivative(order, sign)
                break
    else:
        hessian = sp.hessian(f, variables).subs(point)
        second = sp.simplify(hessian.det())
        trace = sp.simplify(hessian.trace())
        det_sign, trace_sign = _sign(sp, second), _sign(sp, trace)
        # two eigenvalues: their product is det H and their sum the trace
        signs = [trace_sign, trace_sign] if det_sign > 0 else [1, -1] if det_sign < 0 else [0]
        kind = kind_from_signs(signs)
    value = sp.simplify(f.subs(point))
    return {
        "at": [to_float(sp, v)[0] for v in values],
        "exact": [sp.sstr(v) for v in values],
        "latex": [sp.latex(v) for v in values],
        "value": to_float(sp, value)[0],
        "exact_value": sp.sstr(value),
        "value_latex": sp.latex(value),
        "kind": kind,
        "second": to_float(sp, second)[0],
    }


def _sign(sp, value) -> int:
    """-1, 0 or 1: exact when sympy can tell, else the sign of its float value."""
    value = sp.simplify(value)
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    number = to_float(sp, value)[0]
    return 0 if number == 0 or number != number else (1 if number > 0 else -1)
