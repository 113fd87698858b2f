"""The `reelproof` entry point: one Typer app whose commands load on first use.

`COMMANDS` (commands_registry) names each command's module and help; the group below lists
them from that table and imports a module only to run one of its commands.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import typer
import typer.main
from typer._click.core import Command, Context  # Typer's own click
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from reelproof._version import __version__
from reelproof.interfaces.cli.commands_registry import COMMANDS


class LazyGroup(TyperGroup):
    """Lists every command from the table; builds the real one only when it runs."""

    _loaded: dict[str, TyperGroup] = {}  # noqa: RUF012 - one per process, shared on purpose

    def list_commands(self, ctx: Context) -> list[str]:
        """Every command in the table's order, without importing any."""
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """A placeholder while listing help; the real command to run it."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if ctx.resilient_parsing or ctx.meta.get(_LISTING):
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        return load(cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The root's help lists commands from the table alone: nothing is imported."""
        ctx.meta[_LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta.pop(_LISTING, None)


_LISTING = "reelproof.listing_help"


def load(name: str) -> Command:
    """The real command: its module registers onto an app of its own, built once."""
    module = COMMANDS[name].module
    group = LazyGroup._loaded.get(module)
    if group is None:
        sub = typer.Typer(context_settings={"help_option_names": ["-h", "--help"]})
        import_module(f"reelproof.interfaces.cli.{module}").register(sub)
        LazyGroup._loaded[module] = group = typer.main.get_group(sub)
    return group.commands[name]


app = typer.Typer(
    cls=LazyGroup,
    name="reelproof",
    help="Generative-AI production standards for film and TV: declare, decide, approve, verify."
    "\n\nExit codes: 0 success, 1 a gate found problems (see each command's --fail-on), "
    "2 bad input.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reelproof {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    no_color: bool = typer.Option(
        False, "--no-color", help="No colour, even on a terminal (NO_COLOR is honoured too)."
    ),
) -> None:
    """reelproof keeps every AI use on a production declared, decided, cleared and logged."""
    if no_color:
        from reelproof.interfaces.cli.common import settings

        settings.color = False


def _register() -> None:
    """Kept for callers that registered the commands first; they now load on use."""


def run() -> None:
    """The console script: runs the app and ends quietly when the reader closes the pipe."""
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # a closed pipe shows here, even when the command exited
    except BrokenPipeError:
        # The reader went away (`reelproof status | head`): stop quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
