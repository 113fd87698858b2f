"""The separate signer: the one holder of the checkpoint key for a team's store.

Writers append entries without the key; the signer signs a checkpoint of the log's head. It
keeps its own record (beside the key, never in the database) of the last size and root it
signed, and signs only a tree whose consistency proof from that record verifies and whose new
leaves and nodes it recomputed from the stored entries: a writer with database access can add
entries, but cannot make the signer sign a rewritten or rolled-back history.

On a laptop the writer holds the key and signs as it writes (no signer needed). For a team,
`reelproof log signer serve` runs this behind ``POST /sign`` and `reelproof log signer use URL`
tells writers where it is; writers without the key then call it after each commit.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters import witness
from reelproof.adapters.httpd import Answer, post, text_server
from reelproof.adapters.keys import LogKey
from reelproof.adapters.store import schema
from reelproof.adapters.store.db import Store
from reelproof.adapters.store.log import (
    DbNodes,
    iter_entries,
    latest_checkpoint,
    log_size,
    run_sql,
    sign_checkpoint,
)
from reelproof.core import merkle
from reelproof.core.errors import ReelproofError
from reelproof.verify import (
    VerificationError,
    leaf_hash,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    verify_consistency,
    verify_note,
)

log = logging.getLogger(__name__)
_META_KEY = "signer_url"


class SignerRefused(ReelproofError):
    """The head is not an extension of what this signer signed: nothing was signed."""

    exit_code = 1


@dataclass
class Signer:
    """Signs checkpoints of one store's log, remembering the last one it signed."""

    store: Store
    key: LogKey
    record: Path
    now: Callable[[], str]  # the time stamped on a checkpoint row, as ISO 8601
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recorded(self, conn: Connection) -> tuple[int, bytes]:
        """The signer's own memory; on first start, the store's latest checkpoint by its key."""
        try:
            data = json.loads(self.record.read_text(encoding="utf-8"))
            return int(data["size"]), base64.b64decode(data["root"])
        except FileNotFoundError:
            pass
        note = latest_checkpoint(conn)
        if note is None:
            return 0, merkle.root(0, DbNodes(conn))
        try:
            cp = parse_checkpoint(verify_note(note, [parse_vkey(self.key.vkey)]).body)
        except VerificationError as exc:
            raise SignerRefused(f"the store's latest checkpoint is not this key's: {exc}") from None
        return cp.size, cp.root

    def _remember(self, size: int, root: bytes) -> None:
        tmp = self.record.with_name(self.record.name + ".tmp")
        data = {"size": size, "root": base64.b64encode(root).decode()}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.record)

    def sign_head(self) -> str:
        """Sign the log's head if it extends what this signer signed; returns the note."""
        with self._lock:
            with self.store.write() as conn:  # holds the head: no writer moves it meanwhile
                old, old_root = self._recorded(conn)
                size = log_size(conn)
                if size < old:
                    raise SignerRefused(
                        f"the log has {size} entries but this signer signed {old}: rollback"
                    )
                if size == old:  # nothing new: the checkpoint this signer made is the answer
                    note = latest_checkpoint(conn)
                    if note is None or parse_checkpoint(parse_note(note).body).root != old_root:
                        raise SignerRefused(f"the checkpoint of size {size} is not the one signed")
                    return note
                self._check_extension(conn, old, old_root, size)
                prev = run_sql(conn, "SELECT max(size) FROM checkpoints")[0][0] or 0
                cp = sign_checkpoint(conn, self.key, size, self.now(), int(prev))
                note = str(latest_checkpoint(conn))
                targets = witness.configured(conn)
            self._remember(cp.size, cp.root)  # after the commit, so never ahead of the store
        if targets:
            witness.submit_latest(self.store, targets)
        return note

    def _check_extension(self, conn: Connection, old: int, old_root: bytes, size: int) -> None:
        reader = DbNodes(conn)
        root = merkle.root(size, reader)
        if old:
            proof = merkle.consistency_proof(old, size, reader)
            try:
                verify_consistency(old, size, proof, old_root, root)
            except VerificationError as exc:
                raise SignerRefused(
                    f"the log no longer extends the checkpoint of size {old} this signer "
                    f"signed (history rewritten): {exc}"
                ) from None
        leaves: list[bytes] = []
        for idx, body in iter_entries(conn, old, size):
            if idx != old + len(leaves):
                raise SignerRefused(f"entry {old + len(leaves)} is missing")
            leaves.append(leaf_hash(body.encode()))
        if len(leaves) != size - old:
            raise SignerRefused(f"the head says {size} entries, {old + len(leaves)} are stored")
        made = merkle.nodes_completed_by_append(old, leaves, reader)
        stored = reader.nodes([(lv, ix) for lv, ix, _ in made])
        for lv, ix, h in made:
            if stored.get((lv, ix)) != h:
                raise SignerRefused(
                    f"stored Merkle node (level {lv}, index {ix}) is not the entries'"
                )


def serve(signer: Signer, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """``POST /sign``: 200 with the signed note, 409 with the reason when it refuses."""

    def sign(_body: bytes) -> Answer:
        try:
            return Answer(200, signer.sign_head())
        except ReelproofError as exc:
            log.warning("signer refused: %s", exc)
            return Answer(409, f"{exc}\n")

    return text_server({"/sign": sign}, host, port)


def configured_url(conn: Connection) -> str | None:
    """Where writers without the key ask for checkpoints (None: writers sign themselves)."""
    value = conn.execute(
        sa.select(schema.meta.c.value).where(schema.meta.c.key == _META_KEY)
    ).scalar()
    return None if value is None else str(value)


def use(store: Store, url: str) -> None:
    """Tell writers of this store where its signer is."""
    if not url.startswith(("http://", "https://")):
        raise ReelproofError(f"signer URL {url!r}: expected http://host:port or https://…")
    store.require_ready()
    with store.write() as conn:
        conn.execute(schema.meta.delete().where(schema.meta.c.key == _META_KEY))
        conn.execute(schema.meta.insert().values(key=_META_KEY, value=url.rstrip("/")))


def request(url: str, timeout: float = 30.0) -> str | None:
    """Ask the signer to sign the head; the problem when it did not (the write stands)."""
    status, body, _kind = post(f"{url}/sign", "", timeout)
    if status == 200:
        return None
    problem = f"signer {url} did not sign ({status or 'no answer'}): {body.strip()}"
    log.warning("%s; the new entries wait for a checkpoint", problem)
    return problem
