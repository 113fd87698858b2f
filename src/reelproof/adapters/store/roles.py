"""Roles: each grant and each revocation, its own logged row."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter


@dataclass(frozen=True)
class RoleRow:
    """A grant or revocation; `production` and `for_performer` are "" when unscoped."""

    pk: int
    event: str
    role: str
    who: str
    production: str
    for_performer: str
    recorded_by: str
    at: str
    log_index: int


def events(conn: Connection) -> list[RoleRow]:
    """Every grant and revocation, oldest first (the roles held are their fold)."""
    t = schema.roles
    return [RoleRow(**r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.pk))]


def insert(
    log: LogWriter, event: str, role: str, who: str, production: str, for_performer: str
) -> int:
    """Store a grant or revocation with its log entry; returns the log index."""
    _pk, index = log.record_row(
        schema.roles,
        {
            "event": event,
            "role": role,
            "who": who,
            "production": production,
            "for_performer": for_performer,
            "recorded_by": log.actor,
            "at": log.time,
        },
        kind=f"role.{event}",
        subject={"kind": "Role", "id": f"{role}:{who}", "production": production or None},
    )
    return index
