"""The agreement check's verdicts kept on disk between processes.

Probing every condition against the CEL library costs about a third of compiling the bundled
packs, in every process that compiles them (compiled CEL programs cannot be pickled). A
verdict depends only on the condition's text and scope, the prefilter's code and the CEL
library, so it is stored in a file whose name is a digest of those versions: a new reelproof
or CEL library, or an edited prefilter, starts an empty file. The cache directory is
`$XDG_CACHE_HOME/reelproof` (default `~/.cache/reelproof`); a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import metadata, resources
from pathlib import Path

from reelproof._version import __version__
from reelproof.core.standards import agreement

_CODE = ("agreement.py", "prefilter.py", "expr.py", "schema.py", "cel_backend.py")


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    digest.update(metadata.version("cel-expr-python").encode())
    folder = resources.files("reelproof.core.standards")
    for name in _CODE:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reelproof" / f"agreement-{_code_digest()}.json"


def _load(path: Path) -> agreement.Verdicts:
    with suppress(OSError, ValueError, TypeError):
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {(str(src), frozenset(scope)): verdict for src, scope, verdict in rows}
    return {}


_read: set[Path] = set()  # files already loaded into this process


@contextmanager
def persisted() -> Iterator[None]:
    """Around pack compilation: earlier verdicts in (once per process), new ones written."""
    path = _path()
    if path not in _read:
        agreement.remember(_load(path))
        _read.add(path)
    before = set(agreement.verdicts())
    yield
    now = agreement.verdicts()
    if now.keys() <= before:
        return
    rows = [[src, sorted(scope), verdict] for (src, scope), verdict in now.items()]
    with suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rows), encoding="utf-8")
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one
