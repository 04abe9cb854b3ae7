"""A program run at one point: every input a scalar variable, the value run forward.

What `gradcli diff` and `check` run with the engine before asking sympy: that EXPR (and ANSWER)
is a number for number inputs, at the given point or, when only the shapes matter, at a
placeholder value.
"""

from __future__ import annotations

import warnings

import numpy as np

from gradcli.errors import UsageError
from gradcli.language import syntax as s

from .records import Declaration, Request

PLACEHOLDER = 1.0  # an input's value when only the program's shapes matter


def make_request(program: s.Program, inputs: list[str], values: dict | None = None) -> Request:
    """Every input a scalar variable: at its value, else at PLACEHOLDER."""
    values = values or {}
    declarations = tuple(
        Declaration(name, "variable", np.array(values.get(name, PLACEHOLDER), dtype=np.float64))
        for name in inputs
    )
    return Request(program=program, declarations=declarations)


def run_value(request: Request) -> np.ndarray:
    """The program's value, run forward with the engine (user errors raise GradcliError)."""
    from .backend import value_of
    from .run import run_program

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walker, _ = run_program(request)
    return np.asarray(value_of(walker.statements[-1][1]))


def require_scalar(request: Request, what: str) -> None:
    """Refuse (exit 2) a program whose value is an array: `what` names it (EXPR, ANSWER)."""
    shape = run_value(request).shape
    if shape != ():
        raise UsageError(
            f"{what} must be a number for number inputs; its value has shape {shape} "
            "(gradcli grad differentiates the sum of an array's elements)"
        )
