"""`gc.explain(tape, target, sources)`: a tape recorded through the Python API, step by step.

Part of the `gc` face (`__init__.py` imports it on first use): it asks each part for its share,
as `gradcli tape` does for a program: `program.api_view` builds the `TapeView` from the tape's
record, `symbolic.rules.explain` writes each local rule, `symbolic.replay` checks the gradients
against finite differences of the record replayed, and `render.tape` draws the view (the rich
table, `--plain`'s lines, `--json`'s document).
"""

from __future__ import annotations

import json
import sys

from gradcli.program.steps import TapeView

__all__ = ["TapeExplanation", "explain"]


def explain(tape, target, sources, *, names: dict | None = None) -> TapeExplanation:
    """What `tape` recorded, and the backward pass from `target` to `sources`, step by step, as
    `gradcli tape` shows a program: `print(gc.explain(tape, y, [x, w]))`.

    The forward steps are the tape's entries in the order it recorded them (variables by their
    `name=`, intermediates as `#3`, constants by value, and any value by the label given in
    `names={"y": y}`); the backward steps show the gradient arriving at each step, its local
    rule (`d/da (a*b) = b`) and what it sends to each input; a `gc.custom_gradient` call is one
    step whose rule is its `grad_fn`. The gradients are `tape.gradient(target, sources)`'s,
    checked against finite differences of the record replayed (not checked through a custom
    gradient: its rule is the user's to choose).

    Explaining does not use up the tape: call it before `tape.gradient` on a non-persistent tape
    (after it, the record is gone: `gradcli.GradcliError` says so). Answers a `TapeExplanation`:
    `str()` is the table, `.to_plain()`, `.to_json()` and `.to_dict()` the other formats.
    """
    from gradcli.program.api_view import tape_view
    from gradcli.symbolic.replay import check_view
    from gradcli.symbolic.rules import explain as with_rules

    view = tape_view(tape, target, sources, names)
    return TapeExplanation(check_view(with_rules(view), tape, target, sources))


class TapeExplanation:
    """A tape's record, step by step (`gc.explain`): print it for the tables."""

    def __init__(self, view: TapeView):
        self.view = view  # the records of `program.steps`: forward, backward, sums, evaluation

    @property
    def gradients(self) -> dict:
        """Each source's label -> its gradient (a numpy array; None where the tape gives None)."""
        return dict(self.view.target.gradients)

    @property
    def agrees(self) -> bool:
        """Whether every checked gradient agrees with finite differences (True: none checked)."""
        return self.view.agrees

    def to_table(self, *, color: bool = False, width: int | None = None) -> str:
        """The tables of `gradcli tape`: ANSI colours only when `color`."""
        from gradcli.render.tape import TAPE

        return TAPE.to_table(self.view, color=color, width=width)

    def to_plain(self) -> str:
        """One line per event, as `gradcli tape --plain`: forward, backward, sum, gradient."""
        from gradcli.render.tape import TAPE

        return TAPE.to_plain(self.view)

    def to_dict(self) -> dict:
        """The document of `gradcli tape --json` ("program" is null: there is none)."""
        from gradcli.render.tape import tape_to_dict

        return tape_to_dict(self.view)

    def to_json(self) -> str:
        from gradcli.render.tape import TAPE

        return TAPE.to_json(self.view)

    def show(self) -> None:
        """Print the tables, in colour when the output is a terminal."""
        print(self.to_table(color=sys.stdout.isatty()), end="")

    def __str__(self) -> str:
        return self.to_table().rstrip("\n")

    def __repr__(self) -> str:
        shown = json.dumps(
            {k: None if v is None else v.tolist() for k, v in self.gradients.items()}
        )
        steps = len(self.view.forward)
        return f"<gc.TapeExplanation of {self.view.target.target}: {steps} steps, {shown}>"
