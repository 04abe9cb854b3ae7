"""How fast the parser takes valid programs that look hostile (`tests/language/hostile_looking.py`).

    python benchmarks/bench_parser.py              # 21 interleaved rounds, about a minute
    python benchmarks/bench_parser.py --quick      # 5 rounds: a smoke run, not figures

The cases are the unit test's (`test_hostile_looking_but_valid_inputs_parse` checks that each one
parses; how fast is judged here, where a busy machine cannot fail the test suite). For each case,
gradcli's `parse(text)` (its tokenizer and its parser) is timed side by side with the standard
library's tokenizer alone on the same text, `tokenize.generate_tokens`: pure Python too, and it
accepts all seven texts. `ast.parse` (C) is shown for context where it accepts the text; it
rejects four of the seven (an integer past Python's 4,300-digit limit, a 30,000-term sum too deep
for its syntax tree, two lines that start indented).

Bounds, per case, each with its VERDICT line: gradcli / tokenize <= 5x, and a median under 1 s
(1000 ms) per parse, the bound the unit test used to assert. A case over either bound is flagged
`OVER BOUND`, and the run ends by naming every such case.

Run by hand, never in CI: timings need a quiet machine (see _harness.py).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _harness, when run from anywhere
sys.path.insert(0, str(HERE.parent / "tests" / "language"))  # the cases, shared with the unit test
from _harness import Candidate, compare, format_seconds, header, table, verdict  # noqa: E402
from hostile_looking import ACCEPTED_HOSTILE_LOOKING  # noqa: E402

from gradcli.language.parser import parse  # noqa: E402

TARGET_RATIO = 5.0  # gradcli parse / stdlib tokenize, per case
TARGET_SECONDS = 1.0  # per parse: the bound `test_hostile_looking_but_valid_inputs_parse` had

BASELINE = "stdlib tokenize.generate_tokens"
OURS = "gradcli parse"
CONTEXT = "stdlib ast.parse (C, for context)"


def label(text: str) -> str:
    """A short, printable name for a case: its start, and its length when it is long."""
    if len(text) <= 16:
        return repr(text)
    return f"{text[:12]!r}... ({len(text):,} chars)"


def python_tokens(text: str) -> list:
    return list(tokenize.generate_tokens(io.StringIO(text).readline))


def ast_refusal(text: str) -> str | None:
    """Why `ast.parse` rejects `text` (the first line of its error), or None if it accepts it."""
    try:
        ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as error:
        message = str(getattr(error, "msg", error)).split(":")[0]  # the cause, not the advice
        return f"{type(error).__name__}: {message}"
    return None


def bench_case(text: str, rounds: int) -> bool:
    """Times one case, prints its table and verdicts; returns whether it is within its bounds."""
    name = label(text)
    print(header(f"parse {name}"))
    candidates = [
        Candidate(BASELINE, lambda: python_tokens(text)),
        Candidate(OURS, lambda: parse(text)),
    ]
    refusal = ast_refusal(text)
    if refusal is None:
        candidates.append(Candidate(CONTEXT, lambda: ast.parse(text)))
    result = compare(candidates, rounds=rounds)
    print(table(result))
    if refusal is not None:
        print(f"  (ast.parse rejects it: {refusal})")
    ratio, seconds = result.ratio(OURS), result.median(OURS)
    print(verdict(f"parser {name} gradcli/tokenize", ratio, TARGET_RATIO))
    millis, bound = seconds * 1e3, TARGET_SECONDS * 1e3
    print(verdict(f"parser {name} time per parse", millis, bound, " ms"))
    within = ratio <= TARGET_RATIO and seconds <= TARGET_SECONDS
    if not within:
        print(f"  OVER BOUND: {name}: {format_seconds(seconds)}, {ratio:.2f}x tokenize")
    return within


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run, not figures")
    args = parser.parse_args(argv)
    rounds = 5 if args.quick else args.rounds
    over = []
    for text in ACCEPTED_HOSTILE_LOOKING:
        parse(text)  # a case that no longer parses stops the run: its time would mean nothing
        if not bench_case(text, rounds):
            over.append(label(text))
        print()
    cases = len(ACCEPTED_HOSTILE_LOOKING)
    if over:
        print(f"OVER BOUND: {len(over)} of {cases} cases: {', '.join(over)}")
    else:
        print(f"all {cases} cases within their bounds")


if __name__ == "__main__":
    main()
