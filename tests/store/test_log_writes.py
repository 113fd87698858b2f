"""How a write transaction records rows: it reads its own rows back, pks come from the head it
holds, an INSERT that leaves pk out still gets a free one, and a context starts from the tree
edge it left only while nobody else has moved the log."""

from __future__ import annotations

import gc
import hashlib
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import ENTRY_VERSION, DbNodes
from reelproof.core import canonical as canonical_json
from reelproof.services.context import Context, Unit
from tests.helpers import cli, cli_json

DOCS = schema.documents


def _record(unit: Unit, key: str) -> tuple[int, int]:
    values = {
        "kind": "Performer",
        "key": key,
        "revision": 1,
        "content": '{"id":"' + key + '"}',
        "source": "test",
        "applied_at": unit.log.time,
        "applied_by": unit.actor,
    }
    return unit.log.record_row(
        DOCS, values, kind="document.applied", subject={"kind": "Performer", "id": key}
    )


def _verified(db_url: str) -> dict[str, Any]:
    report = cli_json("log", "verify", db=db_url)
    assert report["ok"], report["problems"]
    return dict(report)


@pytest.fixture
def ctx(db_url: str) -> Context:
    assert cli("init", db=db_url).exit_code == 0
    return Context.open(db_url)


def test_a_transaction_reads_each_row_it_recorded(ctx: Context, db_url: str) -> None:
    with ctx.write() as unit:
        first = _record(unit, "ana")
        row = unit.conn.execute(
            sa.select(DOCS.c.pk, DOCS.c.log_index).where(DOCS.c.key == "ana")
        ).one()
        assert tuple(row) == first
        second = _record(unit, "ben")
        third = _record(unit, "cai")
        assert [second, third] == [(first[0] + 1, first[1] + 1), (first[0] + 2, first[1] + 2)]
        keys = unit.conn.execute(sa.select(DOCS.c.key).where(DOCS.c.pk >= first[0])).scalars()
        assert sorted(keys) == ["ana", "ben", "cai"]
    entries = cli_json("log", "show", db=db_url)
    assert [e["row"]["pk"] for e in entries[-3:]] == [first[0], first[0] + 1, first[0] + 2]
    _verified(db_url)


def test_a_row_entry_is_the_canonical_form_of_the_whole_entry(db_url: str) -> None:
    """record_row puts an entry together from canonical parts: it must equal RFC 8785 of the
    entry as a whole, for an actor, kind and subject that need escaping or exact rules."""
    assert cli("init", db=db_url).exit_code == 0
    ctx = Context.open(db_url, actor='Zoë "Z" \\ \U0001f3ac\u2028<z@x>')
    subject = {
        "kind": "Perf\u00e9rmer",
        "id": "a\tb",
        "score": 0.1,
        "n": [1e21, -0.0],
        "\U0001f600": 1,
    }
    with ctx.write() as unit:
        values = {
            "kind": "Performer",
            "key": "k\u00e9",
            "revision": 1,
            "content": '{"id":"k\u00e9"}',
            "source": "test",
            "applied_at": unit.log.time,
            "applied_by": unit.actor,
        }
        pk, index = unit.log.record_row(DOCS, values, 'document."applied"', subject)
        signed = {c: values[c] for c in schema.SIGNED_COLUMNS["documents"]}
        digest = "sha256:" + hashlib.sha256(canonical_json.dumps(signed)).hexdigest()
        expected = {
            "v": ENTRY_VERSION,
            "index": index,
            "kind": 'document."applied"',
            "actor": unit.actor,
            "time": unit.log.time,
            "subject": subject,
            "row": {"table": "documents", "pk": pk},
            "digest": digest,
        }
        assert unit.log.bodies[-1] == canonical_json.dumps(expected)
    _verified(db_url)


def test_a_failed_transaction_leaves_neither_rows_nor_entries(ctx: Context, db_url: str) -> None:
    size = _verified(db_url)["size"]
    with pytest.raises(RuntimeError, match="changed my mind"), ctx.write() as unit:
        _record(unit, "dora")
        assert unit.conn.execute(sa.select(DOCS.c.pk).where(DOCS.c.key == "dora")).one()
        raise RuntimeError("changed my mind")
    with ctx.read() as conn:
        assert conn.execute(sa.select(DOCS.c.pk).where(DOCS.c.key == "dora")).first() is None
    with ctx.write() as unit:
        _record(unit, "eli")
    report = _verified(db_url)
    assert report["size"] == size + 1


def test_a_finished_transaction_keeps_nothing_alive(ctx: Context) -> None:
    """Nothing holds a finished writer, its connection or (through it) the engine's pool: a
    long-running process would otherwise keep one per transaction, and its connections."""
    with ctx.write() as unit:
        _record(unit, "once")
        refs = [weakref.ref(unit), weakref.ref(unit.log), weakref.ref(unit.conn)]
    del unit
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]


def test_an_insert_that_leaves_pk_out_still_gets_a_free_one(ctx: Context, db_url: str) -> None:
    with ctx.write() as unit:
        recorded = [_record(unit, f"p{i}")[0] for i in range(3)]
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # behind reelproof's back, the way an old version inserted
        forged = conn.execute(
            DOCS.insert()
            .values(
                kind="Performer",
                key="ghost",
                revision=1,
                content="{}",
                source="x",
                applied_at="now",
                applied_by="mallory",
            )
            .returning(DOCS.c.pk)
        ).scalar_one()
    engine.dispose()
    assert forged > max(recorded)
    with ctx.write() as unit:
        after = _record(unit, "after")[0]
    assert after == forged + 1
    report = cli_json("log", "verify", db=db_url)
    messages = " | ".join(p["message"] for p in report["problems"])
    assert "Performer ghost revision 1" in messages and "has no audit-log entry" in messages
    assert len(report["problems"]) == 1, messages


def test_a_deleted_newest_row_keeps_its_pk_on_postgresql(ctx: Context, db_url: str) -> None:
    """The serial remembers pks handed out; SQLite reuses the largest rowid, as it always has."""
    if ctx.store.is_sqlite:
        pytest.skip("SQLite hands out max(rowid) + 1: a deleted newest row's pk is reused")
    with ctx.write() as unit:
        pk, index = _record(unit, "gone")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(DOCS.delete().where(DOCS.c.pk == pk))
    engine.dispose()
    with ctx.write() as unit:
        assert _record(unit, "next")[0] == pk + 1
    report = cli_json("log", "verify", db=db_url)
    messages = [p["message"] for p in report["problems"]]
    assert messages == [f"documents pk {pk}, recorded by audit-log entry {index}, was deleted"]


class _Counting:
    """DbNodes that counts its queries: whether a write read the tree's edge again."""

    def __init__(self) -> None:
        self.queries = 0
        self._nodes = DbNodes.nodes

    def nodes(
        self, reader: DbNodes, keys: Sequence[tuple[int, int]]
    ) -> Mapping[tuple[int, int], bytes]:
        self.queries += 1
        return self._nodes(reader, keys)


def _roll_back_to(db_url: str, size: int) -> None:
    """Undo the log's last transactions, as restoring an older backup would."""
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        for sql in (
            "DELETE FROM documents WHERE log_index >= :n",
            "DELETE FROM log_entries WHERE idx >= :n",
            "DELETE FROM log_nodes WHERE ((idx + 1) << level) > :n",
            "DELETE FROM checkpoints WHERE size > :n",
            "UPDATE log_head SET size = :n",
        ):
            conn.execute(sa.text(sql), {"n": size})
    engine.dispose()


def test_a_context_reuses_its_tree_edge_only_while_the_log_is_as_it_left_it(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = _Counting()
    monkeypatch.setattr(DbNodes, "nodes", lambda reader, keys: counting.nodes(reader, keys))
    other = Context.open(db_url)

    def reads_of(context: Context, key: str) -> int:
        before = counting.queries
        with context.write() as unit:
            _record(unit, key)
        reads = counting.queries - before
        _verified(db_url)
        return reads

    assert reads_of(ctx, "a1") == 1  # nothing cached yet
    assert reads_of(ctx, "a2") == 0  # the edge it left
    assert reads_of(other, "b1") == 1  # another writer: its own first read
    assert reads_of(ctx, "a3") == 1  # the log moved on: read again, not trusted
    size = _verified(db_url)["size"]
    # Back one entry (a3), as a restored backup would be: the log is again as the other
    # writer left it, so it may use its edge. It appends b2 instead of a3: the size is the one
    # this context left, the tree is not, and its edge must not be used (the nodes would be
    # wrong, and so would the signed root).
    _roll_back_to(db_url, size - 1)
    assert reads_of(other, "b2") == 0
    assert _verified(db_url)["size"] == size
    assert reads_of(ctx, "a4") == 1
    assert reads_of(ctx, "a5") == 0
