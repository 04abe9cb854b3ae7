"""Tables fitted to the terminal (`render/fitting.py`): rich's own layout wherever it cuts no word,
and no word cut anywhere, decided without rendering a table twice."""

from __future__ import annotations

import pytest

NATO = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike".split()


def _random_table(seed: int):
    """A gradcli table of random words (some cells plain strings, some over two lines)."""
    import random

    from rich.text import Text

    from gradcli.render.tables import new_table

    rng = random.Random(seed)
    columns = rng.randint(1, 5)
    table = new_table(rng.choice(NATO), *rng.sample(NATO, columns), ascii=True)
    for _ in range(rng.randint(1, 5)):
        cells = [" ".join(rng.choices(NATO, k=rng.randint(0, 7))) for _ in range(columns)]
        cells = [c.replace(" ", "\n", 1) if rng.random() < 0.2 else c for c in cells]
        table.add_row(*(Text(c) if rng.random() < 0.7 else c for c in cells))
    return table


@pytest.mark.parametrize("seed", range(12))
def test_a_table_is_rich_own_unless_rich_would_cut_a_word(seed):
    """At any width, a table prints as rich alone prints it, unless rich would cut a word in two;
    then no word is cut (columns given the widths of their longest words, or records), and no
    line is wider than the terminal. (Fitting decides from widths computed as rich computes
    them, without rendering the table first.)"""
    import io

    from rich.console import Console

    from gradcli.render.tables import print_blocks

    def cut(text: str) -> list:
        return [w for w in text.split() if w.rstrip(":") not in NATO and set(w) != {"-"}]

    for width in (12, 25, 40, 60, 90, 130):
        buffer = io.StringIO()
        Console(file=buffer, width=width, color_system=None, markup=False).print(
            _random_table(seed)
        )
        alone = "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
        fitted = print_blocks([_random_table(seed)], color=False, width=width)
        if not cut(alone):
            assert fitted == alone, (seed, width)
        else:
            assert cut(fitted) == [], (seed, width)
            assert all(len(line) <= width for line in fitted.splitlines()), (seed, width)
