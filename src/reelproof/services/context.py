"""What every use case needs: the store, the log key, who is acting and the clock."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reelproof.adapters.config import Config, load_config
from reelproof.adapters.keys import KeyUnavailable, LogKey, load_key_file
from reelproof.adapters.store import meta
from reelproof.adapters.store.db import DEFAULT_DIR, Connection, Store
from reelproof.adapters.store.log import Head, LogWriter, origin
from reelproof.core.errors import ReelproofError
from reelproof.core.merkle import NodeKey

if TYPE_CHECKING:
    from reelproof.adapters.witness import Target


def default_key_path(store: Store) -> Path:
    """$REELPROOF_LOG_KEY, else the key file beside the SQLite store (or in ./.reelproof)."""
    env = os.environ.get("REELPROOF_LOG_KEY")
    if env:
        return Path(env)
    db = store.sqlite_path
    base = db.parent if db is not None else Path.cwd() / DEFAULT_DIR
    return base / "log-signing.key"


def default_actor(config: Config | None = None) -> str:
    """Who is acting: $REELPROOF_ACTOR, else the configured `[identity] user`, else the OS
    user. The web app will make it the logged-in account."""
    env = os.environ.get("REELPROOF_ACTOR")
    if env:
        return env
    if config is not None and config.user:
        return config.user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def utc_now() -> dt.datetime:
    """The default clock; tests and rehearsals pass their own."""
    return dt.datetime.now(dt.UTC)


def iso(ts: dt.datetime) -> str:
    """A timestamp as the log records it: UTC, microseconds, `Z`."""
    return ts.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _witnesses(configured: str | None) -> list[Target]:
    """The witnesses to ask after a new checkpoint (the HTTP client loads only if any)."""
    if configured is None:
        return []
    from reelproof.adapters import witness

    return witness.targets(configured)


class _RolledBack(Exception):
    """Raised at the end of a rehearsal so that its transaction is rolled back."""


@dataclass
class Unit:
    """One write transaction and the log entries it appends."""

    conn: Connection
    log: LogWriter
    now: dt.datetime

    @property
    def actor(self) -> str:
        """Who is acting, as the log records it."""
        return self.log.actor

    @property
    def today(self) -> dt.date:
        """The transaction's day, by which consent terms and pack dates are judged."""
        return self.now.date()


@dataclass
class Context:
    """What every use case needs: the store, the log key, who acts and the clock."""

    store: Store
    key_path: Path
    actor: str = field(default_factory=default_actor)
    clock: Callable[[], dt.datetime] = utc_now
    _key: LogKey | None = None
    _config: Config | None = None
    # The right edge of the tree this context last signed: (size, note, nodes). The next
    # write needs those nodes; they still hold while the latest checkpoint is that note.
    _edge: tuple[int, str, Mapping[NodeKey, bytes]] | None = None

    @classmethod
    def open(cls, db: str | None = None, *, actor: str | None = None) -> Context:
        """A context for the store at `db` (default as on the command line), acting as `actor`."""
        store = Store(db)
        config = load_config()
        ctx = cls(store, default_key_path(store), actor or default_actor(config))
        ctx._config = config
        return ctx

    def config(self) -> Config:
        """The studio's configuration file (read once)."""
        if self._config is None:
            self._config = load_config()
        return self._config

    def key(self, conn: Connection) -> LogKey:
        """The signing key, refused unless it is the key the store's log is verified with."""
        if self._key is None:
            key = load_key_file(self.key_path, origin(conn))
            expected = self.meta(conn, "log_vkey")
            if expected is not None and key.vkey != expected:
                raise ReelproofError(
                    f"{self.key_path}: this is not the signing key of this store's audit log "
                    f"({expected}); set REELPROOF_LOG_KEY to the right key file"
                )
            self._key = key
        return self._key

    @contextmanager
    def write(self) -> Iterator[Unit]:
        """One write transaction that appends to the log and signs a checkpoint when it commits;
        witnesses and the separate signer are asked after the commit."""
        self.store.require_ready()
        signer_url = None
        with self.store.write_at_head() as (conn, head):
            now = self.clock()
            try:
                key: LogKey | None = self.key(conn)
            except KeyUnavailable:  # a team's writer: the separate signer holds the key
                from reelproof.adapters import signer  # the HTTP client: only for such writers

                signer_url = signer.configured_url(conn)
                if signer_url is None:
                    raise
                key = None
            log = LogWriter(conn, key, self.actor, iso(now), head, self._edge_at(head))
            unit = Unit(conn, log, now)
            yield unit
            configured = _witnesses(head.witnesses)  # before the commit: it may raise
            made = log.close(commit=True)
            targets = configured if made is not None else []
        if log.signed_note is not None:  # committed: the next write may start from its edge
            self._edge = (log.start, log.signed_note, log.edge)
        if targets:  # after the commit: a witness must never cosign what might roll back
            from reelproof.adapters import witness

            witness.submit_latest(self.store, targets)
        if signer_url is not None and unit.log.appended:
            from reelproof.adapters import signer

            signer.request(signer_url)

    def _edge_at(self, head: Head) -> Mapping[NodeKey, bytes]:
        if self._edge is None:
            return {}
        size, note, nodes = self._edge
        return nodes if head.size == size and head.note == note else {}

    @contextmanager
    def rehearse(self) -> Iterator[Unit]:
        """A write transaction that is always rolled back: what a change would do, exactly as
        it would do it, without doing it (`standards impact` is `publish` rehearsed)."""
        self.store.require_ready()
        try:
            with self.store.write_at_head() as (conn, head):
                now = self.clock()
                try:
                    key: LogKey | None = self.key(conn)
                except KeyUnavailable:  # nothing is signed in a rehearsal: no key needed
                    key = None
                log = LogWriter(conn, key, self.actor, iso(now), head, self._edge_at(head))
                yield Unit(conn, log, now)
                raise _RolledBack
        except _RolledBack:
            pass

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction on a store that is initialised and current."""
        self.store.require_ready()
        with self.store.read() as conn:
            yield conn

    def meta(self, conn: Connection, key: str) -> str | None:
        """A store setting (log origin, log key…), or None."""
        return meta.get(conn, key)
