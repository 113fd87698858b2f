"""Which command modules make up the CLI. Each module exposes `register(app)`."""

from __future__ import annotations

from collections.abc import Callable

import typer


def registrations() -> list[Callable[[typer.Typer], None]]:
    """Imported lazily so `reelproof --help` stays fast; the order is the order in --help."""
    from reelproof.interfaces.cli import (
        decide_cmds,
        demo_cmd,
        documents_cmds,
        likeness_cmds,
        log_cmds,
        media_cmds,
        roles_cmds,
        standards_cmds,
        talent_cmds,
    )

    return [
        demo_cmd.register,
        documents_cmds.register,
        decide_cmds.register,
        roles_cmds.register,
        standards_cmds.register,
        talent_cmds.register,
        media_cmds.register,
        likeness_cmds.register,
        log_cmds.register,
    ]
