"""Options and output helpers shared by every command, so each takes --format and --db."""

from __future__ import annotations

import enum
import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from reelproof.adapters.store.db import Unavailable
from reelproof.core.errors import ReelproofError
from reelproof.verify import VerificationError


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="Output format: text for people, json for scripts.")
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="REELPROOF_DB",
        help="Database URL (default: SQLite at ./.reelproof/reelproof.db).",
    ),
]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def emit_json(data: Any) -> None:
    """Print machine-readable output: stable keys, UTF-8, one document."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn user mistakes into a one-line message and exit 2 instead of a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ReelproofError as exc:
            fail(str(exc), exc.exit_code)
        except VerificationError as exc:
            fail(f"verification failed: {exc}", 1)
        except Unavailable as exc:  # the database went away or stayed locked
            fail(f"database unavailable: {exc.orig}", 2)

    return wrapper
