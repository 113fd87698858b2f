"""reelproof: generative-AI production standards for film and TV, made verifiable."""

__version__ = "0.1.0"
