"""Password hashing (argon2id) and secret digests for web accounts.

argon2id with the library's current parameters: a stored hash carries its own salt and cost,
and `needs_rehash` says when a login should upgrade it. Tokens and session ids are random
256-bit values, so a plain SHA-256 is enough to store them (nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified against when the user does not exist, so that a login takes as long either way.
_DUMMY = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches; a missing account costs the same time as a wrong one."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)


def new_secret() -> str:
    """A random token or session id (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of a token or session id."""
    return hashlib.sha256(secret.encode()).hexdigest()
