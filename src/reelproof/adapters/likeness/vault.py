"""Reference embeddings encrypted at rest with AES-GCM; the key never enters the database.

The key is 32 bytes, given base64-encoded in $REELPROOF_BIOMETRIC_KEY or in the file named
by the configuration's `[likeness] key_file`. The associated data binds each ciphertext to
its row (performer, reference id), so a ciphertext copied to another performer fails.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reelproof.core.errors import ReelproofError

ENV = "REELPROOF_BIOMETRIC_KEY"
HOW = (
    f"set {ENV} to 32 random bytes in base64 (e.g. `openssl rand -base64 32`), or name a "
    "file holding them in the configuration's [likeness] key_file"
)


class VaultError(ReelproofError):
    """No biometric key, a malformed one, or a ciphertext it cannot open."""


def _parse(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultError(f"{where}: the biometric key is not base64; {HOW}") from None
    if len(key) != 32:
        raise VaultError(f"{where}: the biometric key must be 32 bytes, not {len(key)}; {HOW}")
    return key


class Vault:
    """AES-GCM encryption of biometric references and cached scans: nothing readable at rest."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def load(cls, key_file: Path | None) -> Vault:
        """The vault key from the environment, else from the key file."""
        env = os.environ.get(ENV)
        if env:
            return cls(_parse(env, ENV))
        if key_file is not None:
            try:
                return cls(_parse(key_file.read_text(encoding="ascii"), str(key_file)))
            except (OSError, UnicodeDecodeError) as exc:
                raise VaultError(f"{key_file}: cannot read the biometric key: {exc}") from None
        raise VaultError(f"no biometric key: {HOW}")

    def seal(self, values: Sequence[float] | object, aad: str) -> tuple[bytes, bytes]:
        """(nonce, ciphertext) of the JSON of `values`."""
        nonce = os.urandom(12)
        data = json.dumps(values, separators=(",", ":")).encode()
        return nonce, self._aead.encrypt(nonce, data, aad.encode())

    def open(self, nonce: bytes, ciphertext: bytes, aad: str) -> object:
        """Decrypt and parse a sealed value; a wrong key or edited data is an error, not garbage."""
        try:
            data = self._aead.decrypt(nonce, ciphertext, aad.encode())
        except InvalidTag:
            raise VaultError(
                f"cannot decrypt biometric data for {aad}: wrong key, or the row was altered"
            ) from None
        return json.loads(data)
