"""reelproof: generative-AI production standards for film and TV, made verifiable."""

from reelproof._version import __version__

__all__ = ["__version__"]
