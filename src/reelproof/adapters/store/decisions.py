"""Decisions: each (re-)decision of a declaration, and what its current decision read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter


@dataclass(frozen=True)
class DecisionRow:
    """One stored decision; `content` is its JSON (without log_index)."""

    pk: int
    declaration: str
    declaration_revision: int
    outcome: str
    content: str
    trigger: str
    decided_at: str
    log_index: int


def _row(r: sa.Row[Any]) -> DecisionRow:  # Any: SQLAlchemy's untyped result row
    return DecisionRow(**r._mapping)


def latest(conn: Connection, declaration: str) -> DecisionRow | None:
    """The declaration's newest decision row, or None."""
    t = schema.decisions
    row = conn.execute(
        sa.select(t).where(t.c.declaration == declaration).order_by(t.c.pk.desc()).limit(1)
    ).first()
    return None if row is None else _row(row)


def history(conn: Connection, declaration: str) -> list[DecisionRow]:
    """Every decision row of the declaration, oldest first."""
    t = schema.decisions
    rows = conn.execute(sa.select(t).where(t.c.declaration == declaration).order_by(t.c.pk))
    return [_row(r) for r in rows]


def insert(
    log: LogWriter, *, declaration: str, revision: int, outcome: str, content: str, trigger: str
) -> tuple[int, int]:
    """Store a decision with its log entry; returns (pk, log index)."""
    return log.record_row(
        schema.decisions,
        {
            "declaration": declaration,
            "declaration_revision": revision,
            "outcome": outcome,
            "content": content,
            "trigger": trigger,
            "decided_at": log.time,
        },
        kind="decision.made",
        subject={"kind": "AIUseDeclaration", "id": declaration, "revision": revision},
    )


def replace_reads(conn: Connection, declaration: str, reads: Iterable[tuple[str, str]]) -> None:
    """What the declaration's current decision read (kind, key), replacing the previous set."""
    t = schema.decision_reads
    conn.execute(t.delete().where(t.c.declaration == declaration))
    conn.execute(t.insert(), [{"declaration": declaration, "kind": k, "key": v} for k, v in reads])


def readers(conn: Connection, facts: Iterable[tuple[str, str]]) -> list[str]:
    """The declarations whose current decision read any of `facts` (kind, key), in order."""
    t = schema.decision_reads
    wanted = list(dict.fromkeys(facts))
    rows = conn.execute(
        sa.select(t.c.declaration)
        .where(sa.or_(*(sa.and_(t.c.kind == k, t.c.key == v) for k, v in wanted)))
        .distinct()
        .order_by(t.c.declaration)
    )
    return [str(d) for (d,) in rows]
