"""Reads the talent registry back from the store: consents and replicas with their events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reelproof.adapters.store import events
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import latest, list_documents
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import Consent, DigitalReplica, Performer
from reelproof.core.json_types import JsonObject
from reelproof.core.replicas import AccessGrant, ReplicaRecord, ReplicaTransfer
from reelproof.services.context import Unit


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def consent_records(conn: Connection, performer: str | None = None) -> list[ConsentRecord]:
    """Every consent (or one performer's) with its revocation folded in."""
    revoked: dict[str, tuple[dt.date, str | None]] = {}
    for ev in events.of(conn, "Consent"):
        if ev.event == "revoked":
            data = ev.data()
            revoked.setdefault(ev.subject_id, (_day(data["at"]), data.get("note")))
    out = []
    for doc, _row in list_documents(conn, "Consent"):
        assert isinstance(doc, Consent)
        if performer is not None and doc.spec.performer != performer:
            continue
        at, note = revoked.get(doc.id, (None, None))
        out.append(ConsentRecord(doc, at, note))
    return out


def replica_records(conn: Connection, performer: str | None = None) -> list[ReplicaRecord]:
    """Every replica (or one performer's) with its transfers, access grants and destruction."""
    history: dict[str, JsonObject] = {}
    for ev in events.of(conn, "DigitalReplica"):
        data = ev.data()
        h = history.setdefault(ev.subject_id, {"transfers": [], "grants": [], "destroyed": None})
        if ev.event == "transferred":
            h["transfers"].append(
                ReplicaTransfer(
                    _day(data["at"]),
                    data.get("to_custodian"),
                    data.get("to_owner"),
                    bool(data.get("consented")),
                    data.get("note"),
                )
            )
        elif ev.event == "access_granted":
            h["grants"].append(AccessGrant(data["who"], _day(data["at"]), data["by"]))
        elif ev.event == "destroyed" and h["destroyed"] is None:
            h["destroyed"] = _day(data["at"])
    out = []
    for doc, _row in list_documents(conn, "DigitalReplica"):
        assert isinstance(doc, DigitalReplica)
        if performer is not None and doc.spec.performer != performer:
            continue
        h = history.get(doc.id, {"transfers": [], "grants": [], "destroyed": None})
        out.append(ReplicaRecord(doc, tuple(h["transfers"]), tuple(h["grants"]), h["destroyed"]))
    return out


def performers(conn: Connection, ids: Sequence[str]) -> list[Performer]:
    """The Performer documents of `ids` that are on record, once each."""
    found = []
    for pid in dict.fromkeys(ids):
        doc = latest(conn, "Performer", pid)
        if isinstance(doc, Performer):
            found.append(doc)
    return found


def record_event(
    unit: Unit,
    subject_kind: str,
    subject_id: str,
    event: str,
    at: dt.date,
    data: JsonObject,
    *,
    summary: JsonObject | None = None,
) -> int:
    """An event on a held thing (consent revoked, replica transferred…): row + log entry.
    `summary` is copied into the entry itself, for what a log reader must see unaided (a
    delivery check's verdict and timeline digest)."""
    return events.insert(unit.log, subject_kind, subject_id, event, at, data, summary=summary)
