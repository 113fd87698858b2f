"""Benchmark: audit-log appends, proofs and storage on a real database (SQLite, PostgreSQL).

Why: every recorded row costs a log entry, its Merkle nodes and a signed checkpoint per
transaction, written in the same durable transaction. This measures what that costs against
plain inserts of the same rows (same columns, constraints and indexes; same engine and
durability) measured in the same run, and whether proofs stay under 5 ms at a million entries.

It uses the real code paths: ``Store(url)``, ``init_store``, ``ctx.write()`` units and
``unit.log.record_row(schema.documents, ...)`` exactly as ``adapters.store.documents.store``
calls it (without its ``latest_row`` look-up, which a plain insert would not have either).
Rows are the bundled example documents (stranger-tides.yaml) with unique ids.

SQLite runs on a temp file (WAL + synchronous=FULL, as the Store configures it). PostgreSQL
runs in a fresh schema at --pg-url, created and dropped here; skipped when not reachable.

Proofs on a big log are time-capped (--proof-seconds); the output says when the cap cut a
series short. A full run took 1.5-2.5 minutes on a busy 2-core machine, 1-1.5 of them the
1,000,000-entry SQLite fill (use --entries to shorten it); --quick takes about 10 s.

Run: .venv/bin/python bench/bench_log_appends.py [--quick] [--entries N] [--pg-entries N]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import rfc8785
import sqlalchemy as sa

from reelproof.adapters.store import schema
from reelproof.adapters.store.db import Store
from reelproof.adapters.store.log import DbNodes, canonical, iter_entries, log_size
from reelproof.core import merkle
from reelproof.core.documents import AIUseDeclaration, parse_documents
from reelproof.services import auditlog
from reelproof.services.context import Context, iso, utc_now
from reelproof.services.init import init_store
from reelproof.verify import leaf_hash, verify_inclusion

TARGET_MS = 5.0
STORAGE_AIM = 2.0
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACTOR = "bench@reelproof.invalid"
SOURCE = "examples/stranger-tides.yaml"
MARK = "{{N}}"
LOG_TABLES = ("log_entries", "log_nodes", "checkpoints")

Values = dict[str, Any]
DocRow = tuple[Values, Values]  # (documents columns except applied_at/by, log subject)


@dataclass(frozen=True)
class Plan:
    single: int
    batches: int
    batch_rows: int
    entries: int
    pg_entries: int
    fill_batch: int
    proofs: int
    service_proofs: int
    proof_seconds: float
    declarations: int


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    kind: str
    key: str  # with MARK where the unique suffix goes
    content: str  # canonical JSON, with MARK in metadata.id


def load_templates() -> list[Template]:
    text = (resources.files("reelproof.examples") / "stranger-tides.yaml").read_text("utf-8")
    out = []
    for doc in parse_documents(text, SOURCE):
        content = doc.content()
        content["metadata"]["id"] = f"{doc.id}-{MARK}"
        key = f"{doc.id}-{MARK}"
        if isinstance(doc, AIUseDeclaration):
            key = f"{doc.metadata.production}/{key}"
        out.append(Template(doc.kind, key, canonical(content).decode()))
    return out


TEMPLATES = load_templates()


def make_rows(tag: str, start: int, count: int) -> list[DocRow]:
    rows = []
    for n in range(start, start + count):
        t = TEMPLATES[n % len(TEMPLATES)]
        suffix = f"{tag}{n:07d}"
        key = t.key.replace(MARK, suffix)
        values = {
            "kind": t.kind,
            "key": key,
            "revision": 1,
            "content": t.content.replace(MARK, suffix),
            "source": SOURCE,
        }
        rows.append((values, {"kind": t.kind, "id": key, "revision": 1}))
    return rows


# --- databases -------------------------------------------------------------------------------


def plain_table(md: sa.MetaData) -> sa.Table:
    """The documents table's columns, unique constraint and index, under other names."""
    cols = [
        sa.Column(
            c.name,
            c.type,
            primary_key=c.primary_key,
            autoincrement=c.autoincrement,
            nullable=c.nullable,
        )
        for c in schema.documents.columns
    ]
    t = sa.Table(
        "bench_plain_documents",
        md,
        *cols,
        sa.UniqueConstraint("kind", "key", "revision", name="uq_bench_plain_revision"),
    )
    sa.Index("ix_bench_plain_kind_key", t.c.kind, t.c.key)
    return t


PLAIN_COLUMNS = [c.name for c in schema.documents.columns if c.name != "pk"]


@dataclass
class Db:
    label: str
    store: Store
    ctx: Context
    plain: sa.Table
    path: Path | None  # SQLite file
    # The baselines' own DBAPI connection, opened once by the same engine (so with the same
    # PRAGMAs / URL options) and kept open: no pool checkout, no ping, no SQLAlchemy per row.
    pooled: Any = None  # Any: the pool's proxy, holding the connection out of the pool
    insert_sql: str = ""

    @property
    def raw(self) -> Any:  # Any: a sqlite3 or psycopg connection
        return self.pooled.dbapi_connection

    @property
    def is_sqlite(self) -> bool:
        return self.store.is_sqlite

    def close(self) -> None:
        if self.pooled is not None:
            self.pooled.close()
        self.store.dispose()


def open_db(label: str, url: str, key_path: Path) -> Db:
    store = Store(url)
    ctx = Context(store, key_path, actor=ACTOR)
    init_store(ctx)
    md = sa.MetaData()
    plain = plain_table(md)
    md.create_all(store.engine)
    mark = "?" if store.is_sqlite else "%s"
    quote = store.engine.dialect.identifier_preparer.quote
    insert_sql = (
        f"INSERT INTO {plain.name} ({', '.join(quote(c) for c in PLAIN_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(PLAIN_COLUMNS))})"
    )
    pooled = store.engine.raw_connection()
    return Db(label, store, ctx, plain, store.sqlite_path, pooled, insert_sql)


@contextmanager
def sqlite_db(label: str, workdir: Path, name: str) -> Iterator[Db]:
    path = workdir / f"{name}.db"
    db = open_db(label, f"sqlite:///{path}", workdir / f"{name}.key")
    try:
        yield db
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def pg_reason(url: str) -> str | None:
    """Why PostgreSQL can't be used, or None when it can."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, saying why
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


@contextmanager
def pg_db(label: str, admin_url: str, workdir: Path, name: str) -> Iterator[Db]:
    schema_name = f"rp_bench_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    db: Db | None = None
    try:
        db = open_db(
            label, f"{admin_url}?options=-csearch_path%3D{schema_name}", workdir / f"{name}.key"
        )
        yield db
    finally:
        if db is not None:
            db.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


def describe(db: Db) -> str:
    with db.store.engine.connect() as conn:
        if db.is_sqlite:
            jm = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            version = conn.exec_driver_sql("select sqlite_version()").scalar()
            return f"SQLite {version}, journal_mode={jm}, synchronous={names.get(int(sync or 0))}"
        ver = conn.exec_driver_sql("show server_version").scalar()
        sc = conn.exec_driver_sql("show synchronous_commit").scalar()
        fs = conn.exec_driver_sql("show fsync").scalar()
        return f"PostgreSQL {ver}, synchronous_commit={sc}, fsync={fs}"


# --- the two write paths ---------------------------------------------------------------------


def log_tx(db: Db, rows: Sequence[DocRow]) -> None:
    """One transaction through the real path: ctx.write() + record_row (+ close() signing)."""
    with db.ctx.write() as unit:
        for values, subject in rows:
            unit.log.record_row(
                schema.documents,
                {**values, "applied_at": unit.log.time, "applied_by": unit.actor},
                kind="document.applied",
                subject=subject,
            )


def plain_params(rows: Sequence[DocRow]) -> list[tuple[Any, ...]]:
    now = iso(utc_now())
    extra = {"applied_at": now, "applied_by": ACTOR, "log_index": 0}
    return [tuple({**v, **extra}[c] for c in PLAIN_COLUMNS) for v, _ in rows]


def plain_tx(db: Db, write: Callable[[Any], None]) -> None:
    """One durable transaction on the baselines' kept-open DBAPI connection."""
    cursor = db.raw.cursor()
    try:
        if db.is_sqlite:  # the Store's connections run in autocommit: BEGIN is explicit
            cursor.execute("BEGIN")
        write(cursor)
        db.raw.commit()
    finally:
        cursor.close()


def plain_bound_tx(db: Db, rows: Sequence[DocRow]) -> None:
    """The strongest plain baseline for one row: a prepared, bound-parameter INSERT …
    RETURNING pk on a connection kept open, in its own transaction."""
    sql = f"{db.insert_sql} RETURNING pk"
    params = plain_params(rows)

    def write(cursor: Any) -> None:
        for row in params:
            cursor.execute(sql, row, **({} if db.is_sqlite else {"prepare": True}))
            cursor.fetchone()

    plain_tx(db, write)


def plain_many_tx(db: Db, rows: Sequence[DocRow]) -> None:
    """The strongest plain baseline for a batch: the driver's executemany of the same rows
    in one transaction (SQLite: its C loop; psycopg: pipelined, prepared)."""
    params = plain_params(rows)
    plain_tx(db, lambda cursor: cursor.executemany(db.insert_sql, params))


# --- measuring -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def compare(db: Db, n_tx: int, per_tx: int, tag: str, rounds: int = 5) -> None:
    """Time n_tx transactions of per_tx rows on each path, interleaved in rounds."""

    def split(rows: list[DocRow]) -> list[list[DocRow]]:
        return [rows[i * per_tx : (i + 1) * per_tx] for i in range(n_tx)]

    baseline = "plain, bound params" if per_tx == 1 else "plain executemany"
    paths: dict[str, Callable[[Db, Sequence[DocRow]], None]] = {
        "log": log_tx,
        baseline: plain_bound_tx if per_tx == 1 else plain_many_tx,
    }
    # Both write the very same rows (to different tables), in the same durability mode.
    same = split(make_rows(tag, 0, n_tx * per_tx))
    per_path_txs = dict.fromkeys(paths, same)
    lat: dict[str, list[float]] = {p: [] for p in paths}
    bounds = [round(r * n_tx / rounds) for r in range(rounds + 1)]
    gc.collect()
    for r in range(rounds):
        order = list(paths) if r % 2 == 0 else list(reversed(paths))
        for name in order:
            fn = paths[name]
            for tx in per_path_txs[name][bounds[r] : bounds[r + 1]]:
                start = time.perf_counter_ns()
                fn(db, tx)
                lat[name].append((time.perf_counter_ns() - start) / 1e6)
    what = f"{n_tx:,} tx x {per_tx:,} row{'s' if per_tx > 1 else ''}"
    rate = {p: n_tx * 1000 / sum(ms) for p, ms in lat.items()}
    for name, ms in lat.items():
        print(
            f"  {db.label:<10} {what:<18} {name:<20} {rate[name]:>9,.1f} tx/s "
            f"{rate[name] * per_tx:>10,.0f} rows/s   per tx p50 {percentile(ms, 0.5):8.3f} ms"
            f"  p99 {percentile(ms, 0.99):8.3f} ms"
        )
    ratio = rate["log"] / rate[baseline]
    print(
        f"  {db.label:<10} {what:<18} ratio log / {baseline} = {ratio:.3f} "
        f"(a logged transaction takes {1 / ratio:.2f}x as long; aim >= 0.5: "
        f"{'met' if ratio >= 0.5 else 'NOT met'})"
    )


def fixed_costs(db: Db, n: int = 200) -> None:
    """What ctx.write() does per transaction besides the rows: the schema-version check."""
    start = time.perf_counter()
    for _ in range(n):
        db.store.require_ready()
    ms = (time.perf_counter() - start) * 1000 / n
    print(
        f"  {db.label:<10} ctx.write() calls store.require_ready() on every transaction: "
        f"{ms:.3f} ms each (mean of {n})"
    )


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal; a line every 10% otherwise."""
    if sys.stdout.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("  {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda k: bar.advance(task, k)
        return
    done = last_done = 0
    step = max(1, total // 10)
    next_mark = step
    start = last = time.perf_counter()

    def advance(k: int) -> None:
        nonlocal done, next_mark, last_done, last
        done += k
        if done >= next_mark or done == total:
            now = time.perf_counter()
            el = now - start
            eta = el / done * (total - done)
            print(
                f"  {label}: {done:>10,} / {total:,}  {done / el:>7,.0f} rows/s overall, "
                f"{(done - last_done) / (now - last):>7,.0f} rows/s since last line  "
                f"{el:6.1f} s elapsed, ~{eta:4.0f} s left",
                flush=True,
            )
            last_done, last = done, now
            while next_mark <= done:
                next_mark += step

    yield advance


def fill(db: Db, entries: int, batch: int) -> None:
    start = time.perf_counter()
    with progress(f"{db.label} fill", entries) as advance:
        for pos in range(0, entries, batch):
            k = min(batch, entries - pos)
            log_tx(db, make_rows("F", pos, k))
            advance(k)
    el = time.perf_counter() - start
    print(
        f"  {db.label:<10} filled {entries:,} entries in {el:.1f} s ({entries / el:,.0f} rows/s, "
        f"{batch:,} rows per ctx.write() transaction, each row via record_row)"
    )


def timed_until(calls: Sequence[Callable[[], object]], budget_s: float) -> tuple[list[float], bool]:
    """Milliseconds per call; stops early (returns True) once budget_s is spent."""
    ms: list[float] = []
    gc.collect()
    deadline = time.perf_counter() + budget_s
    for call in calls:
        start = time.perf_counter_ns()
        call()
        ms.append((time.perf_counter_ns() - start) / 1e6)
        if time.perf_counter() > deadline and len(ms) < len(calls):
            return ms, True
    return ms, False


def summary(ms: Sequence[float], capped: bool, asked: int) -> str:
    p50, p99 = percentile(ms, 0.5), percentile(ms, 0.99)
    cap = f" (time cap: stopped after {len(ms):,} of {asked:,})" if capped else ""
    return (
        f"n={len(ms):,}{cap}  p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {max(ms):.3f} ms  "
        f"mean {statistics.fmean(ms):.3f} ms;  p50/target {p50 / TARGET_MS:.2f}x, "
        f"p99/target {p99 / TARGET_MS:.2f}x"
    )


def proofs(db: Db, plan: Plan, seed: int) -> None:
    rng = random.Random(seed)
    with db.ctx.read() as conn:
        size = log_size(conn)
        idxs = [rng.randrange(size) for _ in range(plan.proofs)]
        reader = DbNodes(conn)
        calls = [partial(merkle.inclusion_proof, i, size, reader) for i in idxs]
        ms, capped = timed_until(calls, plan.proof_seconds)
        root = merkle.root(size, reader)
        for i in idxs[:20]:  # the proofs are real: check a few against the stored bodies
            body = next(iter_entries(conn, i, i + 1))[1]
            proof = merkle.inclusion_proof(i, size, reader)
            verify_inclusion(leaf_hash(body.encode()), i, size, proof, root)
    print(
        f"  {db.label:<10} inclusion proofs at size {size:,}, random indexes, "
        f"merkle.inclusion_proof(i, size, DbNodes(conn)) on one read connection "
        f"(target {TARGET_MS:g} ms; 20 checked with verify_inclusion):"
    )
    print(f"  {'':<10}   {summary(ms, capped, len(idxs))}")
    svc = [partial(auditlog.prove_inclusion, db.ctx, i) for i in idxs[: plan.service_proofs]]
    ms, capped = timed_until(svc, plan.proof_seconds / 3)
    print(
        f"  {'':<10}   whole service call auditlog.prove_inclusion(ctx, i) (read tx, "
        f"require_ready, entry, proof, root, verify):"
    )
    print(f"  {'':<10}   {summary(ms, capped, len(svc))}")


def appends_at_size(db: Db, count: int) -> None:
    """One-row transactions on the big log: does an append's cost grow with the log?"""
    with db.ctx.read() as conn:
        size = log_size(conn)
    rows = make_rows("A", 0, count)
    ms, _ = timed_until([partial(log_tx, db, [r]) for r in rows], 1e9)
    print(
        f"  {db.label:<10} one-row log transactions at size {size:,}: n={count}  "
        f"p50 {percentile(ms, 0.5):.3f} ms  p99 {percentile(ms, 0.99):.3f} ms "
        f"(compare part 1, on a small log)"
    )


def canonical_json(db: Db, count: int) -> None:
    """log verify re-canonicalises every recorded row: the canonicaliser against rfc8785."""
    made = make_rows("V", 0, count * len(TEMPLATES))
    rows = [r for r in made if r[0]["kind"] == "AIUseDeclaration"][:count]
    for pos in range(0, len(rows), 2_000):
        log_tx(db, rows[pos : pos + 2_000])
    cols = schema.SIGNED_COLUMNS["documents"]
    with db.store.engine.connect() as conn:
        values = [
            {c: r[c] for c in cols} for r in conn.execute(sa.select(schema.documents)).mappings()
        ]
    start = time.perf_counter()
    report = auditlog.verify(db.ctx)
    verify_s = time.perf_counter() - start
    assert not report.problems, report.problems[:3]
    timings: dict[str, float] = {}
    outputs: dict[str, list[bytes]] = {}
    for name, fn in (("rfc8785", rfc8785.dumps), ("reelproof", canonical)):
        gc.collect()
        start = time.perf_counter()
        outputs[name] = [fn(v) for v in values]
        timings[name] = time.perf_counter() - start
    assert outputs["rfc8785"] == outputs["reelproof"], "canonical forms differ"
    print(
        f"  {db.label:<10} log verify of {report.size:,} entries ({len(rows):,} declarations): "
        f"{verify_s:.2f} s; canonical JSON of its {len(values):,} rows: rfc8785 "
        f"{timings['rfc8785'] * 1000:.0f} ms (= {timings['rfc8785'] / verify_s:.0%} of that "
        f"verify), reelproof.core.canonical {timings['reelproof'] * 1000:.0f} ms "
        f"(identical bytes): ratio rfc8785 / reelproof = "
        f"{timings['rfc8785'] / timings['reelproof']:.1f}x"
    )


# --- storage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    table: int  # bytes of the table's own b-tree / heap (PG: + TOAST, FSM, VM)
    indexes: int  # bytes of its indexes (SQLite: including automatic PK/UNIQUE indexes)

    @property
    def total(self) -> int:
        return self.table + self.indexes


def usage(db: Db) -> dict[str, Usage]:
    names = ("documents", *LOG_TABLES)
    out: dict[str, Usage] = {}
    with db.store.engine.connect() as conn:
        if db.is_sqlite:
            owner: dict[str, str] = {
                str(name): str(tbl)
                for name, tbl in conn.exec_driver_sql(
                    "select name, tbl_name from sqlite_master where type in ('table','index')"
                )
            }
            sizes: dict[str, int] = {
                str(name): int(size)
                for name, size in conn.exec_driver_sql(
                    "select name, sum(pgsize) from dbstat group by name"
                )
            }
            for name in names:
                idx = sum(v for k, v in sizes.items() if owner.get(k) == name and k != name)
                out[name] = Usage(sizes.get(name, 0), idx)
            return out
        for name in names:
            total, idx = conn.execute(
                sa.text("select pg_total_relation_size(:t), pg_indexes_size(:t)"), {"t": name}
            ).one()
            out[name] = Usage(int(total) - int(idx), int(idx))
        return out


def has_dbstat(db: Db) -> bool:
    try:
        with db.store.engine.connect() as conn:
            conn.exec_driver_sql("select count(*) from dbstat where name = 'meta'").scalar()
    except sa.exc.OperationalError:
        return False
    return True


def file_size(db: Db) -> int:
    """SQLite file size after moving the WAL into it."""
    assert db.path is not None
    with db.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.path.stat().st_size


@dataclass(frozen=True)
class Snapshot:
    """Where the log stood before a part: its size, node count and table sizes."""

    size: int
    nodes: int
    usage: dict[str, Usage] | None  # None when SQLite has no dbstat
    file: int | None  # SQLite file size


def snapshot(db: Db) -> Snapshot:
    with db.store.engine.connect() as conn:
        size = log_size(conn)
        nodes = int(
            conn.execute(sa.select(sa.func.count()).select_from(schema.log_nodes)).scalar() or 0
        )
    sizes = None if db.is_sqlite and not has_dbstat(db) else usage(db)
    return Snapshot(size, nodes, sizes, file_size(db) if db.is_sqlite else None)


@dataclass(frozen=True)
class Raw:
    """Mean bytes of the data itself, before keys, row headers and page slack."""

    body: float  # log entry body (canonical JSON)
    nodes: float  # Merkle nodes per entry (32-byte hashes)
    note: float  # checkpoint note bytes per entry (one note per write transaction)
    doc: float  # the documents row's text columns


def raw_sizes(db: Db, since: Snapshot, now: Snapshot) -> Raw:
    """Over the entries added since `since` only."""
    n = max(now.size - since.size, 1)
    e, c, d = schema.log_entries.c, schema.checkpoints.c, schema.documents.c
    with db.store.engine.connect() as conn:
        body = conn.execute(
            sa.select(sa.func.avg(sa.func.length(e.body))).where(e.idx >= since.size)
        ).scalar()
        notes = conn.execute(
            sa.select(sa.func.sum(sa.func.length(c.note))).where(c.size > since.size)
        ).scalar()
        text_cols = (d.kind, d.key, d.content, d.source, d.applied_at, d.applied_by)
        cols: sa.ColumnElement[Any] = sa.func.length(d.kind)
        for col in text_cols[1:]:
            cols = cols + sa.func.length(col)
        doc = conn.execute(sa.select(sa.func.avg(cols)).where(d.log_index >= since.size)).scalar()
    return Raw(
        float(body or 0), (now.nodes - since.nodes) / n, int(notes or 0) / n, float(doc or 0)
    )


def storage(db: Db, since: Snapshot, what: str) -> None:
    """Bytes per entry of the entries added since `since` (init's own entries left out)."""
    now = snapshot(db)
    n = now.size - since.size
    if now.usage is None or since.usage is None:
        print(f"  {db.label:<10} storage: SQLite has no dbstat here; see --storage-by-file-size")
        return
    how = (
        "dbstat: allocated b-tree pages, incl. the automatic PK/UNIQUE indexes"
        if db.is_sqlite
        else "pg_total_relation_size: heap + TOAST + FSM/VM + indexes"
    )
    print(
        f"  {db.label:<10} storage of the {n:,} entries {what} ({how}; growth since before "
        f"them, so init's {since.size} entries are left out), bytes per entry:"
    )
    u = {
        name: Usage(x.table - since.usage[name].table, x.indexes - since.usage[name].indexes)
        for name, x in now.usage.items()
    }
    for name, x in u.items():
        print(
            f"  {'':<10}   {name:<12} table {x.table / n:8.1f}  indexes {x.indexes / n:7.1f}  "
            f"total {x.total / n:8.1f}"
        )
    log_total = sum(u[t].total for t in LOG_TABLES)
    own = u["documents"]
    print(
        f"  {'':<10}   log overhead (log_entries + log_nodes + checkpoints, with indexes) "
        f"{log_total / n:.1f} B/entry; entries' own rows (documents table + its 2 indexes) "
        f"{own.total / n:.1f} B/entry"
    )
    ratio, ratio_t = log_total / own.total, log_total / own.table
    print(
        f"  {'':<10}   ratio log overhead / entries' own size = {ratio:.2f}x "
        f"(vs the documents table without its indexes: {ratio_t:.2f}x); "
        f"aim < {STORAGE_AIM:g}x: {'met' if ratio < STORAGE_AIM else 'NOT met'}"
    )
    raw = raw_sizes(db, since, now)
    print(
        f"  {'':<10}   raw data per entry: body {raw.body:.0f} B + {raw.nodes:.3f} nodes x 32 B"
        f" + checkpoint notes {raw.note:.1f} B = {raw.body + raw.nodes * 32 + raw.note:.0f} B "
        f"(before keys, row headers, page slack); documents text columns {raw.doc:.0f} B "
        "(+ 3 integers, log_index counted as the documents' own)"
    )
    if n < 10_000:
        page = "4 KiB" if db.is_sqlite else "8 KiB"
        print(
            f"  {'':<10}   (at only {n:,} entries, whole {page} pages weigh heavily in the"
            " table figures; the raw data line is the steadier comparison)"
        )


def storage_by_file_size(db: Db, since: Snapshot, entries: int, workdir: Path) -> None:
    """Log bytes = file growth of the log DB - a second DB holding only the same rows."""
    assert since.file is not None
    grown = file_size(db) - since.file
    other = workdir / "plain-only.db"
    engine = sa.create_engine(f"sqlite:///{other}")
    md = sa.MetaData()
    t = plain_table(md)
    md.create_all(engine)
    empty = other.stat().st_size
    now = iso(utc_now())
    with engine.begin() as conn:
        for pos in range(0, entries, 20_000):
            rows = make_rows("F", pos, min(20_000, entries - pos))
            params = [
                {**v, "applied_at": now, "applied_by": ACTOR, "log_index": pos + i}
                for i, (v, _) in enumerate(rows)
            ]
            conn.execute(t.insert(), params)
    engine.dispose()
    plain = other.stat().st_size - empty
    other.unlink()
    log_bytes = grown - plain
    print(
        f"  {db.label:<10} storage by file size for the {entries:,} fill entries: log DB grew "
        f"{grown:,} B, a DB of only the same rows grew {plain:,} B; log overhead "
        f"{log_bytes / entries:.1f} B/entry vs entries' own {plain / entries:.1f} B/entry: "
        f"ratio {log_bytes / plain:.2f}x (aim < {STORAGE_AIM:g}x; free pages included)"
    )


# --- main ------------------------------------------------------------------------------------


def run_backend(
    open_one: Callable[[str], AbstractContextManager[Db]],
    label: str,
    plan: Plan,
    args: argparse.Namespace,
) -> None:
    entries = plan.entries if label == "SQLite" else plan.pg_entries
    with open_one("appends") as db:
        print(f"  {label:<10} {describe(db)}")
        print(f"[{label}] 1. appends, one row per transaction (rates, then ratio)")
        since = snapshot(db)
        compare(db, plan.single, 1, "S")
        fixed_costs(db)
        storage(db, since, "of part 1 (one entry and one checkpoint per transaction)")
        print(f"[{label}] 2. batched appends")
        compare(db, plan.batches, plan.batch_rows, "B")
    print(f"[{label}] 3. at {entries:,} entries")
    with open_one("filled") as db:
        since = snapshot(db)
        fill(db, entries, plan.fill_batch)
        proofs(db, plan, args.seed)
        storage(db, since, f"of the fill ({plan.fill_batch:,} per transaction)")
        if db.is_sqlite and args.storage_by_file_size:
            storage_by_file_size(db, since, entries, args.workdir)
        appends_at_size(db, 10)
    print(f"[{label}] 4. canonical JSON in log verify")
    with open_one("verify") as db:
        canonical_json(db, plan.declarations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--entries", type=int, help="SQLite log size for part 3 (1,000,000)")
    parser.add_argument("--pg-entries", type=int, help="PostgreSQL log size for part 3 (100,000)")
    parser.add_argument("--single", type=int, help="one-row transactions in part 1 (500)")
    parser.add_argument("--batches", type=int, help="transactions in part 2 (50)")
    parser.add_argument("--batch-rows", type=int, help="rows per transaction in part 2 (200)")
    parser.add_argument("--fill-batch", type=int, default=10_000, help="rows per fill tx")
    parser.add_argument("--proofs", type=int, help="random inclusion proofs (2,000)")
    parser.add_argument(
        "--proof-seconds", type=float, help="time cap for the proofs of one database (20)"
    )
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--storage-by-file-size",
        action="store_true",
        help="also measure SQLite storage by file-size deltas against a plain-rows-only DB",
    )
    parser.add_argument("--tmpdir", type=Path, help="where the SQLite files go (default: $TMPDIR)")
    parser.add_argument("--seed", type=int, default=6962)
    args = parser.parse_args()
    q = args.quick
    plan = Plan(
        single=args.single or (100 if q else 500),
        batches=args.batches or (10 if q else 50),
        batch_rows=args.batch_rows or (100 if q else 200),
        entries=args.entries or (20_000 if q else 1_000_000),
        pg_entries=args.pg_entries or (10_000 if q else 100_000),
        fill_batch=args.fill_batch,
        proofs=args.proofs or (500 if q else 2_000),
        service_proofs=100 if q else 200,
        proof_seconds=args.proof_seconds or (10.0 if q else 20.0),
        declarations=1_000 if q else 10_000,
    )
    workdir = Path(tempfile.mkdtemp(prefix="reelproof-bench-", dir=args.tmpdir))
    args.workdir = workdir
    # init pins each bench log's key in the user's trust list: keep that list in the workdir.
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    t0 = time.perf_counter()
    print(
        f"reelproof log benchmark{' (--quick)' if q else ''}: Python {platform.python_version()}"
        f", {os.cpu_count()} CPUs, SQLite files in {workdir}"
    )
    print(f"  {plan}")
    avg = statistics.fmean(len(t.content) for t in TEMPLATES)
    print(
        f"  rows: the {len(TEMPLATES)} example documents with unique ids "
        f"(content {avg:.0f} B canonical JSON on average)"
    )
    try:
        if not args.no_sqlite:

            def open_sqlite(name: str) -> AbstractContextManager[Db]:
                return sqlite_db("SQLite", workdir, name)

            run_backend(open_sqlite, "SQLite", plan, args)
        if args.no_pg:
            print("[PostgreSQL] skipped: --no-pg")
        elif (reason := pg_reason(args.pg_url)) is not None:
            print(f"[PostgreSQL] skipped: not reachable at {args.pg_url} ({reason})")
        else:

            def open_pg(name: str) -> AbstractContextManager[Db]:
                return pg_db("PostgreSQL", args.pg_url, workdir, name)

            if plan.pg_entries < plan.entries:
                print(
                    f"[PostgreSQL] part 3 uses {plan.pg_entries:,} entries, not "
                    f"{plan.entries:,}, to keep the run short on a shared server (the fill "
                    "rate it prints says what a larger --pg-entries would take)"
                )
            run_backend(open_pg, "PostgreSQL", plan, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
