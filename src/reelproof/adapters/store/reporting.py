"""Queries of the compliance report: a production's decisions, approvals and log entries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema


def decisions(conn: Connection, production: str) -> list[Any]:
    """(declaration, outcome, decided_at) of every stored decision, oldest first."""
    t = schema.decisions
    return list(
        conn.execute(
            sa.select(t.c.declaration, t.c.outcome, t.c.decided_at)
            .where(t.c.declaration.like(f"{production}/%"))
            .order_by(t.c.pk)
        )
    )


def approvals(conn: Connection, production: str) -> list[Any]:
    """Each approval or refusal with the time its declaration was first decided."""
    a, d = schema.approvals, schema.decisions
    first = (
        sa.select(d.c.declaration, sa.func.min(d.c.decided_at).label("first"))
        .group_by(d.c.declaration)
        .subquery()
    )
    return list(
        conn.execute(
            sa.select(a.c.declaration, a.c.verdict, a.c.by, a.c.at, first.c.first)
            .join(first, first.c.declaration == a.c.declaration)
            .where(a.c.declaration.like(f"{production}/%"))
            .order_by(a.c.pk)
        )
    )


def production_log_indexes(conn: Connection, production: str) -> Iterator[int]:
    """Log indexes of every recorded row that belongs to the production."""
    prefix = f"{production}/%"
    for table, where in (
        (
            schema.documents,
            sa.or_(schema.documents.c.key == production, schema.documents.c.key.like(prefix)),
        ),
        (schema.decisions, schema.decisions.c.declaration.like(prefix)),
        (schema.approvals, schema.approvals.c.declaration.like(prefix)),
        (schema.assets, schema.assets.c.production == production),
        (schema.asset_links, schema.asset_links.c.production == production),
        (
            schema.events,
            sa.or_(
                schema.events.c.subject_id == production, schema.events.c.subject_id.like(prefix)
            ),
        ),
    ):
        for (index,) in conn.execute(sa.select(table.c.log_index).where(where)):
            if index is not None:
                yield int(index)
