"""The audit log's storage: entries, perfect Merkle nodes and signed checkpoints.

An entry is written in the same transaction as the row it records, so no change exists
without its entry. A checkpoint is signed at the end of every write transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.keys import LogKey
from reelproof.adapters.store import schema
from reelproof.core import canonical as canonical_json
from reelproof.core import merkle
from reelproof.core.json_types import JsonMapping, JsonValue
from reelproof.verify import PREV_EXTENSION, Checkpoint, leaf_hash, sign_note

ENTRY_VERSION = 1


def canonical(obj: JsonValue) -> bytes:
    """RFC 8785 canonical JSON: the bytes that are hashed and signed."""
    return canonical_json.dumps(obj)


def row_digest(table: str, row: JsonMapping) -> str:
    """Digest over every recorded column of a row, so editing any column is detected."""
    cols = schema.SIGNED_COLUMNS[table]
    return "sha256:" + hashlib.sha256(canonical({c: row[c] for c in cols})).hexdigest()


def run_sql(  # Any: DBAPI parameters and rows
    conn: Connection, sql: str, params: Sequence[Any] = (), *, many: bool = False
) -> list[Any]:
    """Plain SQL with ``?`` placeholders on the open transaction's DBAPI cursor.

    Why: the log's fixed statements run on every write transaction, and SQLAlchemy's
    per-statement work (building and caching the expression, setting up results) cost more
    than the statements themselves. Only simple, portable SQL goes through here.
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
    if value is None:
        from reelproof.adapters.store.db import StoreError

        raise StoreError("the store has no audit log yet; run `reelproof init`")
    return str(value)


_INSERTS: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, tuple[str, ...]]] = {}


def _insert_returning_pk(conn: Connection, table: sa.Table, row: JsonMapping) -> int:
    """INSERT … RETURNING pk on the DBAPI cursor of the open transaction.

    Why: this runs once per recorded row, and SQLAlchemy's per-execute work (cache key,
    result set-up) cost more than the insert itself. The statement is compiled by SQLAlchemy
    once per dialect and table; the recorded tables' column types need no bind processing.
    Columns left out of ``row`` are inserted as NULL, as an INSERT naming them would.
    """
    key = (conn.dialect.name, table.name)
    if key not in _INSERTS:
        cols = tuple(c.name for c in table.columns if c.name != "pk")
        stmt = table.insert().values({c: sa.bindparam(c) for c in cols}).returning(table.c.pk)
        compiled = stmt.compile(dialect=conn.dialect)
        order = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )
        _INSERTS[key] = (str(compiled), order, cols)
    sql, order, cols = _INSERTS[key]
    # Any: DBAPI parameters, positional or named by the dialect
    params: Any = tuple(row.get(c) for c in order) if order else {c: row.get(c) for c in cols}
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0]  # type: ignore[index]  # RETURNING gives one row
    finally:
        cursor.close()
    return int(pk)


@dataclass
class LogWriter:
    """Buffers the entries of one transaction; `close()` hashes them into the tree.

    With ``key`` None the writer appends without signing: a separate signer, the one holder
    of the key, signs the checkpoint afterwards (``adapters.signer``).
    """

    conn: Connection
    key: LogKey | None
    actor: str
    time: str
    start: int = 0
    bodies: list[bytes] = field(default_factory=list)
    appended: bool = False

    def __post_init__(self) -> None:
        rows = run_sql(
            self.conn, "SELECT size, (SELECT max(size) FROM checkpoints) FROM log_head WHERE id = 1"
        )
        self.start = int(rows[0][0]) if rows else 0
        self.prev_checkpoint = int(rows[0][1] or 0) if rows else 0  # chained by the next one

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
        """Insert a recorded row and its log entry; returns (pk, log_index)."""
        index = self.next_index
        pk = _insert_returning_pk(self.conn, table, {**values, "log_index": index})
        self.append(
            kind,
            subject,
            {"row": {"table": table.name, "pk": pk}, "digest": row_digest(table.name, values)},
        )
        return pk, index

    def close(self) -> Checkpoint | None:
        """Store entries and nodes, move the head, sign a checkpoint if this writer holds the
        key. None when nothing was signed (nothing new, or the signer signs)."""
        if not self.bodies:
            return None
        leaves = [leaf_hash(b) for b in self.bodies]
        reader = _Remembered(DbNodes(self.conn), {})
        new_nodes = merkle.nodes_completed_by_append(self.start, leaves, reader)
        reader.known.update(((lv, ix), h) for lv, ix, h in new_nodes)
        entries = [(self.start + i, b.decode()) for i, b in enumerate(self.bodies)]
        run_sql(self.conn, "INSERT INTO log_entries (idx, body) VALUES (?, ?)", entries, many=True)
        run_sql(
            self.conn,
            "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)",
            new_nodes,
            many=True,
        )
        size = self.start + len(self.bodies)
        run_sql(self.conn, "UPDATE log_head SET size = ? WHERE id = 1", (size,))
        cp = None
        if self.key is not None:
            cp = sign_checkpoint(self.conn, self.key, size, self.time, self.prev_checkpoint, reader)
            self.prev_checkpoint = size
        self.appended = True
        self.bodies = []
        self.start = size
        return cp


def sign_checkpoint(
    conn: Connection,
    key: LogKey,
    size: int,
    time: str,
    prev: int,
    reader: merkle.NodeReader | None = None,
) -> Checkpoint:
    """Sign and store the checkpoint of the tree of ``size`` leaves.

    The key is named after the origin; the extension line names ``prev``, the size of the
    checkpoint before it, so deleting an older checkpoint leaves a visible gap.
    """
    root = merkle.root(size, reader or DbNodes(conn))
    cp = Checkpoint(key.name, size, root, (f"{PREV_EXTENSION}{prev}",))
    note = sign_note(cp.body(), key.name, key.private_key)
    run_sql(
        conn,
        "INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)",
        (size, note, time),
    )
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
