"""What a user can make gradcli allocate or compute, bounded, all in one place.

The bounds a program can reach are raised by flag: --max-program-chars, --max-depth,
--max-elements, and (grad --order) --max-tape-ops. Files are bounded by size and JSON nesting.
The fixed bounds below are not flags: what numpy allows, or what a command can answer in time.
"""

from __future__ import annotations

from gradcli.errors import LimitError
from gradcli.record import Record

# Fixed bounds, not flags: past them numpy refuses, or the command would not answer in time.
# Dimensions of any value: numpy 2's arrays may have 64, but its broadcasting (np.broadcast, which
# every elementwise size check uses) takes at most 32, as numpy 1's arrays did. Refused with our
# message wherever a value is made: a literal, a constructor, a file, an operation's result.
MAX_DIMENSIONS = 32
# `grad --order N` nests N tapes. --max-tape-ops stops a tape that grows, but one that does not
# (sin(x): its derivatives cycle) took 2 s at order 1,000 and over a minute at 5,000; at this
# bound it answers in a blink. (`diff --order` needs none: its sympy worker has a deadline.)
MAX_ORDER = 100
# seconds `diff` and `check` may give sympy (--budget): an hour is already more than anyone waits
MAX_BUDGET_SECONDS = 3600.0
# `plot` draws in the terminal: columns and rows per panel
MAX_PLOT_WIDTH = 1000
MAX_PLOT_HEIGHT = 200


class Limits(Record):
    __slots__ = (
        "max_program_chars",
        "max_depth",
        "max_elements",
        "max_file_bytes",
        "max_json_depth",
        "max_tape_ops",
    )
    _defaults = {
        "max_program_chars": 100_000,
        "max_depth": 100,
        "max_elements": 10**8,
        "max_file_bytes": 256 * 1024 * 1024,
        "max_json_depth": 64,
        # operations a tape may hold before `grad --order` differentiates it again: each order
        # records about three times as many as the one before
        "max_tape_ops": 100_000,
    }
    max_program_chars: int
    max_depth: int
    max_elements: int
    max_file_bytes: int
    max_json_depth: int
    max_tape_ops: int

    def check_elements(self, count: int, what: str) -> None:
        """Refuse a tensor of `count` elements before anything allocates it."""
        if count > self.max_elements:
            raise LimitError(
                f"{what} would have {count:,} elements, more than the limit of "
                f"{self.max_elements:,} (raise it with --max-elements)"
            )


DEFAULT_LIMITS = Limits()
