"""`gradcli plot`'s drawings: f above f', in the terminal or as a PNG/SVG, extrema marked.

What is drawn is given: the values of f and f' (`program.curve`), the extrema, the range. The
terminal plot is plain characters (no rich: it costs start-up, and plain text is easy to paste
and to test); the image needs matplotlib, an optional extra, imported only for `-o`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gradcli.errors import FileInputError, UsageError

from .numbers import short

IMAGE_FORMATS = (".png", ".svg")
DPI = 100


def extrema_lines(found: list, variable: str) -> list[str]:
    """The extrema, one line each, under a heading (or the line that says there are none)."""
    if not found:
        return ["no extrema in the range (f' does not change sign)"]
    lines = ["extrema (zeros of f'):"]
    for kind, x, fx in found:
        lines.append(f"  {kind}  {variable} = {short(x, 6)}  f = {short(fx, 6)}")
    return lines


def y_range(values: np.ndarray) -> tuple[float, float] | None:
    """The interval to show: all finite values, unless a few spikes (a pole) would flatten the
    rest; then the 2nd to 98th percentile, padded."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    if finite.size >= 20:
        p_lo, p_hi = (float(v) for v in np.percentile(finite, [2, 98]))
        if p_hi > p_lo and hi - lo > 20 * (p_hi - p_lo):
            pad = 0.1 * (p_hi - p_lo)
            lo, hi = max(lo, p_lo - pad), min(hi, p_hi + pad)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def title(label: str, variable: str, fixed: dict) -> str:
    """`f(x) = EXPR`, and the other inputs' values."""
    given = ", ".join(f"{name} = {short(v, 6)}" for name, v in fixed.items())
    return f"f({variable}) = {label}" + (f"   ({given})" if given else "")


# ---------------------------------------------------------------- the terminal


def plot_columns(ranges: tuple, width: int) -> int:
    """The columns of a terminal plot `width` characters wide: what the y labels leave."""
    return max(10, width - _label_width(ranges) - 2)


def _label_width(ranges: tuple) -> int:
    labels = [_tick(v) for r in ranges if r is not None for v in (*r, 0.0)]
    return max(len(t) for t in labels) if labels else 1


def _tick(value: float) -> str:
    return short(value, 4)


def text_plot(
    lo: float,
    hi: float,
    values: tuple[np.ndarray, np.ndarray],
    found: list,
    ranges: tuple,
    label: str,
    variable: str,
    fixed: dict,
    height: int,
) -> str:
    """f above f', one column per value of `values` (f and f' at `plot_columns` points from lo
    to hi), `height` rows each, within `ranges` (`y_range` of each); extrema as 'o'."""
    f, df = values
    pad = _label_width(ranges)
    columns = len(f)

    def column(x: float) -> int:
        return int(round(_fraction(x, lo, hi) * (columns - 1)))

    marks_f = [(column(x), fx) for _, x, fx in found]
    marks_df = [(column(x), 0.0) for _, x, _ in found]
    lines = [title(label, variable, fixed)]
    lines += _panel([(f, "*")], ranges[0], marks_f, pad, columns, height)
    lines.append(f"f'({variable})")
    lines += _panel([(df, "*")], ranges[1], marks_df, pad, columns, height)
    lines.append(" " * pad + " +" + "-" * columns)
    lines.append(" " * (pad + 2) + _x_ticks(lo, hi, columns))
    lines += extrema_lines(found, variable)
    return "\n".join(line.rstrip() for line in lines)


def _fraction(value, lo: float, hi: float):
    """Where `value` lies between lo and hi, as 0..1 (0 when the range is one float wide, as
    1e308 +- 5 is); computed on halves because hi - lo overflows to inf on -1e308:1e308."""
    span = hi / 2 - lo / 2
    if not 0 < span < np.inf:
        return value * 0.0
    return (value / 2 - lo / 2) / span


def overlay_plot(
    lo: float,
    hi: float,
    series: list[tuple[str, np.ndarray, str]],
    marks: list[tuple[float, float]],
    heading: str,
    height: int,
) -> str:
    """Curves in one panel: `series` are (legend, values at `plot_columns` points from lo to hi,
    the character drawn), the first on top and setting the y range; `marks` (x, y) as 'o'."""
    ranges = (y_range(series[0][1]),)
    pad = _label_width(ranges)
    columns = len(series[0][1])
    drawn = [(values, char) for _, values, char in reversed(series)]
    at = [(int(round(_fraction(x, lo, hi) * (columns - 1))), y) for x, y in marks]
    lines = [heading]
    lines += _panel(drawn, ranges[0], at, pad, columns, height)
    lines.append(" " * pad + " +" + "-" * columns)
    lines.append(" " * (pad + 2) + _x_ticks(lo, hi, columns))
    lines.append("   ".join(f"{char} {legend}" for legend, _, char in series))
    return "\n".join(line.rstrip() for line in lines)


def _panel(series, bounds, marks, pad: int, columns: int, height: int) -> list[str]:
    """`series`: (values, character) drawn in order (the last on top)."""
    if bounds is None:
        return [" " * pad + " |  (no finite values)"]
    bottom, top = bounds
    grid = [[" "] * columns for _ in range(height)]

    def row(y: float) -> int:
        return int(round(_fraction(-y, -top, -bottom) * (height - 1)))

    def inside(y: float) -> bool:
        return math.isfinite(y) and bottom <= y <= top

    zero = row(0.0) if bottom <= 0.0 <= top else None
    if zero is not None:
        grid[zero] = ["-"] * columns
    for ys, char in series:
        previous = None
        for j, y in enumerate(ys):
            if not inside(float(y)):
                previous = None
                continue
            r = row(float(y))
            if previous is not None and abs(r - previous) > 1:  # a steep part: fill the gap
                step = 1 if r > previous else -1
                gap = list(range(previous + step, r, step))
                half = len(gap) // 2
                for k, rr in enumerate(gap):
                    grid[rr][j - 1 if k < half else j] = char
            grid[r][j] = char
            previous = r
    for j, y in marks:
        if 0 <= j < columns and inside(y):
            grid[row(y)][j] = "o"
    labels = {0: _tick(top), height - 1: _tick(bottom)}
    if zero is not None and zero not in labels:
        labels[zero] = "0"
    return [f"{labels.get(i, ''):>{pad}} |" + "".join(cells) for i, cells in enumerate(grid)]


SHADES = ".:-=+*#%@"  # f from low to high, in a map of two inputs (blank: not a number)
MARKS = {"minimum": "m", "maximum": "M", "saddle": "s", "inflection": "i", "inconclusive": "?"}


def map_plot(
    box: list[tuple[float, float]],
    values: np.ndarray,
    points: list[tuple[str, float, float]],
    heading: str,
    names: list[str],
) -> str:
    """f of two inputs as shades (`values`: rows from the top of the box down, columns from
    left to right), and `points` (kind, x, y) as letters: m minimum, M maximum, s saddle."""
    (x_lo, x_hi), (y_lo, y_hi) = box
    rows, columns = values.shape
    bounds = y_range(values.ravel())
    grid = [[" "] * columns for _ in range(rows)]
    if bounds is not None:
        bottom, top = bounds
        with np.errstate(all="ignore"):
            scaled = _fraction(np.clip(values, bottom, top), bottom, top) * (len(SHADES) - 1)
        for i, j in zip(*np.nonzero(np.isfinite(scaled))):
            grid[i][j] = SHADES[int(round(scaled[i, j]))]
    for kind, x, y in points:
        j = int(round(_fraction(x, x_lo, x_hi) * (columns - 1)))
        i = int(round(_fraction(-y, -y_hi, -y_lo) * (rows - 1)))
        grid[i][j] = MARKS[kind]
    labels = {0: _tick(y_hi), rows - 1: _tick(y_lo)}
    pad = max(len(text) for text in labels.values())
    lines = [heading, f"{names[1]:>{pad}}"]
    lines += [f"{labels.get(i, ''):>{pad}} |" + "".join(cells) for i, cells in enumerate(grid)]
    lines.append(" " * pad + " +" + "-" * columns + f" {names[0]}")
    lines.append(" " * (pad + 2) + _x_ticks(x_lo, x_hi, columns))
    if bounds is not None:
        low, high = (short(bound) for bound in bounds)
        lines.append(f"f from {low} ('{SHADES[0]}') to {high} ('{SHADES[-1]}')")
    lines.append("   ".join(f"{mark} {kind}" for kind, mark in MARKS.items()))
    return "\n".join(line.rstrip() for line in lines)


def _x_ticks(lo: float, hi: float, columns: int) -> str:
    left, middle, right = _tick(lo), _tick((lo + hi) / 2), _tick(hi)
    line = [" "] * columns
    center = (columns - len(middle)) // 2
    for start, text in ((0, left), (center, middle), (columns - len(right), right)):
        for k, ch in enumerate(text):
            if 0 <= start + k < columns:
                line[start + k] = ch
    return "".join(line)


# ---------------------------------------------------------------- images


def require_matplotlib(path: str, command: str = "plot") -> None:
    """Refuse (exit 2) an unknown image format or a missing matplotlib before computing."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise UsageError(f"-o {path}: write a .png or an .svg file (got {suffix or 'no suffix'})")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            f'{command} -o needs matplotlib, an optional extra: pip install "gradcli[plot]" '
            "(without -o, the plot is drawn in the terminal)"
        ) from None


def _figure(size):
    from matplotlib.figure import Figure

    width, height = size
    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI)


def _save(figure, path) -> None:
    figure.tight_layout()
    try:
        figure.savefig(path, format=Path(path).suffix.lower()[1:], dpi=DPI)
    except OSError as error:
        raise FileInputError(f"cannot write {path}: {error.strerror or error}") from None


def save_overlay(path, xs, series, marks, heading: str, variable: str, size) -> None:
    """`overlay_plot` as an image: `series` (legend, values at `xs`, character: unused)."""
    figure = _figure(size)
    axes = figure.subplots()
    with np.errstate(all="ignore"):
        for index, (legend, values, _) in enumerate(series):
            axes.plot(
                xs,
                np.where(np.isfinite(values), values, np.nan),
                color=f"C{index}",
                label=legend,
                linestyle="-" if index == 0 else "--",
            )
    bounds = y_range(series[0][1])
    if bounds is not None:
        margin = 0.1 * (bounds[1] - bounds[0])
        axes.set_ylim(bounds[0] - margin, bounds[1] + margin)
    for x, y in marks:
        axes.plot([x], [y], "o", color="C3")
    axes.grid(True, linewidth=0.3)
    axes.legend()
    axes.set_title(heading, fontsize=10)
    axes.set_xlabel(variable)
    _save(figure, path)


def save_map(path, box, values, points, heading: str, names: list[str], size) -> None:
    """`map_plot` as an image: filled contours of f, the points marked and labelled."""
    figure = _figure(size)
    axes = figure.subplots()
    (x_lo, x_hi), (y_lo, y_hi) = box
    rows, columns = values.shape
    xs, ys = np.linspace(x_lo, x_hi, columns), np.linspace(y_hi, y_lo, rows)
    bounds = y_range(values.ravel())
    if bounds is not None:
        with np.errstate(all="ignore"):
            shown = np.clip(np.where(np.isfinite(values), values, np.nan), *bounds)
        filled = axes.contourf(xs, ys, shown, levels=30, cmap="viridis")
        figure.colorbar(filled, ax=axes, label="f")
    for kind, x, y in points:
        axes.plot([x], [y], "o", color="C3")
        axes.annotate(kind, (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    axes.set_title(heading, fontsize=10)
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])
    _save(figure, path)


def save_image(path, xs, f, df, found, label, variable, fixed, size) -> None:
    figure = _figure(size)
    top, bottom = figure.subplots(2, 1, sharex=True)
    with np.errstate(all="ignore"):
        top.plot(xs, np.where(np.isfinite(f), f, np.nan), color="C0", label=f"f({variable})")
        bottom.plot(xs, np.where(np.isfinite(df), df, np.nan), color="C1")
    bottom.axhline(0.0, color="0.6", linewidth=0.8)
    for axes, values, room in ((top, f, 0.15), (bottom, df, 0.05)):  # room for "max" labels
        bounds = y_range(values)
        if bounds is not None:
            margin = bounds[1] - bounds[0]
            axes.set_ylim(bounds[0] - room * margin, bounds[1] + room * margin)
        axes.grid(True, linewidth=0.3)
    for kind, x, fx in found:
        top.plot([x], [fx], "o", color="C3")
        top.annotate(kind, (x, fx), textcoords="offset points", xytext=(0, 6), ha="center")
        bottom.plot([x], [0.0], "o", color="C3")
        for axes in (top, bottom):
            axes.axvline(x, color="C3", linewidth=0.6, linestyle=":")
    top.set_title(title(label, variable, fixed), fontsize=10)
    top.set_ylabel(f"f({variable})")
    bottom.set_ylabel(f"f'({variable})")
    bottom.set_xlabel(variable)
    _save(figure, path)
