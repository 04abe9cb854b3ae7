"""A/B versions of the engine in one process, interleaved: is an engine edit worth keeping?

    cp -r gradcli /tmp/gradcli_before      # before the edit: a copy of the package directory
    ... edit gradcli/ ...
    python benchmarks/ab_engine.py /tmp/gradcli_before [--only mlp chain] [--rounds N] [--cpu]
    python benchmarks/ab_engine.py /tmp/v0 /tmp/v1 /tmp/v2    # a series of copies, step by step

Each copy is imported under a name of its own (`gradcli_v0`, ...), so all versions, and the
working tree's `gradcli` last, live side by side, and the benchmarks of bench_engine.py run on each
round by round. Ratios are against the first copy (below 1: faster), and `step` is each version
against the one before it. Timing versions in separate processes would compare different noise
levels (and, for large arrays, different heap layouts), which here can exceed the change itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Candidate, compare, header, table  # noqa: E402
from bench_engine import CHAIN_OPS, chain_setup, elementwise_setup, mlp_setup  # noqa: E402

import gradcli  # noqa: E402

SETUPS = {
    "mlp": lambda m: mlp_setup(gcli=m)[0],
    "chain": lambda m: chain_setup(gcli=m)[1].fn,
    "elementwise": lambda m: elementwise_setup(gcli=m)[0],
}


def load_copy(directory: Path, name: str):
    """Import the package in `directory` as `name` (its relative imports resolve inside it)."""
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("copies", type=Path, nargs="+", help="copies of the gradcli package dir")
    parser.add_argument("--only", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--cpu", action="store_true", help="time CPU (process_time), not wall: for a busy machine"
    )
    args = parser.parse_args(argv)
    versions = {
        f"{path.name} ({i})": load_copy(path.resolve(), f"gradcli_v{i}")
        for i, path in enumerate(args.copies)
    }
    versions["working tree"] = gradcli
    names = list(versions)
    for which in args.only:
        print(header(f"A/B {which}: {len(names)} versions, interleaved"))
        result = compare(
            [Candidate(name, SETUPS[which](module)) for name, module in versions.items()],
            rounds=args.rounds,
            clock=time.process_time if args.cpu else time.perf_counter,
        )
        print(table(result, per=("op", CHAIN_OPS) if which == "chain" else None))
        for before, after in zip(names, names[1:]):
            print(f"  step {before} -> {after}: {result.ratio(after, before):.3f}x")


if __name__ == "__main__":
    main()
