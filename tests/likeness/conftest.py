"""Likeness tests run the real models; without the `likeness` extra they skip, saying how to
install it."""

from __future__ import annotations

import base64
import os

import pytest

from reelproof.adapters import likeness


@pytest.fixture(autouse=True)
def _models_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    if likeness.missing():
        pytest.skip(likeness.INSTALL_HINT)
    monkeypatch.setenv("REELPROOF_BIOMETRIC_KEY", base64.b64encode(os.urandom(32)).decode())
