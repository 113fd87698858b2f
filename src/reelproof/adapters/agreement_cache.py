"""The agreement check's verdicts kept on disk between processes.

Probing every condition against the CEL library costs about a third of compiling the bundled
packs, in every process that compiles them (compiled CEL programs cannot be pickled). A
verdict depends only on the condition's text and scope, the prefilter's code and the CEL
library, so it is stored in a file whose name is `user_cache.code_digest()`: a new reelproof
or CEL library, or an edited standards engine, starts an empty file.
"""

from __future__ import annotations

import atexit
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from reelproof.adapters import user_cache
from reelproof.core.standards import agreement


def _path() -> Path:
    return user_cache.folder() / f"agreement-{user_cache.code_digest()}.json"


def _load(path: Path) -> agreement.Verdicts:
    with suppress(ValueError, TypeError):
        rows = json.loads(user_cache.read(path) or b"[]")
        return {(str(src), frozenset(scope)): verdict for src, scope, verdict in rows}
    return {}


_on_disk: dict[Path, set[tuple[str, frozenset[str]]]] = {}  # what each file held, as read


@contextmanager
def persisted() -> Iterator[None]:
    """Around pack compilation: earlier verdicts in (once per process), new ones written.

    Rules compiled later (stored packs compile theirs when first selected) add verdicts after
    the block: those are written when the process ends.
    """
    path = _path()
    if path not in _on_disk:
        known = _load(path)
        agreement.remember(known)
        _on_disk[path] = set(known)
        atexit.register(_save, path)
    yield
    _save(path)


def _save(path: Path) -> None:
    now = agreement.verdicts()
    if now.keys() <= _on_disk[path]:
        return
    rows = [[src, sorted(scope), verdict] for (src, scope), verdict in now.items()]
    if user_cache.write(path, json.dumps(rows).encode()):
        _on_disk[path] = set(now)
