"""Engine benchmarks: gradcli against hand-written numpy (and PyTorch, if it happens to be there).

    python benchmarks/bench_engine.py all            # everything below, a few minutes
    python benchmarks/bench_engine.py mlp            # (a) 2-layer MLP, forward + backward
    python benchmarks/bench_engine.py chain          # (b) 2,000 scalar ops on a fresh tape
    python benchmarks/bench_engine.py elementwise    # (c) d/dx sin(x)*exp(-x**2) at 1e6 points
    python benchmarks/bench_engine.py first          # (d) first call in a fresh process vs steady
    python benchmarks/bench_engine.py gc             # (e) with and without gc.freeze()

Options: --rounds N (interleaved rounds, default 21), --quick (fewer rounds, for a smoke run),
--after-imports (import sympy, click and rich first, as the CLI's process has).
Every comparison is interleaved round by round in one process (see _harness.py) and ends with one
`VERDICT` line against its target. Run by hand, never in CI: timings need a quiet machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
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

import gradcli as gcli  # noqa: E402  (named gcli: `gc` is the garbage collector here)

try:  # optional: only for a side-by-side figure; never installed by this project
    import torch  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

TARGETS = {"mlp": 1.10, "chain": 6.0, "elementwise": 1.5, "first": 2.0}


# ---------------------------------------------------------------- (a) mlp


def mlp_arrays(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The mlp workload's x (256x512), w1 (512x512), b1 (512) and w2 (512x10), drawn from `seed`:
    the same arrays for (a), the JVP of bench_forward and the Adam run of bench_minimize."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 512))
    w1 = rng.standard_normal((512, 512)) / math.sqrt(512)
    b1 = rng.standard_normal(512) * 0.1
    w2 = rng.standard_normal((512, 10)) / math.sqrt(512)
    return x, w1, b1, w2


def mlp_setup(seed: int = 0, gcli=gcli):
    """`mean((tanh(x @ w1 + b1) @ w2)**2)`; x 256x512 a constant, gradient for w1, b1, w2."""
    x, w1, b1, w2 = mlp_arrays(seed)
    xc = gcli.constant(x)
    vw1, vb1, vw2 = gcli.Variable(w1), gcli.Variable(b1), gcli.Variable(w2)

    def gradcli_mlp():
        with gcli.GradientTape() as tape:
            loss = gcli.reduce_mean((gcli.tanh(xc @ vw1 + vb1) @ vw2) ** 2)
        return tape.gradient(loss, [vw1, vb1, vw2])

    def numpy_mlp():
        # as one writes it from the math: one name per step (kept alive to the end, as a tape
        # keeps its values), and so more memory at the peak than the fused form below
        z = x @ w1 + b1
        h = np.tanh(z)
        out = h @ w2
        loss = np.mean(out**2)  # noqa: F841  (the forward is part of the work measured)
        g_out = 2.0 * out / out.size
        g_w2 = h.T @ g_out
        g_h = g_out @ w2.T
        g_z = g_h * (1.0 - h**2)
        g_w1 = x.T @ g_z
        g_b1 = g_z.sum(axis=0)
        return [g_w1, g_b1, g_w2]

    def numpy_mlp_fused():
        # the same, squeezed: no names kept, so numpy frees (or reuses in place) each temporary
        # at once and holds less memory at its peak, which on this machine means fewer page faults
        h = np.tanh(x @ w1 + b1)
        out = h @ w2
        loss = np.mean(out**2)  # noqa: F841
        g_out = out * (2.0 / out.size)
        g_w2 = h.T @ g_out
        g_pre = (g_out @ w2.T) * (1.0 - h * h)
        return [x.T @ g_pre, g_pre.sum(axis=0), g_w2]

    return gradcli_mlp, numpy_mlp, numpy_mlp_fused


def check_same(name: str, ours, reference, rtol: float = 1e-9) -> None:
    ours = [np.asarray(g) for g in (ours if isinstance(ours, list) else [ours])]
    reference = [np.asarray(g) for g in (reference if isinstance(reference, list) else [reference])]
    for i, (a, b) in enumerate(zip(ours, reference)):
        if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=1e-12):
            worst = np.max(np.abs(a - b)) if a.shape == b.shape else "shape"
            raise SystemExit(
                f"{name}: gradient {i} differs from the reference (max |diff| {worst})"
            )
    print(f"  check: {name} gradients agree with the reference (rtol {rtol:g})")


def bench_mlp(rounds: int) -> float:
    print(header("(a) mlp: mean((tanh(x @ w1 + b1) @ w2)**2), x 256x512, forward + backward"))
    ours, ref, fused = mlp_setup()
    check_same("mlp", [g.numpy() for g in ours()], ref())
    check_same("mlp (fused numpy)", fused(), ref(), rtol=1e-12)
    result = compare(
        [
            Candidate("numpy, fused temporaries", fused),
            Candidate("gradcli", ours),
            Candidate("numpy, one name per step", ref),
        ],
        rounds=rounds,
    )
    print(table(result))
    # the verdict is against the faster numpy form, round by round (the stricter test): with
    # nothing trimmed the one-name form can be the faster, with trimming the fused form faults less
    numpy_forms = ["numpy, fused temporaries", "numpy, one name per step"]
    ratio, lo, hi = result.ratio_to_fastest("gradcli", numpy_forms)
    note = f"IQR {lo:.2f}-{hi:.2f}, against the faster numpy form each round"
    print(verdict("mlp gradcli/numpy", ratio, TARGETS["mlp"], note=note))
    return ratio


# ---------------------------------------------------------------- (b) chain

CHAIN_STEPS = 400
CHAIN_OPS = 5 * CHAIN_STEPS  # sin, *1.0001, y*y, *0.001, +


def chain_setup(gcli=gcli, steps: int = CHAIN_STEPS):
    """`y = sin(y)*1.0001 + y*y*0.001`, `steps` times (5 scalar ops each), on a fresh tape."""
    y0 = gcli.Variable(0.5)

    def gradcli_chain():
        with gcli.GradientTape() as tape:
            y = y0
            for _ in range(steps):
                y = gcli.sin(y) * 1.0001 + y * y * 0.001
        return tape.gradient(y, y0)

    def floats_chain():
        # the same forward and backward by hand on Python floats: the floor for any tape
        ys = [0.5]
        for _ in range(steps):
            y = ys[-1]
            ys.append(math.sin(y) * 1.0001 + y * y * 0.001)
        d = 1.0
        for y in reversed(ys[:-1]):
            d *= math.cos(y) * 1.0001 + 2.0 * y * 0.001
        return d

    candidates = [Candidate("python floats, hand-written", floats_chain)]
    candidates.append(Candidate("gradcli", gradcli_chain))
    if torch is not None:
        t0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)

        def torch_chain():
            y = t0
            for _ in range(steps):
                y = torch.sin(y) * 1.0001 + y * y * 0.001
            return torch.autograd.grad(y, t0)[0]

        candidates.append(Candidate("pytorch, 0-d float64", torch_chain))
    return candidates


def bench_chain(rounds: int) -> float:
    print(header("(b) chain: 2,000 scalar ops (sin, *, +), fresh tape, forward + backward"))
    candidates = chain_setup()
    check_same("chain", candidates[1].fn().numpy(), candidates[0].fn(), rtol=1e-12)
    result = compare(candidates, rounds=rounds)
    print(table(result, per=("op", CHAIN_OPS)))
    per_op = result.median("gradcli") / CHAIN_OPS * 1e6
    if torch is None:
        print("  (PyTorch is not installed: no PyTorch figure)")
    print(verdict("chain gradcli µs/op", per_op, TARGETS["chain"], unit=" µs"))
    return per_op


# ---------------------------------------------------------------- (c) elementwise

N_POINTS = 1_000_000


def elementwise_setup(gcli=gcli):
    """d/dx of sin(x)*exp(-x**2) at 1e6 float64 points: one gradient of the summed target."""
    x = np.linspace(-3.0, 3.0, N_POINTS)
    xv = gcli.Variable(x)

    def gradcli_elementwise():
        with gcli.GradientTape() as tape:
            f = gcli.sin(xv) * gcli.exp(-(xv**2))
        return tape.gradient(f, xv)

    def numpy_elementwise():
        e = np.exp(-(x**2))  # computed once, used twice
        return np.cos(x) * e - 2 * x * np.sin(x) * e

    def numpy_factored():
        return (np.cos(x) - 2 * x * np.sin(x)) * np.exp(-(x**2))

    return gradcli_elementwise, numpy_elementwise, numpy_factored


def bench_elementwise(rounds: int) -> float:
    print(header("(c) elementwise: d/dx sin(x)*exp(-x**2) at 1,000,000 float64 points"))
    ours, ref, factored = elementwise_setup()
    check_same("elementwise", ours().numpy(), ref(), rtol=1e-12)
    result = compare(
        [
            Candidate("numpy cos*e - 2x*sin*e", ref),
            Candidate("gradcli (forward + backward)", ours),
            Candidate("numpy (cos - 2x*sin)*e", factored),
        ],
        rounds=rounds,
    )
    print(table(result))
    # against the faster numpy form each round: the factored form does one multiplication fewer
    ours = "gradcli (forward + backward)"
    numpy_forms = ["numpy cos*e - 2x*sin*e", "numpy (cos - 2x*sin)*e"]
    ratio, lo, hi = result.ratio_to_fastest(ours, numpy_forms)
    note = f"IQR {lo:.2f}-{hi:.2f}, against the faster numpy form each round"
    print(verdict("elementwise gradcli/numpy", ratio, TARGETS["elementwise"], note=note))
    return ratio


# ---------------------------------------------------------------- (d) first call


def _make(name: str):
    if name == "mlp":
        return mlp_setup()[0]
    if name == "chain":
        return chain_setup()[1].fn
    return elementwise_setup()[0]


def first_call_child(name: str) -> None:
    """In a fresh process: the first call, then the steady state (median of 15 after 3 more)."""
    fn = _make(name)
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    for _ in range(3):
        fn()
    steady = []
    for _ in range(15):
        start = time.perf_counter()
        fn()
        steady.append(time.perf_counter() - start)
    print(json.dumps({"first": first, "steady": statistics.median(steady)}))


def bench_first(processes: int) -> dict:
    print(header("(d) first call in a fresh process vs steady state (gradcli only)"))
    names = ["mlp", "chain", "elementwise"]
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for _ in range(processes):  # interleaved: mlp, chain, elementwise, mlp, ...
        for n in names:
            # glibc's default heap, as a user's process has: with the top pad only the steady
            # calls would be spared the page faults that the first one, and every call of a
            # process without it, pays (a handicap for the first call)
            out = subprocess.run(
                [sys.executable, __file__, "_first", n],
                capture_output=True,
                text=True,
                check=True,
                env=user_environment(),
            )
            runs[n].append(json.loads(out.stdout.strip().splitlines()[-1]))
    ratios = {}
    for n in names:
        first = statistics.median(r["first"] for r in runs[n])
        steady = statistics.median(r["steady"] for r in runs[n])
        ratio = statistics.median(r["first"] / r["steady"] for r in runs[n])
        ratios[n] = ratio
        print(
            f"  {n:<12} first {format_seconds(first):>10}  steady {format_seconds(steady):>10}"
            f"  first/steady {ratio:.2f}x  ({processes} processes)"
        )
    for n in names:
        print(verdict(f"first-call {n} first/steady", ratios[n], TARGETS["first"]))
    return ratios


# ---------------------------------------------------------------- (e) gc.freeze


def _heavy_imports() -> list[str]:
    loaded = []
    for module in ("sympy", "click", "rich.console", "rich.table"):
        try:
            __import__(module)
            loaded.append(module)
        except ImportError:
            pass
    return loaded


def _full_collection_time(repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _gen2_collections() -> int:
    return gc.get_stats()[2]["collections"]


def _gen2_per_call(fn, calls: int = 10) -> float:
    """Full (generation-2) collections per call, over calls with no gc.collect() between."""
    before = _gen2_collections()
    for _ in range(calls):
        fn()
    return (_gen2_collections() - before) / calls


IMPORTS = "import numpy, click, rich.table, sympy"
IMPORT_VARIANTS = {
    "gc on during imports": IMPORTS,
    "gc off while importing, then freeze": (
        f"import gc; gc.disable(); {IMPORTS}; gc.freeze(); gc.enable()"
    ),
}


def bench_gc(rounds: int) -> None:
    print(header("(e) gc: the engine benchmarks after heavy imports, with and without gc.freeze()"))
    loaded = _heavy_imports()
    print(f"  imported: {', '.join(loaded) or 'nothing (none installed)'}")
    gc.collect()
    print(f"  objects tracked by gc: {len(gc.get_objects()):,}")
    unfrozen_collect = _full_collection_time()
    gc.freeze()
    frozen_collect = _full_collection_time()
    gc.unfreeze()
    print(
        f"  one full gc.collect(): {format_seconds(unfrozen_collect)} unfrozen, "
        f"{format_seconds(frozen_collect)} after gc.freeze()"
    )
    cases = {
        "mlp": mlp_setup()[0],
        "chain (2,000 ops)": chain_setup()[1].fn,
        "chain x10 (20,000 ops)": chain_setup(steps=10 * CHAIN_STEPS)[1].fn,
        "elementwise": elementwise_setup()[0],
    }
    # no gc.collect() between batches here: a collection resets the counters that decide when the
    # next full collection comes, and the question is what a real run (which never calls it) pays
    for name, fn in cases.items():
        gc.unfreeze()
        full = _gen2_per_call(fn)
        result = compare(
            [
                Candidate("no freeze", fn, before=gc.unfreeze),
                Candidate("gc.freeze() after imports", fn, before=gc.freeze),
            ],
            rounds=rounds,
            collect=False,
        )
        gc.unfreeze()
        print(f"  {name}: {full:.2f} full (gen-2) collections per call, unfrozen")
        print(table(result))
    gc.unfreeze()

    print("  start-up: the same imports in a fresh process, gc on vs off while importing")
    variants = {
        label: Candidate(label, _process([sys.executable, "-c", code]), number=1)
        for label, code in IMPORT_VARIANTS.items()
    }
    result = compare(list(variants.values()), rounds=max(11, rounds), warmup=1, collect=False)
    print(table(result))


def _process(argv: list[str]):
    def run() -> None:
        subprocess.run(argv, check=True)

    return run


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "what", choices=["all", "mlp", "chain", "elementwise", "first", "gc", "_first"]
    )
    parser.add_argument("name", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run, not figures")
    parser.add_argument(
        "--after-imports",
        action="store_true",
        help="import sympy, click and rich first, as the CLI's process has (a bigger heap)",
    )
    parser.add_argument("--trimming-heap", action="store_true", help=TRIMMING_HELP)
    args = parser.parse_args(argv)
    if args.what != "_first":
        print(keep_heap(args.trimming_heap))
    rounds = 5 if args.quick else args.rounds
    if args.after_imports:
        print(f"(after importing {', '.join(_heavy_imports()) or 'nothing: none installed'})")
    if args.what == "_first":
        first_call_child(args.name)
        return
    runs = {
        "mlp": lambda: bench_mlp(rounds),
        "chain": lambda: bench_chain(rounds),
        "elementwise": lambda: bench_elementwise(rounds),
        "first": lambda: bench_first(5 if args.quick else 11),
        "gc": lambda: bench_gc(max(5, rounds // 2)),
    }
    for name, run in runs.items():
        if args.what in (name, "all"):
            run()
            print()


if __name__ == "__main__":
    main()
