"""Written approval or refusal of one exact decision."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from reelproof.adapters.store import approvals as rows
from reelproof.adapters.store.db import Connection
from reelproof.core.documents import Approval
from reelproof.core.errors import ConflictError
from reelproof.core.json_types import JsonObject
from reelproof.services import decisions, roles
from reelproof.services.context import Unit
from reelproof.services.decisions import latest_decision, resolve_declaration, status_of


@dataclass(frozen=True)
class ApprovalResult:
    """What an answer did: which decision it answered and the status afterwards."""

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
    by: str | None = None,
    *,
    at: dt.date | None = None,
    note: str | None = None,
    conditions: str | None = None,
    approval_id: str | None = None,
) -> ApprovalResult:
    """Approve or reject the current decision of a declaration; refuses what can't be approved.

    `by` (default: the acting identity) must hold the approver role for the production, and
    only they or an admin record their answer. The declaration is re-decided first, so the
    answer is to the decision as it stands now. The log's time is the approval's time; a
    stated date (`at`, from an Approval document) is kept in the note.
    """
    by = (by or unit.actor).strip()
    key = resolve_declaration(unit.conn, ref)
    production = key.split("/", 1)[0]
    roles.require_role(unit.conn, by, "approver", production)
    if by != unit.actor and not roles.holds(unit.conn, unit.actor, "admin"):
        raise ConflictError(
            f"you are acting as {unit.actor}: an answer by {by} is recorded by {by} themselves "
            "(set REELPROOF_ACTOR or [identity] user) or by an admin on their behalf"
        )
    if at is not None and at > unit.today:
        raise ConflictError(f"the answer is dated {at}, in the future; date it when it was given")
    before = latest_decision(unit.conn, key)
    decision = decisions.decide_stored(unit, key, "re-checked before the answer")
    if before is not None and decision.changed and decision.basis != before.basis:
        raise ConflictError(
            f"{key} was re-decided just now ({decision.outcome}) because something it depends on "
            f"changed; read the new decision (`reelproof decide {key}`) and answer again"
        )
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
    if verdict == "approved" and decision.blocking:
        raise ConflictError(
            f"{key} cannot be approved while an obligation is unmet: "
            f"{decisions.blocking_summary(decision.blocking)}; record a covering consent (or fix "
            "the replica's records) first"
        )
    if approval_id is not None:
        existing = rows.by_id(unit.conn, approval_id)
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
                status_of(unit.conn, key, unit.today).status,
                int(existing.log_index),
                recorded=False,
            )
    if at is not None and at != unit.today:
        note = f"{note} (stated date: {at})" if note else f"stated date: {at}"
    approval_id = approval_id or f"appr-{secrets.token_hex(4)}"
    index = rows.insert(
        unit.log,
        approval_id=approval_id,
        declaration=key,
        decision_pk=decision.pk,
        decision_log_index=decision.log_index,
        verdict=verdict,
        by=by,
        conditions=conditions,
        note=note,
    )
    status = status_of(unit.conn, key, unit.today)
    return ApprovalResult(
        approval_id, key, verdict, decision.pk, decision.outcome, status.status, index
    )


def from_document(unit: Unit, doc: Approval) -> ApprovalResult:
    """Record an Approval document's answer (once, by its id)."""
    spec = doc.spec
    return record(
        unit,
        spec.declaration,
        spec.decision,
        spec.by,
        at=spec.at,
        conditions=spec.conditions,
        approval_id=doc.id,
    )


def approvals_listing(conn: Connection, declaration: str | None = None) -> list[JsonObject]:
    """Every approval or refusal, and whether it still answers its declaration's decision."""
    out = []
    for a in rows.listing(conn, declaration):
        out.append(
            {
                "id": a.approval_id,
                "declaration": a.declaration,
                "verdict": a.verdict,
                "by": a.by,
                "at": a.at,
                "conditions": a.conditions,
                "note": a.note,
                "current": decisions.approval_applies(conn, a),
                "log_index": a.log_index,
            }
        )
    return out
