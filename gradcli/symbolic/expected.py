"""The cross-check's sympy side: what each derivative should be, asked of sympy in a worker.

The program is translated through each primitive's sympy form (`translate.py`), differentiated,
and evaluated at the point: `diff` of the target's sum for a gradient, `diff` element by element
for a Jacobian, `diff(f, x, N)` for order N, `sympy.hessian` for a Hessian. Each answer is an
`Expected` (or a string saying why there is none: then the check is by finite differences).

`in_worker` is the one way sympy is asked: in a worker with a deadline (`workers.py`), then, for
a gradient, the shown expressions simplified within a budget. `symbolic_check` compares an answer
with the tape's.

sympy is imported only when a check runs: importing this module does not import it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from gradcli.program.forward import ForwardRun
from gradcli.program.records import Check, Request
from gradcli.program.tolerances import compare, tolerances

from .expressions import (
    MAX_DEPTH,
    MAX_SHOWN_TREE,
    MAX_TREE,
    SIMPLE_TREE,
    NoSympyForm,
    at_point,
    display_form,
    measure,
    text,
    to_float,
    tree_size,
)
from .sympy_import import import_sympy
from .translate import Translation, is_intermediate, translate
from .workers import GRACE, Late, OutOfTime, start_worker

__all__ = [
    "Expected",
    "gradients",
    "hessian",
    "in_worker",
    "jacobians",
    "orders",
    "symbolic_check",
]


@dataclass(frozen=True)  # not a Record: it crosses the worker's pipe, pickled
class Expected:
    """sympy's derivative at the point: of a target's sum by one source, of a target by one
    source (a Jacobian), or one block of a Hessian."""

    values: np.ndarray  # float64, the derivative's shape
    unsigned: np.ndarray  # bool, the same shape: infinite with an unknown sign (zoo)
    expression: str | None  # the derivative for a one-element answer, else a short summary


# ---------------------------------------------------------------- the worker


def in_worker(
    compute: Callable[[], tuple[dict, list]],
    timeout: float,
    budget: float,
    deadline: float = float("inf"),
) -> dict:
    """`compute()` run in a worker: its answers (key -> `Expected`, or why not), or {} when they
    are not ready within `timeout` seconds.

    `compute` also gives the shown expressions worth simplifying, [(key, expression)]: those
    are simplified within `budget` seconds in all (those not done in time stay unsimplified),
    and not past `deadline` (`time.monotonic()`).
    """
    sp = import_sympy()  # imported here, so that a forked worker does not import it again

    def produce(interrupt) -> Iterator:
        answers, to_simplify = compute()
        yield answers
        end = min(time.monotonic() + budget, deadline)
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
            answers = worker.receive(timeout)
        except Late:
            return {}
        end = min(time.monotonic() + budget, deadline) + GRACE
        while True:
            try:
                key, shown = worker.receive(end - time.monotonic())
            except Late:  # out of time, or no more messages
                break
            answers[key] = replace(answers[key], expression=shown)
        return answers
    finally:
        worker.close()


def symbolic_check(request: Request, expected: Expected, got: np.ndarray) -> Check:
    """sympy's answer against the tape's, within the dtype's symbolic tolerances."""
    rtol, atol = tolerances(request, got, "symbolic")
    error, agrees = compare(expected.values, got, rtol, atol, expected.unsigned)
    values = expected.values
    return Check(
        method="symbolic",
        expression=expected.expression,
        expected=float(values) if values.ndim == 0 else values,
        max_abs_err=error,
        agrees=agrees,
    )


# ---------------------------------------------------------------- shared pieces


def _why(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def _translations(request: Request, forward: ForwardRun) -> Callable[[str], Translation]:
    """A cache: source -> the translation in which it is a symbol (an intermediate statement
    gets a translation of its own); raises what the translation raised, each time it is asked."""
    made: dict = {}

    def get(source: str) -> Translation:
        intermediate = source if is_intermediate(request, forward, source) else None
        if intermediate not in made:
            try:
                made[intermediate] = translate(request, forward, intermediate=intermediate)
            except Exception as error:  # noqa: BLE001 - every failure means: check numerically
                made[intermediate] = error
        found = made[intermediate]
        if isinstance(found, Exception):
            raise found
        return found

    return get


def _small(expr) -> None:
    nodes, depth = measure(expr, MAX_TREE)
    if nodes > MAX_TREE or depth > MAX_DEPTH:
        raise NoSympyForm("the target's expression is too large or too deep for sympy")


def _symbols(translation: Translation, source: str) -> np.ndarray:
    symbols = translation.symbols.get(source)
    if symbols is None:
        raise NoSympyForm(f"'{source}' is not a symbol of the translation")
    return symbols


def _shown(sp, derivative) -> str:
    return text(sp, display_form(sp, derivative))


# ---------------------------------------------------------------- gradient


def gradients(request: Request, forward: ForwardRun, wanted: list) -> tuple[dict, list]:
    """For each (index, target label or None, source): an `Expected` gradient of the target's
    sum, or why not; and the shown expressions to simplify."""
    sp = import_sympy()
    translation_of = _translations(request, forward)
    answers: dict = {}
    to_simplify: list = []
    for key in wanted:
        _, target, source = key
        try:
            answers[key], shown = _gradient(sp, translation_of(source), target, source)
            if shown is not None:
                to_simplify.append((key, shown))
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
            answers[key] = _why(error)
    return answers, to_simplify


def _gradient(sp, translation: Translation, target: str | None, source: str) -> tuple:
    """The `Expected` values, and the shown expression to simplify (None: nothing to simplify)."""
    symbols = _symbols(translation, source)
    total = sp.Add(*translation.value(target).flat)
    _small(total)
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


# ---------------------------------------------------------------- jacobian


def jacobians(request: Request, forward: ForwardRun, wanted: list) -> tuple[dict, list]:
    """For each (index, target label or None, source): the `Expected` Jacobian, or why not."""
    sp = import_sympy()
    translation_of = _translations(request, forward)
    answers: dict = {}
    for key in wanted:
        _, target, source = key
        try:
            answers[key] = _jacobian(sp, translation_of(source), target, source)
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
            answers[key] = _why(error)
    return answers, []


def _jacobian(sp, translation: Translation, target: str | None, source: str) -> Expected:
    values_t = translation.value(target)
    symbols = _symbols(translation, source)
    shape = values_t.shape + symbols.shape
    values, unsigned = np.empty(shape), np.zeros(shape, dtype=bool)
    derivative = None
    for ti in np.ndindex(values_t.shape):
        _small(values_t[ti])
        for si in np.ndindex(symbols.shape):
            derivative = sp.diff(values_t[ti], symbols[si])
            point = at_point(sp, derivative, translation.point)
            values[ti + si], unsigned[ti + si] = to_float(sp, point)
    if values.size == 1 and derivative is not None:
        shown = _shown(sp, derivative)
    else:
        shown = f"{values.size} partial derivatives"
    return Expected(values, unsigned, shown)


# ---------------------------------------------------------------- grad --order N


def orders(request: Request, forward: ForwardRun, wanted: list, order: int) -> tuple[dict, list]:
    """For each (index, target label or None, scalar source): the `Expected` N-th derivative of
    the target's sum, or why not."""
    sp = import_sympy()
    translation_of = _translations(request, forward)
    answers: dict = {}
    for key in wanted:
        _, target, source = key
        try:
            translation = translation_of(source)
            total = sp.Add(*translation.value(target).flat)
            _small(total)
            symbols = translation.symbols.get(source)
            if symbols is None or symbols.shape != ():
                raise NoSympyForm(f"'{source}' is not a scalar symbol of the translation")
            derivative = sp.diff(total, symbols[()], order)
            value, unsigned = to_float(sp, at_point(sp, derivative, translation.point))
            answers[key] = Expected(np.array(value), np.array(unsigned), _shown(sp, derivative))
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
            answers[key] = _why(error)
    return answers, []


# ---------------------------------------------------------------- hessian


def hessian(request: Request, forward: ForwardRun, target, names: list) -> tuple[dict, list]:
    """For each pair of sources (a, b): the `Expected` block d2f/da db of sympy's `hessian` of
    the target's sum (every source an input), or why not."""
    sp = import_sympy()
    try:
        translation = translate(request, forward)
        total = sp.Add(*translation.value(target).flat)
        _small(total)
        symbols = [translation.symbols[name] for name in names]
    except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
        return {"error": _why(error)}, []
    flat = [symbol for array in symbols for symbol in array.flat]
    matrix = sp.hessian(total, flat)
    values, unsigned = _entries(sp, matrix, translation.point, len(flat))
    starts = np.cumsum([0] + [array.size for array in symbols])
    answers: dict = {}
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            rows = slice(starts[i], starts[i + 1])
            columns = slice(starts[j], starts[j + 1])
            shape = symbols[i].shape + symbols[j].shape
            block = values[rows, columns].reshape(shape)
            if np.isnan(block).any() and not np.isnan(block).all():
                answers[a, b] = "an entry of sympy's Hessian is not a number"
                continue
            one = symbols[i].size == 1 and symbols[j].size == 1
            shown = _shown(sp, matrix[starts[i], starts[j]]) if one else None
            expression = shown if one else f"{block.size} second derivatives"
            answers[a, b] = Expected(block, unsigned[rows, columns].reshape(shape), expression)
    return answers, []


def _entries(sp, matrix, point: dict, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The Hessian's entries at the point, and which are infinite with an unknown sign."""
    values, unsigned = np.empty((size, size)), np.zeros((size, size), dtype=bool)
    for r in range(size):
        for c in range(size):
            try:
                values[r, c], unsigned[r, c] = to_float(sp, at_point(sp, matrix[r, c], point))
            except Exception:  # noqa: BLE001 - an entry that is not a number: not checked
                values[r, c], unsigned[r, c] = np.nan, True
    return values, unsigned
