"""Forward-mode benchmarks: what a JVP costs, and when forward mode beats reverse mode.

    python benchmarks/bench_forward.py all        # both below, about a minute
    python benchmarks/bench_forward.py jvp        # (h) a JVP of the mlp vs its forward pass
    python benchmarks/bench_forward.py modes      # (i) jacobian --mode both: 100 -> 1 and 1 -> 100

Options: --rounds N (interleaved rounds, default 21), --quick (5 rounds, a smoke run).
Each comparison is interleaved round by round in one process (`_harness.py`), with hand-written
numpy in the same process, and ends with one `VERDICT` line against its target. Run by hand,
never in CI: timings need a quiet machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _harness, when run from anywhere
from _harness import TRIMMING_HELP, Candidate, compare, header, keep_heap, table, verdict  # noqa: E402
from bench_engine import check_same, mlp_arrays  # noqa: E402

import gradcli as gcli  # noqa: E402  (named gcli, as in bench_engine)
from gradcli.language.parser import parse  # noqa: E402
from gradcli.program import forward_mode  # noqa: E402
from gradcli.program.derivatives import jacobian as reverse_jacobian  # noqa: E402
from gradcli.program.records import Declaration, Request  # noqa: E402

TARGETS = {"jvp": 3.0, "modes": 1.0}


# ---------------------------------------------------------------- (h) a JVP of the mlp


def jvp_setup(seed: int = 0):
    """The mlp of bench_engine (a): its forward pass, and its JVP along random tangents for w1,
    b1 and w2 (one forward pass carrying tangents), in gradcli and in hand-written numpy."""
    x, w1, b1, w2 = mlp_arrays(seed)
    rng = np.random.default_rng(seed + 1)  # the tangents
    t1, tb, t2 = (rng.standard_normal(np.shape(a)) for a in (w1, b1, w2))

    xc = gcli.constant(x)
    vw1, vb1, vw2 = gcli.Variable(w1), gcli.Variable(b1), gcli.Variable(w2)
    tangents = [gcli.constant(t) for t in (t1, tb, t2)]

    def forward_pass():
        return gcli.reduce_mean((gcli.tanh(xc @ vw1 + vb1) @ vw2) ** 2)

    def gradcli_jvp():
        with gcli.autodiff.ForwardAccumulator([vw1, vb1, vw2], tangents) as acc:
            loss = gcli.reduce_mean((gcli.tanh(xc @ vw1 + vb1) @ vw2) ** 2)
        return acc.jvp(loss)

    def numpy_jvp():
        # the forward pass and its tangent, by hand: d(tanh z) = (1 - h**2) dz
        h = np.tanh(x @ w1 + b1)
        dh = (1.0 - h * h) * (x @ t1 + tb)
        out = h @ w2
        d_out = dh @ w2 + h @ t2
        return np.mean(2.0 * out * d_out)

    return forward_pass, gradcli_jvp, numpy_jvp


def bench_jvp(rounds: int) -> float:
    print(header("(h) jvp: the mlp of (a), one forward pass carrying tangents for w1, b1, w2"))
    forward_pass, ours, by_hand = jvp_setup()
    check_same("mlp jvp", [np.asarray(ours().numpy())], [np.asarray(by_hand())], rtol=1e-9)
    result = compare(
        [
            Candidate("gradcli forward pass (no tangents)", forward_pass),
            Candidate("gradcli JVP (ForwardAccumulator)", ours),
            Candidate("numpy JVP, hand-written", by_hand),
        ],
        rounds=rounds,
    )
    print(table(result))
    ratio = result.ratio("gradcli JVP (ForwardAccumulator)")
    note = (
        "vs hand-written numpy JVP: "
        f"{result.ratio('gradcli JVP (ForwardAccumulator)', 'numpy JVP, hand-written'):.3f}x"
    )
    print(verdict("mlp JVP / forward pass", ratio, TARGETS["jvp"], note=note))
    return ratio


# ---------------------------------------------------------------- (i) forward or reverse


def _request(program: str, declarations: list) -> Request:
    return Request(
        program=parse(program),
        declarations=tuple(Declaration(n, k, np.asarray(v)) for n, k, v in declarations),
    )


def _modes(request: Request, rounds: int, title: str, winner: str) -> float:
    def forward():
        return forward_mode.jacobian(request)[0]

    def reverse():
        return reverse_jacobian(request)

    got_forward = forward()[0]
    got_reverse = reverse().evaluation.results[0].gradients
    check_same(title, [got_forward["x"]], [got_reverse["x"]], rtol=1e-12)
    result = compare(
        [Candidate("reverse mode", reverse), Candidate("forward mode", forward)], rounds=rounds
    )
    print(table(result))
    ratio = result.ratio("forward mode")  # forward's time over reverse's
    value = ratio if winner == "forward" else 1 / ratio  # the winner's time over the loser's
    loser = "reverse" if winner == "forward" else "forward"
    print(verdict(f"{title}: {winner} / {loser}", value, TARGETS["modes"]))
    return value


def bench_modes(rounds: int) -> tuple[float, float]:
    print(header("(i) modes: jacobian by forward and by reverse mode, interleaved"))
    many_inputs = _request("sum(sin(x))", [("x", "variable", np.linspace(0, 1, 100))])
    many_outputs = _request(
        "sin(x * c)", [("x", "variable", 1.0), ("c", "constant", np.linspace(0, 1, 100))]
    )
    print("  100 inputs, 1 output: sum(sin(x)), x of 100 elements")
    first = _modes(many_inputs, rounds, "100 inputs -> 1 output", "reverse")
    print("  1 input, 100 outputs: sin(x * c), x a scalar, c a constant of 100 elements")
    second = _modes(many_outputs, rounds, "1 input -> 100 outputs", "forward")
    return first, second


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("what", choices=["all", "jvp", "modes"])
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    parser.add_argument("--quick", action="store_true", help="5 rounds: a smoke run, not figures")
    parser.add_argument("--trimming-heap", action="store_true", help=TRIMMING_HELP)
    args = parser.parse_args(argv)
    print(keep_heap(args.trimming_heap))
    rounds = 5 if args.quick else args.rounds
    if args.what in ("jvp", "all"):
        bench_jvp(rounds)
        print()
    if args.what in ("modes", "all"):
        bench_modes(rounds)
        print()


if __name__ == "__main__":
    main()
