"""YAML for people who script in YAML: the same data as JSON."""

from __future__ import annotations

from typing import IO

import yaml

from reelproof.interfaces.formats import Data, Result

name = "yaml"


def supports(result: Result) -> bool:
    """Every result has data, so YAML shows them all."""
    return True


def dumps(data: Data) -> str:
    """`data` as block YAML in the order given, non-ASCII kept: how a person writes it."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def render(result: Result, out: IO[str], *, color: bool) -> None:
    """One YAML document per result."""
    out.write(dumps(result.to_data()))
