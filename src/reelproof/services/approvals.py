"""Written approval or refusal of one exact decision."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.core.documents import Approval
from reelproof.core.errors import ConflictError
from reelproof.services.context import Unit
from reelproof.services.decisions import latest_decision, resolve_declaration, status_of


@dataclass(frozen=True)
class ApprovalResult:
    approval_id: str
    declaration: str
    verdict: str
    decision_pk: int
    outcome: str
    status: str
    log_index: int
    recorded: bool = True  # False when the same approval was already on record


def record(
    unit: Unit,
    ref: str,
    verdict: str,
    by: str,
    *,
    at: dt.date | None = None,
    note: str | None = None,
    conditions: str | None = None,
    approval_id: str | None = None,
    approvers: Collection[str] | None = None,
) -> ApprovalResult:
    """Approve or reject the current decision of a declaration; refuses what can't be approved.

    `approvers` is the studio's list of people holding the approver role (configuration
    `[roles] approvers`); None leaves approvals unrestricted.
    """
    if not by.strip():
        raise ConflictError("--by is required: who gives the written approval or refusal")
    if approvers is not None and by not in approvers:
        raise ConflictError(
            f"{by} does not hold the approver role; approvers are listed in the configuration "
            f"under [roles] approvers: {', '.join(approvers) or '(none)'}"
        )
    if at is not None and at > unit.today:
        raise ConflictError(f"the answer is dated {at}, in the future; date it when it was given")
    key = resolve_declaration(unit.conn, ref)
    decision = latest_decision(unit.conn, key)
    if decision is None:
        raise ConflictError(f"{key} has not been decided yet; run `reelproof decide {key}`")
    if decision.outcome == "prohibited" and verdict == "approved":
        raise ConflictError(
            f"{key} is prohibited by "
            + ", ".join(
                r["id"]
                for r in decision.content.get("rules", [])
                if r.get("outcome") == "prohibited"
            )
            + "; a prohibited use cannot be approved (change the declaration or the consent)"
        )
    if decision.outcome in ("proceed", "inform"):
        raise ConflictError(
            f"{key} is '{decision.outcome}': it needs no written approval or refusal"
        )
    if decision.outcome == "prohibited":
        raise ConflictError(f"{key} is prohibited: it is blocked already; nothing to refuse")
    if approval_id is not None:
        t = schema.approvals
        existing = unit.conn.execute(sa.select(t).where(t.c.approval_id == approval_id)).first()
        if existing is not None:
            if (existing.declaration, existing.verdict, existing.by) != (key, verdict, by):
                raise ConflictError(
                    f"approval {approval_id} is already recorded for {existing.declaration} "
                    f"({existing.verdict} by {existing.by}); give a new approval a new id"
                )
            return ApprovalResult(
                approval_id,
                key,
                verdict,
                existing.decision_pk,
                decision.outcome,
                status_of(unit.conn, key).status,
                int(existing.log_index),
                recorded=False,
            )
    approval_id = approval_id or f"appr-{secrets.token_hex(4)}"
    _pk, index = unit.log.record_row(
        schema.approvals,
        {
            "approval_id": approval_id,
            "declaration": key,
            "decision_pk": decision.pk,
            "verdict": verdict,
            "by": by,
            "at": (at or unit.today).isoformat(),
            "conditions": conditions,
            "note": note,
        },
        kind=f"approval.{verdict}",
        subject={"kind": "AIUseDeclaration", "id": key, "decision_log_index": decision.log_index},
    )
    status = status_of(unit.conn, key)
    return ApprovalResult(
        approval_id, key, verdict, decision.pk, decision.outcome, status.status, index
    )


def from_document(
    unit: Unit, doc: Approval, approvers: Collection[str] | None = None
) -> ApprovalResult:
    spec = doc.spec
    return record(
        unit,
        spec.declaration,
        spec.decision,
        spec.by,
        at=spec.at,
        conditions=spec.conditions,
        approval_id=doc.id,
        approvers=approvers,
    )


def approvals_listing(conn: Connection, declaration: str | None = None) -> list[dict[str, Any]]:
    """Every approval or refusal, and whether it still answers its declaration's decision."""
    t = schema.approvals
    q = sa.select(t).order_by(t.c.pk)
    if declaration is not None:
        q = q.where(t.c.declaration == declaration)
    out = []
    for a in conn.execute(q):
        current = latest_decision(conn, a.declaration)
        out.append(
            {
                "id": a.approval_id,
                "declaration": a.declaration,
                "verdict": a.verdict,
                "by": a.by,
                "at": a.at,
                "conditions": a.conditions,
                "note": a.note,
                "current": current is not None and current.pk == a.decision_pk,
                "log_index": a.log_index,
            }
        )
    return out
