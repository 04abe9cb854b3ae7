"""Programs that look hostile but are valid gradcli: the parser must accept each of them.

Shared by `test_parser.py` (each one parses) and `benchmarks/bench_parser.py` (how fast), so
both read the same cases. Standard library only, and not a test module itself (pytest collects
`test_*.py` only): the benchmark imports it without pytest.
"""

from __future__ import annotations

ACCEPTED_HOSTILE_LOOKING = [
    "9**9**9",
    "10**1000",
    "1" + "0" * 10_000,
    "+".join(["x"] * 30_000),
    "x = (1)",
    "\t x \t",
    " " * 40_000 + "x" + " + \\\n x" * 5_000,  # spaces and continuations before each token
]
