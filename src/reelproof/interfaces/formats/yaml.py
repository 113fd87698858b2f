"""YAML for people who script in YAML: the same data as JSON."""

from __future__ import annotations

from typing import IO

import yaml

from reelproof.interfaces.formats import Result

name = "yaml"


def supports(result: Result) -> bool:
    return True


def render(result: Result, out: IO[str], *, color: bool) -> None:
    yaml.safe_dump(result.to_data(), out, sort_keys=False, allow_unicode=True)
