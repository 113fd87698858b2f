"""The verifier's trust list: log keys pinned by the person who verifies, in their own config.

`reelproof.verify` reads it (it must stand alone); adding keys lives here, with the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

from reelproof.core.errors import ReelproofError
from reelproof.verify import (
    BundleInputError,
    NoteVerifier,
    load_vkey,
    read_trust_list,
    trust_list_path,
)


def trusted() -> tuple[Path, list[NoteVerifier]]:
    """The trust list's path and its pinned keys."""
    path = trust_list_path()
    try:
        return path, read_trust_list(path)
    except BundleInputError as exc:
        raise ReelproofError(str(exc)) from None


def add(value: str) -> tuple[Path, list[tuple[NoteVerifier, bool]]]:
    """Pin the key(s) in ``value`` (a vkey or a file of vkeys); (key, newly added) for each.

    The file and its folder are private to the user (0600 / 0700): whoever can write to the
    trust list decides which logs verify.
    """
    try:
        keys = load_vkey(value)
    except BundleInputError as exc:
        raise ReelproofError(str(exc)) from None
    path, pinned = trusted()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    results = []
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        for key in keys:
            new = key not in pinned
            if new:
                fh.write(key.vkey() + "\n")
                pinned.append(key)
            results.append((key, new))
    return path, results
