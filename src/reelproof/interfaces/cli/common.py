"""Options and output helpers shared by every command, so each takes --format and --db.

A command builds a result object and calls `show(result, fmt)`; the format modules in
`reelproof.interfaces.formats` decide how it looks. Errors go through `handle_errors`: a
one-line message (JSON on stderr under `--format json`) and exit 2, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Annotated, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from reelproof.adapters.store.db import Unavailable
from reelproof.core.errors import DocumentError, ReelproofError
from reelproof.interfaces import formats
from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.errors import render_error
from reelproof.interfaces.formats.text import make_console
from reelproof.verify import VerificationError


def _known_format(name: str) -> str:
    if name not in formats.names():
        raise typer.BadParameter(
            f"unknown output format {name!r}; expected one of: {', '.join(formats.names())}"
        )
    return name


FORMAT_HELP = "Output: text for people; json or yaml for scripts; or a plugin format's name."
# Every command builds a result object, so each takes any format module, built-in or plugin.
OutOpt = Annotated[str, typer.Option("--format", "-o", help=FORMAT_HELP, callback=_known_format)]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="REELPROOF_DB",
        help="Database URL (default: SQLite at ./.reelproof/reelproof.db).",
    ),
]


@dataclass
class Settings:
    """Process-wide output choices, set by the root options."""

    color: bool | None = None  # None: colour when stdout is a terminal and NO_COLOR is unset

    def use_color(self, out: IO[str]) -> bool:
        """Colour only for a terminal, unless --no-color or NO_COLOR says otherwise."""
        if self.color is not None:
            return self.color
        return not os.environ.get("NO_COLOR") and out.isatty()


settings = Settings()

# Progress bars and warnings: never emoji codes (`:ghost:` in an id), never guessed highlights.
err_console = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


class Shown:
    """A result whose text is a few lines drawn on a console: the data and how to draw it."""

    def __init__(self, data: Data, draw: Callable[[Console], None]) -> None:
        self.data = data
        self.draw = draw

    def to_data(self) -> Data:
        """The data given, as JSON and YAML write it."""
        return self.data

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Draw on a safe console (no markup in user text, no emoji codes)."""
        self.draw(make_console(out, color))


def plain_lines(*lines: str) -> Callable[[Console], None]:
    """Text that is all user data (ids, keys, paths, URLs): drawn literally, line by line."""

    def draw(c: Console) -> None:
        for line in lines:
            c.print(Text(line))

    return draw


def show(result: formats.Result, fmt: str) -> None:
    """Write a command's result to stdout in the format asked for."""
    out = sys.stdout
    formats.render(result, fmt, out, color=settings.use_color(out))


def fail(
    message: str, code: int = 2, *, fmt: str = "text", error: Exception | None = None
) -> NoReturn:
    """The message on stderr (a JSON object under a machine format) and the exit code."""
    details: dict[str, Data] = {"exit_code": code}
    if isinstance(error, DocumentError):
        details.update(file=error.file, line=error.line, key=error.key, problem=error.problem)
    render_error(fmt, message, details, sys.stderr, color=settings.use_color(sys.stderr))
    raise typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn user mistakes into a one-line message and exit 2 instead of a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        fmt = str(kwargs.get("fmt", "text"))
        try:
            return fn(*args, **kwargs)
        except ReelproofError as exc:
            fail(str(exc), exc.exit_code, fmt=fmt, error=exc)
        except VerificationError as exc:
            fail(f"verification failed: {exc}", 1, fmt=fmt, error=exc)
        except Unavailable as exc:  # the database went away
            fail(f"database unavailable: {exc.orig}", 2, fmt=fmt, error=exc)

    return wrapper
