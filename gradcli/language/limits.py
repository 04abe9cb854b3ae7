"""What a user can make gradcli allocate or compute, bounded, all in one place.

The bounds a program can reach are raised by flag: --max-program-chars, --max-depth,
--max-elements, and (grad --order) --max-tape-ops. Files are bounded by size and JSON nesting.
"""

from __future__ import annotations

from gradcli.errors import LimitError
from gradcli.record import Record


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
