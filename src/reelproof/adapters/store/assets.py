"""Assets: registered media (by SHA-256, once per production) and their declaration links."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter


@dataclass(frozen=True)
class AssetRow:
    """A registered file; `provenance` is its inspect result as JSON."""

    pk: int
    sha256: str
    production: str
    media_type: str
    size: int
    path: str
    provenance: str
    registered_at: str
    registered_by: str
    log_index: int

    @property
    def classification(self) -> str:
        """The AI classification its provenance gave when it was registered."""
        return str(json.loads(self.provenance)["classification"])


def _row(r: sa.Row[Any]) -> AssetRow:  # Any: SQLAlchemy's untyped result row
    return AssetRow(**r._mapping)


def get(conn: Connection, sha: str, production: str) -> AssetRow | None:
    """The file registered under its SHA-256 in the production, or None."""
    t = schema.assets
    row = conn.execute(sa.select(t).where(t.c.sha256 == sha, t.c.production == production)).first()
    return None if row is None else _row(row)


def of_production(conn: Connection, production: str) -> list[AssetRow]:
    """Every file registered in the production, in registration order."""
    t = schema.assets
    rows = conn.execute(sa.select(t).where(t.c.production == production).order_by(t.c.pk))
    return [_row(r) for r in rows]


def links(conn: Connection, sha: str, production: str) -> list[str]:
    """The declarations the asset is linked to, in the order they were linked."""
    t = schema.asset_links
    rows = conn.execute(
        sa.select(t.c.declaration)
        .where(t.c.sha256 == sha, t.c.production == production)
        .order_by(t.c.pk)
    )
    return [str(d) for (d,) in rows]


def insert(
    log: LogWriter,
    *,
    sha256: str,
    production: str,
    media_type: str,
    size: int,
    path: str,
    provenance: str,
) -> int:
    """Register a file with its log entry; returns the log index."""
    _pk, index = log.record_row(
        schema.assets,
        {
            "sha256": sha256,
            "production": production,
            "media_type": media_type,
            "size": size,
            "path": path,
            "provenance": provenance,
            "registered_at": log.time,
            "registered_by": log.actor,
        },
        kind="asset.registered",
        subject={"kind": "Asset", "id": sha256, "production": production},
    )
    return index


def insert_link(log: LogWriter, *, sha256: str, production: str, declaration: str) -> int:
    """Link a registered file to a declaration, with its log entry; returns the log index."""
    _pk, index = log.record_row(
        schema.asset_links,
        {
            "sha256": sha256,
            "production": production,
            "declaration": declaration,
            "linked_at": log.time,
            "linked_by": log.actor,
        },
        kind="asset.linked",
        subject={"kind": "Asset", "id": sha256, "declaration": declaration},
    )
    return index
