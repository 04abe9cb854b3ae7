"""The backward walk: the chain rule run in reverse over a `GradientTape`'s record.

`GradientTape._backward` decides how to walk (on numpy arrays or on recorded tensors; whether the
record is used up as it goes); the functions here do the walking: find the values through which a
source reaches the target, seed the target's gradient, go over the entries last to first adding
up each input's share, and show each step to `gradcli tape`'s observer. One loop, no recursion,
so a long chain of operations never meets Python's recursion limit.
"""

from __future__ import annotations

from gradcli.errors import GradientError

from .primitives import unbroadcast
from .tensor import Tensor, to_numpy


class _NoGradient:
    """What a rule returns for "no gradient for this input" when only the backward pass can tell
    (a custom gradient's `grad_fn` returning None). Its shape is None, so the walk meets it only
    in its slow branch, where shapes differ: the hot loop pays nothing for it."""

    __slots__ = ()
    shape = None


NO_GRADIENT = _NoGradient()


def walk(entries, grads: dict, needed: set, source_ids: set, raw: bool, unit=None) -> None:
    """The chain rule, backwards over the record: one loop, no recursion.

    `unit` is the default seed (ones of the target's shape, numpy values only) or None: where it
    arrives unchanged at an op with `unit_grads`, the rule's product with it is skipped.
    """
    # The hot loop of every gradient: methods are bound to local names once, and the shape check
    # is a plain comparison (`unbroadcast` is called only when the shapes differ).
    get, pop = grads.get, grads.pop
    for op, inputs, out, kwargs in entries:
        key = out._id
        g = get(key) if key in source_ids else pop(key, None)
        if g is None:
            continue
        ans = out._value if raw else out
        args = [x._value for x in inputs] if raw else inputs
        rules = op.grads
        units = op.unit_grads if g is unit else None
        for i, x in enumerate(inputs):
            xid = x._id
            if xid not in needed:
                continue
            rule = rules[i] if op.arity else op.rule(i)  # arity 0: variadic, one shared rule
            if rule is None:
                continue
            if units is None:
                gx = rule(g, ans, *args, **kwargs)
            else:  # the seed of ones: the share itself, unless its shape or dtype differ
                gx = units[i](ans, *args, **kwargs)
                if gx.shape != g.shape or gx.dtype != g.dtype:
                    gx = rule(g, ans, *args, **kwargs)
            shape = x._value.shape  # x.shape, for a tensor or a variable, without the property
            if gx.shape != shape:
                if gx is NO_GRADIENT:
                    continue
                if op.broadcasts:
                    gx = unbroadcast(gx, shape)
                if gx.shape != shape:
                    raise GradientError(
                        f"the gradient rule of '{op.name}' gave shape {gx.shape} "
                        f"for input {i} of shape {shape}"
                    )
            previous = get(xid)
            grads[xid] = gx if previous is None else previous + gx


def observed(entries, grads: dict, observer):
    """The record as `walk` reads it, with each step shown to `observer` (for `gradcli tape`).

    `walk` itself is untouched: before each entry is walked, `observer.step(entry, g)` gets the
    gradient arriving at its output (None: none arrives), and the entry's op is replaced by a copy
    whose rules report each input's contribution, `observer.contribution(i, gx)`, as the rule
    returns it (before broadcasting is undone). `observer.backward_pass(grads)` opens each walk.
    """
    import dataclasses

    observer.backward_pass(grads)
    reporting: dict = {}
    for op, inputs, out, kwargs in entries:
        if op not in reporting:
            reporting[op] = dataclasses.replace(
                op,
                grads=tuple(
                    None if rule is None else _reporting_rule(rule, i, op.variadic, observer)
                    for i, rule in enumerate(op.grads)
                ),
            )
        observer.step((op, inputs, out, kwargs), grads.get(out._id))
        yield reporting[op], inputs, out, kwargs


def _reporting_rule(rule, i: int, variadic: bool, observer):
    def reported(g, ans, *args, **kwargs):
        gx = rule(g, ans, *args, **kwargs)
        if gx is not NO_GRADIENT:
            observer.contribution(kwargs["index"] if variadic else i, gx)
        return gx

    return reported


def consumed(entries: list):
    """A released record, last entry first, each taken off the list as the walk reaches it.

    Nothing else holds most forward values, so each is freed as soon as the walk is past the rules
    that read it, and the backward pass's own arrays reuse that memory instead of new pages.
    """
    while entries:
        yield entries.pop()


def depends_on(entries: list, source_ids: set) -> set:
    """Ids of the recorded values through which a watched source can reach the target."""
    needed = set(source_ids)
    for _op, inputs, out, _kwargs in entries:
        for x in inputs:
            if x._id in needed:
                needed.add(out._id)
                break
    return needed


def seeded(targets: list, seeds: list, needed: set, raw: bool) -> dict:
    """The seeds of the walk: each target's output gradient, when the target is on a path from a
    source or is a source itself (then, as in TensorFlow, its gradient is the seed, watched or
    not: d(x)/d(x) = 1)."""
    grads: dict = {}
    for t, seed in zip(targets, seeds):
        key = getattr(t, "_id", None)  # a target that is a plain number depends on nothing
        if key not in needed:
            continue
        seed = (
            to_numpy(seed)
            if raw
            else (seed if isinstance(seed, Tensor) else Tensor(to_numpy(seed)))
        )
        previous = grads.get(key)
        grads[key] = seed if previous is None else previous + seed
    return grads
