"""`--mode forward|reverse|both`: gradients and Jacobians by either mode, and what each cost.

Reverse mode (`run.evaluate`, `derivatives.jacobian`) runs the program once on a tape and then
one backward pass per output element (per target, for a gradient of its sum); forward mode
(`forward_mode`) runs one forward pass per input element. `both` computes by each, reports
reverse mode's answer, and says how far forward mode's is from it. Each mode's `Cost` counts its
passes, the primitive steps it evaluated (the program's own, and the derivative rules: a
backward pass walks every recorded step, a forward pass runs a rule for every step that carries
a tangent) and its time, so the cost difference shows: reverse wins with many inputs and few
outputs, forward with few inputs and many outputs.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from gradcli.engine.tape import GradientTape
from gradcli.errors import UsageError

from . import forward_mode
from .backend import value_of
from .derivatives import jacobian as reverse_jacobian
from .recorder import is_read
from .records import Cost, Derivative, Evaluation, Report, Request
from .run import evaluate, run_program

__all__ = ["by_mode"]

MODES = ("forward", "reverse", "both")


def by_mode(request: Request, derivative: Derivative) -> Report:
    """The gradient or Jacobian `derivative` asks for, computed in its `mode`, with the costs."""
    if derivative.order != 1:
        raise UsageError("--mode computes first derivatives: drop --order, or --mode")
    jacobian = derivative.kind == "jacobian"
    kind = "jacobian" if jacobian else "gradient"
    costs, answers = [], []
    if derivative.mode in ("reverse", "both"):
        evaluation, cost = _reverse(request, jacobian)
        costs.append(cost)
        answers.append(evaluation)
    if derivative.mode in ("forward", "both"):
        if jacobian:
            _, evaluation, cost = forward_mode.jacobian(request)
        else:
            evaluation, cost = forward_mode.gradients(request)
        if answers:  # both: reverse mode's answer is reported, forward's compared with it
            cost = Cost(*cost._values()[:-1], _difference(answers[0], evaluation))
        costs.append(cost)
        answers.append(evaluation)
    return Report(answers[0], kind=kind, costs=tuple(costs))


def _reverse(request: Request, jacobian: bool) -> tuple[Evaluation, Cost]:
    start = time.perf_counter()
    if jacobian:
        evaluation = reverse_jacobian(request).evaluation
    else:
        evaluation = evaluate(request)
    seconds = time.perf_counter() - start
    program_steps, recorded = _recording_size(request)
    if jacobian:
        passes = sum(int(np.size(r.value)) for r in evaluation.results)
    else:
        passes = len(evaluation.results)
    return evaluation, Cost("reverse", passes, program_steps + passes * recorded, seconds, 0.0)


def _recording_size(request: Request) -> tuple[int, int]:
    """The program's primitive steps, and how many of them a tape records (each backward pass
    walks those), from one run counted apart from the timed one."""
    tape = GradientTape(persistent=True, watch_accessed_variables=request.auto_watch)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with tape:
            _, backend = run_program(request, tape, backend=forward_mode.Counting)
    # a read of a watched variable is an entry too, but no rule runs for it in either mode
    return backend.operations, sum(not is_read(entry) for entry in tape.entries())


def _difference(reported: Evaluation, other: Evaluation) -> float:
    """The largest |difference| between two evaluations' derivatives (nan where only one is)."""
    worst = 0.0
    for mine, theirs in zip(reported.results, other.results):
        for name, value in mine.gradients.items():
            found = theirs.gradients.get(name)
            if value is None or found is None:
                given = found if value is None else value
                if given is not None and np.any(value_of(given)):  # None against nonzero
                    return float("nan")
                continue
            a, b = np.asarray(value, dtype=float), np.asarray(found, dtype=float)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            gap = np.where(same, 0.0, np.abs(a - b))
            worst = max(worst, float(np.max(np.nan_to_num(gap, nan=np.inf), initial=0.0)))
    return worst
