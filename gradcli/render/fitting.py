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
    from rich.console import Console, Group
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
    console = Console(width=width, color_system=None, highlight=False, markup=False)
    chosen = _rich_widths(item, console)
    if not _cuts_words(item, chosen):  # rich's own wrapping is good: keep it
        padding = [item._get_padding_width(index) for index in range(len(chosen))]
        if all(size >= pad for size, pad in zip(chosen, padding)):
            # fixed at the widths rich would choose, so that printing does not measure every
            # cell again (for the functions table, some 10 ms)
            for column, size, pad in zip(item.columns, chosen, padding):
                column.width = size - pad
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


def _rich_widths(table, console) -> list[int]:
    """The column widths (with their padding) rich chooses for `table` on `console`, what
    Table.__rich_console__ computes before it renders a row: for a table of text cells, from
    the cells' texts (rich's own measuring of every cell took the functions table 13 ms of its
    start-up); for any other, rich's own computation."""
    from rich.text import Text

    plain = not (table.expand or table.show_footer or table.min_width is not None)
    cells = [[column.header, *column._cells] for column in table.columns]
    if not (
        plain
        and table.show_header
        and all(c.width is c.min_width is c.max_width is None for c in table.columns)
        and all(isinstance(cell, (str, Text)) for column in cells for cell in column)
    ):
        return table._calculate_column_widths(
            console, console.options.update_width(console.width - table._extra_width)
        )
    from rich.cells import cell_len
    from rich.table import Table

    def measured(longest: int, extra: int, room: int) -> int:
        """Table._measure_column's maximum within `room`: the widest line and the padding."""
        if room < 1:
            return 0
        return room if room - extra < 1 else min(longest + extra, room)

    extras = [sum(_side_padding(table, index)) for index in range(len(cells))]
    longest = [
        max((cell_len(line) for cell in column for line in _plain(cell).splitlines()), default=0)
        for column in cells
    ]
    room = console.width - table._extra_width
    widths = [measured(n, extra, room) or 1 for n, extra in zip(longest, extras)]
    if sum(widths) > room:  # Table._calculate_column_widths, for a table that does not expand
        from rich._ratio import ratio_reduce

        wrapable = [not column.no_wrap for column in table.columns]
        widths = Table._collapse_widths(widths, wrapable, room)
        if sum(widths) > room:
            widths = ratio_reduce(sum(widths) - room, [1] * len(widths), widths, widths)
        widths = [measured(n, extra, w) for n, extra, w in zip(longest, extras, widths)]
    return widths


def _side_padding(table, index: int) -> tuple[int, int]:
    """(left, right) padding of column `index`'s cells, as Table._get_cells gives them."""
    _, right, _, left = table.padding
    first, last = index == 0, index == len(table.columns) - 1
    if table.collapse_padding and not first:
        left = max(0, left - right)
    if not table.pad_edge:
        left = 0 if first else left
        right = 0 if last else right
    return left, right


def _cuts_words(table, widths: list[int]) -> bool:
    """Whether rich prints `table` at column `widths` with a word cut in two: whether a cell,
    header or the title holds a word wider than the room the widths leave it (rich wraps at
    spaces and folds only a word longer than its line). Decided without rendering the table:
    rendering the functions table once more to look cost `gradcli functions` about a third of
    its start-up."""
    for index, (column, size) in enumerate(zip(table.columns, widths)):
        room = size - sum(_side_padding(table, index))
        if any(_widest_word(cell) > room for cell in (column.header, *column._cells)):
            return True
    title_room = sum(widths) + table._extra_width
    return table.title is not None and _widest_word(table.title) > title_room


def _widest_word(cell) -> int:
    """The widest word of a cell as rich's wrapping measures words: each line's runs of
    non-spaces, the first with the spaces before it, in terminal cells."""
    import re

    from rich.cells import cell_len

    return max(
        (
            cell_len(word.rstrip())
            for line in _plain(cell).split("\n")
            for word in re.findall(r"\s*\S+\s*", line)
        ),
        default=0,
    )


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
