"""One forward run of a program, without a tape: the numbers the checks compare against.

The cross-check needs them twice: the sympy translation takes what the tape does not
differentiate through (stop_gradient, the values given to assignments, statements under `--stop`)
as these numbers, and finite differences run the program again with one source moved.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradcli.engine.tensor import Variable
from gradcli.language.walker import Walker

from .backend import NumericBackend, value_of
from .records import Request

__all__ = ["ForwardRun", "input_elements", "run_forward"]


@dataclass
class ForwardRun:
    """The numbers of one forward run without a tape.

    `recorded`: per node span, the values the tape does not differentiate through (stop_gradient
    and assignment deltas); `priors`: per assignment span, the variable's value just before it;
    `statements`: (label, value when the statement ran), in order; `created`: the variables the
    program made (dense); `env`: every name's final value; `last`: the last statement's value.
    """

    recorded: dict
    priors: dict
    statements: list
    created: dict
    env: dict
    last: np.ndarray | None

    def named(self, name: str) -> np.ndarray:
        if name in self.env:
            return self.env[name]
        return self.created[name]


class ForwardBackend(NumericBackend):
    """The numeric backend, also keeping each statement's value and each assignment's prior.

    With `priors` from a base run (finite differences), a perturbation of a variable survives a
    plain `assign` as it does on the tape: every read of a watched variable is the variable itself,
    so the tape's gradient flows through reads made after an `assign` (d/dx of x*x after
    assign(x, 5) is 10), and the finite difference must see the same.
    """

    def __init__(self, request: Request, overrides=None, frozen=None, priors=None):
        super().__init__(request, None, overrides, frozen)
        self.base_priors = priors
        self.priors: dict = {}
        self.statement_values: list = []

    def statement(self, label: str, node, run: Callable):
        value, deps = super().statement(label, node, run)
        self.statement_values.append((label, np.array(value_of(value))))
        return value, deps

    def assign(self, kind: str, name: str, variable, delta, node):
        prior = np.array(value_of(variable)) if isinstance(variable, Variable) else None
        self.priors[node.span] = prior
        out = super().assign(kind, name, variable, delta, node)
        if kind == "assign" and self.base_priors is not None and prior is not None:
            shift = prior.astype(np.float64) - self.base_priors[node.span]
            if np.any(shift):
                variable.assign(value_of(variable) + shift)
        return out


def run_forward(request: Request, overrides=None, frozen=None, priors=None) -> ForwardRun:
    """Run the program once, forward only, with `overrides` by name and `frozen` values by span."""
    backend = ForwardBackend(request, overrides, frozen, priors)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env, deps = backend.declare()
        walker = Walker(request.program, backend, env, deps)
        walker.run()
    created = {name: np.array(value_of(v)) for name, v in backend.created}
    last = np.array(value_of(walker.statements[-1][1])) if walker.statements else None
    return ForwardRun(
        recorded=dict(backend.recorded),
        priors=backend.priors,
        statements=backend.statement_values,
        created=created,
        env={name: np.array(value_of(v)) for name, v in walker.env.items()},
        last=last,
    )


def input_elements(request: Request, forward: ForwardRun) -> int:
    """Scalar elements of the program's inputs: declared values and created variables."""
    declared = sum(int(np.size(d.value)) for d in request.declarations)
    return declared + sum(int(v.size) for v in forward.created.values())
