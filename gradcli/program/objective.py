"""The target of `gradcli minimize` as a function of one flat vector: its value, its gradient,
its Hessian, and its values on a grid (for the contour plot).

The program is parsed once (the request holds its tree). Each evaluation runs that tree through
the walker with the trained inputs replaced (`overrides`, as finite differences do) on one tape,
and asks the tape for the gradient: no parsing, no records, no reasons for None, so a step costs
what the program's own operations cost (about 0.4 ms for Rosenbrock). The first run, at the start,
is where every question about the problem is answered once: which target (a scalar, or a value
of one element), which inputs are trained (the declared trainable variables, or those `--wrt`
names), and which of them the target does not depend on.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.tape import GradientTape
from gradcli.errors import UsageError, did_you_mean
from gradcli.record import replace

from .backend import value_of
from .records import Request
from .run import check_declarations, check_names, named_values, resolve_targets, run_program

__all__ = ["Objective"]


class Objective:
    """`request`'s target as a function of the trained inputs, flattened and concatenated in
    declaration order (`names`, `shapes`; `start` is where the declarations put them)."""

    def __init__(self, request: Request):
        check_declarations(request)
        self.request = request
        self.names = _trained_names(request)
        declared = {d.name: d for d in request.declarations}
        self.dtypes = {name: declared[name].value.dtype for name in self.names}
        self.shapes = {name: np.shape(declared[name].value) for name in self.names}
        sizes = [int(np.prod(self.shapes[name], dtype=np.int64)) for name in self.names]
        self.offsets = np.cumsum([0, *sizes])
        self.size = int(self.offsets[-1])
        self.start = np.concatenate(
            [np.asarray(declared[name].value, dtype=np.float64).ravel() for name in self.names]
        )
        self.label, value, gradient = self._first_run()
        self.disconnected = tuple(
            name for name in self.names if gradient[name] is None
        )  # the target does not depend on these: they stay where they start
        if len(self.disconnected) == len(self.names):
            unwatched = "" if request.auto_watch else " (with --no-auto-watch, --watch them)"
            raise UsageError(
                f"the target {self.label} does not depend on any trained input "
                f"({', '.join(self.names)}): nothing to minimize{unwatched}"
            )
        self.start_value = value
        self.start_gradient = self._flat_gradient([gradient[name] for name in self.names])

    # ------------------------------------------------------------ flat vectors

    def unflatten(self, flat: np.ndarray) -> dict:
        """name -> the input's array (its shape and declared dtype) from a flat vector: views of
        `flat` where the dtype is float64. The engine never writes into an array it is given
        (a variable's assign replaces its value), so each step costs no copy of the inputs."""
        return {
            name: flat[self.offsets[i] : self.offsets[i + 1]]
            .reshape(self.shapes[name])
            .astype(self.dtypes[name], copy=False)
            for i, name in enumerate(self.names)
        }

    def element_labels(self) -> list[str]:
        """x, or x[0], x[1], ...: one label per flat element."""
        from .minimum import element_labels

        return element_labels(self.names, self.shapes)

    def fixed(self) -> np.ndarray:
        """Per element: True for the inputs the target does not depend on."""
        mask = np.zeros(self.size, dtype=bool)
        for i, name in enumerate(self.names):
            mask[self.offsets[i] : self.offsets[i + 1]] = name in self.disconnected
        return mask

    def bound_vectors(self, bounds: dict) -> tuple[np.ndarray, np.ndarray]:
        """Per-element lower and upper bounds from name -> (lo, hi) (-inf, inf where none)."""
        lower = np.full(self.size, -np.inf)
        upper = np.full(self.size, np.inf)
        for name, (lo, hi) in bounds.items():
            if name not in self.names:
                raise UsageError(
                    f"--bound {name}: '{name}' is not a trained input (trained: "
                    f"{', '.join(self.names)}){did_you_mean(name, self.names)}"
                )
            i = self.names.index(name)
            lower[self.offsets[i] : self.offsets[i + 1]] = lo
            upper[self.offsets[i] : self.offsets[i + 1]] = hi
        return lower, upper

    # ------------------------------------------------------------ evaluations

    def value_and_gradient(self, flat: np.ndarray) -> tuple[float, np.ndarray]:
        """The target and its gradient (float64, flat; 0 for a disconnected input) at `flat`."""
        tape = GradientTape(watch_accessed_variables=self.request.auto_watch)
        with np.errstate(all="ignore"):
            with tape:
                walker, backend = run_program(self.request, tape, self.unflatten(flat))
            target = self._target(walker, backend)
            grads = tape.gradient(target, [walker.env[name] for name in self.names])
        return float(value_of(target).reshape(())), self._flat_gradient(grads)

    def _flat_gradient(self, grads: list) -> np.ndarray:
        if len(grads) == 1 and grads[0] is not None:  # one input: its gradient, flattened
            return np.ravel(value_of(grads[0])).astype(np.float64, copy=False)
        if grads and all(g is not None for g in grads):  # every slice filled: no zeros first
            return np.concatenate([np.ravel(value_of(g)) for g in grads]).astype(
                np.float64, copy=False
            )
        gradient = np.zeros(self.size)
        for i, g in enumerate(grads):
            if g is not None:
                gradient[self.offsets[i] : self.offsets[i + 1]] = value_of(g).ravel()
        return gradient

    def value(self, flat: np.ndarray) -> float:
        """The target alone (no tape) at `flat`."""
        with np.errstate(all="ignore"):
            walker, backend = run_program(self.request, None, self.unflatten(flat))
            return float(value_of(self._target(walker, backend)).reshape(()))

    def hessian(self, flat: np.ndarray) -> np.ndarray:
        """The Hessian at `flat`, (size, size), by the engine's nested tapes
        (`derivatives.hessian`: the tape's gradient differentiated by an outer tape)."""
        from .derivatives import hessian

        request = replace(self.request, wrt=tuple(self.names), unconnected="zero")
        with np.errstate(all="ignore"):
            result = hessian(request, overrides=self.unflatten(flat))
        rows = []
        for a in self.names:
            size_a = int(np.prod(self.shapes[a], dtype=np.int64))
            blocks = [np.asarray(result.blocks[a][b], dtype=np.float64) for b in self.names]
            rows.append(np.concatenate([b.reshape(size_a, -1) for b in blocks], axis=1))
        return np.concatenate(rows, axis=0)

    def values_on_grid(self, flat: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """For two trained elements: the target over the grid xs by ys (rows: ys), the others
        (none, for two scalar inputs) held at `flat`."""
        grid = np.empty((len(ys), len(xs)))
        point = np.array(flat, dtype=np.float64)
        for i, y in enumerate(ys):
            for j, x in enumerate(xs):
                point[0], point[1] = x, y
                grid[i, j] = self.value(point)
        return grid

    # ------------------------------------------------------------ the first run

    def _target(self, walker, backend):
        if not self.request.targets:
            return walker.statements[-1][1]
        return named_values(walker, backend)[self.request.targets[0]]

    def _first_run(self) -> tuple[str, float, dict]:
        request = self.request
        if len(request.targets) > 1:
            raise UsageError(
                f"minimize needs one target, not {len(request.targets)} "
                f"({', '.join(request.targets)}): give one --target"
            )
        tape = GradientTape(watch_accessed_variables=request.auto_watch)
        with np.errstate(all="ignore"):
            with tape:
                walker, backend = run_program(request, tape)
            if backend.created:
                created = ", ".join(name for name, _ in backend.created)
                raise UsageError(
                    f"minimize trains declared inputs, but this program creates variables "
                    f"({created}): declare the weights as inputs instead, e.g. "
                    '"mean((x @ w + b)**2)" --w "normal((3, 2))" --b "zeros(2)"'
                )
            named = named_values(walker, backend)
            check_names(request.watch, named, "--watch")
            label, target, _ = resolve_targets(request, walker, named)[0]
            value = value_of(target)
            if value.size != 1:
                raise UsageError(
                    f"minimize needs a scalar target, but {label} has shape {value.shape}: "
                    "reduce it, e.g. sum(...) or mean(...)"
                )
            if value.dtype.kind != "f":
                raise UsageError(
                    f"minimize needs a floating-point target, but {label} is {value.dtype}"
                )
            grads = tape.gradient(target, [walker.env[name] for name in self.names])
        gradient = dict(zip(self.names, grads))
        return label, float(value.reshape(())), gradient


def _trained_names(request: Request) -> list[str]:
    """The declared trainable variables, or those of them `--wrt` names."""
    trainable = [d.name for d in request.declarations if d.kind == "variable"]
    if request.wrt:
        declared = {d.name: d.kind for d in request.declarations}
        for name in request.wrt:
            if declared.get(name) != "variable":
                what = f"a {declared[name]} input" if name in declared else "not an input"
                raise UsageError(
                    f"--wrt {name}: minimize trains trainable inputs (--NAME VALUE or --var), "
                    f"and '{name}' is {what}{did_you_mean(name, trainable)}"
                )
        trainable = list(dict.fromkeys(request.wrt))
    if not trainable:
        raise UsageError(
            "no trainable input to minimize over: declare one with --NAME VALUE or --var "
            'NAME=VALUE, e.g. gradcli minimize "(x - 3)**2" --x 0 (--frozen and --const '
            "inputs are held fixed)"
        )
    for name in trainable:
        dtype = next(d.value.dtype for d in request.declarations if d.name == name)
        if dtype.kind != "f":
            raise UsageError(f"--{name}: minimize needs floating-point inputs, not {dtype}")
    return trainable
