"""How a failed command reports itself on stderr, in the spirit of the format asked for.

A person reads one red line; a script that asked for any machine format gets one JSON
object, so it parses errors the same way whichever format it chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from rich.text import Text

from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.json import dumps
from reelproof.interfaces.formats.text import make_console


def render_error(
    name: str, message: str, details: Mapping[str, Data], out: IO[str], *, color: bool
) -> None:
    """Write the error `message` (and, for machines, its `details`) in format `name`."""
    if name == "text":
        make_console(out, color).print(Text.assemble(("error:", "bold red"), " ", message))
    else:
        out.write(dumps({"error": {"message": message, **details}}, indent=None) + "\n")
