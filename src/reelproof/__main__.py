"""`python -m reelproof` is the same as the `reelproof` command."""

from reelproof.interfaces.cli.main import run

run()
