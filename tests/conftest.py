"""Shared fixtures. Third-party corpora live in ../shared/corpora and are read, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("REELPROOF_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared third-party corpora; tests using them skip on a clone without ../shared."""
    if not CORPORA.is_dir():
        pytest.skip(f"third-party corpora not found at {CORPORA} (set REELPROOF_CORPORA)")
    return CORPORA
