"""JSON for scripts: one document, stable keys, non-ASCII kept, everything else escaped."""

from __future__ import annotations

import json
from typing import IO

from reelproof.interfaces.formats import Result

name = "json"


def supports(result: Result) -> bool:
    return True


def render(result: Result, out: IO[str], *, color: bool) -> None:
    # ensure_ascii=False keeps names readable; lone surrogates (from undecodable file names)
    # are escaped by json itself as \udcXX, which RFC 8259 allows.
    text = json.dumps(result.to_data(), indent=2, ensure_ascii=False, default=str)
    out.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
