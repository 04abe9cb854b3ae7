"""Fixtures of the engine tests (test_primitives, test_tape, test_api)."""

from __future__ import annotations

import itertools

import pytest

from gradcli.engine import primitives as ops
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
