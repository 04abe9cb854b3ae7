"""sympy, imported on first use (about 250 ms) with the garbage collector paused.

The one place gradcli imports sympy: every other module of `gradcli.symbolic` calls
`import_sympy()` when a symbolic step runs, so that importing them costs nothing.
"""

from __future__ import annotations

import sys

from gradcli.imports import collector_paused


def import_sympy():
    """The sympy module (imported on first use: about 250 ms)."""
    if "sympy" not in sys.modules:
        with collector_paused():
            import sympy  # noqa: F401
    return sys.modules["sympy"]
