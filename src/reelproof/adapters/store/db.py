"""The database: SQLite (WAL, durable) by default, PostgreSQL for teams.

Writers are serialised on the log head, so every transaction gets a contiguous run of log
indexes: on SQLite with BEGIN IMMEDIATE, on PostgreSQL with SELECT … FOR UPDATE.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import Head, flush_rows_before_statements, read_head
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


def lock_timeout_s() -> float:
    """How long a writer waits for another's lock before giving up with a clear message:
    seconds, not minutes, so a script never hangs; $REELPROOF_LOCK_TIMEOUT for long applies."""
    text = os.environ.get("REELPROOF_LOCK_TIMEOUT", "10")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise StoreError(f"REELPROOF_LOCK_TIMEOUT={text!r}: expected seconds, 0 < s <= 3600")
    return value


def _is_lock_timeout(exc: OperationalError) -> bool:
    """SQLite's busy timeout or PostgreSQL's lock_timeout ran out (SQLSTATE 55P03)."""
    orig = exc.orig
    return "database is locked" in str(orig) or getattr(orig, "sqlstate", None) == "55P03"


def _make_engine(url_text: str) -> Engine:
    try:
        return _create_engine(url_text)
    except (ArgumentError, ImportError) as exc:  # e.g. a driver that is not installed
        raise StoreError(
            f"--db {url_text!r}: cannot use this database URL ({exc}); expected e.g. "
            "sqlite:///path/to.db or postgresql+psycopg://user@host/dbname"
        ) from None


def _create_engine(url_text: str) -> Engine:
    try:
        url = sa.make_url(url_text)
    except ArgumentError:
        raise StoreError(
            f"--db {url_text!r} is not a database URL; expected e.g. sqlite:///path/to.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    if url.get_backend_name() == "sqlite":
        wait = lock_timeout_s()
        engine = sa.create_engine(url, connect_args={"timeout": wait})
        flush_rows_before_statements(engine)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:  # Any: the DBAPI connection
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
            cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")  # SQLAlchemy's: its errors say busy / damaged

        return engine
    if url.get_backend_name() == "postgresql":
        # Added to the URL's own libpq options (a search_path, say), never replacing them.
        options = f"{url.query.get('options', '')} -c lock_timeout={int(lock_timeout_s() * 1000)}"
        url = url.update_query_dict({"options": options.strip()})
        engine = sa.create_engine(url)
        flush_rows_before_statements(engine)
        _ping_when_idle(engine)
        return engine
    raise StoreError(
        f"unsupported database {url.get_backend_name()!r} in --db; use sqlite or postgresql"
    )


PING_IDLE_S = 1.0  # a pooled PostgreSQL connection idle this long is pinged before use


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for ``PING_IDLE_S``.

    Why: ``pool_pre_ping`` costs a round trip on every checkout, a quarter of a one-row write
    transaction. A connection back in the pool a moment ago is alive unless the server went
    away in that moment (the statement then fails and the command says so); one that sat idle
    may have been dropped by a restart or a firewall, and is replaced without an error.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:  # Any: pool internals
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:  # Any: pool internals
        since = record.info.get("idle_since")  # none: connected just now
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc  # the pool reconnects


# The newest migration; a test checks it against the migration scripts. Knowing it here
# lets every command check the store without importing Alembic (a third of `decide ID`).
SCHEMA_HEAD = "0004_accounts"


def _alembic_config() -> Any:  # alembic.config.Config, imported only to migrate
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("reelproof.adapters.store") / "migrations")
    )
    return cfg


@contextmanager
def _own_begin(conn: Connection) -> Iterator[None]:
    """A PostgreSQL transaction whose BEGIN we send, with the statements after it.

    Why: psycopg sends its own BEGIN and waits for the reply before the first statement, a
    round trip of its own on every write. With the driver in autocommit for the transaction,
    ``read_head`` sends BEGIN in the same pipeline as the lock and the head; the driver's
    commit and rollback still end the transaction it finds open. Autocommit is turned off
    again once the transaction is over, or the connection is not reused.
    """
    driver: Any = conn.connection.driver_connection  # Any: a psycopg connection
    driver.autocommit = True
    try:
        yield
    finally:
        if driver.closed or driver.info.transaction_status.name != "IDLE":
            conn.invalidate()
        else:
            driver.autocommit = False


# Alembic's own record of the newest migration applied, as Alembic creates it.
_VERSION = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _stamp(conn: Connection, tables: set[str]) -> str | None:
    """The store's migration, or None when it has none."""
    if _VERSION.name not in tables:
        return None
    current: str | None = conn.execute(sa.select(_VERSION.c.version_num)).scalar()
    return current


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
        """Create or upgrade the schema to the newest migration.

        Alembic (and the template engine it imports) costs a third of `init`, so it runs only
        for a store that has an older schema: an empty database gets the newest tables
        straight from `schema` (a test checks they equal what the migrations build) and the
        migration stamp; a current store is left as it is."""
        path = self.sqlite_path
        if path is not None:
            _create_private(path)
        with self._connect() as conn, conn.begin():
            tables = set(sa.inspect(conn).get_table_names())
            if not tables:
                schema.metadata.create_all(conn)
                _VERSION.create(conn)
                conn.execute(_VERSION.insert().values(version_num=SCHEMA_HEAD))
            elif _stamp(conn, tables) != SCHEMA_HEAD:
                from alembic import command

                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            exists = conn.execute(sa.select(schema.log_head.c.id)).first()
            if exists is None:
                conn.execute(schema.log_head.insert().values(id=1, size=0))
        if self.is_sqlite and not tables:
            # The new schema goes into the database file itself, not only its WAL, as the
            # migrations' table copies used to leave it (a damaged file is then seen as such).
            with self._connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def is_current(self) -> bool:
        """Whether the store exists and has the newest schema."""
        path = self.sqlite_path
        if path is not None and not path.exists():
            return False
        with self._connect() as conn:
            return _stamp(conn, set(sa.inspect(conn).get_table_names())) == SCHEMA_HEAD

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
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            raise StoreError(
                f"the store {self.display_url()} is busy: another reelproof command held its "
                f"lock for more than {lock_timeout_s():g} s; run this again when it has "
                "finished, or set REELPROOF_LOCK_TIMEOUT (seconds) to wait longer"
            ) from None
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
    def unlogged(self) -> Iterator[Connection]:
        """A transaction for rows outside the audit log (web sessions, token use): it takes
        no log lock, so a login never waits behind a long logged write."""
        with self._connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that holds the log head: one writer at a time, all or nothing."""
        with self.write_at_head() as (conn, _head):
            yield conn

    @contextmanager
    def write_at_head(self) -> Iterator[tuple[Connection, Head]]:
        """``write()``, and the log head it holds, read once the lock is taken (BEGIN
        IMMEDIATE on SQLite, a row lock on PostgreSQL): no other writer can move it until
        this transaction ends."""
        with self._connect() as conn:
            if self.is_sqlite:
                with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                    yield conn, read_head(conn, lock=False)
                return
            with _own_begin(conn), conn.begin():
                yield conn, read_head(conn, lock=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
