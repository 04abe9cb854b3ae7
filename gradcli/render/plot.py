"""`gradcli plot`: f and f' over a range, with the zeros of f' (extrema) marked.

The values come from the engine: one tape over an array of points gives f at each point and,
the program being elementwise in the plotted input, each point's own derivative. Extrema are the
sign changes of f' on the sampled grid, refined by bisection (each step one vectorised run) and
kept only when f is finite there and f' does not blow up (a pole of 1/x**2 is not an extremum).

The terminal plot is plain characters (no rich: it costs start-up, and plain text is easy to
paste and to test); the image needs matplotlib, an optional extra, imported only for `-o`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gradcli.errors import FileInputError, UsageError
from gradcli.program.records import Declaration, Request

BISECTIONS = 60  # halvings of a sign-change interval: past float64's resolution from 1/1000
IMAGE_FORMATS = (".png", ".svg")
DPI = 100


class Curve:
    """x values -> (f, df/dx) as float64 arrays of x's shape, by one tape per call."""

    def __init__(self, program, inputs: list[str], variable: str, fixed: dict):
        self.variable = variable
        self.inputs = inputs
        self.fixed = fixed
        self.program = program

    def __call__(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from gradcli.program.run import evaluate

        xs = np.asarray(xs, dtype=np.float64)
        declarations = tuple(
            Declaration(name, "variable", xs)
            if name == self.variable
            else Declaration(name, "constant", np.array(self.fixed[name], dtype=np.float64))
            for name in self.inputs
        )
        with np.errstate(all="ignore"):
            request = Request(
                program=self.program,
                declarations=declarations,
                wrt=(self.variable,),
                unconnected="zero",
            )
            evaluation = evaluate(request)
        result = evaluation.results[0]
        f = np.asarray(result.value, dtype=np.float64)
        if f.shape != xs.shape:
            raise UsageError(
                f"plot needs a value per point: EXPR has shape {f.shape} for {xs.size} points "
                f"of {self.variable}"
            )
        gradient = result.gradients.get(self.variable)
        df = np.zeros_like(xs) if gradient is None else np.asarray(gradient, dtype=np.float64)
        return f, df


def extrema(curve: Curve, xs: np.ndarray, f: np.ndarray, df: np.ndarray) -> list:
    """[(kind "max" | "min", x, f(x))] in increasing x: where f' changes sign."""
    finite = np.isfinite(f) & np.isfinite(df)
    sign = np.sign(np.where(finite, df, 0.0))
    found = []
    # a sample exactly at a zero of f', between samples of opposite signs
    middle = np.nonzero(finite[1:-1] & (df[1:-1] == 0) & (sign[:-2] * sign[2:] < 0))[0] + 1
    for i in middle:
        found.append(("max" if sign[i - 1] > 0 else "min", float(xs[i]), float(f[i])))
    # a zero between two samples: bisection, every interval at once
    starts = np.nonzero(finite[:-1] & finite[1:] & (sign[:-1] * sign[1:] < 0))[0]
    if starts.size:
        a, b = xs[starts].copy(), xs[starts + 1].copy()
        left = sign[starts]
        with np.errstate(all="ignore"):
            for _ in range(BISECTIONS):
                middle_x = (a + b) / 2
                _, slope = curve(middle_x)
                same = np.sign(slope) == left
                a, b = np.where(same, middle_x, a), np.where(same, b, middle_x)
            zero = (a + b) / 2
            span = xs[-1] - xs[0]
            zero = np.where(np.abs(zero) < 1e-12 * span, 0.0, zero)
            fz, dz = curve(zero)
        bound = np.maximum(np.abs(df[starts]), np.abs(df[starts + 1]))
        keep = np.isfinite(fz) & np.isfinite(dz) & (np.abs(dz) <= bound)
        for i in np.nonzero(keep)[0]:
            kind = "max" if left[i] > 0 else "min"
            found.append((kind, float(zero[i]), float(fz[i])))
    return sorted(found, key=lambda item: item[1])


def short(value: float, digits: int = 6) -> str:
    """A number for people: `render.format_number`, without a trailing .0 (3, not 3.0)."""
    from .report import format_number

    text = format_number(value, digits)
    return text[:-2] if text.endswith(".0") else text


def extrema_lines(found: list, variable: str) -> list[str]:
    if not found:
        return ["no extrema in the range (f' does not change sign)"]
    lines = ["extrema (zeros of f'):"]
    for kind, x, fx in found:
        lines.append(f"  {kind}  {variable} = {short(x)}  f = {short(fx)}")
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
    given = ", ".join(f"{name} = {short(v)}" for name, v in fixed.items())
    return f"f({variable}) = {label}" + (f"   ({given})" if given else "")


# ---------------------------------------------------------------- the terminal


def text_plot(
    curve: Curve,
    lo: float,
    hi: float,
    found: list,
    label: str,
    variable: str,
    fixed: dict,
    width: int,
    height: int,
    ranges: tuple | None = None,
) -> str:
    """f above f', `width` characters wide, `height` rows each; extrema as 'o'."""

    def tick(value: float) -> str:
        return short(value, 4)

    if ranges is None:  # from a fine grid: the columns alone can miss a narrow peak
        fine = np.linspace(lo, hi, 1001)
        ranges = tuple(y_range(v) for v in curve(fine))
    labels = [tick(v) for r in ranges if r is not None for v in (*r, 0.0)]
    pad = max(len(t) for t in labels) if labels else 1
    columns = max(10, width - pad - 2)
    xs = np.linspace(lo, hi, columns)
    f, df = curve(xs)

    def column(x: float) -> int:
        return int(round((x - lo) / (hi - lo) * (columns - 1)))

    marks_f = [(column(x), fx) for _, x, fx in found]
    marks_df = [(column(x), 0.0) for _, x, _ in found]
    lines = [title(label, variable, fixed)]
    lines += _panel(f, ranges[0], marks_f, pad, columns, height, tick)
    lines.append(f"f'({variable})")
    lines += _panel(df, ranges[1], marks_df, pad, columns, height, tick)
    lines.append(" " * pad + " +" + "-" * columns)
    lines.append(" " * (pad + 2) + _x_ticks(lo, hi, columns, tick))
    lines += extrema_lines(found, variable)
    return "\n".join(line.rstrip() for line in lines)


def _panel(ys, bounds, marks, pad: int, columns: int, height: int, tick) -> list[str]:
    if bounds is None:
        return [" " * pad + " |  (no finite values)"]
    bottom, top = bounds
    grid = [[" "] * columns for _ in range(height)]

    def row(y: float) -> int:
        return int(round((top - y) / (top - bottom) * (height - 1)))

    def inside(y: float) -> bool:
        return math.isfinite(y) and bottom <= y <= top

    zero = row(0.0) if bottom <= 0.0 <= top else None
    if zero is not None:
        grid[zero] = ["-"] * columns
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
                grid[rr][j - 1 if k < half else j] = "*"
        grid[r][j] = "*"
        previous = r
    for j, y in marks:
        if 0 <= j < columns and inside(y):
            grid[row(y)][j] = "o"
    labels = {0: tick(top), height - 1: tick(bottom)}
    if zero is not None and zero not in labels:
        labels[zero] = "0"
    return [f"{labels.get(i, ''):>{pad}} |" + "".join(cells) for i, cells in enumerate(grid)]


def _x_ticks(lo: float, hi: float, columns: int, tick) -> str:
    left, middle, right = tick(lo), tick((lo + hi) / 2), tick(hi)
    line = [" "] * columns
    center = (columns - len(middle)) // 2
    for start, text in ((0, left), (center, middle), (columns - len(right), right)):
        for k, ch in enumerate(text):
            if 0 <= start + k < columns:
                line[start + k] = ch
    return "".join(line)


# ---------------------------------------------------------------- images


def require_matplotlib(path: str) -> None:
    """Refuse (exit 2) an unknown image format or a missing matplotlib before computing."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise UsageError(f"-o {path}: write a .png or an .svg file (got {suffix or 'no suffix'})")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            'plot -o needs matplotlib, an optional extra: pip install "gradcli[plot]" '
            "(without -o, the plot is drawn in the terminal)"
        ) from None


def save_image(path, xs, f, df, found, label, variable, fixed, size) -> None:
    from matplotlib.figure import Figure

    width, height = size
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
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
    figure.tight_layout()
    try:
        figure.savefig(path, format=Path(path).suffix.lower()[1:], dpi=DPI)
    except OSError as error:
        raise FileInputError(f"cannot write {path}: {error.strerror or error}") from None
