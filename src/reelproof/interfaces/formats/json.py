"""JSON for scripts: one document, stable keys, non-ASCII kept, everything else escaped."""

from __future__ import annotations

import json
from typing import IO

from reelproof.interfaces.formats import Data, Result

name = "json"


def supports(result: Result) -> bool:
    """Every result has data, so JSON shows them all."""
    return True


def dumps(data: Data, *, indent: int | None = 2) -> str:
    """`data` as JSON text that is always valid UTF-8: names stay readable, while lone
    surrogates (from undecodable file names) come out as \\udcXX escapes, which RFC 8259
    allows."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def render(result: Result, out: IO[str], *, color: bool) -> None:
    """One JSON document per result, ending in a newline."""
    out.write(dumps(result.to_data()) + "\n")
