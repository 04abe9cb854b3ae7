"""Heavy imports with the garbage collector paused: sympy (`symbolic.sympy_import`, for a check),
and rich, which the renderers import when `commands.output.emit` draws a table inside
`collector_paused()`.

An import makes tens of thousands of objects that live as long as the process. With the garbage
collector on, every collection during the import (and after it) scans them again, for nothing:
measured, pausing it takes about a third off importing sympy (benchmarks/README.md, (e)). So these
imports run with the collector paused. A process that owns its lifetime, the command line, also
freezes what it imported (`freeze_imports`), so that no later collection scans it either; the
Python API only pauses, since freezing would also freeze its caller's objects.

A long program's parse (`language.parser`) and its run on a tape (`program.run.evaluate`) make a
few objects per token and per operation and no garbage, so they run paused too (issue 13). The
command line freezes the parsed tree, which lives as long as the command; a run's objects are
not frozen (`freeze=False`): evaluate runs in loops (plot, comparisons), and they die with it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_freezing = False


def freeze_imports() -> None:
    """For the command line: freeze what is imported now and by the heavy imports to come."""
    global _freezing
    _freezing = True
    gc.freeze()


@contextlib.contextmanager
def collector_paused(freeze: bool = True) -> Iterator[None]:
    """The collector paused; on the command line, what was made is then frozen unless
    `freeze=False` (for objects that die with the step, not with the process)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freezing and freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
