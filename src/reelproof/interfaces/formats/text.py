"""Text for people: each result draws itself, since only it knows what matters first."""

from __future__ import annotations

from typing import IO

from reelproof.interfaces.formats import Result

name = "text"


def supports(result: Result) -> bool:
    return True


def render(result: Result, out: IO[str], *, color: bool) -> None:
    result.render_text(out, color=color)
