"""Whole-process start-up: how long until a fresh `python ...` or `gradcli ...` has finished.

    python benchmarks/bench_startup.py              # 15 interleaved rounds (at least 11)
    python benchmarks/bench_startup.py --rounds 31  # steadier figures

Each round runs every command once, in turn (the order alternating round by round), so a slow
spell on this shared 2-core machine hits all of them alike; the figure is the median over rounds
of each command's time divided by `python -c "import numpy"` in the same round. Commands are run
with this script's interpreter (use the project's venv). A gradcli command that fails is skipped
with a note (the CLI is still being written); run the script again once it works.

Targets (ratios of medians of per-round ratios):
  gradcli grad "x**2" --x 3 --plain --no-check   <= 1.25x  import numpy
  gradcli grad "x**2" --x 3 --plain              <= 1.25x  import numpy
  gradcli grad "x**2" --x 3 --no-check (table)   <= 1.5x   import numpy
  gradcli grad "x**2" --x 3 (the default: table and check)  <= 2.0x  import numpy
  gradcli diff "x**2*sin(x)"                     <= 2.0x   import numpy
  gradcli check "x**2" --expect "2*x"            <= 2.0x   import numpy
  gradcli functions                              <= 2.0x   import numpy

diff's answer is sympy's (its 2-D pretty form, LaTeX, simplify), which symengine cannot print, so
its floor is `import numpy, click, rich.table, sympy` (about 3x `import numpy`): printed beside its
verdict, which stays FAIL while that holds (the README's "Why diff imports sympy").

The long-program row (`--long`, also run by default): a 2,000-statement program file
(`y1 = sin(x)*1.0001 + x*x*0.001; y2 = sin(y1)*1.0001 + y1*y1*0.001; ...`, 5 operations each)
through `gradcli grad @file --plain --no-check`, less the start-up of the same command on `x**2`,
per operation, against the engine's own per-operation cost of the same chain (forward and
backward through `gradcli`'s Python API, timed in this process), in CPU time: target <= 3x.
Measured 2026-11-26 on a busy machine: 2.81-3.06x over four runs, at the bound (was 5.2-5.7x);
what made it, and what is left, in benchmarks/README.md ("The long program").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Candidate, compare, format_seconds, header, table, verdict  # noqa: E402

PY = sys.executable
NUMPY = "import numpy"
HEAVY = "import numpy, click, rich.table, sympy"
HEAVY_PAUSED = "the same, with the collector paused"

PYTHON_COMMANDS = {
    NUMPY: [PY, "-c", "import numpy"],
    "python -c pass": [PY, "-c", "pass"],
    "import numpy, click, rich.table": [PY, "-c", "import numpy, click, rich.table"],
    HEAVY: [PY, "-c", "import numpy, click, rich.table, sympy"],
    "import gradcli": [PY, "-c", "import gradcli"],
    # context for the checked command, which imports sympy this way (gradcli/imports.py)
    HEAVY_PAUSED: [PY, "-c", "import gc; gc.disable(); import numpy, click, rich.table, sympy"],
}

GRAD = ["grad", "x**2", "--x", "3"]
# (label, arguments, target ratio, what the ratio is taken against)
GRADCLI_COMMANDS = [
    ("grad --plain --no-check", [*GRAD, "--plain", "--no-check"], 1.25, NUMPY),
    ("grad --plain", [*GRAD, "--plain"], 1.25, NUMPY),
    ("grad --no-check (table)", [*GRAD, "--no-check"], 1.5, NUMPY),
    ("grad (default: table, check)", GRAD, 2.0, NUMPY),
    ('diff "x**2*sin(x)"', ["diff", "x**2*sin(x)"], 2.0, NUMPY),
    ('check "x**2" --expect "2*x"', ["check", "x**2", "--expect", "2*x"], 2.0, NUMPY),
    ("functions", ["functions"], 2.0, NUMPY),
]
LONG_STATEMENTS = 2000


def gradcli_executable() -> list[str] | None:
    """The `gradcli` script: on PATH, else beside this interpreter (a venv not activated)."""
    found = shutil.which("gradcli")
    if found:
        return [found]
    beside = Path(PY).parent / "gradcli"
    return [str(beside)] if beside.exists() else None


def child_environment(bytecode_cache: bool) -> dict:
    """This environment, less PYTHONDONTWRITEBYTECODE unless asked to keep it.

    With it set (as it is in some sandboxes), nothing writes `__pycache__`, and every start
    compiles gradcli's modules from source again: some 20 ms that an installed gradcli never pays.
    """
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


ENV: dict = {}


def runner(argv: list[str]):
    def run() -> None:
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV
        )

    return run


def works(argv: list[str]) -> tuple[bool, str]:
    """Run once (this also writes any missing .pyc files, so no round pays for compiling)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=ENV)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["(no output)"]
        return False, f"exit {done.returncode}: {last[0][:160]}"
    return True, ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (at least 11)")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (every start compiles gradcli from source)",
    )
    parser.add_argument("--no-long", action="store_true", help="skip the long-program row")
    args = parser.parse_args(argv)
    rounds = max(11, args.rounds)
    ENV.update(child_environment(bytecode_cache=not args.no_bytecode_cache))
    print(header(f"start-up, whole process, {rounds} interleaved rounds"))
    cache = "off (PYTHONDONTWRITEBYTECODE)" if "PYTHONDONTWRITEBYTECODE" in ENV else "on"
    print(f"  interpreter: {PY}; bytecode cache: {cache}")

    commands = dict(PYTHON_COMMANDS)
    targets = []
    exe = gradcli_executable()
    if exe is None:
        print("  note: no gradcli script on PATH or beside the interpreter: gradcli rows skipped")
    else:
        for label, arguments, target, against in GRADCLI_COMMANDS:
            argv_ = exe + arguments
            ok, why = works(argv_)
            if ok:
                commands[label] = argv_
                targets.append((label, target, against))
            else:
                print(f"  note: skipped `gradcli {label}`: {why}")
    for argv_ in PYTHON_COMMANDS.values():
        works(argv_)

    result = compare(
        [Candidate(label, runner(argv_), number=1) for label, argv_ in commands.items()],
        rounds=rounds,
        warmup=1,
        collect=False,
    )
    print(table(result))
    print(f"  ratios against `{HEAVY}`:")
    for label in commands:
        if label not in (NUMPY, HEAVY):
            print(f"    {label:<40} {result.ratio(label, HEAVY):.3f}x")
    numpy_time = format_seconds(result.median(NUMPY))
    print(f"  (`{NUMPY}` median: {numpy_time})")
    for label, target, against in targets:
        ratio = result.ratio(label, against)
        print(verdict(f"startup {label} vs `{against}`", ratio, target))
    if any(label.startswith("diff") for label, _, _ in targets):
        floor = result.ratio(HEAVY, NUMPY)
        print(f"  diff's floor, `{HEAVY}`: {floor:.3f}x `{NUMPY}`")
    if not targets:
        print("VERDICT startup: no gradcli command ran: nothing to judge")
    if exe is not None and not args.no_long:
        long_program(exe, rounds)


def long_program(exe: list[str], rounds: int) -> None:
    """Per operation: `gradcli grad @file --plain --no-check` on the 2,000-statement chain, less
    the same command's start-up on `x**2`, against the engine's own per-operation cost (the
    same chain through gradcli's Python API in this process). CPU time (user + system, the
    children's from `resource`), not wall time: on a shared machine a long run is preempted
    often, and CPU time counts only the work; each round measures all three, in turn, and the
    figure is the median over rounds of the per-round ratio."""
    import resource
    import statistics
    import tempfile
    import time

    import gradcli as gcli

    def child_cpu(argv: list[str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        runner(argv)()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def engine_cpu() -> float:
        start = time.process_time()
        y0 = gcli.Variable(0.5)
        with gcli.GradientTape() as tape:
            y = y0
            for _ in range(LONG_STATEMENTS):
                y = gcli.sin(y) * 1.0001 + y * y * 0.001
        tape.gradient(y, y0)
        return time.process_time() - start

    print(header(f"long program: {LONG_STATEMENTS:,} statements, {rounds} rounds, CPU time"))
    lines = ["y1 = sin(x)*1.0001 + x*x*0.001"]
    for i in range(2, LONG_STATEMENTS + 1):
        lines.append(f"y{i} = sin(y{i - 1})*1.0001 + y{i - 1}*y{i - 1}*0.001")
    ops = LONG_STATEMENTS * 5  # the engine's ops per statement: sin, *, *, *, +
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.gc"
        path.write_text("\n".join(lines) + "\n")
        long_argv = exe + ["grad", f"@{path}", "--x", "0.5", "--plain", "--no-check"]
        short_argv = exe + [*GRAD, "--plain", "--no-check"]
        ok, why = works(long_argv)
        if not ok:
            print(f"  note: skipped the long program: {why}")
            return
        engine_cpu()  # warm
        commands, engines, ratios = [], [], []
        for _ in range(rounds):
            engine = engine_cpu()
            command = child_cpu(long_argv) - child_cpu(short_argv)
            commands.append(command / ops)
            engines.append(engine / ops)
            ratios.append(command / engine)
    command_us = statistics.median(commands) * 1e6
    engine_us = statistics.median(engines) * 1e6
    print(f"  per operation: command {command_us:.1f} us, engine {engine_us:.1f} us (medians)")
    ratio = statistics.median(ratios)
    print(verdict("long program per operation vs the engine's", ratio, 3.0))


if __name__ == "__main__":
    main()
