"""Benchmarks of `gradcli minimize` (issue 15), run by hand:

    python benchmarks/bench_minimize.py adam    # (h) Adam on the mlp workload vs numpy by hand
    python benchmarks/bench_minimize.py cli     # (i) 2,000 gd steps on Rosenbrock, whole process
    python benchmarks/bench_minimize.py all

(h) `program.minimize` with method adam on `mean((tanh(x @ w1 + b1) @ w2)**2)` (bench_engine's
mlp workload: x 256x512 a constant, w1 512x512, b1 512, w2 512x10), STEPS steps per call from the
same start, against the same loop written by hand in numpy (the fused forward and backward of
bench_engine, and Keras's Adam update), checked once to reach the same weights. Interleaved
(`_harness.compare`); the verdict is the median ratio of time per call, i.e. of seconds per step.
`--cpu` times CPU time instead of wall time (steadier when other processes share the cores):
for (h) this process's, for (i) the child's.

(i) `gradcli minimize ROSENBROCK --x -1.2 --y 1 --method gd --lr 0.001 --steps 2000 --plain`
as a whole process (start-up, the run, the final Hessian), median wall time over runs.
"""

from __future__ import annotations

import argparse
import math
import shutil
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
    header,
    keep_heap,
    table,
    user_environment,
    verdict,
)
from bench_engine import mlp_arrays  # noqa: E402

from gradcli.language.parser import parse  # noqa: E402
from gradcli.program.minimize import Settings, minimize  # noqa: E402
from gradcli.program.records import Declaration, Request  # noqa: E402

STEPS = 50  # Adam steps per timed call (a run of minimize: one more evaluation, the first)
LEARNING_RATE = 0.001
TARGETS = {"adam": 1.2, "cli": 2.0}
ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


def mlp_start(seed: int = 0) -> dict:
    return dict(zip(("x", "w1", "b1", "w2"), mlp_arrays(seed)))


def gradcli_adam(start: dict):
    request = Request(
        program=parse("mean((tanh(x @ w1 + b1) @ w2)**2)"),
        declarations=(
            Declaration("x", "constant", start["x"]),
            Declaration("w1", "variable", start["w1"]),
            Declaration("b1", "variable", start["b1"]),
            Declaration("w2", "variable", start["w2"]),
        ),
    )
    # tol 1e-300: no stopping rule but the step limit, so every call takes STEPS steps
    settings = Settings(method="adam", learning_rate=LEARNING_RATE, steps=STEPS, tol=1e-300)

    def run():
        result = minimize(request, settings)
        assert result.steps == STEPS, result.reason
        return result.point

    return run


def numpy_adam(start: dict):
    x = start["x"]

    def run():
        w1, b1, w2 = start["w1"].copy(), start["b1"].copy(), start["w2"].copy()
        weights = [w1, b1, w2]
        m = [np.zeros_like(w) for w in weights]
        v = [np.zeros_like(w) for w in weights]
        for t in range(1, STEPS + 1):
            h = np.tanh(x @ w1 + b1)
            out = h @ w2
            loss = np.mean(out**2)  # noqa: F841  (the forward is part of the work measured)
            g_out = out * (2.0 / out.size)
            g_w2 = h.T @ g_out
            g_pre = (g_out @ w2.T) * (1.0 - h * h)
            grads = [x.T @ g_pre, g_pre.sum(axis=0), g_w2]
            # Keras's Adam: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t), eps added to sqrt(v)
            lr_t = LEARNING_RATE * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            for w, g, mi, vi in zip(weights, grads, m, v):
                mi += (g - mi) * 0.1
                vi += (g * g - vi) * 0.001
                w -= lr_t * mi / (np.sqrt(vi) + 1e-7)
        return np.concatenate([w1.ravel(), b1, w2.ravel()])

    return run


def bench_adam(rounds: int, clock=time.perf_counter) -> float:
    print(header(f"(h) minimize --method adam on the mlp workload, {STEPS} steps per call"))
    start = mlp_start()
    ours, reference = gradcli_adam(start), numpy_adam(start)
    difference = float(np.max(np.abs(ours() - reference())))
    if difference > 1e-9:
        raise SystemExit(f"adam: the weights differ from numpy's by {difference:g}")
    print(f"  check: the same weights after {STEPS} steps (max |diff| {difference:.1e})")
    result = compare(
        [Candidate("numpy by hand", reference), Candidate("gradcli minimize (adam)", ours)],
        rounds=rounds,
        clock=clock,
    )
    print(table(result, per=("step", STEPS)))
    ratio = result.ratio("gradcli minimize (adam)")
    print(verdict("minimize adam mlp gradcli/numpy", ratio, TARGETS["adam"]))
    return ratio


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_cli(runs: int, cpu: bool = False) -> float:
    exe = shutil.which("gradcli") or str(Path(sys.executable).parent / "gradcli")
    argv = [exe, "minimize", ROSENBROCK, "--x", "-1.2", "--y", "1", "--method", "gd"]
    argv += ["--lr", "0.001", "--steps", "2000", "--plain"]
    print(header(f"(i) {' '.join(argv[1:3])!s} ... 2,000 gd steps, whole process, {runs} runs"))
    env = user_environment()  # a whole process, as a user runs it: no heap pad
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if "steps = 2000" not in done.stdout:
        raise SystemExit(f"cli: unexpected output:\n{done.stdout}{done.stderr}")
    times, cpu_times = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), children_cpu()
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env
        )
        times.append(time.perf_counter() - began)
        cpu_times.append(children_cpu() - began_cpu)
    median, median_cpu = statistics.median(times), statistics.median(cpu_times)
    print(f"  wall: median {median:.3f} s, best {min(times):.3f} s")
    print(f"  CPU:  median {median_cpu:.3f} s, best {min(cpu_times):.3f} s")
    chosen = median_cpu if cpu else median
    name = f"minimize gd 2000 steps through the CLI ({'CPU' if cpu else 'wall'} time)"
    print(verdict(name, chosen, TARGETS["cli"], unit=" s"))
    return chosen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", choices=["adam", "cli", "all"], nargs="?", default="all")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds / CLI runs")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run only")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time CPU time, not wall time: steadier on a busy machine "
        "(with OPENBLAS_NUM_THREADS=1, as benchmarks/README.md suggests for mlp A/B figures)",
    )
    parser.add_argument("--trimming-heap", action="store_true", help=TRIMMING_HELP)
    args = parser.parse_args(argv)
    print(keep_heap(args.trimming_heap))
    rounds = 5 if args.quick else max(5, args.rounds)
    if args.which in ("adam", "all"):
        bench_adam(rounds, time.process_time if args.cpu else time.perf_counter)
    if args.which in ("cli", "all"):
        bench_cli(rounds, args.cpu)


if __name__ == "__main__":
    main()
