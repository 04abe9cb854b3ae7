"""Kinks: a point where the program is not differentiable, and its one-sided derivatives there.

At a kink (`abs(x)` at 0, `relu` at 0, a tie in `maximum`, `sqrt` at 0, `where`'s switch) the
gradient the tape gives is TensorFlow's convention, not "the" derivative: there is none. A base
forward run notes each operation applied at one of its own kinks (`KINK_TESTS`: its inputs are
there exactly). Only then is each scalar element of each source (declared or created, at most
MAX_ELEMENTS in all) moved to each side: the one-sided derivatives of the target's sum, by
second-order one-sided differences at two steps, h = eps**(1/3) * max(1, |x|) and h/16. A real
kink's two sides differ at both steps (a smooth program's agree to ~h**2); a side whose moved runs
are not finite is not defined there; a side that grows as the step shrinks is infinite. A source
whose two sides differ, or with one side only, gets a `Kink`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from gradcli.engine.primitives import Op

from .backend import describe, value_of
from .forward import ForwardBackend, run_forward
from .reach import operations_reaching
from .records import Evaluation, HessianResult, Kink, Request, finite
from .tolerances import machine_eps

__all__ = ["KINK_TESTS", "find_hessian_kinks", "find_jacobian_kinks", "find_kinks"]

MAX_ELEMENTS = 32  # source elements moved one at a time; a larger program's kinks are not sought
SHRINK = 16  # the second step is h / SHRINK
JUMP = 1e-6  # two sides differ when |left - right| > JUMP * (1 + |left| + |right|)
DIGITS = 8  # significant digits a one-sided derivative is given to


def _at_zero(values: list, params: dict) -> bool:
    return bool(np.any(values[0] == 0))


def _tie(values: list, params: dict) -> bool:
    return bool(np.any(values[0] == values[1]))


def _at_bound(values: list, params: dict) -> bool:
    return bool(np.any(values[0] == values[1]) or np.any(values[0] == values[2]))


def _tie_in_reduction(values: list, params: dict) -> bool:
    x, axis = values[0], params.get("axis")
    if x.size < 2:
        return False
    top = np.max(x, axis=axis, keepdims=True) if x.ndim else x
    low = np.min(x, axis=axis, keepdims=True) if x.ndim else x
    return bool(np.any(np.sum(x == top, axis=axis) > 1) or np.any(np.sum(x == low, axis=axis) > 1))


# operation -> (its inputs are at one of its kinks?, what that is, in words)
KINK_TESTS: dict[str, tuple[Callable, str]] = {
    "abs": (_at_zero, "at 0"),
    "relu": (_at_zero, "at 0"),
    "leaky_relu": (_at_zero, "at 0"),
    "sign": (_at_zero, "at 0"),
    "sqrt": (_at_zero, "at 0"),
    "norm": (_at_zero, "at 0"),
    "maximum": (_tie, "at a tie"),
    "minimum": (_tie, "at a tie"),
    "clip": (_at_bound, "at a bound"),
    "max": (_tie_in_reduction, "at a tie"),
    "min": (_tie_in_reduction, "at a tie"),
    **{
        name: (_tie, "between equal values (a switch)")
        for name in ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal")
    },
}


class _KinkBackend(ForwardBackend):
    """The forward backend, noting each operation applied at one of its kinks."""

    def __init__(self, request: Request):
        super().__init__(request)
        self.found: dict[str, str] = {}  # "abs() at 0" -> the registry's convention
        self.spans: dict[str, list] = {}  # "abs() at 0" -> the nodes applied there

    def apply(self, op: Op, inputs: list, params: dict, node):
        out = super().apply(op, inputs, params, node)
        test = KINK_TESTS.get(op.name)
        if test is not None:
            values = [np.asarray(value_of(x)) for x in inputs]
            with np.errstate(all="ignore"):
                if test[0](values, params):
                    label = f"{describe(op, node)} {test[1]}"
                    self.found.setdefault(label, op.convention)
                    self.spans.setdefault(label, []).append(node.span)
        return out


def _may_kink(request: Request) -> bool:
    """Whether the program calls an operation of KINK_TESTS (or compares): read from its syntax,
    so that a program without one costs no run."""
    from gradcli.language import syntax as s
    from gradcli.language.analysis import walk
    from gradcli.language.walker import SPELLINGS

    # first the text, as a sieve: a comparison's or a bar's character, or the last part of a
    # kinked operation's spelling, must be in it for its syntax to hold one (a long chain of
    # sin and '*' is then read once, not walked node by node)
    source = request.program.source
    words = {
        spelling.rsplit(".", 1)[-1] for spelling, op in SPELLINGS.items() if op.name in KINK_TESTS
    }
    if not any(mark in source for mark in ("<", ">", "==", "!=", "|", *KINK_TESTS, *words)):
        return False
    for statement in request.program.statements:
        for node in walk(statement.value):
            if isinstance(node, s.Compare):
                return True
            if isinstance(node, s.Call):
                op = SPELLINGS.get(node.func.name)
                name = op.name if op is not None else node.func.name.rsplit(".", 1)[-1]
                if name in KINK_TESTS:
                    return True
    return False


def _kink_operations(request: Request) -> tuple[dict[str, str], dict[str, list]]:
    """The operations the program applies at one of their kinks: "abs() at 0" -> convention,
    and "abs() at 0" -> the spans of the nodes applied there."""
    from gradcli.language.walker import Walker

    if not _may_kink(request):
        return {}, {}
    backend = _KinkBackend(request)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env, deps = backend.declare()
        Walker(request.program, backend, env, deps).run()
    return backend.found, backend.spans


def find_kinks(request: Request, evaluation: Evaluation) -> tuple[Kink, ...]:
    """Every (target, source element) at a kink: its one-sided derivatives and the tape's value.
    Nothing when no operation is at a kink, or the sources have over MAX_ELEMENTS elements."""
    return _find(request, evaluation, per_element=False)


def find_jacobian_kinks(request: Request, evaluation: Evaluation) -> tuple[Kink, ...]:
    """As `find_kinks`, per element of each target: the one-sided derivatives of that element
    (a row of the Jacobian) by each source element, where the two sides differ; `gradient` is
    the Jacobian's entry."""
    return _find(request, evaluation, per_element=True)


def _find(request: Request, evaluation: Evaluation, per_element: bool) -> tuple[Kink, ...]:
    """The kinks of the sum of each target's elements (grad's), or of each element (a
    Jacobian's, `per_element`): one pair of one-sided differences per source element moved."""
    found = _prepare(request, evaluation)
    if found is None:
        return ()
    base, sources, said = found
    kinks = []
    for source, x0 in sources.items():
        eps = machine_eps(request, x0.dtype)
        for index in np.ndindex(x0.shape):
            moved = _values_at(request, base, source, x0, index, summed=not per_element)
            sides = _sides(moved, x0, index, eps)
            for number, result in enumerate(evaluation.results):
                gradient = result.gradients.get(source)
                if gradient is None:
                    continue
                for element, (left, right), defined in _entries(result, sides[number], per_element):
                    if not (defined and _differ(left, right)):
                        continue
                    at = index if element is None else element + index
                    entry = float(np.asarray(gradient, dtype=np.float64)[at])
                    operations, conventions = said(number, element, source, x0, index)
                    kinks.append(
                        Kink(
                            result.target, _label(source, x0, index), float(x0[index]),
                            operations, conventions, left, right, entry, element=element,
                        )
                    )  # fmt: skip
    return tuple(kinks)


def _entries(result, sides: list, per_element: bool):
    """(the target's element, or None for the sum of them all; its one-sided derivatives;
    whether the target is finite there), for each entry a kink can be of."""
    if not per_element:
        yield None, sides[0], finite(result.value)
        return
    shape = np.shape(result.value)
    values = np.asarray(result.value, dtype=np.float64)
    for flat, pair in enumerate(sides):
        element = tuple(int(i) for i in np.unravel_index(flat, shape))
        yield element, pair, bool(np.isfinite(values[element]))


def find_hessian_kinks(request: Request, result: HessianResult) -> tuple[Kink, ...]:
    """Where a first derivative of the (scalar) target is not differentiable: per source element
    b moved, the one-sided differences of the tape's gradient (each element a); a Kink for
    each (a, b) whose two sides differ, `gradient` the Hessian's entry d2f/da db."""
    target = result.target
    found = _prepare(request, result.evaluation) if finite(target.value) else None
    if found is None:
        return ()
    base, sources, said = found
    kinks = []
    for b, x0 in sources.items():
        eps = machine_eps(request, x0.dtype)
        for index in np.ndindex(x0.shape):
            sides = _sides(_gradients_at(request, base, sources, b, x0, index), x0, index, eps)
            operations, conventions = said(0, None, b, x0, index)
            for number, (a, a0) in enumerate(sources.items()):
                block = result.blocks.get(a, {}).get(b)
                if block is None:
                    continue
                for flat, (left, right) in enumerate(sides[number]):
                    element = tuple(int(i) for i in np.unravel_index(flat, a0.shape))
                    if _differ(left, right):
                        entry = float(np.asarray(block, dtype=np.float64)[element + index])
                        kinks.append(
                            Kink(
                                target.target, _label(b, x0, index), float(x0[index]),
                                operations, conventions, left, right, entry,
                                gradient_of=_label(a, a0, element),
                            )
                        )  # fmt: skip
    return tuple(kinks)


def _prepare(request: Request, evaluation: Evaluation):
    """(the base forward run, the movable sources, (target number, element or None) -> the
    operations at a kink that reach it and their conventions), or None when there is nothing to
    move or no operation is at a kink."""
    sources = _movable_sources(request, evaluation)
    if not sources or sum(x0.size for x0 in sources.values()) > MAX_ELEMENTS:
        return None
    found, spans = _kink_operations(request)
    if not found:
        return None
    base = run_forward(request)
    return base, sources, operations_reaching(request, base, found, spans)


def _label(source: str, x0: np.ndarray, index: tuple) -> str:
    return source if x0.ndim == 0 else f"{source}[{', '.join(map(str, index))}]"


def _movable_sources(request: Request, evaluation: Evaluation) -> dict:
    """Declared or created sources of a float dtype with a gradient: name -> value."""
    gradients = {
        s for result in evaluation.results for s, g in result.gradients.items() if g is not None
    }
    out = {}
    for name, info in evaluation.inputs.items():
        value = np.asarray(info.value)
        if name in gradients and value.dtype.kind == "f" and value.size:
            out[name] = value
    return out


def _moved(x0: np.ndarray, index: tuple, step: float) -> np.ndarray:
    moved = x0.astype(np.float64).copy()
    moved[index] += step
    return moved.astype(x0.dtype)


def _values_at(request: Request, base, source: str, x0, index, summed: bool) -> Callable:
    """step -> per target, its values (float64, flat; `summed`: its sum) with element `index` of
    `source` moved by step (what the tape does not differentiate through held at the base run's
    values); nan for a run that fails."""
    from gradcli.errors import GradcliError

    names = list(request.targets)
    shapes = [np.shape(base.named(name)) for name in names] if names else [np.shape(base.last)]

    def values(step: float) -> list:
        overrides = {source: _moved(x0, index, step)}
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                run = run_forward(request, overrides, frozen=base.recorded, priors=base.priors)
            outputs = [run.named(name) for name in names] if names else [run.last]
        except GradcliError:
            outputs = [np.full(shape, np.nan) for shape in shapes]
        if summed:
            return [np.array([np.sum(v, dtype=np.float64)]) for v in outputs]
        return [np.asarray(v, dtype=np.float64).ravel() for v in outputs]

    return values


def _gradients_at(request: Request, base, sources: dict, source: str, x0, index) -> Callable:
    """step -> per movable source (in `sources`' order), the tape's gradient by it
    (float64, flat) with element `index` of `source` moved by step; nan where a run fails."""
    from gradcli.errors import GradcliError

    from .derivatives import gradients_at

    held = {label: value for label, value in base.statements if label in request.stop}
    shapes = {a: a0.shape for a, a0 in sources.items()}

    def values(step: float) -> list:
        overrides = {**held, source: _moved(x0, index, step)}
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                moved = gradients_at(request, overrides, base.recorded)
        except GradcliError:
            moved = {}
        return [
            np.full(shape, np.nan).ravel() if moved.get(a) is None else moved[a].ravel()
            for a, shape in shapes.items()
        ]

    return values


def _sides(values_at: Callable, x0: np.ndarray, index: tuple, eps: float) -> list:
    """Per output of `values_at` (a target, or a gradient), per element: its (left, right)
    derivatives by element `index` of the source, from second-order one-sided differences."""
    h = eps ** (1 / 3) * max(1.0, abs(float(x0[index])))
    runs: dict = {}

    def at(step: float) -> list:
        if step not in runs:
            runs[step] = values_at(step)
        return runs[step]

    out = []
    for number, base in enumerate(at(0.0)):
        per_element = []
        for element in range(base.size):
            sides = []
            for sign in (-1.0, 1.0):
                estimates = [
                    _one_sided(
                        base[element], at(sign * k)[number][element],
                        at(2 * sign * k)[number][element], k,
                    )
                    * sign
                    for k in (h, h / SHRINK)
                ]  # fmt: skip
                sides.append(_side(*estimates))
            per_element.append(tuple(sides))
        out.append(per_element)
    return out


def _one_sided(f0: float, f1: float, f2: float, h: float) -> float:
    """The second-order one-sided difference (-3 f(x) + 4 f(x+h) - f(x+2h)) / 2h (h signed by the
    caller's side: the result times the side's sign is the derivative)."""
    return (-3 * f0 + 4 * f1 - f2) / (2 * h)


def _side(coarse: float, fine: float) -> float | None:
    """One side's derivative from its two estimates: None when not a number (not defined on that
    side), +-inf when it grows as the step shrinks, else the coarse one (less rounding)."""
    if not (np.isfinite(coarse) and np.isfinite(fine)):
        return None
    if abs(fine) > 2 * abs(coarse) and abs(fine) > 1.0:  # about 4x for a square root's
        return float(np.sign(fine) * np.inf)
    return float(f"{coarse:.{DIGITS}g}") + 0.0  # + 0.0: -0.0 reads as 0


def _differ(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return (left is None) != (right is None)
    if np.isinf(left) and np.isinf(right):  # both grow without bound: a jump
        return True
    if np.isinf(left) or np.isinf(right):
        return left != right
    return abs(left - right) > JUMP * (1 + abs(left) + abs(right))
