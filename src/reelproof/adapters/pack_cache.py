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
from reelproof.core.documents import StandardsPack
from reelproof.core.standards import frozen
from reelproof.core.standards.pack import RuleSet


class PackFile:
    """The cache file of one pack's compiled rules (a `RuleCache`)."""

    def __init__(self, content: str, source: str) -> None:
        key = hashlib.sha256(f"{source}\0{content}".encode("utf-8", "surrogatepass"))
        self.path: Path = (
            user_cache.folder() / f"packs-{user_cache.code_digest()}" / f"{key.hexdigest()}.rules"
        )

    def load(self, doc: StandardsPack) -> RuleSet | None:
        """The rules kept for exactly this pack; None when missing, damaged or another's."""
        data = user_cache.read(self.path)
        if data is None:
            return None
        try:
            return frozen.thaw(doc, data)
        except frozen.Unusable:
            return None  # compiled again, and the file replaced

    def save(self, doc: StandardsPack, ruleset: RuleSet) -> None:
        """Keep the rules for the next process (quietly not, where they or the folder can't)."""
        try:
            data = frozen.freeze(doc, ruleset)
        except frozen.Unusable:
            return
        user_cache.write(self.path, data)
