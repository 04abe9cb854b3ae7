"""A/B two versions of the engine in one process, interleaved: is an engine edit worth keeping?

    cp -r gradcli /tmp/gradcli_before      # before the edit: a copy of the package directory
    ... edit gradcli/ ...
    python benchmarks/ab_engine.py /tmp/gradcli_before [mlp chain elementwise] [--rounds N]

The copy is imported under another name (`gradcli_before`), so both versions live side by side and
the benchmarks of bench_engine.py run on each, round by round; a ratio below 1 means the working
tree is faster. Timing the two versions in separate processes would compare two different noise
levels (and, for large arrays, two different heap layouts), which on this machine can be larger
than the change being measured.
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


def load_copy(directory: Path, name: str = "gradcli_before"):
    """Import the package in `directory` as `name` (its relative imports resolve inside it)."""
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("before", type=Path, help="a copy of the gradcli package directory")
    parser.add_argument("which", nargs="*", default=["mlp", "chain", "elementwise"])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--cpu", action="store_true", help="time CPU (process_time), not wall: for a busy machine"
    )
    args = parser.parse_args(argv)
    before = load_copy(args.before.resolve())
    setups = {
        "mlp": lambda m: mlp_setup(gcli=m)[0],
        "chain": lambda m: chain_setup(gcli=m)[1].fn,
        "elementwise": lambda m: elementwise_setup(gcli=m)[0],
    }
    for name in args.which:
        print(header(f"A/B {name}: {args.before} (before) vs the working tree (after)"))
        result = compare(
            [Candidate("before", setups[name](before)), Candidate("after", setups[name](gradcli))],
            rounds=args.rounds,
            clock=time.process_time if args.cpu else time.perf_counter,
        )
        print(table(result, per=("op", CHAIN_OPS) if name == "chain" else None))
        print(f"  after/before: {result.ratio('after'):.3f}x")


if __name__ == "__main__":
    main()
