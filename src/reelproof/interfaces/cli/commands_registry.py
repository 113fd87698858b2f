"""Which command modules make up the CLI. Each module exposes `register(app)`."""

from __future__ import annotations

from collections.abc import Callable

import typer


def registrations() -> list[Callable[[typer.Typer], None]]:
    """Imported lazily so `reelproof --help` stays fast; the order is the order in --help."""
    from reelproof.interfaces.cli import demo_cmd, documents_cmds, log_cmds

    return [demo_cmd.register, documents_cmds.register, log_cmds.register]
