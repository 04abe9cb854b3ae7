"""Which of the operations found at a kink lie between which source element and which element
of each target (`program.kinks`).

A note names the operations behind its own entry: in `[abs(x), relu(x - y)]` at 0, the row of
`abs(x)` is kinked by `abs()` alone, and in `abs(x) + relu(y)` the kink in y by `relu()` alone.
Each operation found at a kink is poisoned in one more forward run: its output is nan, and the
target elements that turn nan are those it reaches; each source element is made nan in one run
per element, and the operations whose inputs turn nan are those it feeds. A boolean cannot be
nan, and `where` drops the nan of a branch it does not take, so a value computed from a poisoned
one is followed too: a `where` or comparison that reads one is poisoned whole. Where a run
fails, an operation is taken to lie on every path, as before this was sought.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from gradcli.engine.primitives import Op
from gradcli.engine.tensor import constant
from gradcli.errors import GradcliError
from gradcli.language.walker import Walker

from .backend import value_of
from .forward import ForwardBackend, ForwardRun
from .records import Request

__all__ = ["operations_reaching"]


class _PoisonBackend(ForwardBackend):
    """The forward backend, with the outputs of the operations at `spans` made nan."""

    def __init__(self, request: Request, spans: set, base: ForwardRun):
        super().__init__(request, None, base.recorded, base.priors)
        self.spans = spans
        self.poisoned: dict[int, object] = {}  # id -> the value computed from a poisoned one

    def apply(self, op: Op, inputs: list, params: dict, node):
        out = super().apply(op, inputs, params, node)
        reads = any(id(x) in self.poisoned for x in inputs)
        value = value_of(out)
        # a boolean cannot be nan, and where drops the nan of the branch it does not take at
        # the point (taken on one side of a switch: sqrt in where(x > 0, sqrt(x), 0) at 0)
        whole = reads and (op.name == "where" or value.dtype.kind == "b")
        if value.dtype.kind != "b" and (node.span in self.spans or whole):
            out = constant(np.full(value.shape, np.nan, dtype=value.dtype))
        if reads or node.span in self.spans:
            self.poisoned[id(out)] = out  # kept: an id is not reused while its value lives
        return out


def _targets(request: Request, run) -> list[np.ndarray]:
    names = list(request.targets)
    outputs = [run.named(name) for name in names] if names else [run.last]
    return [np.asarray(v, dtype=np.float64) for v in outputs]


def _reached(request: Request, spans: set, base: ForwardRun) -> list | None:
    """Per target, which elements the operations at `spans` reach; None when the run fails."""
    backend = _PoisonBackend(request, spans, base)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            env, deps = backend.declare()
            walker = Walker(request.program, backend, env, deps)
            walker.run()
        last = value_of(walker.statements[-1][1]) if walker.statements else None
        names = list(request.targets)
        outputs = [value_of(walker.env[n]) if n in walker.env else None for n in names]
        poisoned = outputs if names else [last]
    except GradcliError:
        return None
    if any(v is None for v in poisoned):  # a created variable as a target: not followed
        return None
    return [
        np.isnan(np.asarray(after, dtype=np.float64)) & ~np.isnan(before)
        for after, before in zip(poisoned, _targets(request, base), strict=True)
    ]


class _FeedBackend(ForwardBackend):
    """The forward backend, noting the operations at `spans` that read a nan."""

    def __init__(self, request: Request, overrides: dict, spans: dict, base: ForwardRun):
        super().__init__(request, overrides, base.recorded, base.priors)
        self.labels = spans  # span -> "abs() at 0"
        self.fed: set[str] = set()

    def apply(self, op: Op, inputs: list, params: dict, node):
        label = self.labels.get(node.span)
        if label is not None and any(np.isnan(value_of(x)).any() for x in inputs if _real(x)):
            self.fed.add(label)
        return super().apply(op, inputs, params, node)


def _real(x) -> bool:
    return value_of(x).dtype.kind == "f"


def _fed(request: Request, base: ForwardRun, spans: dict, source: str, x0, index) -> set | None:
    """The operations (labels) that source element `index` feeds; None when the run fails."""
    moved = x0.astype(np.float64).copy()
    moved[index] = np.nan
    backend = _FeedBackend(request, {source: moved.astype(x0.dtype)}, spans, base)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            env, deps = backend.declare()
            Walker(request.program, backend, env, deps).run()
    except GradcliError:
        return None
    return backend.fed


def operations_reaching(
    request: Request, base: ForwardRun, found: dict[str, str], spans: dict[str, list]
) -> Callable:
    """`found`: "abs() at 0" -> its convention; `spans`: "abs() at 0" -> the nodes applied at
    it. Answers (target number, element or None for any, source, its value, the element of it)
    -> (the operations between them, their conventions); every operation when none is seen to."""
    reached = {label: _reached(request, set(spans[label]), base) for label in found}
    labels_at = {span: label for label, at in spans.items() for span in at}
    feeds: dict = {}

    def said(number: int, element, source: str, x0, index) -> tuple[tuple, tuple]:
        if (source, index) not in feeds:
            feeds[source, index] = _fed(request, base, labels_at, source, x0, index)
        fed = feeds[source, index]
        labels = [
            label
            for label, masks in reached.items()
            if (fed is None or label in fed)
            and (
                masks is None
                or bool(masks[number].any() if element is None else masks[number][element])
            )
        ] or list(found)
        return tuple(labels), tuple(dict.fromkeys(found[label] for label in labels if found[label]))

    return said
