"""The database: SQLite (WAL, durable) by default, PostgreSQL for teams.

Writers are serialised on the log head, so every transaction gets a contiguous run of log
indexes: on SQLite with BEGIN IMMEDIATE, on PostgreSQL with SELECT … FOR UPDATE.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from reelproof.adapters.store import schema
from reelproof.core.errors import ReelproofError

DEFAULT_DIR = ".reelproof"
DEFAULT_DB = f"{DEFAULT_DIR}/reelproof.db"


__all__ = [
    "DEFAULT_DB",
    "DEFAULT_DIR",
    "Connection",
    "Store",
    "StoreError",
    "Unavailable",
    "default_url",
    "resolve_url",
]

# The database went away or stayed locked past the busy timeout (an interface says so, exit 2).
Unavailable = OperationalError


class StoreError(ReelproofError):
    """The database cannot be reached or is not initialised."""


def default_url(cwd: Path | None = None) -> str:
    """The SQLite store in the working folder's `.reelproof/`."""
    base = (cwd or Path.cwd()) / DEFAULT_DB
    return f"sqlite:///{base}"


def resolve_url(url: str | None) -> str:
    """The URL given, else $REELPROOF_DB, else the default SQLite store."""
    return url or os.environ.get("REELPROOF_DB") or default_url()


def _sqlite_path(url: sa.URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _create_private(path: Path) -> None:
    """Create the SQLite file 0600 in a 0700 folder before SQLite does, so consent terms and
    compensation are never readable by other local users (SQLite gives -wal and -shm files
    the database file's mode)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _make_engine(url_text: str) -> Engine:
    try:
        url = sa.make_url(url_text)
    except ArgumentError:
        raise StoreError(
            f"--db {url_text!r} is not a database URL; expected e.g. sqlite:///path/to.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:  # Any: the DBAPI connection
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if url.get_backend_name() == "postgresql":
        return sa.create_engine(url, pool_pre_ping=True)
    raise StoreError(
        f"unsupported database {url.get_backend_name()!r} in --db; use sqlite or postgresql"
    )


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("reelproof.adapters.store") / "migrations")
    )
    return cfg


class Store:
    """One database. `write()` is the only way to change it; it serialises writers."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = _make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._ready = False

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for PostgreSQL and in-memory stores."""
        return _sqlite_path(self.engine.url)

    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        path = self.sqlite_path
        if path is not None:
            _create_private(path)
        cfg = _alembic_config()
        with self._connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            exists = conn.execute(sa.select(schema.log_head.c.id)).first()
            if exists is None:
                conn.execute(schema.log_head.insert().values(id=1, size=0))

    def is_current(self) -> bool:
        """Whether the store exists and has the newest schema."""
        path = self.sqlite_path
        if path is not None and not path.exists():
            return False
        with self._connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        return current is not None and current == head

    def require_ready(self) -> None:
        """Checked once per Store: reading the migration scripts costs milliseconds."""
        if self._ready:
            return
        if not self.is_current():
            raise StoreError(
                f"no reelproof store at {self.display_url()}; run `reelproof init` first"
                " (or pass --db / set REELPROOF_DB)"
            )
        self._ready = True

    def _damaged(self, exc: DatabaseError) -> StoreError | None:
        """A corrupt or foreign SQLite file (not a busy or missing one): a clear error, exit 2."""
        if not self.is_sqlite or type(exc.orig) is not sqlite3.DatabaseError:
            return None
        return StoreError(
            f"{self.sqlite_path}: the database file is damaged ({exc.orig}); restore it from a "
            "backup, or check that --db names a reelproof store"
        )

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {self.display_url()}: {exc.orig}") from None
        except DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None
        try:
            yield conn
        except DatabaseError as exc:
            damaged = self._damaged(exc)
            if damaged is None:
                raise
            raise damaged from None
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction."""
        with self._connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that holds the log head: one writer at a time, all or nothing."""
        with self._connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if not self.is_sqlite:
                    conn.execute(
                        sa.select(schema.log_head.c.size)
                        .where(schema.log_head.c.id == 1)
                        .with_for_update()
                    )
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
