"""Talent rights as use cases: revoke and sweep consents, hold replicas, and answer a
performer's question "where is my likeness used, under which consent, what am I owed"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reelproof.adapters.keys import KeyUnavailable
from reelproof.adapters.store import approvals as approval_rows
from reelproof.adapters.store import events
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import history, list_documents, require
from reelproof.core.consent import (
    compensation_owed,
    match_declaration,
    touched_performers,
)
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import AIUseDeclaration, Performer, Production
from reelproof.core.errors import ConflictError, NotFoundError
from reelproof.core.json_types import JsonObject
from reelproof.core.law import legal_parameters
from reelproof.core.replicas import ReplicaRecord, past_retention
from reelproof.services import decisions, registry
from reelproof.services.context import Context, Unit


def consent_record(conn: Connection, consent_id: str) -> ConsentRecord:
    """The consent with its revocation, or a not-found error."""
    for rec in registry.consent_records(conn):
        if rec.id == consent_id:
            return rec
    raise NotFoundError(f"no Consent with id {consent_id!r} in the store")


def replica_record(conn: Connection, replica_id: str) -> ReplicaRecord:
    """The replica with its history, or a not-found error."""
    for rec in registry.replica_records(conn):
        if rec.id == replica_id:
            return rec
    raise NotFoundError(f"no DigitalReplica with id {replica_id!r} in the store")


@dataclass(frozen=True)
class CascadeResult:
    """What an event changed: the decisions it re-made and the uses now needing review."""

    event_log_index: int
    redecided: list[decisions.StoredDecision]
    needs_review: list[str]

    def to_json(self) -> JsonObject:
        """The result as `consent revoke` and replica events print it."""
        return {
            "log_index": self.event_log_index,
            "redecided": [
                {"declaration": d.declaration, "outcome": d.outcome, "log_index": d.log_index}
                for d in self.redecided
            ],
            "needs_review": self.needs_review,
        }


def _cascade(
    unit: Unit, kind: str, thing: str, performer: str, trigger: str, index: int
) -> CascadeResult:
    """Re-decide every declaration whose decision read the consent or replica, or its
    performer's consents and replicas."""
    made = decisions.cascade(unit, [(kind, thing), ("Performer", performer)], trigger)
    review = [
        d.declaration
        for d in made
        if decisions.status_of(unit.conn, d.declaration, unit.today).status == "needs_review"
    ]
    return CascadeResult(index, made, review)


def revoke_consent(ctx: Context, consent_id: str, at: dt.date, note: str) -> CascadeResult:
    """Revocation is an event; the grant stays in the log. Every use that read it is re-decided.

    A revocation takes effect on `at`: not before the consent was granted, and not in the
    future (a withdrawal is recorded when it is given, so nothing stays cleared meanwhile).
    """
    with ctx.write() as unit:
        rec = consent_record(unit.conn, consent_id)
        if rec.revoked_at is not None:
            raise ConflictError(f"consent {consent_id} was already revoked on {rec.revoked_at}")
        granted = rec.consent.spec.granted_at
        if at < granted:
            raise ConflictError(
                f"--at {at} is before consent {consent_id} was granted ({granted}); a revocation "
                "takes effect on or after the grant"
            )
        if at > unit.today:
            raise ConflictError(
                f"--at {at} is in the future; record a revocation when it is given (today is "
                f"{unit.today}), or let the consent's expiry date end it"
            )
        index = registry.record_event(unit, "Consent", consent_id, "revoked", at, {"note": note})
        trigger = f"consent {consent_id} revoked on {at}"
        _rescan_enrolment(unit, rec, trigger)
        return _cascade(unit, "Consent", consent_id, rec.performer, trigger, index)


def _rescan_enrolment(unit: Unit, rec: ConsentRecord, trigger: str) -> None:
    """A consent covering likeness enrolment changed: the scanner's enrolment follows it."""
    from reelproof.services import likeness  # media libraries load only when this happens

    if likeness.ENROLMENT_USE in rec.consent.spec.scope.uses:
        likeness.after_consent_change(unit, rec.performer, trigger)


def sweep_consents(ctx: Context) -> list[tuple[str, CascadeResult]]:
    """Record each expiry that has passed (once) and re-decide the uses it covered."""
    with ctx.read() as conn:
        today = ctx.clock().date()
        due = [
            rec
            for rec in registry.consent_records(conn)
            if rec.state(today) == "expired"
            and not any(e.event == "expired" for e in events.of(conn, "Consent", rec.id))
        ]
    out = []
    for rec in due:
        with ctx.write() as unit:
            expired_on = rec.consent.spec.expires_at or unit.today
            index = registry.record_event(unit, "Consent", rec.id, "expired", expired_on, {})
            trigger = f"consent {rec.id} expired"
            _rescan_enrolment(unit, rec, trigger)
            out.append((rec.id, _cascade(unit, "Consent", rec.id, rec.performer, trigger, index)))
    return out


def sweep_on_read(ctx: Context) -> bool:
    """Record due expiries before a read; readers without the signing key (auditors,
    performers) still read correctly, since a consent's state is computed from its dates."""
    try:
        sweep_consents(ctx)
    except KeyUnavailable:
        return False
    return True


def consent_summary(rec: ConsentRecord, today: dt.date) -> JsonObject:
    """The consent as `consent list / show` print it, with its state today."""
    spec = rec.consent.spec
    return {
        "id": rec.id,
        "performer": spec.performer,
        "state": rec.state(today),
        "granted_by": spec.granted_by,
        "granted_at": spec.granted_at.isoformat(),
        "expires_at": spec.expires_at.isoformat() if spec.expires_at else None,
        "revoked_at": rec.revoked_at.isoformat() if rec.revoked_at else None,
        "revocation_note": rec.revocation_note,
        "form": spec.form,
        "description": spec.description,
        "scope": spec.scope.model_dump(mode="json"),
        "compensation": spec.compensation.model_dump(mode="json"),
    }


def consent_events(conn: Connection, consent_id: str) -> list[JsonObject]:
    """The consent's whole history: granted, each amendment, then revocation or expiry."""
    revisions = [
        {
            "event": "granted" if r.revision == 1 else f"amended (revision {r.revision})",
            "at": r.applied_at,
            "by": r.applied_by,
            "log_index": r.log_index,
        }
        for r in history(conn, "Consent", consent_id)
    ]
    return revisions + [
        {
            "event": e.event,
            "at": e.at,
            "by": e.recorded_by,
            "log_index": e.log_index,
            **e.data(),
        }
        for e in events.of(conn, "Consent", consent_id)
    ]


# --- replicas ---------------------------------------------------------------------------------


def replica_summary(conn: Connection, rec: ReplicaRecord, today: dt.date) -> JsonObject:
    """The replica as `replica list / show` print it, with its findings today."""
    spec = rec.replica.spec
    return {
        "id": rec.id,
        "performer": spec.performer,
        "replica_type": spec.replica_type,
        "modality": list(spec.modality),
        "created_under": spec.created_under,
        "custodian": rec.custodian(today),
        "owner": rec.owner(today),
        "location": spec.location,
        "productions": list(spec.productions),
        "delete_by": spec.delete_by.isoformat() if spec.delete_by else None,
        "access": rec.access(today),
        "destroyed_at": rec.destroyed_at.isoformat() if rec.destroyed_at else None,
        "past_retention": bool(past_retention([rec], today)),
        "transfers": [
            {
                "at": t.at.isoformat(),
                "to_custodian": t.to_custodian,
                "to_owner": t.to_owner,
                "consented": t.consented,
                "note": t.note,
            }
            for t in rec.transfers
        ],
        "events": [
            {
                **e.data(),
                "event": e.event,
                "at": e.at,
                "recorded_by": e.recorded_by,
                "log_index": e.log_index,
            }
            for e in events.of(conn, "DigitalReplica", rec.id)
        ],
    }


def replica_event(
    ctx: Context, replica_id: str, event: str, at: dt.date, data: JsonObject
) -> CascadeResult:
    """transferred | access_granted | destroyed: an event, then the uses are re-decided."""
    with ctx.write() as unit:
        rec = replica_record(unit.conn, replica_id)
        if rec.destroyed_at is not None:
            raise ConflictError(f"replica {replica_id} was destroyed on {rec.destroyed_at}")
        index = registry.record_event(unit, "DigitalReplica", replica_id, event, at, data)
        trigger = f"replica {replica_id} {event} on {at}"
        return _cascade(unit, "DigitalReplica", replica_id, rec.performer, trigger, index)


def replicas_past_retention(ctx: Context) -> list[JsonObject]:
    """Replicas held past their delete_by day and not destroyed."""
    with ctx.read() as conn:
        today = ctx.clock().date()
        return [
            replica_summary(conn, r, today)
            for r in past_retention(registry.replica_records(conn), today)
        ]


# --- performer view --------------------------------------------------------------------------


def performer_view(conn: Connection, performer_id: str, today: dt.date) -> JsonObject:
    """Every use of a performer's likeness or voice, the consent behind it and what is owed."""
    from reelproof.services import likeness  # media libraries: for this view only
    from reelproof.services.assets import production_assets

    performer = require(conn, "Performer", performer_id)
    assert isinstance(performer, Performer)
    consents = registry.consent_records(conn)
    replicas = registry.replica_records(conn)
    law = legal_parameters(decisions.stored_packs(conn), today)
    uses = []
    for doc, row in list_documents(conn, "AIUseDeclaration"):
        assert isinstance(doc, AIUseDeclaration)
        if performer_id not in touched_performers(doc):
            continue
        production = require(conn, "Production", doc.metadata.production)
        assert isinstance(production, Production)
        matches = match_declaration(
            doc, production, [performer], consents, today, law=law, replicas=replicas
        )
        status = decisions.status_of(conn, row.key, today)
        history = decisions.decision_history(conn, row.key)
        for m in matches:
            if m.talent.performer != performer_id:
                continue
            uses.append(
                {
                    "declaration": row.key,
                    "title": doc.spec.title,
                    "use": m.talent.use,
                    "via": m.via,
                    "replica_type": m.talent.replica_type,
                    "outcome": status.decision.outcome if status.decision else None,
                    "status": status.status,
                    "status_reason": status.reason,
                    "consent": m.consent.id if m.consent else None,
                    "covered": m.covered,
                    "gaps": list(m.missing) + list(m.invalid_reasons),
                    "owed": compensation_owed(m, production, law),
                    "replica": m.replica.id if m.replica else None,
                    "replica_findings": list(m.replica_findings),
                    "approvals": [
                        {
                            "id": a.approval_id,
                            "verdict": a.verdict,
                            "by": a.by,
                            "at": a.at,
                            "current": decisions.approval_applies(conn, a),
                        }
                        for a in approval_rows.listing(conn, row.key)
                    ],
                    "decisions": [
                        {
                            "outcome": d.outcome,
                            "trigger": d.trigger,
                            "at": d.decided_at,
                            "log_index": d.log_index,
                        }
                        for d in history
                    ],
                    "assets": [
                        a
                        for a in production_assets(conn, doc.metadata.production)
                        if row.key in a["declarations"]
                    ],
                }
            )
    mine = [c for c in consents if c.performer == performer_id]
    return {
        "performer": {"id": performer_id, **performer.spec.model_dump(mode="json")},
        "uses": uses,
        "consents": [
            {**consent_summary(c, today), "events": consent_events(conn, c.id)} for c in mine
        ],
        "replicas": [
            replica_summary(conn, r, today) for r in replicas if r.performer == performer_id
        ],
        "biometrics": likeness.references_of(conn, performer_id),
        "likeness_findings": likeness.list_findings(conn, performer=performer_id),
    }
