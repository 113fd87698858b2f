"""Store settings: one value per key (the log's origin and key, the signer, witnesses)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema


def get(conn: Connection, key: str) -> str | None:
    """The setting's value, or None when it is not set."""
    t = schema.meta
    value = conn.execute(sa.select(t.c.value).where(t.c.key == key)).scalar()
    return None if value is None else str(value)


def put(conn: Connection, key: str, value: str) -> None:
    """Set `key`, replacing any value it had."""
    t = schema.meta
    conn.execute(t.delete().where(t.c.key == key))
    conn.execute(t.insert().values(key=key, value=value))


def delete(conn: Connection, key: str) -> None:
    """Unset `key` (a no-op when it is not set)."""
    t = schema.meta
    conn.execute(t.delete().where(t.c.key == key))
