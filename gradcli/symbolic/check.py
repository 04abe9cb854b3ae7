"""The cross-check: each gradient the tape computed, against sympy or finite differences.

Symbolic first: the program translated to sympy through each primitive's sympy form
(`symbolic.py`), differentiated, and evaluated at the point. When the program has more than
`max_symbolic_elements` input elements, when an operation has no sympy form, or when sympy fails
or runs out of time, finite differences instead: central differences of the target's sum along
a few random directions, each a forward run of the same program with the source moved.

Tolerances follow from the dtype (the least precise of the request's and the gradient's):

- symbolic: float64 rtol 1e-7, atol 1e-9; float32 rtol 1e-4, atol 1e-5; float16 1e-2, 1e-3.
  A wrong rule is off by O(1) relative; rounding in a float64 program rarely exceeds 1e-12
  relative, so 1e-7 (about 5e8 ulps) leaves room for ill-conditioned programs and still catches
  every wrong rule. float32 gets the same margin over its eps (1.2e-7): about 800 ulps.
  atol covers gradients that are 0 in exact arithmetic and come out as rounding residue.
- finite differences: float64 rtol 1e-5, atol 1e-7; float32 rtol 1e-2, atol 1e-3; float16 1e-1.
  With h = eps**(1/3) * max(1, |x|), truncation and rounding errors are both ~eps**(2/3)
  (4e-11 for float64, 2e-5 for float32) times the function's scale; the tolerances leave several
  orders of magnitude for steep third derivatives. On top, the rounding of the target itself:
  10 * eps * sum|f| / h, which is what a large function value costs a difference quotient.

sympy is imported only when a check runs: importing this module does not import it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from gradcli.errors import GradcliError
from gradcli.program.forward import ForwardRun, input_elements, run_forward
from gradcli.program.records import Check, Evaluation, Request

from .sympy_import import import_sympy
from .translate import (
    MAX_DEPTH,
    MAX_SHOWN_TREE,
    MAX_TREE,
    SIMPLE_TREE,
    NoSympyForm,
    Translation,
    at_point,
    display_form,
    is_intermediate,
    measure,
    symbolic_derivative,
    text,
    to_float,
    translate,
    tree_size,
)
from .workers import GRACE, Late, OutOfTime, start_worker

__all__ = ["cross_check", "symbolic_derivative", "tolerances"]

DIRECTIONS = 3  # random directions per tensor source (a scalar source has one: +1)
_SYMBOLIC = {64: (1e-7, 1e-9), 32: (1e-4, 1e-5), 16: (1e-2, 1e-3)}
_FINITE = {64: (1e-5, 1e-7), 32: (1e-2, 1e-3), 16: (1e-1, 1e-1)}


def cross_check(
    request: Request,
    evaluation: Evaluation,
    *,
    budget: float = 2.0,
    max_symbolic_elements: int = 32,
    timeout: float = 5.0,
) -> tuple:
    """Per `evaluation.results` item, a dict: source name -> `Check`, for every gradient that is
    not None (None gradients, and the zeros of `--unconnected zero`, have reasons instead), in the
    gradients' order.

    `budget`: seconds for simplifying the shown expressions, in all. `timeout`: seconds for
    sympy's derivatives; past it (or past `max_symbolic_elements` input elements) the checks are
    finite differences. A source whose finite-difference runs fail is left out.

    `Check.expected` is sympy's gradient (a float for a scalar source, else an array of the
    source's shape), or for finite differences the estimated derivative (scalar source) or the 3
    directional derivatives grad . d that were compared (tensor source; `expression` says so).
    """
    with np.errstate(all="ignore"):
        return _cross_check(request, evaluation, budget, max_symbolic_elements, timeout)


def _cross_check(request, evaluation, budget, max_symbolic_elements, timeout) -> tuple:
    wanted = {
        (index, result.target if request.targets else None, source): np.asarray(gradient)
        for index, result in enumerate(evaluation.results)
        for source, gradient in result.gradients.items()
        if gradient is not None and source not in result.reasons  # not a filled-in zero
    }
    checks: list[dict] = [{} for _ in evaluation.results]
    if not wanted:
        return tuple(checks)
    base = run_forward(request)
    expected: dict = {}
    if input_elements(request, base) <= max_symbolic_elements:
        expected = expected_gradients(request, base, list(wanted), budget=budget, timeout=timeout)
    numeric = [key for key in wanted if not isinstance(expected.get(key), Expected)]
    found = _finite_differences(request, base, {key: wanted[key] for key in numeric})
    for key, gradient in wanted.items():
        index, _, source = key
        if isinstance(expected.get(key), Expected):
            checks[index][source] = symbolic_check(request, expected[key], gradient)
        elif key in found:
            checks[index][source] = found[key]
    return tuple(checks)


# ---------------------------------------------------------------- expected gradients


@dataclass(frozen=True)
class Expected:
    """sympy's derivative of a target's sum with respect to one source, at the point."""

    values: np.ndarray  # float64, the source's shape
    unsigned: np.ndarray  # bool, the source's shape: infinite with an unknown sign (zoo)
    expression: str | None  # the derivative for a one-element source, else a short summary


def _compute(request: Request, forward: ForwardRun, wanted: list) -> tuple[dict, list]:
    """For each (index, target, source): an `Expected`, or a string saying why not."""
    sp = import_sympy()
    translations: dict = {}
    results: dict = {}
    to_simplify: list = []
    for key in wanted:
        _, target, source = key
        try:
            intermediate = source if is_intermediate(request, forward, source) else None
            if intermediate not in translations:
                try:
                    translations[intermediate] = translate(
                        request, forward, intermediate=intermediate
                    )
                except Exception as error:  # the translation fails once for every source
                    translations[intermediate] = error
            translation = translations[intermediate]
            if isinstance(translation, Exception):
                raise translation
            results[key], shown = _expected(sp, translation, target, source)
            if shown is not None:
                to_simplify.append((key, shown))
        except Exception as error:  # sympy raises many kinds; each means: check numerically
            results[key] = f"{type(error).__name__}: {error}"[:200]
    return results, to_simplify


def _expected(sp, translation: Translation, target: str | None, source: str) -> tuple:
    """The `Expected` values, and the shown expression to simplify (None: nothing to simplify)."""
    symbols = translation.symbols.get(source)
    if symbols is None:
        raise NoSympyForm(f"'{source}' is not a symbol of the translation")
    total = sp.Add(*translation.value(target).flat)
    nodes, depth = measure(total, MAX_TREE)
    if nodes > MAX_TREE or depth > MAX_DEPTH:
        raise NoSympyForm("the target's expression is too large or too deep for sympy")
    values = np.empty(symbols.shape, dtype=np.float64)
    unsigned = np.zeros(symbols.shape, dtype=bool)
    derivative = None
    for index in np.ndindex(symbols.shape):
        derivative = sp.diff(total, symbols[index])
        values[index], unsigned[index] = to_float(sp, at_point(sp, derivative, translation.point))
    if symbols.size != 1:
        return Expected(values, unsigned, f"{symbols.size} partial derivatives"), None
    if tree_size(derivative, MAX_SHOWN_TREE) > MAX_SHOWN_TREE:
        return Expected(values, unsigned, None), None
    shown = display_form(sp, derivative)
    small = tree_size(shown) <= SIMPLE_TREE  # 2*x + 4 cannot get simpler: spare simplify's time
    return Expected(values, unsigned, text(sp, shown)), None if small else shown


def expected_gradients(
    request: Request,
    forward: ForwardRun,
    wanted: list,
    *,
    budget: float = 2.0,
    timeout: float = 5.0,
) -> dict:
    """sympy's gradients for `wanted` [(index, target label or None, source)]: per key an
    `Expected`, or a string saying why there is none (then check by finite differences).

    The derivatives must be ready within `timeout` seconds; then the shown expressions are
    simplified within `budget` seconds in all (those not done in time stay unsimplified).
    """
    sp = import_sympy()  # imported here, so that a forked worker does not import it again

    def produce(interrupt) -> Iterator:
        results, to_simplify = _compute(request, forward, wanted)
        yield results
        end = time.monotonic() + budget
        for key, expr in to_simplify:
            try:
                with interrupt(end - time.monotonic()):
                    shown = sp.simplify(expr)
            except OutOfTime:
                return
            except Exception:
                continue
            yield key, text(sp, shown)

    worker = start_worker(produce)
    try:
        try:
            results = worker.receive(timeout)
        except Late as why:
            return {key: f"sympy did not answer within {timeout:g} s ({why})" for key in wanted}
        end = time.monotonic() + budget + GRACE
        while True:
            try:
                key, shown = worker.receive(end - time.monotonic())
            except Late:
                break
            results[key] = replace(results[key], expression=shown)
        return results
    finally:
        worker.close()


# ---------------------------------------------------------------- tolerances and comparison


def tolerances(request: Request, gradient: np.ndarray, method: str) -> tuple[float, float]:
    """(rtol, atol) for `method` ("symbolic" | "finite-difference") at the least precise dtype."""
    bits = min(_bits(request.dtype), _bits(gradient.dtype))
    table = _SYMBOLIC if method == "symbolic" else _FINITE
    return table[64 if bits >= 64 else 32 if bits >= 32 else 16]


def _bits(dtype) -> int:
    dtype = np.dtype(dtype)
    return np.finfo(dtype).bits if dtype.kind == "f" else 64


def machine_eps(request: Request, dtype) -> float:
    kinds = [np.dtype(d) for d in (request.dtype, dtype) if np.dtype(d).kind == "f"]
    return max((float(np.finfo(d).eps) for d in kinds), default=float(np.finfo(np.float64).eps))


def compare(expected, got, rtol: float, atol: float, unsigned=None, lenient=False):
    """(max_abs_err, agrees): finite pairs within atol + rtol * max|expected|; a non-finite
    expected value matches a non-finite tape value of the same kind (nan with nan, inf with inf
    of the same sign, or of either sign where `unsigned`); `lenient`: any non-finite with any."""
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:  # a gradient must have its source's shape
        return float("inf"), False
    unsigned = np.zeros(expected.shape, bool) if unsigned is None else np.asarray(unsigned)
    finite_e, finite_g = np.isfinite(expected), np.isfinite(got)
    both = finite_e & finite_g
    error = float(np.max(np.abs(expected[both] - got[both]), initial=0.0))
    odd = ~both
    if lenient:
        same_kind = ~finite_e[odd] & ~finite_g[odd]
    else:
        e, g, loose = expected[odd], got[odd], unsigned[odd]
        same_kind = (np.isnan(e) & np.isnan(g)) | (
            np.isinf(e) & np.isinf(g) & (loose | (np.sign(e) == np.sign(g)))
        )
    if not np.all(same_kind):
        error = float("inf")
    scale = float(np.max(np.abs(expected[finite_e]), initial=0.0))
    return error, bool(np.all(same_kind) and error <= atol + rtol * scale)


def symbolic_check(request: Request, expected: Expected, gradient: np.ndarray) -> Check:
    rtol, atol = tolerances(request, gradient, "symbolic")
    error, agrees = compare(expected.values, gradient, rtol, atol, expected.unsigned)
    values = expected.values
    return Check(
        method="symbolic",
        expression=expected.expression,
        expected=float(values) if values.ndim == 0 else values,
        max_abs_err=error,
        agrees=agrees,
    )


# ---------------------------------------------------------------- finite differences


def _finite_differences(request: Request, base: ForwardRun, wanted: dict) -> dict:
    """Per key (index, target, source) whose source could be moved: a finite-difference Check.

    For each source, directions d (+1 for a scalar; else 3 random unit vectors, seed 0) and
    x +- h d, each a forward run with the tape's constants held: stop_gradient values and
    assignment deltas from the base run (`frozen`), statements under --stop by name. Compared:
    (f(x+hd) - f(x-hd)) / 2h against the tape's gradient . (x+hd - x-hd) / 2h, with the steps
    as the source's dtype rounded them; f is the target's sum.
    """
    rng = np.random.default_rng(0)
    by_source: dict[str, list] = {}
    for key in wanted:
        by_source.setdefault(key[2], []).append(key)
    held = {}
    for label, value in base.statements:
        if label in request.stop:
            held[label] = value
    checks = {}
    for source, keys in by_source.items():
        x0 = source_value(request, base, source)
        if x0 is None or x0.dtype.kind != "f":
            continue
        if x0.size == 0 or any(wanted[key].shape != x0.shape for key in keys):
            for key in keys:  # nothing to move; or a gradient of the wrong shape
                agrees = wanted[key].shape == x0.shape
                error = 0.0 if agrees else float("inf")
                checks[key] = Check("finite-difference", None, np.zeros(0), error, agrees)
            continue
        eps = machine_eps(request, x0.dtype)
        finite = np.abs(x0[np.isfinite(x0)])
        h = eps ** (1 / 3) * max(1.0, float(np.max(finite, initial=0.0)))
        if x0.size == 1:
            directions = [np.ones(x0.shape)]
        else:
            directions = [unit_vector(rng.standard_normal(x0.shape)) for _ in range(DIRECTIONS)]
        estimates = {key: [] for key in keys}
        along = {key: [] for key in keys}
        noise = {key: 0.0 for key in keys}
        try:
            for d in directions:
                plus = (x0 + h * d).astype(x0.dtype)
                minus = (x0 - h * d).astype(x0.dtype)
                step = plus.astype(np.float64) - minus.astype(np.float64)
                f_plus = _target_sums(request, base, {**held, source: plus})
                f_minus = _target_sums(request, base, {**held, source: minus})
                for key in keys:
                    (sum_p, abs_p), (sum_m, abs_m) = f_plus[key[0]], f_minus[key[0]]
                    estimates[key].append((sum_p - sum_m) / (2 * h))
                    gradient = wanted[key].astype(np.float64)
                    along[key].append(float(np.sum(gradient * step)) / (2 * h))
                    noise[key] = max(noise[key], 10 * eps * (abs_p + abs_m) / (2 * h))
        except GradcliError:
            continue  # the moved program fails: this source is not checked
        for key in keys:
            rtol, atol = tolerances(request, wanted[key], "finite-difference")
            error, agrees = compare(
                estimates[key], along[key], rtol, atol + noise[key], lenient=True
            )
            values = np.array(estimates[key])
            checks[key] = Check(
                method="finite-difference",
                expression=None if x0.size == 1 else f"along {len(directions)} random directions",
                expected=float(values[0]) if x0.size == 1 else values,
                max_abs_err=error,
                agrees=agrees,
            )
    return checks


def unit_vector(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else np.ones(v.shape) / np.sqrt(v.size)


def source_value(request: Request, base: ForwardRun, source: str) -> np.ndarray | None:
    for d in request.declarations:
        if d.name == source:
            return np.asarray(d.value)
    if source in base.created:
        return base.created[source]
    if is_intermediate(request, base, source):
        values = [value for label, value in base.statements if label == source]
        return values[-1] if values else None
    return None


def _target_sums(request: Request, base: ForwardRun, overrides: dict) -> list:
    """Per target: (sum, sum of absolute values) in float64, for one forward run."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        run = run_forward(request, overrides, frozen=base.recorded, priors=base.priors)
        values = [run.named(name) for name in request.targets] if request.targets else [run.last]
        return [
            (float(np.sum(v, dtype=np.float64)), float(np.sum(np.abs(v), dtype=np.float64)))
            for v in values
        ]
