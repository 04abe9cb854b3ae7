"""Shared timing helpers for the benchmarks: interleaved side-by-side rounds, medians of ratios.

The machine these run on is small and noisy (2 cores, shared). Timing A for a while and then B for
a while lets a slow minute land on one side only, so every comparison here is *interleaved*: each
round times every candidate once, back to back, and the verdict is the median over rounds of the
per-round ratio candidate / baseline. Drift that hits a whole round cancels in its ratio, and the
median throws away rounds where a burst hit one side. The order inside a round alternates
(A B, then B A) so that neither side always runs right after the other's memory traffic.

Standard library only (numpy is not needed here), so `bench_startup.py` can use it too.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None


@dataclass
class Candidate:
    """One implementation to time: `fn()` is one call; `before()` runs (untimed) before a batch."""

    name: str
    fn: Callable[[], object]
    before: Callable[[], object] | None = None
    number: int = 0  # calls per timed batch; 0 means calibrate


@dataclass
class Comparison:
    """Per-round seconds-per-call for each candidate, in the order the candidates were given."""

    baseline: str
    times: dict[str, list[float]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    faults: dict[str, list[float]] = field(default_factory=dict)  # minor page faults per call

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def best(self, name: str) -> float:
        return min(self.times[name])

    def ratios(self, name: str, baseline: str | None = None) -> list[float]:
        base = self.times[baseline or self.baseline]
        return [a / b for a, b in zip(self.times[name], base)]

    def ratio(self, name: str, baseline: str | None = None) -> float:
        """The median over rounds of this candidate's time over the baseline's (or another's)."""
        return statistics.median(self.ratios(name, baseline))

    def spread(self, name: str, baseline: str | None = None) -> tuple[float, float]:
        """The interquartile range of the per-round ratios: how much to trust `ratio`."""
        return _quartiles(self.ratios(name, baseline))

    def ratios_to_fastest(self, name: str, baselines: list[str]) -> list[float]:
        """Per round, this candidate's time over the fastest of `baselines` in that round."""
        fastest = [min(times) for times in zip(*(self.times[b] for b in baselines))]
        return [a / b for a, b in zip(self.times[name], fastest)]

    def ratio_to_fastest(self, name: str, baselines: list[str]) -> tuple[float, float, float]:
        """The median per-round ratio to the fastest hand-written form, and its quartiles: the
        verdict's figure where there are several forms (whichever is faster on this machine and
        heap, round by round, so the comparison is never with a handicapped form)."""
        ratios = self.ratios_to_fastest(name, baselines)
        return (statistics.median(ratios), *_quartiles(ratios))


def _quartiles(ratios: list[float]) -> tuple[float, float]:
    r = sorted(ratios)
    if len(r) < 4:
        return r[0], r[-1]
    q = statistics.quantiles(r, n=4)
    return q[0], q[2]


def _timed(fn: Callable[[], object], number: int, clock=time.perf_counter) -> float:
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def calibrate(fn: Callable[[], object], min_batch: float, tries: int = 3) -> int:
    """Calls per batch so that one batch takes at least `min_batch` seconds (1 at the least).

    From the fastest of a few single calls: one call slowed by a burst of noise would otherwise
    make every batch of the run a single call, and the whole comparison noisier.
    """
    fastest = min(_timed(fn, 1) for _ in range(tries))
    return max(1, min(1_000_000, math.ceil(min_batch / max(fastest, 1e-9))))


def compare(
    candidates: list[Candidate],
    *,
    rounds: int = 21,
    warmup: int = 2,
    min_batch: float = 0.05,
    collect: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> Comparison:
    """Time `candidates` interleaved round by round; the first candidate is the baseline.

    Each round runs every candidate's batch once (alternating the order every round). With
    `collect`, a full `gc.collect()` runs (untimed) before each batch, so that garbage left by one
    candidate is not collected on the other's clock; collections the candidate itself triggers
    are still timed, as they would be in real use.

    `clock` is wall time by default; `time.process_time` (CPU time of this process, all threads)
    ignores the time this process spends preempted by others, which steadies A/B comparisons of
    single-threaded work on a busy machine (but it also hides time spent waiting, e.g. on I/O).
    """
    result = Comparison(baseline=candidates[0].name)
    for c in candidates:
        if c.before:
            c.before()
        for _ in range(warmup):
            c.fn()
        result.numbers[c.name] = c.number or calibrate(c.fn, min_batch)
        result.times[c.name] = []
        result.faults[c.name] = []
    for r in range(rounds):
        order = candidates if r % 2 == 0 else candidates[::-1]
        for c in order:
            if c.before:
                c.before()
            if collect:
                gc.collect()
            before = minor_faults()
            result.times[c.name].append(_timed(c.fn, result.numbers[c.name], clock))
            result.faults[c.name].append((minor_faults() - before) / result.numbers[c.name])
    return result


# glibc gives freed memory at the top of the heap back to the OS once more than its trim threshold
# is free, and the next call faults those pages in again (about 1 µs per 4 KiB page here). Which
# side of a comparison pays depends on its peak and on what ran before it in the process, not on
# its work: in one run fused numpy faulted 1,179 times per call and gradcli 66, and gradcli "beat"
# hand-written numpy at 0.68x. With a top pad glibc keeps what it has (trimming leaves the pad),
# neither side faults once warm, and the ratio is the work's.
HEAP_PAD = {"MALLOC_TOP_PAD_": str(256 << 20)}
TRIMMING_HELP = "glibc's default heap: freed memory given back to the OS (see _harness.keep_heap)"


def keep_heap(trimming: bool = False) -> str:
    """Re-run this benchmark, with the same arguments, with glibc keeping freed memory
    (`HEAP_PAD`, which glibc reads only when a process starts), unless it is set already or
    `trimming` (`--trimming-heap`) asks for glibc's default; a line saying which heap the figures
    are for."""
    if trimming:
        return "heap: glibc's default (freed memory given back, faulted in again)"
    if all(os.environ.get(k) == v for k, v in HEAP_PAD.items()):
        return f"heap: {' '.join(f'{k}={v}' for k, v in HEAP_PAD.items())} (nothing trimmed)"
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return "heap: the platform's allocator (not glibc: no top pad)"
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], {**os.environ, **HEAP_PAD})
    raise AssertionError("unreachable")  # execve does not return


def user_environment() -> dict:
    """This environment less the heap pad `keep_heap` set: for the benchmarks of whole processes
    (a command as a user runs it)."""
    return {k: v for k, v in os.environ.items() if HEAP_PAD.get(k) != v}


def minor_faults() -> int:
    """Minor page faults so far, this process's and its children's (0 without `resource`).

    Each fresh page numpy writes to costs one; on this machine that is about a microsecond, so an
    implementation that allocates more large temporaries (or keeps more alive) pays for it here,
    and the fault count says how much of a gap is the allocator's.
    """
    if resource is None:
        return 0
    # with the children's (those waited for): a benchmark of whole processes counts theirs
    own = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    return own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(comparison: Comparison, per: tuple[str, float] | None = None) -> str:
    """A small text table: median and best time per call, and the median ratio to the baseline.

    `per=("op", 2000)` adds a column with the median time per op (per call divided by 2000).
    """
    lines = []
    head = f"  {'candidate':<40} {'median':>10} {'best':>10} {'calls':>6}"
    if per:
        head += f" {'per ' + per[0]:>10}"
    head += f" {'ratio (IQR)':>22} {'faults/call':>12}"
    lines.append(head)
    for name, times in comparison.times.items():
        med = statistics.median(times)
        row = f"  {name:<40} {format_seconds(med):>10} {format_seconds(min(times)):>10}"
        row += f" {comparison.numbers[name]:>6}"
        if per:
            row += f" {format_seconds(med / per[1]):>10}"
        if name == comparison.baseline:
            row += f" {'(baseline)':>22}"
        else:
            lo, hi = comparison.spread(name)
            row += f" {comparison.ratio(name):>7.3f}x ({lo:.2f}-{hi:.2f})"
        row += f" {statistics.median(comparison.faults[name]):>12.0f}"
        lines.append(row)
    return "\n".join(lines)


def verdict(name: str, value: float, target: float, unit: str = "x", note: str = "") -> str:
    """The one line each benchmark ends with: `VERDICT name: value <= target: PASS|FAIL`."""
    outcome = "PASS" if value <= target else "FAIL"
    text = f"VERDICT {name}: {value:.3f}{unit} (target <= {target:g}{unit}): {outcome}"
    return text + (f"  [{note}]" if note else "")


def machine() -> str:
    """One line naming the machine, for the figures in the README."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = os.cpu_count()
    py = platform.python_version()
    numpy = sys.modules.get("numpy")  # named only where the benchmark imported it
    extra = f", numpy {numpy.__version__}" if numpy else ""
    return (
        f"{cpu}, {cores} cores, Python {py} ({sys.implementation.name}){extra}, {platform.system()}"
    )


def header(title: str) -> str:
    return f"== {title} — {time.strftime('%Y-%m-%d %H:%M')} — {machine()}"
