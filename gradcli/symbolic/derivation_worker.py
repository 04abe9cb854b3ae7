"""`gradcli diff --steps` in a worker: the rule trees (`derivation.derive`), then the last step
of each, which simplifies the rules' result to the answer `gradcli diff` shows.

`produce_steps` runs inside a worker (`workers.start_worker`, started by
`homework.derivation_steps`), so its messages are picklable (`derivation.Step` records and
strings). sympy is imported inside functions only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from gradcli.program.records import Request

from . import derivation
from .classical import classical
from .derivation import Step
from .expressions import letter_e, plain_text, textbook
from .formula import _error as formula_error
from .formula import choose
from .sympy_import import import_sympy
from .workers import OutOfTime
from .written import named_forms


def simplify_step(sp, wrt: str, display, answer, notes: tuple) -> Step:
    """The last step: the rules' result, simplified (or why not)."""
    text, latex = plain_text(sp, letter_e(sp, display)), sp.latex(display)
    answer_text, answer_latex = plain_text(sp, answer), sp.latex(answer)
    statement = (f"{text} = {answer_text}", f"{latex} = {answer_latex}")
    return Step(
        "simplify", wrt, text, latex, answer_text, answer_latex, *statement, None, notes, (),
    )  # fmt: skip


def produce_steps(request: Request, names: list[str], budget: float) -> Callable:
    """For a worker: {"derived": [per name: (the rule tree, sympy's derivative as text and
    LaTeX)]}, then per name {"simplified": (index, the simplify Step)} as simplify finishes
    within `budget` seconds in all. The answer is the form `gradcli diff` shows: sympy's
    derivative, simplified when that is clearly shorter (`formula.choose`); the rules' result
    equals it (the tests assert so for every rule)."""

    def produce(interrupt) -> Iterator:
        sp = import_sympy()
        try:
            found = []
            for name in names:
                step, _, display, f = derivation.derive(request, name)
                x = next((s for s in f.free_symbols if s.name == name), None)
                # the derivative where it exists: DiracDelta (from sign) is 0 off its zeros
                derivative = classical(sp, sp.diff(f, x)) if x is not None else sp.Integer(0)
                found.append((step, display, derivative))
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: a message
            yield formula_error(error)
            return
        yield {
            "derived": [
                (step, plain_text(sp, textbook(sp, d)), sp.latex(d), named_forms(sp, display))
                for step, display, d in found
            ]
        }
        end = time.monotonic() + budget
        for index, (name, (_, display, derivative)) in enumerate(zip(names, found)):
            try:
                with interrupt(end - time.monotonic()):
                    simplified = sp.simplify(derivative)
            except OutOfTime:
                return
            except Exception:  # noqa: BLE001 - left as sympy gave it
                simplified = None
            answer = textbook(sp, choose(sp, derivative, simplified))  # as `gradcli diff` shows
            notes = named_forms(sp, display) + (
                ("nothing to simplify",) if answer == letter_e(sp, display) else ()
            )
            if display.has(sp.DiracDelta):
                notes += ("DiracDelta(u) = 0 where u != 0 (where u = 0 there is no derivative)",)
            yield {"simplified": (index, simplify_step(sp, name, display, answer, notes))}

    return produce


def unsimplified(step: Step, text: str, latex: str, forms: tuple, budget: float) -> Step:
    """The simplify step when sympy ran out of time: the rules' answer (`text`, `latex`: with
    every primitive written in sympy) as it is."""
    return Step(
        "simplify", step.wrt, step.derivative, step.derivative_latex, text, latex,
        f"{step.derivative} = {text}", f"{step.derivative_latex} = {latex}", None,
        (*forms, f"not simplified: sympy ran out of time ({budget:g} s, --budget)"), (),
    )  # fmt: skip
