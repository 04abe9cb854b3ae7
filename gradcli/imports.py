"""Heavy imports with the garbage collector paused: sympy (`import_sympy`, for a check), and
rich, which `cli.emit` imports inside `collector_paused()` when it draws a table.

An import makes tens of thousands of objects that live as long as the process. With the garbage
collector on, every collection during the import (and after it) scans them again, for nothing:
measured, pausing it takes about a third off importing sympy (benchmarks/README.md, (e)). So these
imports run with the collector paused. A process that owns its lifetime, the command line, also
freezes what it imported (`freeze_imports`), so that no later collection scans it either; the
Python API only pauses, since freezing would also freeze its caller's objects.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator

_freezing = False


def freeze_imports() -> None:
    """For the command line: freeze what is imported now and by the heavy imports to come."""
    global _freezing
    _freezing = True
    gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freezing:
            gc.freeze()
        if was_enabled:
            gc.enable()


def import_sympy():
    """The sympy module (imported on first use: about 250 ms)."""
    if "sympy" not in sys.modules:
        with collector_paused():
            import sympy  # noqa: F401
    return sys.modules["sympy"]
