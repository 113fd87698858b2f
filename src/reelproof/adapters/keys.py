"""The audit log's Ed25519 signing key: a PKCS#8 PEM file readable only by its owner."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reelproof.core.errors import ReelproofError
from reelproof.verify import ed25519_key_id, make_vkey


class KeyUnavailable(ReelproofError):
    """The signing key file is missing: writes are impossible, reads are not."""


@dataclass(frozen=True)
class LogKey:
    """The audit log's Ed25519 signing key, named after the log's origin."""

    name: str  # the log origin: C2SP says the key name should equal it
    private_key: Ed25519PrivateKey

    @property
    def vkey(self) -> str:
        """The verifier key (C2SP note format) an auditor pins to check the log."""
        return make_vkey(self.name, self.private_key.public_key())

    @cached_property
    def key_id(self) -> bytes:
        """The key ID in every signature line, derived once: writers sign each transaction."""
        return ed25519_key_id(self.name, self.private_key.public_key().public_bytes_raw())


def create_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new key with mode 0600 from the start (never world-readable, even briefly)."""
    if path.exists():
        raise ReelproofError(f"{path}: a signing key already exists; refusing to overwrite it")
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def load_key_file(path: Path, name: str) -> LogKey:
    """The signing key from its file; refuses a file other local users can read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyUnavailable(
            f"{path}: the audit-log signing key is missing; set REELPROOF_LOG_KEY to the path "
            "of this store's key (writes need it; reading does not)"
        ) from None
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ReelproofError(
            f"{path}: the signing key is readable by other users; run `chmod 600 {path}`"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise ReelproofError(f"{path}: not a PKCS#8 PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ReelproofError(f"{path}: expected an Ed25519 key for the audit log")
    return LogKey(name, key)
