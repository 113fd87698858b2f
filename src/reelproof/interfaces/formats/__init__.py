"""Output formats, one module each (as Conftest keeps `output/json`, `junit`, `sarif`).

A command builds a result object and hands it to `render`; the format module decides how it
looks. Built-in formats live beside this file; a studio adds its own through the
`reelproof.formats` entry point (an object with `name`, `supports` and `render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import IO, Any, Protocol, TypeAlias, runtime_checkable

from reelproof.core.errors import ReelproofError

# JSON-shaped data: what `to_data` returns and what json/yaml write out.
# Recursive aliases need 3.12 syntax; values below this are checked by json.dumps itself.
Data: TypeAlias = bool | int | float | str | list[Any] | Mapping[str, Any] | None


@runtime_checkable
class Result(Protocol):
    """Every command result: plain data for machines, rich text for people."""

    def to_data(self) -> Data:
        """Stable keys; this is the JSON and YAML output."""
        ...

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """What a person reads; user text in it must be escaped by the result itself."""
        ...


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem a gate found, in the shape JUnit and SARIF both need."""

    rule: str  # stable id of the check that found it, e.g. "uncleared-ai-material"
    level: str  # "error" blocks, "warning" does not
    message: str
    location: str  # file path, or clip name, the issue is about
    region: str | None = None  # timecodes "01:00:10:00-01:00:12:00" or a line number


@runtime_checkable
class Gate(Result, Protocol):
    """A result that passes or fails on a list of issues (`check`, `inspect`)."""

    def gate_name(self) -> str:
        """The gate's name, as the JUnit suite and the SARIF run property."""

    def subjects(self) -> Iterable[str]:
        """Everything checked (a JUnit test case each), including those with no issue."""
        ...

    def issues(self) -> Iterable[Issue]:
        """Every issue found, errors and warnings alike."""


class Format(Protocol):
    """An output format module: `render` writes a result, `supports` says which results."""

    name: str

    def supports(self, result: Result) -> bool:
        """Whether this format can show `result` (JUnit needs a Gate)."""

    def render(self, result: Result, out: IO[str], *, color: bool) -> None:
        """Write `result` to `out`; `color` only matters to formats for people."""


BUILT_IN = ("text", "json", "yaml", "junit", "sarif")
ENTRY_POINT_GROUP = "reelproof.formats"


class FormatError(ReelproofError):
    """Unknown format, or a format that cannot show this kind of result."""


def _plugins() -> dict[str, Format]:
    found: dict[str, Format] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load()
    return found


def names() -> list[str]:
    """Every format a user may ask for, built-in first."""
    return [*BUILT_IN, *sorted(set(_plugins()) - set(BUILT_IN))]


def get(name: str) -> Format:
    """The format module for `name`; built-ins are imported only when asked for."""
    if name in BUILT_IN:
        module: Format = import_module(f"{__name__}.{name}")
        return module
    plugins = _plugins()
    if name in plugins:
        return plugins[name]
    raise FormatError(f"unknown output format {name!r}; expected one of: {', '.join(names())}")


def render(result: Result, name: str, out: IO[str], *, color: bool = False) -> None:
    """Write `result` in format `name`, or say clearly that this format cannot show it."""
    fmt = get(name)
    if not fmt.supports(result):
        raise FormatError(f"output format {name!r} cannot show this result")
    fmt.render(result, out, color=color)
