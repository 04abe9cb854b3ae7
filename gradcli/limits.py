"""What a user can make gradcli allocate or compute, bounded; each bound can be raised by flag."""

from __future__ import annotations

from .errors import LimitError
from .record import Record


class Limits(Record):
    __slots__ = (
        "max_program_chars",
        "max_depth",
        "max_elements",
        "max_file_bytes",
        "max_json_depth",
    )
    _defaults = {
        "max_program_chars": 100_000,
        "max_depth": 100,
        "max_elements": 10**8,
        "max_file_bytes": 256 * 1024 * 1024,
        "max_json_depth": 64,
    }
    max_program_chars: int
    max_depth: int
    max_elements: int
    max_file_bytes: int
    max_json_depth: int

    def check_elements(self, count: int, what: str) -> None:
        """Refuse a tensor of `count` elements before anything allocates it."""
        if count > self.max_elements:
            raise LimitError(
                f"{what} would have {count:,} elements, more than the limit of "
                f"{self.max_elements:,} (raise it with --max-elements)"
            )


DEFAULT_LIMITS = Limits()
