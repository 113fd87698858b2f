"""Text for people: each result draws itself, since only it knows what matters first.

The helpers here keep every result's text safe and pipe-friendly: a console that never reads
user text as emoji codes or highlights it, and tables that become tab-separated lines with
whole ids when the output is not a terminal (so `reelproof status | grep id` works).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from reelproof.interfaces.formats import Result

name = "text"


def supports(result: Result) -> bool:
    """Every result draws itself as text."""
    return True


def render(result: Result, out: IO[str], *, color: bool) -> None:
    """The result draws itself: only it knows what a person needs first."""
    result.render_text(out, color=color)


def make_console(out: IO[str], color: bool) -> Console:
    """A console on `out`: markup only where the result writes it, never in user text
    (results escape it or pass `Text`), no emoji codes, no guessed highlighting."""
    return Console(
        file=out,
        soft_wrap=True,
        emoji=False,
        highlight=False,
        no_color=not color,
        force_terminal=color or None,
        color_system="auto" if color else None,
    )


Cell = str | Text


def table(
    console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> None:
    """A table on a terminal; elsewhere a header and one tab-separated line per row, never
    wrapped or cut. Plain `str` cells are user text and shown literally."""
    if not console.is_terminal:
        console.file.write("\t".join(columns) + "\n")
        for row in rows:
            cells = (c.plain if isinstance(c, Text) else c for c in row)
            console.file.write("\t".join(_one_line(c) for c in cells) + "\n")
        return
    grid = Table(title=Text(title))
    for col in columns:
        grid.add_column(col, overflow="fold")
    for row in rows:
        grid.add_row(*(c if isinstance(c, Text) else Text(c) for c in row))
    console.print(grid)


def _one_line(cell: str) -> str:
    return cell.replace("\t", " ").replace("\n", " ")
