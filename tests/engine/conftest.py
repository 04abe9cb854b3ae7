"""Fixtures of the engine tests (test_primitives, test_tape, test_api), and what the
registry-wide tests (test_primitives, test_forward) share: inputs drawn from each primitive's
domain and sample, calls through the public functions, the tape's gradients and nested tapes'
Hessian-vector products, finite differences and the closeness check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import gradcli as gc
from gradcli.engine import primitives as ops
from gradcli.engine.primitives import FUNCTIONS, REGISTRY
from gradcli.engine.tape import GradientTape
from gradcli.engine.tensor import STATE

_throwaway_names = itertools.count()


@pytest.fixture
def clean_engine():
    """Fail a test that leaves a tape recording or the engine in raw mode, and repair the state."""
    before = list(STATE.recording)
    yield
    leaked, raw = STATE.recording[len(before) :], STATE.raw
    STATE.recording[:] = before
    STATE.raw = False
    assert not leaked, f"a test left {len(leaked)} tape(s) recording"
    assert not raw, "a test left the engine in raw mode"


@pytest.fixture
def throwaway_primitive():
    """`make(forward, grads, **facts)`: a primitive under a unique name, unregistered afterwards."""
    made: list[str] = []

    def make(forward, grads, sympy=None, doc="a primitive made by a test", **facts):
        name = f"test_throwaway_{next(_throwaway_names)}"
        made.append(name)
        return ops.primitive(name, forward, grads, sympy, doc, public=False, **facts)

    yield make
    for name in made:
        ops.REGISTRY.pop(name, None)
        ops.FUNCTIONS.pop(name, None)


# ---------------------------------------------------------------- the registry-wide tests' sampler

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def examples(n: int):
    return settings(
        derandomize=True,
        deadline=None,
        max_examples=n,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


DIFFERENTIABLE = sorted(name for name, op in REGISTRY.items() if op.differentiable)


# No two input values (nor a value and 0) closer than this: it keeps every kink and tie of the
# registry (relu/abs/sign at 0, maximum/minimum/clip/max/min at ties) away from the FD stencil.
KINK_GAP = 1e-3
FD_STEP = 1e-5  # relative to max(1, |x|); the 4-point stencil reaches 2 steps, well inside KINK_GAP


# ---------------------------------------------------------------- inputs drawn from the registry


def domain_of(op, i: int) -> tuple[float, float]:
    return op.domain[min(i, len(op.domain) - 1)]


def random_shape(rng, max_ndim: int = 3, low: int = 1) -> tuple[int, ...]:
    return tuple(int(n) for n in rng.integers(low, 4, size=int(rng.integers(0, max_ndim + 1))))


def broadcast_variant(rng, base: tuple) -> tuple:
    """`base` itself, a trailing part of it, or it with some axes set to 1."""
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return base
    if kind == 1:
        return base[int(rng.integers(0, len(base) + 1)) :]
    return tuple(1 if rng.random() < 0.5 else n for n in base)


def input_specs(op, rng) -> tuple[list, dict]:
    """(specs, params): per input a shape to fill with random values, or a ready numpy array."""
    if op.sample is not None:
        specs, params = op.sample(rng)
        return list(specs), dict(params)
    required = [name for name, default in op.params if default is ops._NO_DEFAULT]
    assert not required, f"{op.name} has required parameters {required}: give it a sample="
    if op.variadic:
        return [random_shape(rng, 2)] * int(rng.integers(1, 4)), {}
    if op.arity == 1:
        return [random_shape(rng)], {}
    if not op.broadcasts:
        return [random_shape(rng)] * op.arity, {}
    base = random_shape(rng, max_ndim=2, low=2)
    if len(base) == 2 and rng.random() < 0.25:  # each input broadcast along another axis
        return [
            tuple(1 if k == i % 2 else n for k, n in enumerate(base)) for i in range(op.arity)
        ], {}
    return [broadcast_variant(rng, base) for _ in range(op.arity)], {}


def is_float(a) -> bool:
    return np.asarray(a).dtype.kind == "f"


def well_separated(args) -> bool:
    values = [np.ravel(np.asarray(a, dtype=np.float64)) for a in args if is_float(a)]
    values = np.sort(np.concatenate([*values, np.zeros(1)]))
    return bool(np.all(np.diff(values) >= KINK_GAP))


def draw_values(op, specs, rng) -> list:
    for _ in range(500):
        args = [
            spec
            if isinstance(spec, np.ndarray)
            else np.asarray(rng.uniform(*domain_of(op, i), size=spec), dtype=np.float64)
            for i, spec in enumerate(specs)
        ]
        if well_separated(args):
            return args
    raise AssertionError(f"{op.name}: could not draw inputs {KINK_GAP} apart in its domain")


def draw(name: str, seed: int):
    op = REGISTRY[name]
    rng = np.random.default_rng(seed)
    specs, params = input_specs(op, rng)
    args = draw_values(op, specs, rng)
    sources = [i for i, a in enumerate(args) if op.rule(i) is not None and is_float(a)]
    assert sources, f"{name} is differentiable but no drawn input has a gradient rule"
    return op, rng, args, params, sources


def call(op, args, params):
    function = FUNCTIONS[op.name]
    return function(list(args), **params) if op.variadic else function(*args, **params)


def tape_gradients(op, args, params, cotangent, sources):
    """The op's output and the tape's gradients for inputs `sources` (constants, watched)."""
    tensors = [gc.constant(a) for a in args]
    watched = [tensors[i] for i in sources]
    with GradientTape() as tape:
        tape.watch(watched)
        out = call(op, tensors, params)
    return out, tape.gradient(out, watched, output_gradients=cotangent)


def fd_gradient(f, x, cotangent):
    """d(sum(cotangent * f(x)))/dx by the 4-point central stencil, one element at a time.

    The stencil combines *elementwise differences* of f, so outputs that do not depend on the
    perturbed element contribute exactly zero and add no rounding error.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for j in np.ndindex(x.shape):
        h = FD_STEP * max(1.0, abs(float(x[j])))

        def at(t, j=j):
            moved = x.copy()
            moved[j] += t
            return np.asarray(f(moved), dtype=np.float64)

        near, far = at(h) - at(-h), at(2 * h) - at(-2 * h)
        grad[j] = np.sum(cotangent * (8 * near - far)) / (12 * h)
    return grad


def fd_directional(f, h: float = FD_STEP):
    """d/dt f(t) at t = 0 by the 4-point central stencil."""
    return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)


def assert_close(actual, expected, rel: float, absolute: float, what: str):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    error = np.abs(actual - expected)
    bound = rel * np.maximum(1.0, np.abs(expected)) + absolute
    assert np.all(error <= bound), (
        f"{what}: worst error {np.max(error - bound) + np.max(bound):.3g}\n"
        f"tape:   {actual.tolist()}\nexpect: {expected.tolist()}"
    )


def normal_like(rng, args, sources) -> list:
    """A standard normal array shaped like each input of `sources` (tangents, directions)."""
    return [np.asarray(rng.normal(size=np.shape(args[i]))) for i in sources]


def nested_tape_hvp(op, tensors, params, watched, cotangent, v) -> list:
    """H v by reverse over reverse: an outer tape over (v . the inner tape's gradient) of
    sum(cotangent * op(tensors)), for the inputs `watched`."""
    with GradientTape() as outer:
        outer.watch(watched)
        with GradientTape() as inner:
            inner.watch(watched)
            out = call(op, tensors, params)
        grads = inner.gradient(out, watched, output_gradients=cotangent)
        along_v = gc.constant(0.0)
        for g, vk in zip(grads, v, strict=True):
            along_v = along_v + gc.reduce_sum(g * vk)
    return outer.gradient(along_v, watched, unconnected_gradients="zero")
