"""Compiled standards packs kept in the user's cache folder between processes.

One file per pack content (and source name), under a folder named by the engine's
`code_digest`: `packs-<digest>/<key>.rules`. The file only saves work: `frozen.thaw` checks
its checksum and that it was compiled from exactly the pack read from the store, and anything
else (a damaged file, another pack, another reelproof) is ignored and the pack compiled again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reelproof.adapters import user_cache


class PackFile:
    """The cache file of one pack's compiled rules (a `RuleCache`)."""

    def __init__(self, content: str, source: str) -> None:
        key = hashlib.sha256(f"{source}\0{content}".encode("utf-8", "surrogatepass"))
        self.path: Path = (
            user_cache.folder() / f"packs-{user_cache.code_digest()}" / f"{key.hexdigest()}.rules"
        )

    def load(self) -> bytes | None:
        """The bytes an earlier process saved, if readable."""
        return user_cache.read(self.path)

    def save(self, data: bytes) -> None:
        """Keep the bytes for the next process (quietly not, where the folder is read-only)."""
        user_cache.write(self.path, data)
