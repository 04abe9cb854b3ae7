"""`GradientTape`: what gets recorded, and the entry points that differentiate the record.

TensorFlow's semantics: a tape records the primitives run while it is open that depend on a
watched value; reading a trainable variable watches it (unless `watch_accessed_variables=False`);
constants are watched only when asked. `gradient` walks the record once, in reverse, iteratively
(the walk itself is in `backward`); `jacobian` walks it once per element of the target. The record
keeps only the forward values that gradient rules read, with data-less stand-ins elsewhere.
"""

from __future__ import annotations

import contextlib
import enum
import warnings
from typing import Any

import numpy as np

from gradcli.errors import ArgumentError

from . import nest
from .backward import consumed, depends_on, observed, seeded, walk
from .primitives import REGISTRY, getitem, reshape, stack, transpose, zeros_like
from .tensor import STATE, Tensor, Variable, to_numpy

_READ = REGISTRY["identity"]  # a variable read is recorded as identity(variable) -> tensor

_USED_MESSAGE = (
    "a non-persistent GradientTape can compute gradients only once; create it with "
    "gc.GradientTape(persistent=True) to call gradient() or jacobian() several times"
)


class GradientTape:
    """Records operations on watched values so that `gradient` can run the chain rule backwards."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._auto_watch = watch_accessed_variables
        self._observer = None  # `gradcli tape` watches the backward walk (`backward.observed`)
        self.reset()

    # ------------------------------------------------------------ the record, for gradcli's views
    # Public for gradcli's own parts (`gradcli tape`, `gc.explain`, the cost counts of --mode), so
    # that nothing outside the engine reads its private state. Each entry is a plain tuple
    # `(op, inputs, output, params)`: the `primitives.Op`, its input tensors or variables (a
    # variable itself where a read of it was recorded), its output tensor, its static parameters.
    # A value no gradient rule reads is kept as a stand-in with its `_id`, shape and dtype only
    # (`_Unsaved`), unless an observer keeps every value (`observe`).

    def entry_count(self) -> int:
        """How many entries the tape holds (0 once a non-persistent tape is used up)."""
        return len(self._entries or ())

    def entries(self, start: int = 0) -> tuple:
        """The entries recorded, oldest first, from the `start`-th on (() once used up)."""
        return tuple(self._entries[start:]) if self._entries else ()

    @property
    def released(self) -> bool:
        """Whether `gradient` used up this non-persistent tape's record."""
        return self._entries is None

    def observe(self, observer) -> None:
        """From now on keep every recorded value (not only what the rules read), and show each
        backward walk to `observer` (`backward.observed` says what it is told)."""
        self._observer = observer

    def observed_gradient(self, target, sources, observer, unconnected_gradients="none"):
        """`gradient(target, sources)` with each step of the walk shown to `observer`, as a look
        at the record that changes nothing: the record is kept (a non-persistent tape is not used
        up) and nothing records the walk (no tape nor accumulator sees its operations)."""
        if self._entries is None:
            raise RuntimeError(_USED_MESSAGE)
        flat_targets = nest.flatten(target)
        seeds = _seeds(flat_targets, None)
        flat_sources = _checked_sources(sources)
        recording, STATE.recording = STATE.recording, []
        kept, self._observer = self._observer, observer
        try:
            grads = self._backward(flat_targets, seeds, flat_sources, final=False)
        finally:
            STATE.recording, self._observer = recording, kept
        results = [_finish(grads.get(s._id), s, unconnected_gradients) for s in flat_sources]
        return nest.pack_like(sources, results)

    # ------------------------------------------------------------ recording

    def __enter__(self) -> GradientTape:
        if self._entries is None:  # a used-up tape records afresh, as TensorFlow's does
            self.reset()
        STATE.recording.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        if self in STATE.recording:
            STATE.recording.remove(self)

    def _record(self, op, inputs, out: Tensor, kwargs: dict) -> None:
        live = self._live
        for x in inputs:
            if x._id in live:
                if out._value.dtype.kind == "f":  # integer results carry no gradient
                    live.add(out._id)
                    if self._observer is None:  # `gradcli tape` shows every value: keeps all
                        inputs, out = _saved(op, inputs, out)
                    self._entries.append((op, inputs, out, kwargs))
                return

    def _on_read(self, variable: Variable, value: Tensor) -> None:
        if variable._id not in self._watched and self._auto_watch and variable.trainable:
            self._watch_variable(variable, quiet=True)
        if variable._id in self._watched:
            self._entries.append((_READ, (variable,), value, {}))
            self._live.add(value._id)

    def watch(self, tensor: Any) -> None:
        """Watch tensors or variables (any nested list/tuple/dict of them)."""
        for item in nest.flatten(tensor):
            if isinstance(item, Variable):
                self._watch_variable(item)
            elif isinstance(item, Tensor):
                if _is_float(item):
                    self._live.add(item._id)
                else:
                    _warn_integer("watched tensor", item)
            else:
                raise ArgumentError(
                    f"watch() takes tensors or variables, not {type(item).__name__}"
                )

    def _watch_variable(self, variable: Variable, quiet: bool = False) -> None:
        if not _is_float(variable):
            if not quiet:
                _warn_integer("watched variable", variable)
            return
        if variable._id not in self._watched:
            self._watched[variable._id] = variable
            self._live.add(variable._id)

    def watched_variables(self) -> list[Variable]:
        """The variables this tape watches, in the order they were first watched."""
        return list(self._watched.values())

    @contextlib.contextmanager
    def stop_recording(self):
        """Run a block without recording on this tape."""
        if self not in STATE.recording:
            raise RuntimeError(
                "stop_recording() needs a tape that is recording (inside its `with`)"
            )
        position = STATE.recording.index(self)
        STATE.recording.remove(self)
        try:
            yield
        finally:
            STATE.recording.insert(position, self)

    def reset(self) -> None:
        """Forget everything recorded and watched, as if this were a new tape."""
        self._entries: list | None = []
        self._live: set[int] = set()  # `_id`s of the watched values and of what depends on them
        self._watched: dict[int, Variable] = {}

    # ------------------------------------------------------------ differentiation

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(sum of target)/d(source) per source, in the sources' structure; None if unconnected."""
        flat_targets = nest.flatten(target)
        seeds = _seeds(flat_targets, output_gradients)
        flat_sources = _checked_sources(sources)
        grads = self._backward(flat_targets, seeds, flat_sources, ones=output_gradients is None)
        results = [_finish(grads.get(s._id), s, unconnected_gradients) for s in flat_sources]
        return nest.pack_like(sources, results)

    def jacobian(
        self,
        target,
        sources,
        unconnected_gradients="none",
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """d(target[i])/d(source[j]) for each source, of shape target.shape + source.shape.

        One backward pass per element of the target. `parallel_iterations` and
        `experimental_use_pfor` are TensorFlow's tuning knobs, accepted so that code ports as is.
        """
        flat_sources = _checked_sources(sources)
        if not isinstance(target, (Tensor, Variable)):
            target = Tensor(to_numpy(target))
        rows: list[list] = [[] for _ in flat_sources]
        size = int(np.prod(target.shape, dtype=int))
        for k in range(size):
            seed = np.zeros(size, dtype=target.dtype)
            seed[k] = 1
            grads = self._backward(
                [target], [seed.reshape(target.shape)], flat_sources, final=k == size - 1
            )
            for row, source in zip(rows, flat_sources):
                row.append(grads.get(source._id))
        results = [
            _jacobian_of(row, target.shape, s, unconnected_gradients)
            for row, s in zip(rows, flat_sources)
        ]
        return nest.pack_like(sources, results)

    def batch_jacobian(
        self,
        target,
        source,
        unconnected_gradients="none",
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """Per example b, d(target[b, ...])/d(source[b, ...]): shape (batch,) + target.shape[1:]
        + source.shape[1:]. Examples are taken to be independent, as in TensorFlow: the result
        is the block diagonal of the full Jacobian (which this computes)."""
        if not isinstance(source, (Tensor, Variable)):
            raise ArgumentError("batch_jacobian takes one source tensor or variable")
        target_shape, source_shape = np.shape(_value(target)), source.shape
        if not target_shape or not source_shape or target_shape[0] != source_shape[0]:
            raise ArgumentError(
                f"batch_jacobian needs target and source with the same first (batch) axis; "
                f"got shapes {target_shape} and {source_shape}"
            )
        full = self.jacobian(target, source, unconnected_gradients)
        if full is None:
            return None
        batch = target_shape[0]
        t_size = int(np.prod(target_shape[1:], dtype=int))
        s_size = int(np.prod(source_shape[1:], dtype=int))
        blocks = transpose(reshape(full, (batch, t_size, batch, s_size)), perm=(0, 2, 1, 3))
        diagonal = getitem(blocks, index=(np.arange(batch), np.arange(batch)))
        return reshape(diagonal, (batch, *target_shape[1:], *source_shape[1:]))

    def _backward(
        self, targets: list, seeds: list, sources: list, final: bool = True, ones: bool = False
    ) -> dict:
        if self._entries is None:
            raise RuntimeError(_USED_MESSAGE)
        entries = self._entries
        released = final and not self._persistent
        if released:
            self._entries = None  # released: a second call raises
        source_ids = {s._id for s in sources}
        needed = depends_on(entries, source_ids & self._live)
        # inside its own `with`, as in TensorFlow: a persistent tape records its backward pass (for
        # higher derivatives); a non-persistent one stops recording once used up
        paused = self in STATE.recording and not self._persistent
        if paused:
            STATE.recording.remove(self)
        raw = not STATE.recording  # nothing can record the backward pass: run rules on numpy
        try:
            STATE.raw = raw
            grads = seeded(targets, seeds, needed | source_ids, raw)
            # the callers' lists, made for this call: emptied, each seed lives in `grads` alone
            # and is freed (for the walk's next arrays to reuse) as soon as the walk is past it
            seeds.clear()
            order = consumed(entries) if released else reversed(entries)
            # the default seed of one target, ones, is multiplied in by no rule that can skip it
            unit = None
            if ones and raw and len(targets) == 1 and self._observer is None:
                unit = grads.get(getattr(targets[0], "_id", None))
            if self._observer is not None:
                order = observed(order, grads, self._observer)
            walk(order, grads, needed, source_ids, raw, unit)
        finally:
            STATE.raw = False
            if paused and self._entries is not None:
                STATE.recording.append(self)
        if raw:
            return {k: Tensor(to_numpy(v)) for k, v in grads.items() if k in source_ids}
        return grads


SHOWN_SIZE = 64  # a value no rule reads is still kept for `gc.explain` up to this many elements


class _Unsaved:
    """A recorded value that no gradient rule reads: its `_id`, shape and dtype, but no data.

    It stands in the record where the value was, so the walk still knows whose gradient is
    whose and which shape it must have; a rule that reads it anyway fails at once (numpy cannot
    compute with it), which the registry-wide gradient tests would catch.
    """

    __slots__ = ("_id", "shape", "dtype", "shown")

    def __init__(self, t: Tensor):
        self._id = t._id
        self.shape = t._value.shape
        self.dtype = t._value.dtype
        # a small array is referenced (never copied: a tensor's array is never changed in place)
        # so that `gc.explain` can show it; a stand-in saves nothing worth having on it anyway
        self.shown = t._value if t._value.size <= SHOWN_SIZE else None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _value(self) -> _Unsaved:  # what a raw-mode rule is handed in place of the array
        return self


def kept_value(x) -> np.ndarray | None:
    """The value an entry of the record holds for `x` (an input or output of the entry): its
    array, or None where the tape kept only its shape (a large value no rule reads)."""
    if isinstance(x, _Unsaved):
        return x.shown
    return x._value


def _saved(op, inputs, out: Tensor) -> tuple:
    """What the record keeps of one step: the values the op's rules read; stand-ins elsewhere.

    Only arrays are replaced: a numpy scalar costs less to keep than its stand-in.
    """
    if not op.saves_inputs:
        inputs = tuple(_Unsaved(x) if type(x._value) is np.ndarray else x for x in inputs)
    if not op.saves_output and type(out._value) is np.ndarray:
        out = _Unsaved(out)
    return inputs, out


def _seeds(targets: list, output_gradients) -> list:
    if output_gradients is None:
        return [np.ones(np.shape(_value(t)), dtype=np.result_type(_value(t))) for t in targets]
    seeds = nest.flatten(output_gradients)
    if len(seeds) != len(targets):
        raise ArgumentError(f"output_gradients has {len(seeds)} entries for {len(targets)} targets")
    for seed, t in zip(seeds, targets):
        if np.shape(_value(seed)) != np.shape(_value(t)):
            raise ArgumentError(
                f"output_gradients shape {np.shape(_value(seed))} does not match "
                f"the target's shape {np.shape(_value(t))}"
            )
    return seeds


def _checked_sources(sources) -> list:
    flat = nest.flatten(sources)
    for s in flat:
        if not isinstance(s, (Tensor, Variable)):
            raise ArgumentError(
                f"gradient sources must be tensors or variables, not {type(s).__name__}"
            )
    return flat


class UnconnectedGradients(str, enum.Enum):
    """TensorFlow's spelling of `unconnected_gradients`: the strings "none" and "zero" also do."""

    NONE = "none"
    ZERO = "zero"


def _finish(g, source, unconnected: str):
    if unconnected not in ("none", "zero"):
        raise ArgumentError(f"unconnected_gradients is 'none' or 'zero', not {unconnected!r}")
    if g is None and not _is_float(source):
        _warn_integer("source", source)
    if g is None and unconnected == "zero":
        return Tensor(np.zeros_like(_value(source))[()])
    return g


def _jacobian_of(row: list, target_shape: tuple, source, unconnected: str):
    if all(g is None for g in row):
        return (
            _finish(None, source, unconnected)
            if unconnected == "none"
            else Tensor(np.zeros(target_shape + source.shape, dtype=source.dtype))
        )
    filled = [zeros_like(source) if g is None else g for g in row]
    return reshape(stack(filled), target_shape + source.shape)


def _value(t):
    return t._value if isinstance(t, (Tensor, Variable)) else t


def _is_float(t) -> bool:
    return np.result_type(_value(t)).kind == "f"


def _warn_integer(what: str, t) -> None:
    warnings.warn(
        f"the {what} has integer dtype {np.result_type(_value(t))}: gradients flow only through "
        "floating-point values, so its gradient is None (make it a float, e.g. 3.0 instead of 3)",
        stacklevel=3,
    )
