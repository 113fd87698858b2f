"""Likeness tests that use the `models` fixture run the real models; without the `likeness`
extra they skip, saying how to install it."""

from __future__ import annotations

import base64
import os

import pytest

from reelproof.adapters import likeness


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real models, and a fresh biometric key in the environment."""
    if likeness.missing():
        pytest.skip(likeness.INSTALL_HINT)
    monkeypatch.setenv("REELPROOF_BIOMETRIC_KEY", base64.b64encode(os.urandom(32)).decode())
