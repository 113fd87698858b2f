"""What someone with write access to the database (and perhaps a signing key) can do to the log.

The tamper suite uses these to attack a copy of a populated store the way a careful forger
would: afterwards rows, entries, tree nodes and checkpoints agree with each other again, so
only the defences outside the database (pinned keys, saved checkpoints) can tell.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import canonical, row_digest
from reelproof.core import merkle
from reelproof.core.merkle import MemoryNodes
from reelproof.verify import PREV_EXTENSION, Checkpoint, leaf_hash, make_vkey, sign_note


def store_key() -> Ed25519PrivateKey:
    """The store's own signing key, as every writer holding REELPROOF_LOG_KEY has it."""
    key = serialization.load_pem_private_key(
        Path(os.environ["REELPROOF_LOG_KEY"]).read_bytes(), password=None
    )
    assert isinstance(key, Ed25519PrivateKey)
    return key


def sql(db: str, *statements: str) -> None:
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def checkpoint_sizes(db: str) -> list[int]:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        sizes = sorted(int(s) for s in conn.execute(sa.select(schema.checkpoints.c.size)).scalars())
    engine.dispose()
    return sizes


def rewrite_history(
    db: str, key: Ed25519PrivateKey | None, *, erase_entry: int | None = None
) -> None:
    """Make the log agree with the rows as they are now, and re-sign every checkpoint with key.

    ``erase_entry`` also removes that entry and the row it records, renumbering what follows.
    Without a key (a writer who has none) the checkpoints are left as they are.
    """
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        origin = conn.execute(
            sa.select(schema.meta.c.value).where(schema.meta.c.key == "log_origin")
        ).scalar_one()
        t = schema.log_entries
        entries = [
            json.loads(b) for b in conn.execute(sa.select(t.c.body).order_by(t.c.idx)).scalars()
        ]
        sizes = sorted(int(s) for s in conn.execute(sa.select(schema.checkpoints.c.size)).scalars())
        if erase_entry is not None:
            gone = entries.pop(erase_entry)
            if "row" in gone:
                table = schema.RECORDED[gone["row"]["table"]]
                conn.execute(table.delete().where(table.c.pk == gone["row"]["pk"]))
            for later in entries[erase_entry:]:
                later["index"] -= 1
            for table in schema.RECORDED.values():
                conn.execute(
                    table.update()
                    .where(table.c.log_index > erase_entry)
                    .values(log_index=table.c.log_index - 1)
                )
            sizes = sorted({s - (s > erase_entry) for s in sizes})
        for entry in entries:
            if "row" in entry:
                table = schema.RECORDED[entry["row"]["table"]]
                row = conn.execute(sa.select(table).where(table.c.pk == entry["row"]["pk"])).one()
                entry["digest"] = row_digest(table.name, row._mapping)
        bodies = [canonical(e) for e in entries]
        nodes = merkle.nodes_completed_by_append(0, [leaf_hash(b) for b in bodies], MemoryNodes())
        tree = MemoryNodes()
        tree.put(nodes)
        for table in (schema.log_entries, schema.log_nodes):
            conn.execute(table.delete())
        conn.execute(t.insert(), [{"idx": i, "body": b.decode()} for i, b in enumerate(bodies)])
        conn.execute(
            schema.log_nodes.insert(), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes]
        )
        conn.execute(schema.log_head.update().values(size=len(bodies)))
        if key is None:
            return
        conn.execute(schema.checkpoints.delete())
        prev = 0
        for size in sizes:
            body = Checkpoint(origin, size, merkle.root(size, tree), (f"{PREV_EXTENSION}{prev}",))
            conn.execute(
                schema.checkpoints.insert().values(
                    size=size, note=sign_note(body.body(), origin, key), created_at="forged"
                )
            )
            prev = size
        conn.execute(
            schema.meta.update()
            .where(schema.meta.c.key == "log_vkey")
            .values(value=make_vkey(origin, key.public_key()))
        )
    engine.dispose()


def roll_back(db: str, transactions: int) -> int:
    """Undo the last ``transactions`` write transactions completely; returns the new size."""
    target = checkpoint_sizes(db)[-1 - transactions]
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        conn.execute(schema.log_entries.delete().where(schema.log_entries.c.idx >= target))
        conn.execute(schema.checkpoints.delete().where(schema.checkpoints.c.size > target))
        for table in schema.RECORDED.values():
            conn.execute(table.delete().where(table.c.log_index >= target))
        n = schema.log_nodes
        for level, idx in conn.execute(sa.select(n.c.level, n.c.idx)).all():
            if (idx + 1) << level > target:
                conn.execute(n.delete().where(n.c.level == level, n.c.idx == idx))
        conn.execute(schema.log_head.update().values(size=target))
    engine.dispose()
    return target
