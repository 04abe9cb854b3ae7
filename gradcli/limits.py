"""What a user can make gradcli allocate or compute, bounded; each bound can be raised by flag."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LimitError


@dataclass(frozen=True)
class Limits:
    max_program_chars: int = 100_000
    max_depth: int = 100
    max_elements: int = 10**8
    max_file_bytes: int = 256 * 1024 * 1024
    max_json_depth: int = 64

    def check_elements(self, count: int, what: str) -> None:
        """Refuse a tensor of `count` elements before anything allocates it."""
        if count > self.max_elements:
            raise LimitError(
                f"{what} would have {count:,} elements, more than the limit of "
                f"{self.max_elements:,} (raise it with --max-elements)"
            )


DEFAULT_LIMITS = Limits()
