"""Queries of the delivery gate: registered assets and their links, looked up by SHA-256 in
batches (a delivery holds thousands of files)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.core.json_types import JsonObject

_BATCH = 500  # bound on bound parameters per statement (SQLite allows 32766, be modest)


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def stored_provenance(
    conn: Connection, production: str, shas: Iterable[str]
) -> dict[str, JsonObject]:
    """SHA-256 -> the provenance recorded when the asset was registered (inspect JSON)."""
    t = schema.assets
    wanted = sorted(set(shas))
    out: dict[str, JsonObject] = {}
    for batch in _batches(wanted):
        rows = conn.execute(
            sa.select(t.c.sha256, t.c.provenance).where(
                t.c.production == production, t.c.sha256.in_(batch)
            )
        )
        for sha, provenance in rows:
            out[sha] = json.loads(provenance)
    return out


def links(conn: Connection, production: str, shas: Iterable[str]) -> dict[str, list[str]]:
    """SHA-256 -> the declarations it is linked to, in the order they were linked."""
    t = schema.asset_links
    out: dict[str, list[str]] = {}
    for batch in _batches(sorted(set(shas))):
        rows = conn.execute(
            sa.select(t.c.sha256, t.c.declaration)
            .where(t.c.production == production, t.c.sha256.in_(batch))
            .order_by(t.c.pk)
        )
        for sha, declaration in rows:
            out.setdefault(sha, []).append(declaration)
    return out
