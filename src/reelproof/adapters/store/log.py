"""The audit log's storage: entries, perfect Merkle nodes and signed checkpoints.

An entry is written in the same transaction as the row it records, so no change exists
without its entry. A checkpoint is signed at the end of every write transaction.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from reelproof.adapters.keys import LogKey
from reelproof.adapters.store import schema
from reelproof.core import canonical as canonical_json
from reelproof.core import merkle
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonMapping, JsonValue
from reelproof.verify import PREV_EXTENSION, Checkpoint, leaf_hash, sign_note

ENTRY_VERSION = 1


def canonical(obj: JsonValue) -> bytes:
    """RFC 8785 canonical JSON: the bytes that are hashed and signed."""
    return canonical_json.dumps(obj)


def row_digest(table: str, row: JsonMapping) -> str:
    """Digest over every recorded column of a row, so editing any column is detected."""
    return _digest({c: row[c] for c in schema.SIGNED_COLUMNS[table]})


def _digest(signed: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical(signed)).hexdigest()


def run_sql(  # Any: DBAPI parameters and rows
    conn: Connection, sql: str, params: Sequence[Any] = (), *, many: bool = False
) -> list[Any]:
    """Plain SQL with ``?`` placeholders on the open transaction's DBAPI cursor.

    Why: the log's fixed statements run on every write transaction, and SQLAlchemy's
    per-statement work (building and caching the expression, setting up results) cost more
    than the statements themselves. Only simple, portable SQL goes through here, and it does
    not insert a transaction's buffered rows first (see ``flush_rows_before_statements``).
    """
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it, so a busy or damaged store reads the same either way.
        raise DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


class DbNodes:
    """NodeReader over `log_nodes`, one query per batch of keys."""

    _CHUNK = 400

    def __init__(self, conn: Connection, pending: Mapping[tuple[int, int], bytes] | None = None):
        self.conn = conn
        self.pending = pending or {}

    def nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        """The stored (or pending) nodes among `keys`; missing ones are left out."""
        out: dict[tuple[int, int], bytes] = {}
        missing = []
        for k in keys:
            if k in self.pending:
                out[k] = self.pending[k]
            else:
                missing.append(k)
        # One `level = ? AND idx IN (…)` per level: both databases use the primary key for it
        # (SQLite scans the whole table for a row-value IN list).
        for i in range(0, len(missing), self._CHUNK):
            by_level: dict[int, list[int]] = {}
            for level, idx in missing[i : i + self._CHUNK]:
                by_level.setdefault(level, []).append(idx)
            where = " OR ".join(
                f"(level = ? AND idx IN ({', '.join('?' * len(ixs))}))" for ixs in by_level.values()
            )
            params = [v for lv, ixs in by_level.items() for v in (lv, *ixs)]
            for level, idx, h in run_sql(
                self.conn, f"SELECT level, idx, hash FROM log_nodes WHERE {where}", params
            ):
                out[(int(level), int(idx))] = bytes(h)
        return out


class _Remembered:
    """A NodeReader that keeps what it read: a write's root then needs no second query."""

    def __init__(self, reader: DbNodes, known: Mapping[tuple[int, int], bytes]) -> None:
        self.reader = reader
        self.known = dict(known)

    def nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        missing = [k for k in keys if k not in self.known]
        if missing:
            self.known.update(self.reader.nodes(missing))
        return {k: self.known[k] for k in keys if k in self.known}


def log_size(conn: Connection) -> int:
    """How many entries the log holds (the head)."""
    rows = run_sql(conn, "SELECT size FROM log_head WHERE id = 1")
    return int(rows[0][0]) if rows else 0


def origin(conn: Connection) -> str:
    """The log's origin (its name in checkpoints); an error when the store has no log yet."""
    value = conn.execute(
        sa.select(schema.meta.c.value).where(schema.meta.c.key == "log_origin")
    ).scalar()
    if value is None:  # (db imports this module: its StoreError is a ReelproofError too)
        raise ReelproofError("the store has no audit log yet; run `reelproof init`")
    return str(value)


WITNESSES_KEY = "witnesses"  # meta: the witnesses each new checkpoint is submitted to


def _largest_pk(table: str, dialect: str) -> str:
    """SQL for the largest pk ``table`` has handed out; the next row gets one more."""
    if dialect != "postgresql":
        return f"(SELECT max(pk) FROM {table})"
    # and the serial's: a deleted newest row's pk is never handed out again, as it never was
    serial = f"pg_sequence_last_value(pg_get_serial_sequence('{table}', 'pk')::regclass)"
    return f"GREATEST((SELECT max(pk) FROM {table}), {serial})"


_HEAD_SQL = {
    dialect: "SELECT size, (SELECT max(size) FROM checkpoints),"
    " (SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1),"
    f" (SELECT value FROM meta WHERE key = '{WITNESSES_KEY}'), "
    + ", ".join(_largest_pk(name, dialect) for name in schema.RECORDED)
    + " FROM log_head WHERE id = 1"
    for dialect in ("sqlite", "postgresql")
}


@dataclass(frozen=True)
class Head:
    """What a write transaction needs to know about the log, read in one statement.

    Read once the transaction holds the log head, so nothing here can change until it ends:
    log indexes and row pks (one more than the largest handed out) come from it without
    asking the database again.
    """

    size: int
    checkpoint: int  # size of the latest checkpoint (the next one names it)
    note: str | None  # the latest checkpoint's note: tells whether a cached tree edge holds
    witnesses: str | None  # meta's witness configuration (JSON), None when there is none
    pks: Mapping[str, int]  # largest pk of each recorded table (0 when empty)


def read_head(conn: Connection, *, lock: bool) -> Head:
    """The log head; ``lock`` first begins the transaction and takes the row lock that
    serialises PostgreSQL writers (see ``Store.write_at_head``).

    Three statements, sent together: BEGIN, then a ``FOR UPDATE`` that waited for another
    writer sees that writer's row but not, in its subqueries, what else it committed. The next
    statement of a READ COMMITTED transaction sees all of it.
    """
    if not lock:
        rows = run_sql(conn, _HEAD_SQL[conn.dialect.name])
    else:
        cursors = [conn.connection.cursor() for _ in range(3)]
        try:
            with _Pipeline(conn):
                cursors[0].execute("BEGIN")
                cursors[1].execute("SELECT id FROM log_head WHERE id = 1 FOR UPDATE")
                cursors[2].execute(_HEAD_SQL[conn.dialect.name])
            rows = list(cursors[2].fetchall())
        finally:
            for cursor in cursors:
                cursor.close()
    if not rows:  # a store whose log was never started: nothing to lock or hand out yet
        return Head(0, 0, None, None, {})
    size, checkpoint, note, witnesses, *pks = rows[0]
    return Head(
        int(size),
        int(checkpoint or 0),
        None if note is None else str(note),
        None if witnesses is None else str(witnesses),
        {name: int(pk or 0) for name, pk in zip(schema.RECORDED, pks, strict=True)},
    )


class _Pipeline(AbstractContextManager[None]):
    """Statements sent together, one round trip: psycopg's pipeline mode on PostgreSQL.

    Why: a write transaction starts with two statements (lock, head) and ends with five to
    seven whose results nobody reads; on PostgreSQL each would otherwise wait for its own
    reply. Results and errors arrive when the block ends, still inside the transaction. SQLite
    runs the statements as they come.
    """

    def __init__(self, conn: Connection) -> None:
        driver = conn.connection.driver_connection
        self._inner = None
        if conn.dialect.name == "postgresql" and driver is not None:
            self._inner = driver.pipeline()

    def __enter__(self) -> None:
        if self._inner is not None:
            self._inner.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._inner is not None:
            self._inner.__exit__(*exc)


@dataclass(frozen=True)
class _Insert:
    """Many rows into one table in one statement.

    SQLite: ``executemany`` (its loop runs in C). PostgreSQL: ``INSERT … SELECT FROM unnest``
    of one binary array per column: psycopg's ``executemany`` adapts and sends every row as a
    message of its own, in Python, five times the CPU for the same rows (and text-format
    arrays escape every quote of every JSON body with a regular expression).
    """

    sql: str
    arrays: bool

    @classmethod
    def of(cls, conn: Connection, table: sa.Table, columns: Sequence[str]) -> _Insert:
        key = (conn.dialect.name, table.name)
        made = _INSERTS.get(key)
        if made is None:
            quote = conn.dialect.identifier_preparer.quote
            head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
            if conn.dialect.name == "postgresql":
                types = [
                    conn.dialect.type_compiler_instance.process(table.c[c].type) for c in columns
                ]
                arrays = ", ".join(f"%b::{t}[]" for t in types)  # binary: nothing escaped
                made = cls(f"{head} SELECT * FROM unnest({arrays})", True)
            else:
                made = cls(f"{head} VALUES ({', '.join('?' * len(columns))})", False)
            _INSERTS[key] = made
        return made

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.arrays:
            run_sql(conn, self.sql, [list(column) for column in zip(*rows, strict=True)])
        else:
            run_sql(conn, self.sql, rows, many=True)


_INSERTS: dict[tuple[str, str], _Insert] = {}

# The writer of each open write transaction, so that its buffered rows are inserted before
# any other statement runs on that connection (see ``flush_rows_before_statements``). Weak
# values: an entry goes with its writer, and never keeps a connection or its engine alive.
_WRITERS: weakref.WeakValueDictionary[Connection, LogWriter] = weakref.WeakValueDictionary()


def flush_rows_before_statements(engine: sa.Engine) -> None:
    """Insert a write transaction's buffered rows before each statement SQLAlchemy runs on it.

    Why: ``record_row`` buffers its row and inserts all of a transaction's rows at once (one
    statement per table, inside the closing pipeline on PostgreSQL). With this hook every
    query the transaction makes through SQLAlchemy still sees every row recorded before it,
    exactly as if each had been inserted at once. ``run_sql`` does not flush: it is only used
    on the log's own tables (entries, nodes, checkpoints, head, meta), which hold no buffered
    rows.
    """
    event.listen(engine, "before_cursor_execute", _before_statement)


def _before_statement(conn: Connection, *_args: Any) -> None:
    writer = _WRITERS.get(conn)
    if writer is not None and writer.rows:
        writer.flush_rows()


@dataclass
class LogWriter:
    """Buffers the entries and recorded rows of one transaction; `close()` stores them with
    the Merkle nodes they complete and signs a checkpoint.

    ``head`` was read while the transaction holds the log head (``Store.write_at_head``).
    ``edge`` may hold the stored nodes of the tree's right edge at ``head.size`` (what an
    append needs), as a previous writer on this machine left them; else they are read.
    With ``key`` None the writer appends without signing: a separate signer, the one holder
    of the key, signs the checkpoint afterwards (``adapters.signer``).
    """

    conn: Connection
    key: LogKey | None
    actor: str
    time: str
    head: Head
    edge: Mapping[tuple[int, int], bytes] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    rows: dict[_Insert, list[tuple[Any, ...]]] = field(default_factory=dict)
    appended: bool = False
    signed_note: str | None = None  # the note close() signed, if it signed one
    _pks: dict[str, int] = field(default_factory=dict)  # last pk handed out, by table
    _inserts: dict[str, _Insert] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start, self.prev_checkpoint = self.head.size, self.head.checkpoint
        _WRITERS[self.conn] = self

    @property
    def next_index(self) -> int:
        """The index the next appended entry gets."""
        return self.start + len(self.bodies)

    def append(self, kind: str, subject: JsonMapping, detail: JsonMapping) -> int:
        """Buffer an entry (hashed into the tree at `close`); returns its index."""
        index = self.next_index
        entry = {
            "v": ENTRY_VERSION,
            "index": index,
            "kind": kind,
            "actor": self.actor,
            "time": self.time,
            "subject": dict(subject),
            **detail,
        }
        self.bodies.append(canonical(entry))
        return index

    def record_row(
        self,
        table: sa.Table,
        values: JsonMapping,
        kind: str,
        subject: JsonMapping,
    ) -> tuple[int, int]:
        """Record a row and its log entry; returns (pk, log_index).

        ``values`` holds every column but pk and log_index (None for NULL). The row is
        inserted before the transaction's next statement or at ``close()``, whichever comes
        first.
        """
        index = self.next_index
        pk = self._next_pk(table.name)
        signed = {c: values[c] for c in schema.SIGNED_COLUMNS[table.name]}
        insert = self._inserts.get(table.name)
        if insert is None:
            insert = _Insert.of(self.conn, table, ("pk", *signed, "log_index"))
            self._inserts[table.name] = insert
        self.rows.setdefault(insert, []).append((pk, *signed.values(), index))
        self.append(
            kind,
            subject,
            {"row": {"table": table.name, "pk": pk}, "digest": _digest(signed)},
        )
        return pk, index

    def _next_pk(self, table: str) -> int:
        pk = self._pks.get(table, self.head.pks.get(table, 0)) + 1
        self._pks[table] = pk
        return pk

    def flush_rows(self) -> None:
        """Insert the buffered rows, one statement per table."""
        rows, self.rows = self.rows, {}
        for insert, params in rows.items():
            insert.run(self.conn, params)

    def close(self, *, commit: bool = False) -> Checkpoint | None:
        """Store rows, entries and nodes, move the head, sign a checkpoint if this writer
        holds the key. None when nothing was signed (nothing new, or the signer signs).

        ``commit``: end the transaction too, its COMMIT sent with the last writes (in the same
        round trip on PostgreSQL); it returns once the commit is durable, and SQLAlchemy's
        own commit after it finds no transaction left.
        """
        if not self.bodies:
            if commit:
                run_sql(self.conn, "COMMIT")
            return None
        leaves = [leaf_hash(b) for b in self.bodies]
        reader = _Remembered(DbNodes(self.conn), self.edge)
        new_nodes = merkle.nodes_completed_by_append(self.start, leaves, reader)
        reader.known.update(((lv, ix), h) for lv, ix, h in new_nodes)
        size = self.start + len(self.bodies)
        signed = None
        if self.key is not None:
            signed = sign(self.key, size, merkle.root(size, reader), self.prev_checkpoint)
        entries = [(self.start + i, b.decode()) for i, b in enumerate(self.bodies)]
        conn = self.conn
        with _Pipeline(conn):
            self.flush_rows()
            _Insert.of(conn, schema.log_entries, ("idx", "body")).run(conn, entries)
            _Insert.of(conn, schema.log_nodes, ("level", "idx", "hash")).run(conn, new_nodes)
            self._move_head(size)
            if signed is not None:
                store_checkpoint(conn, size, signed[1], self.time)
            if commit:
                run_sql(conn, "COMMIT")
        self.edge = {k: reader.known[k] for k in merkle.edge_keys(size)}
        self.appended = True
        self.bodies = []
        self.start = size
        if signed is None:
            return None
        self.prev_checkpoint = size
        self.signed_note = signed[1]
        return signed[0]

    def _move_head(self, size: int) -> None:
        """Store the new size; on PostgreSQL also move each serial past the pks handed out
        (in the same statement), so that an INSERT leaving pk out still gets a free one."""
        if self.conn.dialect.name != "postgresql" or not self._pks:
            run_sql(self.conn, "UPDATE log_head SET size = ? WHERE id = 1", (size,))
            return
        serials = ", ".join(
            f"setval(pg_get_serial_sequence('{table}', 'pk'), ?)" for table in self._pks
        )
        run_sql(
            self.conn,
            f"UPDATE log_head SET size = ? FROM (SELECT {serials}) AS serials WHERE id = 1",
            (size, *self._pks.values()),
        )


def sign(key: LogKey, size: int, root: bytes, prev: int) -> tuple[Checkpoint, str]:
    """The checkpoint of the tree of ``size`` leaves and its signed note.

    The key is named after the origin; the extension line names ``prev``, the size of the
    checkpoint before it, so deleting an older checkpoint leaves a visible gap.
    """
    cp = Checkpoint(key.name, size, root, (f"{PREV_EXTENSION}{prev}",))
    return cp, sign_note(cp.body(), key.name, key.private_key, key_id=key.key_id)


def store_checkpoint(conn: Connection, size: int, note: str, time: str) -> None:
    """Keep a signed checkpoint, so verifiers can later check consistency against it."""
    run_sql(
        conn,
        "INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)",
        (size, note, time),
    )


def sign_checkpoint(
    conn: Connection,
    key: LogKey,
    size: int,
    time: str,
    prev: int,
    reader: merkle.NodeReader | None = None,
) -> Checkpoint:
    """Sign and store the checkpoint of the tree of ``size`` leaves (see ``sign``)."""
    cp, note = sign(key, size, merkle.root(size, reader or DbNodes(conn)), prev)
    store_checkpoint(conn, size, note, time)
    return cp


def iter_entries(
    conn: Connection, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, str]]:
    """Entries `start` to `end` (exclusive), streamed in order, as stored JSON text."""
    t = schema.log_entries
    q = sa.select(t.c.idx, t.c.body).where(t.c.idx >= start).order_by(t.c.idx)
    if end is not None:
        q = q.where(t.c.idx < end)
    for idx, body in conn.execution_options(yield_per=2000).execute(q):
        yield int(idx), str(body)


def latest_checkpoint(conn: Connection) -> str | None:
    """The newest signed checkpoint note, or None when nothing is logged yet."""
    t = schema.checkpoints
    note = conn.execute(sa.select(t.c.note).order_by(t.c.size.desc()).limit(1)).scalar()
    return None if note is None else str(note)


def checkpoint_notes(
    conn: Connection, *, upto: int | None = None, newest: int | None = None
) -> list[tuple[int, str]]:
    """(size, signed note) of stored checkpoints, oldest first: all, those up to size `upto`,
    or only the `newest` few of those."""
    t = schema.checkpoints
    q = sa.select(t.c.size, t.c.note).order_by(t.c.size.desc())
    if upto is not None:
        q = q.where(t.c.size <= upto)
    if newest is not None:
        q = q.limit(newest)
    return [(int(size), str(note)) for size, note in reversed(conn.execute(q).all())]


def replace_checkpoint_note(conn: Connection, size: int, note: str) -> None:
    """Re-signed note of the checkpoint at `size` (a key rotation adds a signature)."""
    t = schema.checkpoints
    conn.execute(t.update().where(t.c.size == size).values(note=note))


def node_count(conn: Connection) -> int:
    """How many Merkle nodes are stored; `log verify` finds nodes that belong to no entry."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(schema.log_nodes)).scalar_one())


RECORDED_TABLES = tuple(schema.RECORDED)


def recorded_rows(conn: Connection, table: str) -> Iterator[JsonMapping]:
    """Every row of a recorded table, streamed in pk order, as column -> value.

    Any: the columns differ per table; `row_digest` hashes them as they are stored."""
    t = schema.RECORDED[table]
    for row in conn.execution_options(yield_per=2000).execute(sa.select(t).order_by(t.c.pk)):
        yield cast("JsonMapping", row._mapping)
