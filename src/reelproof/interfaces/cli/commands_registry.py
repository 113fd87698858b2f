"""Which command modules make up the CLI. Each module exposes `register(app)`."""

from __future__ import annotations

from collections.abc import Callable

import typer


def registrations() -> list[Callable[[typer.Typer], None]]:
    """Imported lazily so `reelproof --help` stays fast; the order is the order in --help."""
    return []
