"""Approvals: each written approval or refusal, bound to the exact decision it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter


@dataclass(frozen=True)
class ApprovalRow:
    """One recorded answer; `decision_pk` is the decision it answered."""

    pk: int
    approval_id: str
    declaration: str
    decision_pk: int
    verdict: str
    by: str
    at: str
    conditions: str | None
    note: str | None
    log_index: int


def _row(r: sa.Row[Any]) -> ApprovalRow:  # Any: SQLAlchemy's untyped result row
    return ApprovalRow(**r._mapping)


def by_id(conn: Connection, approval_id: str) -> ApprovalRow | None:
    """The answer recorded under `approval_id`, or None: an Approval document applied twice records
    once."""
    t = schema.approvals
    row = conn.execute(sa.select(t).where(t.c.approval_id == approval_id)).first()
    return None if row is None else _row(row)


def listing(conn: Connection, declaration: str | None = None) -> list[ApprovalRow]:
    """Every answer (or those of one declaration), oldest first."""
    t = schema.approvals
    q = sa.select(t).order_by(t.c.pk)
    if declaration is not None:
        q = q.where(t.c.declaration == declaration)
    return [_row(r) for r in conn.execute(q)]


def insert(
    log: LogWriter,
    *,
    approval_id: str,
    declaration: str,
    decision_pk: int,
    decision_log_index: int,
    verdict: str,
    by: str,
    conditions: str | None,
    note: str | None,
) -> int:
    """Store an answer with its log entry; returns the log index."""
    _pk, index = log.record_row(
        schema.approvals,
        {
            "approval_id": approval_id,
            "declaration": declaration,
            "decision_pk": decision_pk,
            "verdict": verdict,
            "by": by,
            "at": log.time,
            "conditions": conditions,
            "note": note,
        },
        kind=f"approval.{verdict}",
        subject={
            "kind": "AIUseDeclaration",
            "id": declaration,
            "decision_log_index": decision_log_index,
        },
    )
    return index
