"""`gc.explain`'s cross-check: finite differences of a tape's record, replayed.

A tape filled by Python code has no program to translate for sympy, but its record is a program
of primitives: each entry's op run on its inputs' values (`Op.forward`, the numpy that made the
value). Replaying the record with a source moved by +-h gives the target's central differences,
as `finite.gradients` does for a program: one element at a time for a one-element source, else
along 3 random directions (a fixed seed), within the same tolerances.

What is not checked, and why: a gradient that goes through a `gc.custom_gradient` step (its rule
is the user's to choose: clipping the gradient is the point, not an error); a source the replay
cannot move because the tape kept only the shape of a value it would need (a large value that no
gradient rule reads).
"""

from __future__ import annotations

import types
import warnings

import numpy as np

from gradcli.engine import nest
from gradcli.engine.custom_gradient import custom_step
from gradcli.engine.tape import kept_value
from gradcli.engine.tensor import record_key
from gradcli.program.records import NOT_CHECKED, Check
from gradcli.program.steps import TapeView
from gradcli.program.tolerances import compare, tolerances
from gradcli.record import replace

from .finite import central_moves, difference_directions

__all__ = ["check_view"]


class _NotKept(Exception):
    """The replay needs a value the tape kept only the shape of."""


def check_view(view: TapeView, tape, target, sources) -> TapeView:
    """`view` with each gradient that is not None checked against the replayed record."""
    entries = tape.entries()
    through = [step.op for step in view.backward if step.custom and step.incoming is not None]
    checks = {}
    rng = np.random.default_rng(0)
    for label, source in zip(view.evaluation.sources, nest.flatten(sources)):
        got = view.target.gradients.get(label)
        if got is None or np.asarray(source.numpy()).dtype.kind != "f":
            continue
        if through:
            why = f"the gradient goes through custom gradient {through[0]} (the user's rule)"
            checks[label] = Check(NOT_CHECKED, why, None, float("nan"), True)
            continue
        try:
            checks[label] = _check(entries, target, source, np.asarray(got), rng)
        except _NotKept:
            why = "the tape kept only the shape of a value the replay needs"
            checks[label] = Check(NOT_CHECKED, why, None, float("nan"), True)
    return replace(view, checks=(checks,) if checks else ())


def _check(entries: tuple, target, source, got: np.ndarray, rng) -> Check:
    x0 = np.asarray(source.numpy())
    if got.shape != x0.shape or x0.size == 0:  # nothing to move; or a gradient of a wrong shape
        same = got.shape == x0.shape
        return Check("finite-difference", None, np.zeros(0), 0.0 if same else float("inf"), same)
    eps = float(np.finfo(x0.dtype).eps)
    h = eps ** (1 / 3) * max(1.0, float(np.max(np.abs(x0[np.isfinite(x0)]), initial=0.0)))
    directions, what = difference_directions(x0, rng)
    estimates, along, noise = [], [], 0.0
    for plus, minus, step in central_moves(x0, h, directions):
        f_plus = _replayed(entries, target, record_key(source), plus)
        f_minus = _replayed(entries, target, record_key(source), minus)
        estimates.append((float(np.sum(f_plus)) - float(np.sum(f_minus))) / (2 * h))
        along.append(float(np.sum(got.astype(np.float64) * step)) / (2 * h))
        scale = float(np.sum(np.abs(f_plus)) + np.sum(np.abs(f_minus)))
        noise = max(noise, 10 * eps * scale / (2 * h))
    # the tolerances read only a dtype: the source's stands for the program's
    rtol, atol = tolerances(types.SimpleNamespace(dtype=x0.dtype), got, "finite-difference")
    error, agrees = compare(estimates, along, rtol, atol + noise, lenient=True)
    elementwise = len(directions) == x0.size and x0.size <= 32
    expected = np.array(estimates).reshape(x0.shape) if elementwise else np.array(estimates)
    expected = float(expected) if expected.ndim == 0 else expected
    return Check("finite-difference", None if elementwise else what, expected, error, agrees)


def _replayed(entries: tuple, target, source_id: int, moved: np.ndarray) -> np.ndarray:
    """The target's value with the source moved: every entry's op run again, in order."""
    values = {source_id: moved}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for op, inputs, out, params in entries:
            if record_key(out) in values or custom_step(op) is not None:
                continue  # a custom step's output keeps its value: no gradient goes through it
            args = [_value(x, values) for x in inputs]
            kwargs = {k: v for k, v in params.items() if k != "inside"}
            values[record_key(out)] = np.asarray(op.forward(*args, **kwargs))
    found = values.get(record_key(target))
    return np.asarray(target.numpy()) if found is None else found


def _value(x, values: dict):
    found = values.get(record_key(x))
    if found is None:
        found = kept_value(x)
    if found is None:
        raise _NotKept
    return found
