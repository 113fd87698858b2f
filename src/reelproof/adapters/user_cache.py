"""The user's cache folder, shared by the caches that spare a fresh process the work of
compiling the standards packs (agreement verdicts, compiled rules).

Everything in it is derived, safe to delete, and keyed by `code_digest`: a new reelproof, CEL
library or Python, or an edited standards engine, reads none of what an older one wrote. The
folder is `$XDG_CACHE_HOME/reelproof` (default `~/.cache/reelproof`). A cache that cannot be
read or written is simply not used: every helper here fails quietly.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from contextlib import suppress
from importlib import metadata, resources
from pathlib import Path

from reelproof._version import __version__


@functools.cache
def code_digest() -> str:
    """Digest of what compiled packs depend on: reelproof's version and standards engine
    source, the CEL library's version, and the bytecode format of this Python."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(metadata.version("cel-expr-python").encode())
    digest.update(importlib.util.MAGIC_NUMBER)
    folder = resources.files("reelproof.core.standards")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()[:16]


def folder() -> Path:
    """The cache folder (it may not exist yet)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reelproof"


def read(path: Path, limit: int = 64 << 20) -> bytes | None:
    """The file's bytes, or None when it is missing, unreadable or implausibly large."""
    with suppress(OSError):
        if path.stat().st_size <= limit:
            return path.read_bytes()
    return None


def write(path: Path, data: bytes) -> bool:
    """Write atomically (a concurrent reader sees the old file or the new one); False when
    the folder cannot be written."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        with suppress(OSError):
            tmp.unlink()
        return False
    return True
