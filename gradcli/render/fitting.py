"""Tables on narrow terminals (COLUMNS=60, 40): no word is ever cut in two.

rich, given a table wider than the terminal, shrinks its columns by ratio and folds the cells
inside words (`varia|ble`). `fitted(item, width)` leaves a table that fits alone; one whose
columns can each hold their longest word gets widths that do (the room left shared by what each
column would take more), when rich's own wrapping would cut a word; one that cannot is shown as
records: a line per row, `header: value` per cell, wrapped at spaces. rich is imported inside.
"""

from __future__ import annotations

__all__ = ["fitted"]


def fitted(item, width: int):
    """`item`, or where a table of it cannot give each column its longest word within `width`
    (a narrow terminal), that table as records: a line per row, `header: value` per cell,
    wrapped at spaces. rich would fold the cells inside words (`varia|ble`)."""
    from rich.console import Group
    from rich.table import Table

    if isinstance(item, Group):
        return Group(*(fitted(part, width) for part in item.renderables))
    if not isinstance(item, Table):
        return item
    texts = [[_plain(text) for text in (column.header, *column._cells)] for column in item.columns]
    longest = [
        max(len(word) for text in column for word in [*text.split(), ""]) for column in texts
    ]
    natural = [
        max(len(line) for text in column for line in [*text.splitlines(), ""]) for column in texts
    ]
    available = width - 2 * (len(texts) - 1)  # two spaces between columns
    if sum(natural) <= available:
        return item
    if sum(longest) > available:
        return _records(item, width)
    if not _cuts_words(item, width, texts):  # rich's own wrapping is good: keep it
        return item

    # each column its longest word, and as much more as the others up to its natural width: the
    # highest common level that fits (rich would shrink by ratio, cutting words)
    def widths_at(level: int) -> list[int]:
        return [min(n, max(m, level)) for m, n in zip(longest, natural)]

    level = 0
    while sum(widths_at(level + 1)) <= available and level < max(natural):
        level += 1
    widths = widths_at(level)
    for column, size in zip(item.columns, widths):
        column.width = size
    return item


def _cuts_words(table, width: int, texts: list) -> bool:
    """Whether rich, left to itself, prints `table` at `width` with a word cut in two."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(table)
    words = {word for column in texts for text in column for word in text.split()}
    words |= set(_plain(table.title).split()) if table.title is not None else set()
    return any(w not in words and w.strip("-─━═│┃") for w in buffer.getvalue().split())


def _plain(cell) -> str:
    from rich.text import Text

    return str(cell.plain if isinstance(cell, Text) else cell)


def _records(table, width: int):
    """A table as records: its title, then per row the first cell and each other cell's
    `header: value`, wrapped at spaces with the continuation lines indented."""
    import textwrap

    from rich.console import Group
    from rich.text import Text

    def plain(cell) -> str:
        return " ".join(_plain(cell).split())

    headers = [plain(column.header) for column in table.columns]
    cells = [[plain(cell) for cell in column._cells] for column in table.columns]
    out = [table.title] if table.title is not None else []
    for row in zip(*cells):
        first, rest = row[0], row[1:]
        parts = [f"{h}: {v}" if h else v for h, v in zip(headers[1:], rest) if v]
        text = "  ".join(([first] if first else []) + parts)
        lines = textwrap.wrap(text, width, subsequent_indent="    ", break_on_hyphens=False)
        out.append(Text("\n".join(lines)))
    return Group(*out)
