"""`@FILE` values: arrays read from files, which are untrusted.

Formats, chosen by extension (any case):
  .npy   numeric (bool, int, float) arrays; header checked before any data is trusted; never pickle.
  .json  a number or a rectangular nested list of numbers (NaN/Infinity allowed, booleans not).
  .csv   comma-separated numbers; a first row that is not all numbers is a header and is skipped.
  .tsv   like .csv but whitespace-separated (tabs); `#` starts a comment.
  .txt, .dat  whitespace-separated numbers, one row per non-empty line, `#` starts a comment.
Shape of a table (.csv, .tsv, .txt, .dat) of n rows and k columns: (n, k), except that a single
row gives (k,) and a single column gives (n,) -- so a file holding one number gives (1,).

Only regular files, within `Limits.max_file_bytes`; every array's element count is checked
against `Limits.max_elements` before numpy makes it; JSON nesting against `max_json_depth`.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import stat

import numpy as np

from gradcli.errors import FileInputError, LimitError, plural, ragged_message

from .limits import MAX_DIMENSIONS, Limits

__all__ = ["FILE_FORMATS", "read_file"]

FILE_FORMATS = (".npy", ".csv", ".json", ".txt", ".tsv", ".dat")


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


def read_file(path: str, limits: Limits, base_dir: str | None) -> np.ndarray:
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
    if len(shape) > MAX_DIMENSIONS:
        raise FileInputError(
            f"{path}: the .npy header has {len(shape)} dimensions; "
            f"a value has at most {MAX_DIMENSIONS}"
        )
    if any(size < 0 for size in shape):
        raise FileInputError(f"{path}: the .npy header has a negative size in shape {shape}")
    count = math.prod(shape)
    expected, actual = count * dtype.itemsize, len(data) - header.tell()
    if expected != actual:  # a lying header must not make us allocate anything
        raise FileInputError(
            f"{path}: the .npy header promises shape {shape} of {dtype} ({expected:,} bytes) "
            f"but the file holds {actual:,} bytes of data"
        )
    limits.check_elements(count, f"the array in {path}")
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
    if len(shape) > MAX_DIMENSIONS:  # max_json_depth may allow more than numpy does
        raise FileInputError(
            f"{path}: the lists are nested {len(shape)} deep; a value has at most "
            f"{MAX_DIMENSIONS} dimensions"
        )
    return np.array(flat, dtype=np.float64).reshape(shape)


def _json_nested(value, where: str, path: str, limits: Limits, counter: list[int]):
    if isinstance(value, float):
        counter[0] += 1
        limits.check_elements(counter[0], f"the data in {path}")
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
            message = ragged_message(f"{where}[{i}]", f"{where}[0]", shape, first)
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
                f"{path}: line {line} has {plural(len(cells), 'column')} "
                f"but line {first_line} has {width}"
            )
        for column, cell in enumerate(cells, 1):
            if not _NUMBER.fullmatch(cell):
                shown = cell.strip() if len(cell) <= 30 else cell.strip()[:27] + "..."
                where = f"line {line}, column {column}"
                raise FileInputError(f"{path}: {where}: {shown!r} is not a number")
            values.append(float(cell))
        count += 1
        limits.check_elements(len(values), f"the data in {path}")
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
