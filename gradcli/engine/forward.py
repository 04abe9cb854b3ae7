"""Forward mode: `ForwardAccumulator`, Jacobian-vector products as `tf.autodiff.ForwardAccumulator`.

An accumulator holds a tangent per value (keyed by the value's `_id`, as a tape's record is). It
watches the primals it is given, from the start; while it is open (inside its `with`) it sits among
the tapes that `apply` offers each step to, and every step with an input that has a tangent gets
a tangent too: the op's forward rule applied to the inputs' tangents. A variable it watches hands
its tangent to every read, as a tape's watch does.

The forward rules run through `apply` like any computation, so what else is open sees them: an
outer accumulator (forward over forward), a tape (reverse over forward); and a tape's backward pass
run inside an accumulator is seen by it (forward over reverse: Hessian-vector products), since a
backward pass runs on numpy only when nothing is open. An accumulator's rules are seen only by the
tapes and accumulators opened before it, not by itself nor by what was opened inside it
(TensorFlow's nesting rule).

Each primitive's forward rule is declared beside its gradient rules (`Op.jvps`) or derived from
them here, in one place (`jvp_rule`), where that is exact:
- "diagonal" (elementwise ops): the Jacobian is diagonal, so the forward rule *is* the gradient
  rule, applied to the tangent, then broadcast to the output's shape;
- "linear" (shape ops: reshape, transpose, getitem, concat, ...): the op itself, on the tangents;
- "reduction": output k is a weighted sum of its slice, and the gradient rule of a cotangent of
  ones gives the weights: the tangent is sum(t * weights) over the same axes;
- "transposed" (any other op, custom gradients among them): the gradient rule is linear in its
  cotangent `u`, and the forward rule is its transpose, d/du <vjp(u), t>, taken by a tape
  (TensorFlow's way for custom gradients; exact, at the price of two gradient rules).
"""

from __future__ import annotations

import contextlib
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcli.errors import ArgumentError, GradientError

from . import nest
from .backward import NO_GRADIENT
from .primitives import broadcast_to, ones_like, unbroadcast, zeros_like
from .primitives import sum as reduce_sum
from .tape import GradientTape, UnconnectedGradients, _is_float, _warn_integer
from .tensor import STATE, Tensor, Variable, apply, to_numpy


class ForwardModeError(GradientError, ValueError):
    """A misuse of an accumulator that TensorFlow answers with ValueError."""


class ForwardAccumulator:
    """Computes Jacobian-vector products: `primals` moved along `tangents`, forward."""

    def __init__(self, primals, tangents):
        flat_primals, flat_tangents = nest.flatten(primals), _flatten_up_to(primals, tangents)
        self._tangents: dict[int, Tensor] = {}
        self._rules_run = 0  # steps given a tangent (`gradcli jacobian --mode` counts them)
        for primal, tangent in zip(flat_primals, flat_tangents):
            self._watch(primal, tangent)

    @property
    def rules_run(self) -> int:
        """How many steps were given a tangent so far (gradcli's count of forward-mode work)."""
        return self._rules_run

    def add_primal(self, primal, tangent) -> None:
        """Watch one more primal with its tangent, after construction (gradcli's, for the
        programs whose inputs exist only once the accumulator is open)."""
        self._watch(primal, tangent)

    def _watch(self, primal, tangent) -> None:
        if not isinstance(primal, (Tensor, Variable)):
            raise ArgumentError(
                f"ForwardAccumulator primals are tensors or variables, not {type(primal).__name__}"
            )
        if primal._id in self._tangents:
            raise ForwardModeError(
                "a value was given as a primal twice; if that was meant, sum its tangents"
            )
        if not _is_float(primal):
            _warn_integer("primal", primal)
            return
        self._tangents[primal._id] = _tangent_for(primal, tangent)

    # ------------------------------------------------------------ recording

    def __enter__(self) -> ForwardAccumulator:
        if self in STATE.recording:
            raise ForwardModeError("this ForwardAccumulator is already recording")
        STATE.recording.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        if self in STATE.recording:
            STATE.recording.remove(self)

    @contextlib.contextmanager
    def stop_recording(self):
        """Run a block without this accumulator seeing it (gradcli's, as the tape's)."""
        if self not in STATE.recording:
            raise ForwardModeError("stop_recording() needs an accumulator inside its `with`")
        position = STATE.recording.index(self)
        STATE.recording.remove(self)
        try:
            yield
        finally:
            STATE.recording.insert(position, self)

    def _record(self, op, inputs, out: Tensor, kwargs: dict) -> None:
        """Called by `apply` for each step run while this accumulator is open."""
        tangents = self._tangents
        found = [tangents.get(x._id) for x in inputs]
        if all(t is None for t in found) or out._value.dtype.kind != "f":
            return
        # the rules run seen only by what was opened before this accumulator (the tapes and
        # accumulators outside it, for higher derivatives): not by itself, nor what it contains
        recording = STATE.recording
        STATE.recording = recording[: recording.index(self)]
        try:
            tangent = jvp_rule(op)(found, out, inputs, kwargs)
        finally:
            STATE.recording = recording
        if tangent is None:
            return
        self._rules_run += 1
        if tangent.shape != out.shape:  # an elementwise op's share of a broadcast input
            tangent = broadcast_to(tangent, out.shape)
        tangents[out._id] = tangent
        # kept while the value lives, no longer: forward mode holds no intermediate values
        weakref.finalize(out, tangents.pop, out._id, None)

    def _on_read(self, variable: Variable, value: Tensor) -> None:
        tangent = self._tangents.get(variable._id)
        if tangent is not None:
            self._tangents[value._id] = tangent
            weakref.finalize(value, self._tangents.pop, value._id, None)

    # ------------------------------------------------------------ results

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The tangent of each value in `primals` (any nesting): None where no watched primal
        reaches it, or zeros with `unconnected_gradients="zero"`."""
        unconnected = _unconnected(unconnected_gradients)
        results = []
        for value in nest.flatten(primals):
            tangent = (
                self._tangents.get(value._id) if isinstance(value, (Tensor, Variable)) else None
            )
            if tangent is None and unconnected == "zero":
                tangent = Tensor(np.zeros_like(to_numpy(value))[()])
            results.append(tangent)
        return nest.pack_like(primals, results)


def _unconnected(unconnected) -> str:
    if unconnected not in ("none", "zero"):
        raise ArgumentError(f"unconnected_gradients is 'none' or 'zero', not {unconnected!r}")
    return str(getattr(unconnected, "value", unconnected))


def _flatten_up_to(primals: Any, tangents: Any) -> list:
    """The tangents, one per primal: `tangents` nested as `primals` down to each primal, where
    a tangent may be any value (a list of numbers too) that converts to the primal's shape."""
    if isinstance(primals, (dict, list, tuple)):
        same = (
            isinstance(tangents, dict) and tangents.keys() == primals.keys()
            if isinstance(primals, dict)
            else isinstance(tangents, (list, tuple)) and len(tangents) == len(primals)
        )
        if not same:
            raise ForwardModeError(
                f"tangents must have the structure of primals: a {type(primals).__name__} of "
                f"{len(primals)} was given tangents {_described(tangents)}"
            )
        keys = primals.keys() if isinstance(primals, dict) else range(len(primals))
        return [t for key in keys for t in _flatten_up_to(primals[key], tangents[key])]
    return [tangents]


def _described(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return f"as a {type(value).__name__} of {len(value)}"
    return f"as one {type(value).__name__}"


def _tangent_for(primal, tangent) -> Tensor:
    """The tangent as a tensor of the primal's dtype and shape (a tensor given is kept as is, so
    a tape can differentiate with respect to it)."""
    if isinstance(tangent, Variable):
        tangent = tangent._read()
    if not (isinstance(tangent, Tensor) and tangent.dtype == primal.dtype):
        tangent = Tensor(to_numpy(tangent, primal.dtype))
    if tangent.shape != primal.shape:
        raise ArgumentError(
            f"a tangent of shape {tangent.shape} was given for a primal of shape {primal.shape}: "
            "each tangent has its primal's shape"
        )
    return tangent


# ---------------------------------------------------------------- forward rules, derived

_BY_KIND = {"elementwise": "diagonal", "shape": "linear", "reduction": "reduction"}
_RULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Op -> its forward rule


def jvp_rule(op) -> Callable:
    """`op`'s forward rule: `rule(tangents, ans, inputs, params)` -> the output's tangent (None
    when no tangent reaches it), `tangents` holding None for an input without one."""
    rule = _RULES.get(op)
    if rule is None:
        how = op.jvps if op.jvps is not None else _BY_KIND.get(op.kind, "transposed")
        if isinstance(how, tuple):
            rule = _summed(op, how)
        else:
            derive = {
                "diagonal": _diagonal,
                "linear": _linear,
                "reduction": _reduction,
                "transposed": _transposed,
            }
            rule = derive[how](op)
        _RULES[op] = rule
    return rule


def _summed(op, per_input: tuple) -> Callable:
    """Each input's share, added up: rules declared per input (variadic ops share one)."""

    def rule(tangents, ans, inputs, params):
        total = None
        for i, t in enumerate(tangents):
            share = per_input[0 if op.variadic else i]
            if t is None or share is None:
                continue
            part = (
                share(t, ans, *inputs, index=i, **params)
                if op.variadic
                else share(t, ans, *inputs, **params)
            )
            if part is NO_GRADIENT:
                continue
            total = part if total is None else total + part
        return total

    return rule


def _diagonal(op) -> Callable:
    """Elementwise: each output element depends on the same element of each input, so J is
    diagonal (J^T = J) and the gradient rule, given the tangent, gives the tangent's share."""
    return _summed(op, op.grads)


def _linear(op) -> Callable:
    """A linear op (it moves or copies elements): its tangent is the op applied to the tangents."""

    def rule(tangents, ans, inputs, params):
        filled = [zeros_like(x) if t is None else t for t, x in zip(tangents, inputs)]
        return apply(op, *filled, **params)

    return rule


def _reduction(op) -> Callable:
    """Output k is f(its slice); the gradient rule with a cotangent of ones gives d(out k)/dx on
    each element of its slice, so the tangent is sum(t * those weights) over the same axes."""
    defaults = dict(op.params)

    def rule(tangents, ans, inputs, params):
        (t,), (x,) = tangents, inputs
        weights = op.grads[0](ones_like(ans), ans, x, **params)
        axis = params.get("axis", defaults.get("axis"))
        return reduce_sum(t * weights, axis=axis, keepdims=params.get("keepdims", False))

    return rule


def _transposed(op) -> Callable:
    """Any op: the gradient rule is a linear map of its cotangent u, vjp(u) = J^T u, so the
    tangent J t is the gradient of <vjp(u), t> with respect to u (at any u: zeros)."""

    def rule(tangents, ans, inputs, params):
        u = Tensor(np.zeros_like(ans._value)[()])
        total = None
        with GradientTape() as tape:
            tape.watch(u)
            for i, t in enumerate(tangents):
                vjp = op.rule(i)
                if t is None or vjp is None:
                    continue
                g = vjp(u, ans, *inputs, **params)
                if g is NO_GRADIENT:
                    continue
                if g.shape != t.shape and op.broadcasts:
                    g = unbroadcast(g, t.shape)
                part = reduce_sum(g * t)
                total = part if total is None else total + part
        if total is None:
            return None
        tangent = tape.gradient(total, u)
        return zeros_like(ans) if tangent is None else tangent

    return rule


# TensorFlow's `tf.autodiff` namespace: `gc.autodiff.ForwardAccumulator`
autodiff = types.SimpleNamespace(ForwardAccumulator=ForwardAccumulator, GradientTape=GradientTape)
