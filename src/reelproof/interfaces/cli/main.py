"""The `reelproof` entry point: one Typer app, each command group registered from its module."""

from __future__ import annotations

import typer

from reelproof._version import __version__

app = typer.Typer(
    name="reelproof",
    help="Generative-AI production standards for film and TV: declare, decide, approve, verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
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
) -> None:
    """reelproof keeps every AI use on a production declared, decided, cleared and logged."""


def _register() -> None:
    # Each module adds its commands to `app`; the order here is the order in --help.
    from reelproof.interfaces.cli import commands_registry

    for register in commands_registry.registrations():
        register(app)


def run() -> None:
    _register()
    app()
