"""Many points at once: `gradcli grad "sin(x)*exp(-x**2)" --x "linspace(-3,3,N)" --format csv`.

    python benchmarks/bench_csv.py              # 1,000,000 points, 21 interleaved rounds
    python benchmarks/bench_csv.py --quick      # 5 rounds: a smoke run, not figures
    python benchmarks/bench_csv.py --points 100000

(a) The computation the command runs, side by side with numpy written by hand: the parsed
    program evaluated on one tape over the whole array (`evaluate(request)`: the walker, the
    forward pass and the backward pass of the summed target), against f and df/dx in numpy.
    Target: within 3x (VERDICT line). The engine is vectorised: no Python loop over points.
(b) For scale, not a target: the CSV text of those columns (`render.to_csv`, shortest
    round-trip repr of 3 million floats), and the whole command in a fresh process, its output
    to /dev/null. Formatting text dominates; the derivative is a small part of the command.

Run by hand, never in CI: timings need a quiet machine (see _harness.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _harness, when run from anywhere
from _harness import (  # noqa: E402
    TRIMMING_HELP,
    Candidate,
    compare,
    format_seconds,
    header,
    keep_heap,
    table,
    user_environment,
    verdict,
)

from gradcli.language.parser import parse  # noqa: E402
from gradcli.program.records import Declaration, Report, Request  # noqa: E402
from gradcli.program.run import evaluate  # noqa: E402
from gradcli.render.report import to_csv  # noqa: E402

PROGRAM = "sin(x)*exp(-x**2)"
TARGET = 3.0


def setup(points: int):
    x = np.linspace(-3.0, 3.0, points)
    request = Request(
        program=parse(PROGRAM), declarations=(Declaration("x", "variable", x),), wrt=("x",)
    )

    def gradcli_grad():
        result = evaluate(request).results[0]
        return result.value, result.gradients["x"]

    def numpy_by_hand():
        s = np.sin(x)
        e = np.exp(-(x**2))
        f = s * e
        return f, np.cos(x) * e - 2 * x * s * e

    return request, gradcli_grad, numpy_by_hand


def bench_computation(points: int, rounds: int) -> float:
    print(header(f"(a) f and df/dx of {PROGRAM} at {points:,} float64 points"))
    _, ours, ref = setup(points)
    (f1, d1), (f2, d2) = ours(), ref()
    np.testing.assert_allclose(f1, f2, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(d1, d2, rtol=1e-12, atol=1e-15)
    result = compare(
        [Candidate("numpy by hand (f and df)", ref), Candidate("gradcli evaluate(request)", ours)],
        rounds=rounds,
    )
    print(table(result))
    ratio = result.ratio("gradcli evaluate(request)")
    print(verdict("csv computation gradcli/numpy", ratio, TARGET))
    return ratio


def bench_text(points: int, rounds: int) -> None:
    print(header(f"(b) the CSV text and the whole command at {points:,} points (for scale)"))
    request, _, _ = setup(points)
    report = Report(evaluate(request), ())
    times = []
    for _ in range(max(3, rounds // 4)):
        start = time.perf_counter()
        text = to_csv(report)
        times.append(time.perf_counter() - start)
    print(f"  render.to_csv: {format_seconds(statistics.median(times))} for {len(text):,} chars")
    exe = Path(sys.executable).with_name("gradcli")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "gradcli"]
    command += ["grad", PROGRAM, "--x", f"linspace(-3, 3, {points})", "--format", "csv"]
    times = []
    for _ in range(max(3, rounds // 4)):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=user_environment())
        times.append(time.perf_counter() - start)
    print(f"  whole command, output to /dev/null: {format_seconds(statistics.median(times))}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run, not figures")
    parser.add_argument("--trimming-heap", action="store_true", help=TRIMMING_HELP)
    args = parser.parse_args(argv)
    print(keep_heap(args.trimming_heap))
    rounds = 5 if args.quick else args.rounds
    bench_computation(args.points, rounds)
    print()
    bench_text(args.points, rounds)


if __name__ == "__main__":
    main()
