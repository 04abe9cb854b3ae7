#!/usr/bin/env python3
"""Golden run of the gradcli CLI: record every command's stdout, stderr and exit code for one
source tree, and compare two recordings. Standard library only.

    python golden.py data                                  # (re)write the input files in data/
    python golden.py record --tree DIR --out FILE.json     # run commands.txt against DIR
    python golden.py record --tree DIR --out F.json --commands commands_nondeterministic.txt \
        --exit-only                                        # record exit codes only
    python golden.py compare A.json B.json                 # exit 1 on any difference

commands.txt: one command per line, the shell words after `gradcli` (parsed with shlex.split);
blank lines and lines starting with '#' are skipped. Each runs as
`python -m gradcli WORDS...` with PYTHONPATH=DIR, COLUMNS=100, LINES=40, TERM=dumb, NO_COLOR unset,
cwd=data/, stdin=/dev/null, a 60 s timeout; 2 commands at a time. Any occurrence of DIR in the
output is replaced with <TREE>.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import json
import os
import shlex
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
TIMEOUT = 60
WORKERS = 2


# ---------------------------------------------------------------- data files


def _npy(shape, values, descr="<f8", fmt="d", header_shape=None):
    """A version-1.0 .npy file (what numpy.save writes), by hand."""
    shape_text = repr(tuple(shape if header_shape is None else header_shape))
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)  # noqa: UP031
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    body = b"".join(struct.pack("<" + fmt, v) for v in values)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + body


def make_data() -> None:
    os.makedirs(DATA, exist_ok=True)
    text_files = {
        "vec.csv": "x\n1\n2\n3\n",
        "row.csv": "1,2,3\n",
        "mat.csv": "1,2\n3,4\n5,6\n",
        "header.csv": "a,b\n0.5,1.5\n-1,2\n",
        "ragged.csv": "1,2\n3\n",
        "words.csv": "a,b\nfoo,bar\n",
        "empty.csv": "",
        "vec.json": "[1.0, 2.0, 3.0]",
        "mat.json": "[[1, 2], [3, 4]]",
        "scalar.json": "2.5",
        "nan.json": "[NaN, Infinity, 1]",
        "bool.json": "[true, false]",
        "ragged.json": "[[1, 2], [3]]",
        "object.json": '{"a": 1}',
        "string.json": '["a", "b"]',
        "broken.json": "[1, 2",
        "deep.json": "[" * 80 + "1" + "]" * 80,
        "vec.txt": "1 2 3\n4 5 6\n# a comment\n",
        "one.txt": "7\n",
        "tabs.tsv": "1\t2\n3\t4\n",
        "vals.dat": "0.1 0.2\n0.3 0.4\n",
        "data.xyz": "1 2 3\n",
        "noext": "1 2 3\n",
        "prog.grad": "# a program from a file\ny = x*x  # square\nz = sin(y)\nz * 2\n",
        "mlp.grad": (
            "# A two-layer perceptron and its mean squared error.\n"
            "h = dense(x, 4, activation=tanh)\n"
            "y = dense(h, 2)\n"
            "loss = mean(y**2)\n"
        ),
        "bad.grad": "y = x*x\nz = y +* 2\n",
        "empty.grad": "",
        "comments.grad": "# only a comment\n",
        "long.grad": "y = " + " + ".join(["x"] * 34000) + "\n",  # > 100,000 characters
    }
    for name, text in text_files.items():
        with open(os.path.join(DATA, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    binary_files = {
        "latin1.txt": "1 2 \xe9\n".encode("latin1"),
        "latin1.grad": "x * 2 # caf\xe9\n".encode("latin1"),
        "bom.csv": b"\xef\xbb\xbf1,2\n3,4\n",
        "vec.npy": _npy((3,), [1.0, 2.0, 3.0]),
        "mat.npy": _npy((2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        "scalar.npy": _npy((), [4.0]),
        "int.npy": _npy((3,), [1, 2, 3], descr="<i8", fmt="q"),
        "f4.npy": _npy((2,), [0.5, 1.5], descr="<f4", fmt="f"),
        "truncated.npy": _npy((3,), [1.0, 2.0, 3.0])[:-8],
        "hugeshape.npy": _npy((3,), [1.0, 2.0, 3.0], header_shape=(100000, 100000)),
        "object.npy": _npy((1,), [], descr="|O", fmt="d", header_shape=(1,)) + b"\x80\x04N.",
        "notnpy.npy": b"this is not a numpy file\n",
        "complex.npy": _npy((1,), [1.0, 2.0], descr="<c16", fmt="d", header_shape=(1,)),
    }
    for name, data in binary_files.items():
        with open(os.path.join(DATA, name), "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(DATA, "adir.csv"), exist_ok=True)
    link = os.path.join(DATA, "zero.npy")
    if not os.path.lexists(link):
        os.symlink("/dev/zero", link)


# ---------------------------------------------------------------- recording


def read_commands(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def run_one(line: str, tree: str, exit_only: bool) -> dict:
    words = shlex.split(line)
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(PYTHONPATH=tree, COLUMNS="100", LINES="40", TERM="dumb")
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gradcli", *words],
            cwd=DATA,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
        )
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, out, err = "timeout", expired.stdout or b"", expired.stderr or b""
    seconds = time.monotonic() - started
    out = out.decode("utf-8", "backslashreplace")
    err = err.decode("utf-8", "backslashreplace")
    for path in sorted({tree, os.path.abspath(tree), os.path.realpath(tree)}, key=len)[::-1]:
        out, err = out.replace(path, "<TREE>"), err.replace(path, "<TREE>")
    record = {"command": line, "exit": code}
    if not exit_only:
        record.update(stdout=out, stderr=err)
    record["seconds"] = round(seconds, 3)  # informational, never compared
    return record


def record(args) -> int:
    tree = os.path.abspath(args.tree)  # the commands run in data/: PYTHONPATH must be absolute
    if not os.path.isfile(os.path.join(tree, "gradcli", "__main__.py")):
        print(f"{tree}: no gradcli/__main__.py there", file=sys.stderr)
        return 2
    if not os.path.isdir(DATA):
        make_data()
    commands = read_commands(args.commands)
    started = time.monotonic()
    results: list[dict | None] = [None] * len(commands)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        futures = {
            pool.submit(run_one, line, tree, args.exit_only): i for i, line in enumerate(commands)
        }
        for n, future in enumerate(concurrent.futures.as_completed(futures), 1):
            results[futures[future]] = future.result()
            if args.progress:
                print(f"\r{n}/{len(commands)}", end="", file=sys.stderr, flush=True)
    if args.progress:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    doc = {
        "tree": tree,
        "commands_file": os.path.abspath(args.commands),
        "exit_only": args.exit_only,
        "python": sys.version.split()[0],
        "seconds": round(elapsed, 1),
        "results": results,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    codes: dict = {}
    for r in results:
        codes[r["exit"]] = codes.get(r["exit"], 0) + 1
    summary = ", ".join(f"exit {k}: {v}" for k, v in sorted(codes.items(), key=str))
    print(f"recorded {len(results)} commands in {elapsed:.1f} s ({summary}) -> {args.out}")
    return 0


# ---------------------------------------------------------------- comparing


def compare(args) -> int:
    with open(args.a, encoding="utf-8") as f:
        a = json.load(f)
    with open(args.b, encoding="utf-8") as f:
        b = json.load(f)

    # Results are matched by position and command (the same line twice is matched in order).
    def keyed(doc):
        seen: dict = {}
        out = {}
        for r in doc["results"]:
            n = seen[r["command"]] = seen.get(r["command"], 0) + 1
            out[(r["command"], n)] = r
        return out

    ka, kb = keyed(a), keyed(b)
    differing = 0
    for key in list(ka) + [k for k in kb if k not in ka]:
        ra, rb = ka.get(key), kb.get(key)
        if ra is None or rb is None:
            differing += 1
            where = args.a if ra is None else args.b
            print(
                f"=== {key[0]}\n  only in {args.b if ra is None else args.a} (missing in {where})"
            )
            continue
        lines = []
        if ra["exit"] != rb["exit"]:
            lines.append(f"  exit code: {ra['exit']} != {rb['exit']}")
        for stream in ("stdout", "stderr"):
            if stream not in ra or stream not in rb:
                continue
            if ra[stream] != rb[stream]:
                diff = difflib.unified_diff(
                    ra[stream].splitlines(keepends=True),
                    rb[stream].splitlines(keepends=True),
                    fromfile=f"{args.a}:{stream}",
                    tofile=f"{args.b}:{stream}",
                )
                text = "".join(d if d.endswith("\n") else d + "\\ no newline\n" for d in diff)
                if not text:  # differs only in a way splitlines hides
                    text = f"  {stream}: {ra[stream]!r} != {rb[stream]!r}\n"
                lines.append(f"  {stream} differs:\n{text.rstrip()}")
        if lines:
            differing += 1
            print(f"=== {key[0]}")
            print("\n".join(lines))
    print(f"{differing} of {len(ka)} commands differ")
    return 1 if differing else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("data", help="write the input files into data/")
    rec = sub.add_parser("record", help="run every command against a tree")
    rec.add_argument("--tree", required=True, help="the directory holding gradcli/")
    rec.add_argument("--out", required=True)
    rec.add_argument("--commands", default=os.path.join(HERE, "commands.txt"))
    rec.add_argument("--exit-only", action="store_true", help="record exit codes only")
    rec.add_argument("--workers", type=int, default=WORKERS)
    rec.add_argument("--progress", action="store_true")
    cmp_ = sub.add_parser("compare", help="compare two recordings")
    cmp_.add_argument("a")
    cmp_.add_argument("b")
    args = parser.parse_args(argv)
    if args.cmd == "data":
        make_data()
        return 0
    if args.cmd == "record":
        return record(args)
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
