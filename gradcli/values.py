"""Declared input values: `--x 3`, `--w "[[1, 2], [3, 4]]"`, `--b "zeros(2)"`, `--d @train.csv`.

`read_value` turns such text into a float array. Text starting with `@` names a file; anything
else is parsed by `language.parse_expression` and evaluated by the small evaluator below. That
evaluator is deliberately not the program interpreter: a value can only be a number, a constant
(`pi`, `e`, `inf`, `nan`, also as `np.pi`, `math.pi`, ...), a rectangular nested list or tuple of
those, or one of `CONSTRUCTORS`, so a value never runs arbitrary computation, and every allocation
is checked against `Limits` before numpy makes it.

Files are untrusted. Formats, chosen by extension (any case):
  .npy   numeric (bool, int, float) arrays; header checked before any data is trusted; never pickle.
  .json  a number or a rectangular nested list of numbers (NaN/Infinity allowed, booleans not).
  .csv   comma-separated numbers; a first row that is not all numbers is a header and is skipped.
  .tsv   like .csv but whitespace-separated (tabs); `#` starts a comment.
  .txt, .dat  whitespace-separated numbers, one row per non-empty line, `#` starts a comment.
Shape of a table (.csv, .tsv, .txt, .dat) of n rows and k columns: (n, k), except that a single
row gives (k,) and a single column gives (n,) -- so a file holding one number gives (1,).
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import stat
from dataclasses import dataclass

import numpy as np

from .errors import FileInputError, GradcliError, LimitError, Span, ValueInputError, did_you_mean
from .language import parse_expression
from .limits import DEFAULT_LIMITS, Limits
from .syntax import Call, Expr, ListExpr, Name, Number, TupleExpr, Unary

__all__ = ["CONSTRUCTORS", "FILE_FORMATS", "NOT_A_VALUE", "read_value"]

NOT_A_VALUE = "a declared value is a number, a list, a constructor such as zeros(3), or @file"
CONSTRUCTORS = ("zeros", "ones", "full", "eye", "linspace", "arange", "normal", "uniform")
FILE_FORMATS = (".npy", ".csv", ".json", ".txt", ".tsv", ".dat")

_CONSTANTS = {
    prefix + name: value
    for name, value in (("pi", math.pi), ("e", math.e), ("inf", math.inf), ("nan", math.nan))
    for prefix in ("", "np.", "numpy.", "math.")
}

# Every accepted spelling -> the canonical constructor. np.random.normal is left out on purpose:
# its signature is normal(loc, scale, size), and reading it with ours would silently mislead.
_SPELLINGS = {p + n: n for n in CONSTRUCTORS[:6] for p in ("", "np.", "numpy.", "tf.")}
_SPELLINGS.update({p + n: n for n in ("normal", "uniform") for p in ("", "random.", "tf.random.")})

# canonical name -> (signature shown in errors, parameter names, how many are required)
_SIGNATURES = {
    "zeros": ("zeros(shape)", ("shape",), 1),
    "ones": ("ones(shape)", ("shape",), 1),
    "full": ("full(shape, value)", ("shape", "value"), 2),
    "eye": ("eye(n, m=n)", ("n", "m"), 1),
    "linspace": ("linspace(start, stop, num=50)", ("start", "stop", "num"), 2),
    "arange": ("arange([start,] stop[, step])", ("start", "stop", "step"), 0),
    "normal": ("normal(shape, mean=0, stddev=1)", ("shape", "mean", "stddev"), 1),
    "uniform": ("uniform(shape, minval=0, maxval=1)", ("shape", "minval", "maxval"), 1),
}

_MAX_DIMS = 32  # numpy 1.x refuses more; fail with our message rather than numpy's


def read_value(
    text: str,
    *,
    dtype=np.float64,
    rng: np.random.Generator | None = None,
    limits: Limits = DEFAULT_LIMITS,
    base_dir: str | None = None,
) -> np.ndarray:
    """The array a declared value's text stands for, as a new array of the floating `dtype`.

    `rng` feeds normal()/uniform(); when None, a fresh `default_rng(0)` is used, so pass one shared
    generator to make several random values differ. Relative `@paths` resolve against `base_dir`
    (default: the current directory). Raises only `GradcliError` subclasses for bad input.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"read_value makes floating-point arrays, not {dtype}")
    stripped = text.strip()
    if stripped.startswith("@"):
        array = _read_file(stripped[1:].strip(), limits, base_dir)
    else:
        array = _read_expression(text, rng, limits)
    with np.errstate(over="ignore"):  # float64 -> float32 may overflow to inf, as numpy does
        return np.array(array, dtype=dtype)


# --- the evaluator for value expressions -----------------------------------------------------


@dataclass
class _Context:
    source: str
    rng: np.random.Generator
    limits: Limits
    elements: int = 0  # list-literal elements seen so far

    def fail(self, message: str, span: Span) -> ValueInputError:
        return ValueInputError(message, span=span, source=self.source)


def _read_expression(text: str, rng, limits: Limits) -> np.ndarray:
    if not text.strip():
        raise ValueInputError(f"the value is empty: {NOT_A_VALUE}")
    try:
        expr = parse_expression(text, limits)
    except GradcliError as error:
        raise error.with_source(text) from None
    ctx = _Context(text, rng if rng is not None else np.random.default_rng(0), limits)
    with np.errstate(all="ignore"):  # inf/nan are legitimate values; no warnings for them
        return _evaluate(expr, ctx)


def _evaluate(expr: Expr, ctx: _Context) -> np.ndarray:
    if isinstance(expr, Call):
        return _construct(expr, ctx)
    if isinstance(expr, (ListExpr, TupleExpr)):
        shape, flat = _literal(expr, ctx, depth=1)
        return np.array(flat, dtype=np.float64).reshape(shape)
    return np.array(_scalar(expr, ctx), dtype=np.float64)


def _scalar(expr: Expr, ctx: _Context) -> float:
    """A number, a constant, or a sign before one of those."""
    if isinstance(expr, Number):
        return float(expr.value)
    if isinstance(expr, Unary) and expr.op in ("+", "-"):
        if isinstance(expr.operand, (ListExpr, TupleExpr, Call)):
            raise ctx.fail("a sign (+ or -) can only stand before a number", expr.span)
        value = _scalar(expr.operand, ctx)
        return -value if expr.op == "-" else value
    if isinstance(expr, Name):
        if expr.name in _CONSTANTS:
            return _CONSTANTS[expr.name]
        raise ctx.fail(NOT_A_VALUE + did_you_mean(expr.name, _CONSTANTS), expr.span)
    raise ctx.fail(NOT_A_VALUE, expr.span)


def _literal(expr: Expr, ctx: _Context, depth: int) -> tuple[tuple[int, ...], list[float]]:
    """Shape and row-major elements of a nested list literal whose rows all agree in shape."""
    if not isinstance(expr, (ListExpr, TupleExpr)):
        if isinstance(expr, Call):
            raise ctx.fail("a list holds numbers and lists; write a constructor alone", expr.span)
        ctx.elements += 1
        _check_elements(ctx.limits, ctx.elements, "the list", expr.span, ctx.source)
        return (), [_scalar(expr, ctx)]
    if depth > ctx.limits.max_depth:
        message = f"the list is nested more than {ctx.limits.max_depth} deep"
        raise LimitError(message, span=expr.span, source=ctx.source)
    first: tuple[int, ...] = ()
    flat: list[float] = []
    for i, item in enumerate(expr.items):
        shape, items = _literal(item, ctx, depth + 1)
        if i == 0:
            first = shape
        elif shape != first:
            raise ctx.fail(_ragged(f"row {i}", "row 0", shape, first), item.span)
        flat.extend(items)
    return (len(expr.items), *first), flat


def _ragged(label: str, first_label: str, shape: tuple[int, ...], first: tuple[int, ...]) -> str:
    if len(shape) == 1 and len(first) == 1:
        has = _plural(shape[0], "element")
        return f"ragged list: {label} has {has} but {first_label} has {first[0]}"
    return f"ragged list: {label} {_describe(shape)} but {first_label} {_describe(first)}"


def _describe(shape: tuple[int, ...]) -> str:
    if not shape:
        return "is a number"
    if len(shape) == 1:
        return f"has {_plural(shape[0], 'element')}"
    return f"has shape {shape}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _check_elements(limits: Limits, count, what: str, span: Span | None, source: str | None):
    """`limits.check_elements`, with the caret position attached to its error."""
    try:
        limits.check_elements(count, what)
    except LimitError as error:
        raise LimitError(error.message, span=span, source=source) from None


# --- constructors ----------------------------------------------------------------------------


@dataclass
class _Args:
    """A constructor call's arguments, bound by name, with helpers that evaluate them."""

    name: str
    call: Call
    given: dict[str, Expr]
    ctx: _Context

    def fail(self, message: str, span: Span | None = None) -> ValueInputError:
        signature = _SIGNATURES[self.name][0]
        return self.ctx.fail(f"{signature}: {message}", span or self.call.span)

    def scalar(self, param: str, default: float | None = None) -> float:
        node = self.given.get(param)
        if node is None:
            return default
        if isinstance(node, (ListExpr, TupleExpr, Call)):
            raise self.fail(f"{param} must be a number", node.span)
        return _scalar(node, self.ctx)

    def size(self, param: str, default: int | None = None) -> int:
        node = self.given.get(param)
        return default if node is None else self._size(node, param)

    def shape(self, param: str = "shape") -> tuple[int, ...]:
        node = self.given[param]
        items = node.items if isinstance(node, (ListExpr, TupleExpr)) else (node,)
        if len(items) > _MAX_DIMS:
            raise self.fail(f"a shape has at most {_MAX_DIMS} dimensions", node.span)
        return tuple(self._size(item, param) for item in items)

    def _size(self, node: Expr, param: str) -> int:
        if isinstance(node, (ListExpr, TupleExpr, Call)):
            tuple_too = " or a tuple of them" if param == "shape" else ""
            raise self.fail(f"{param} must be a whole number{tuple_too}", node.span)
        value = _scalar(node, self.ctx)
        if not (math.isfinite(value) and value == int(value)):
            raise self.fail(f"size {value!r} is not a whole number", node.span)
        if value < 0:
            raise self.fail(f"size {int(value)} is negative", node.span)
        return int(value)

    def check(self, count, shape: tuple[int, ...] = ()) -> None:
        """Refuse too many elements before numpy allocates them."""
        start, end = self.call.span.start, self.call.span.end
        text = self.ctx.source[start:end]
        what = text if 0 < len(text) <= 60 else f"{self.name}(...)"
        limits, span, source = self.ctx.limits, self.call.span, self.ctx.source
        _check_elements(limits, count, what, span, source)
        # A zero-size shape passes the count but numpy still chokes on an absurd other dimension.
        for size in shape:
            _check_elements(limits, size, f"a dimension of {what}", span, source)


def _construct(call: Call, ctx: _Context) -> np.ndarray:
    name = _SPELLINGS.get(call.func.name)
    if name is None:
        hint = did_you_mean(call.func.name.rsplit(".", 1)[-1], CONSTRUCTORS)
        raise ctx.fail(
            f"unknown constructor '{call.func.name}'{hint}; a value can be made with "
            + ", ".join(CONSTRUCTORS),
            call.func.span,
        )
    _, params, required = _SIGNATURES[name]
    args = _Args(name, call, {}, ctx)
    if len(call.args) > len(params):
        raise args.fail("too many arguments", call.args[len(params)].span)
    args.given.update(zip(params, call.args, strict=False))
    for keyword in call.keywords:
        if keyword.name not in params:
            raise args.fail(f"unexpected keyword argument '{keyword.name}'", keyword.span)
        if keyword.name in args.given:
            raise args.fail(f"got two values for '{keyword.name}'", keyword.span)
        args.given[keyword.name] = keyword.value
    for param in params[:required]:
        if param not in args.given:
            raise args.fail(f"missing argument '{param}'")
    return np.asarray(_BUILDERS[name](args), dtype=np.float64)


def _filled(value: float | None):
    def build(args: _Args) -> np.ndarray:
        shape = args.shape()
        fill = args.scalar("value") if value is None else value
        args.check(math.prod(shape), shape)
        return np.full(shape, fill, dtype=np.float64)

    return build


def _eye(args: _Args) -> np.ndarray:
    n = args.size("n")
    m = args.size("m", n)
    args.check(n * m, (n, m))
    return np.eye(n, m)


def _linspace(args: _Args) -> np.ndarray:
    start, stop = args.scalar("start"), args.scalar("stop")
    num = args.size("num", 50)
    args.check(num)
    return np.linspace(start, stop, num)


def _arange(args: _Args) -> np.ndarray:
    if "stop" in args.given:
        start, stop = args.scalar("start", 0.0), args.scalar("stop")
    elif "start" in args.given:  # arange(stop): the one argument is where the range ends
        start, stop = 0.0, args.scalar("start")
    else:
        raise args.fail("missing argument 'stop'")
    step = args.scalar("step", 1.0)
    if not all(map(math.isfinite, (start, stop, step))):
        raise args.fail("start, stop and step must be finite")
    if step == 0:
        raise args.fail("step must not be zero")
    steps = (stop - start) / step  # numpy's own length formula, evaluated before it allocates
    args.check(max(0, math.ceil(steps)) if math.isfinite(steps) else math.inf)
    return np.arange(start, stop, step, dtype=np.float64)


def _normal(args: _Args) -> np.ndarray:
    shape = args.shape()
    mean, stddev = args.scalar("mean", 0.0), args.scalar("stddev", 1.0)
    if not (math.isfinite(mean) and math.isfinite(stddev)):
        raise args.fail("mean and stddev must be finite")
    if stddev < 0:
        raise args.fail(f"stddev {stddev!r} is negative")
    args.check(math.prod(shape), shape)
    return args.ctx.rng.normal(mean, stddev, size=shape)


def _uniform(args: _Args) -> np.ndarray:
    shape = args.shape()
    low, high = args.scalar("minval", 0.0), args.scalar("maxval", 1.0)
    if not math.isfinite(high - low):  # numpy raises OverflowError beyond this
        raise args.fail("minval and maxval must be finite and not too far apart")
    if low > high:
        raise args.fail(f"minval {low!r} is greater than maxval {high!r}")
    args.check(math.prod(shape), shape)
    return args.ctx.rng.uniform(low, high, size=shape)


_BUILDERS = {
    "zeros": _filled(0.0),
    "ones": _filled(1.0),
    "full": _filled(None),
    "eye": _eye,
    "linspace": _linspace,
    "arange": _arange,
    "normal": _normal,
    "uniform": _uniform,
}


# --- files -----------------------------------------------------------------------------------

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # a scheme, as in http://, file:, data:
# What float() accepts, minus its extras (underscores, non-ASCII digits): numbers in data files
_NUMBER = re.compile(
    r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)\s*", re.I | re.A
)
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_file(path: str, limits: Limits, base_dir: str | None) -> np.ndarray:
    if not path:
        raise FileInputError("'@' must be followed by a file path, as in @data.csv")
    if _URL.match(path):
        raise FileInputError(f"not a file path: URLs are not read: {path}")
    # '~' is deliberately not expanded: the shell already did, if the user meant it.
    full = os.path.join(base_dir, path) if base_dir is not None else path  # join keeps absolute
    _check_regular(_stat(full, path), path, limits)
    reader = _READERS.get(os.path.splitext(path)[1].lower())
    if reader is None:
        raise FileInputError(
            f"{path}: unsupported file format; use one of " + ", ".join(FILE_FORMATS)
        )
    return reader(_read_bytes(full, path, limits), path, limits)


def _os_error(error: OSError, path: str) -> FileInputError:
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        return FileInputError(f"no such file: {path}")
    return FileInputError(f"cannot read {path}: {error.strerror or error}")


def _stat(full: str, path: str) -> os.stat_result:
    try:
        return os.stat(full)  # follows symlinks: a link to /dev/zero is judged as /dev/zero
    except OSError as error:
        raise _os_error(error, path) from None
    except ValueError:  # an embedded NUL, or text the file system cannot encode
        raise FileInputError(f"not a usable file path: {path!r}") from None


def _check_regular(info: os.stat_result, path: str, limits: Limits) -> None:
    """Devices, pipes and directories are refused from stat: opening one may block or never end."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "not a plain file")
        raise FileInputError(f"not a regular file: {path} ({kind})")
    if info.st_size > limits.max_file_bytes:
        raise LimitError(
            f"{path} is {info.st_size:,} bytes, more than the limit of "
            f"{limits.max_file_bytes:,} bytes"
        )


def _read_bytes(full: str, path: str, limits: Limits) -> bytes:
    # O_NONBLOCK: if the file was swapped for a FIFO since the stat, opening must still not block.
    flags = os.O_RDONLY
    for extra in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC"):
        flags |= getattr(os, extra, 0)
    chunks, remaining = [], limits.max_file_bytes + 1  # one byte more tells us it grew
    try:
        fd = os.open(full, flags)
        try:
            _check_regular(os.fstat(fd), path, limits)
            # Read in chunks: file.read(n) would allocate n bytes up front, whatever the size.
            while remaining > 0 and (chunk := os.read(fd, min(remaining, 1 << 20))):
                chunks.append(chunk)
                remaining -= len(chunk)
        finally:
            os.close(fd)
    except OSError as error:
        raise _os_error(error, path) from None
    if remaining <= 0:
        raise LimitError(f"{path} grew past the limit of {limits.max_file_bytes:,} bytes")
    return b"".join(chunks)


def _decode(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileInputError(
            f"{path}: not UTF-8: invalid byte 0x{data[error.start]:02x} "
            f"at byte offset {error.start}"
        ) from None
    return text.removeprefix("\ufeff")  # a byte-order mark, as spreadsheet programs write


def _read_npy(data: bytes, path: str, limits: Limits) -> np.ndarray:
    header = io.BytesIO(data)
    try:
        from numpy.lib import format as npy_format  # only when a .npy is read: start-up

        version = npy_format.read_magic(header)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(header)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(header)
        else:
            raise ValueError(f"format version {version[0]}.{version[1]} is not supported")
    except Exception as error:  # numpy reports malformed headers with assorted exception types
        raise FileInputError(f"{path}: not a readable .npy file: {error}") from None
    if dtype.hasobject:
        raise FileInputError(f"{path}: holds Python objects, which are never unpickled")
    if dtype.kind not in "biuf":
        raise FileInputError(f"{path}: dtype {dtype} is not supported; use integers or floats")
    if any(size < 0 for size in shape):
        raise FileInputError(f"{path}: the .npy header has a negative size in shape {shape}")
    count = math.prod(shape)
    expected, actual = count * dtype.itemsize, len(data) - header.tell()
    if expected != actual:  # a lying header must not make us allocate anything
        raise FileInputError(
            f"{path}: the .npy header promises shape {shape} of {dtype} ({expected:,} bytes) "
            f"but the file holds {actual:,} bytes of data"
        )
    _check_elements(limits, count, f"the array in {path}", None, None)
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=header.tell())
    return flat.reshape(shape, order="F" if fortran else "C")


def _read_json(data: bytes, path: str, limits: Limits) -> np.ndarray:
    text = _decode(data, path)
    depth = 0
    for token in _JSON_TOKENS.finditer(text):  # json.loads recurses: measure nesting first
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limits.max_json_depth:
                raise LimitError(f"{path}: JSON nested more than {limits.max_json_depth} deep")
        elif bracket in ("]", "}"):
            depth -= 1
    import json  # here: a number or a list on the command line needs no json (start-up time)

    try:
        value = json.loads(text, parse_int=float)  # no giant ints; 1e999 becomes inf
    except ValueError as error:
        raise FileInputError(f"{path}: not valid JSON: {error}") from None
    counter = [0]
    shape, flat = _json_nested(value, "", path, limits, counter)
    return np.array(flat, dtype=np.float64).reshape(shape)


def _json_nested(value, where: str, path: str, limits: Limits, counter: list[int]):
    if isinstance(value, float):
        counter[0] += 1
        _check_elements(limits, counter[0], f"the data in {path}", None, None)
        return (), [value]
    if not isinstance(value, list):
        kinds = {bool: "a boolean", str: "a string", dict: "an object", type(None): "null"}
        found = kinds.get(type(value), type(value).__name__)
        raise FileInputError(f"{path}: {where or 'the value'} is {found}, not a number or a list")
    first: tuple[int, ...] = ()
    flat: list[float] = []
    for i, item in enumerate(value):
        shape, items = _json_nested(item, f"{where}[{i}]", path, limits, counter)
        if i == 0:
            first = shape
        elif shape != first:
            message = _ragged(f"{where}[{i}]", f"{where}[0]", shape, first)
            raise FileInputError(f"{path}: {message}")
        flat.extend(items)
    return (len(value), *first), flat


def _read_table(data: bytes, path: str, limits: Limits, *, comma: bool, header: bool):
    text = _decode(data, path)
    rows = _csv_rows(text, path) if comma else _whitespace_rows(text)
    return _table(rows, path, limits, header=header)


def _csv_rows(text: str, path: str):
    """(line number, cells) of each non-blank CSV row; quoted cells are unquoted by `csv`."""
    import csv  # only when a .csv is read: start-up time

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as error:
        raise FileInputError(f"{path}: line {reader.line_num}: {error}") from None


def _whitespace_rows(text: str):
    for number, line in enumerate(text.split("\n"), 1):
        cells = line.split("#", 1)[0].split()
        if cells:
            yield number, cells


def _table(rows, path: str, limits: Limits, *, header: bool) -> np.ndarray:
    """Rows of number cells, all of one width, as an array of the documented shape."""
    values: list[float] = []
    width = first_line = None
    count = 0
    for line, cells in rows:
        if header and width is None and not all(_NUMBER.fullmatch(c) for c in cells):
            header = False  # a first row that is not all numbers is a header: skip it
            continue
        header = False
        if width is None:
            width, first_line = len(cells), line
        elif len(cells) != width:
            raise FileInputError(
                f"{path}: line {line} has {_plural(len(cells), 'column')} "
                f"but line {first_line} has {width}"
            )
        for column, cell in enumerate(cells, 1):
            if not _NUMBER.fullmatch(cell):
                shown = cell.strip() if len(cell) <= 30 else cell.strip()[:27] + "..."
                where = f"line {line}, column {column}"
                raise FileInputError(f"{path}: {where}: {shown!r} is not a number")
            values.append(float(cell))
        count += 1
        _check_elements(limits, len(values), f"the data in {path}", None, None)
    if width is None:
        raise FileInputError(f"{path}: holds no numbers")
    array = np.array(values, dtype=np.float64)
    return array if count == 1 or width == 1 else array.reshape(count, width)


_READERS = {
    ".npy": _read_npy,
    ".json": _read_json,
    ".csv": functools.partial(_read_table, comma=True, header=True),
    ".tsv": functools.partial(_read_table, comma=False, header=True),
    ".txt": functools.partial(_read_table, comma=False, header=False),
    ".dat": functools.partial(_read_table, comma=False, header=False),
}
