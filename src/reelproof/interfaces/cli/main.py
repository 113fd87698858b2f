"""The `reelproof` entry point: one Typer app, each command group registered from its module."""

from __future__ import annotations

import os
import sys

import typer

from reelproof._version import __version__

app = typer.Typer(
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
    from reelproof.interfaces.cli.common import settings

    if no_color:
        settings.color = False


def _register() -> None:
    # Each module adds its commands to `app`; the order here is the order in --help.
    from reelproof.interfaces.cli import commands_registry

    for register in commands_registry.registrations():
        register(app)


def run() -> None:
    _register()
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
