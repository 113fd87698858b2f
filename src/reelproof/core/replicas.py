"""Digital replicas as held things: which one a talent entry uses, and what is wrong with it.

A DigitalReplica document says who holds a performer's scan or voice model, under which
consent it was made, where it may be used and until when. Transfers, access grants and
destruction are events recorded after the fact (never edits of the document); a
`ReplicaRecord` carries the document plus those events so the checks here stay pure.
Rules are explained in docs/consent-matching.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import DigitalReplica, Talent
from reelproof.core.findings import Finding

# Talent uses that work with a replica someone holds; the others (alteration of a recorded
# performance, training, biometric enrollment) touch the performer's material, not a replica.
REPLICA_USES: frozenset[str] = frozenset(
    {"replica_creation", "replica_use", "voice_replica", "dubbing"}
)


@dataclass(frozen=True)
class ReplicaTransfer:
    """The replica moved to another custodian and/or owner on `at`."""

    at: dt.date
    to_custodian: str | None = None
    to_owner: str | None = None
    consented: bool = False
    note: str | None = None


@dataclass(frozen=True)
class AccessGrant:
    """`who` was allowed to open the replica on `at`, by `by`."""

    who: str
    at: dt.date
    by: str


@dataclass(frozen=True)
class ReplicaRecord:
    """A DigitalReplica document plus its event history (event-sourced, never edited)."""

    replica: DigitalReplica
    transfers: tuple[ReplicaTransfer, ...] = ()
    access_grants: tuple[AccessGrant, ...] = ()
    destroyed_at: dt.date | None = None

    @property
    def id(self) -> str:
        """The replica's id."""
        return self.replica.metadata.id

    @property
    def performer(self) -> str:
        """The performer the replica is of."""
        return self.replica.spec.performer

    def custodian(self, today: dt.date) -> str:
        """Who holds the files on `today`: the last transfer's custodian, else the document's."""
        holder = self.replica.spec.custodian
        for t in sorted(self.transfers, key=lambda t: t.at):
            if t.at <= today and t.to_custodian:
                holder = t.to_custodian
        return holder

    def owner(self, today: dt.date) -> str | None:
        """Who holds the rights on `today`: the last transfer's owner, else the document's."""
        holder = self.replica.spec.owner
        for t in sorted(self.transfers, key=lambda t: t.at):
            if t.at <= today and t.to_owner:
                holder = t.to_owner
        return holder

    def access(self, today: dt.date) -> list[str]:
        """Everyone who may open it on `today`: the document's list plus grants made so far."""
        people = list(self.replica.spec.access)
        for g in sorted(self.access_grants, key=lambda g: g.at):
            if g.at <= today and g.who not in people:
                people.append(g.who)
        return people

    def destroyed(self, today: dt.date) -> bool:
        """Whether the replica's destruction is on record."""
        return self.destroyed_at is not None and self.destroyed_at <= today

    def permitted_for(self, production_id: str) -> bool:
        """`productions: []` permits no production, the same rule as consent scopes."""
        return production_id in self.replica.spec.productions


def find_replica_for(
    talent: Talent,
    replicas: Sequence[ReplicaRecord],
    *,
    production_id: str | None = None,
    today: dt.date | None = None,
) -> ReplicaRecord | None:
    """Which recorded replica a talent entry uses, or None.

    Only the uses in REPLICA_USES involve a replica. Candidates are the performer's replicas of
    the entry's replica_type (any type when the entry names none); a `voice_replica` use needs a
    replica with the voice modality. Among candidates the best is, in order: not destroyed,
    permitted for the production, not past `delete_by` (both when `today` is given), most
    recently created, then the smallest id. A replica that is destroyed or not permitted is
    still returned when nothing better exists, so that its findings tell the producer why it
    cannot be used.
    """
    if talent.use not in REPLICA_USES:
        return None
    candidates = [
        r
        for r in replicas
        if r.performer == talent.performer
        and (talent.replica_type is None or r.replica.spec.replica_type == talent.replica_type)
        and (talent.use != "voice_replica" or "voice" in r.replica.spec.modality)
    ]
    if not candidates:
        return None

    def rank(r: ReplicaRecord) -> tuple[bool, bool, bool, int, str]:
        spec = r.replica.spec
        destroyed = r.destroyed(today) if today is not None else r.destroyed_at is not None
        not_permitted = production_id is not None and not r.permitted_for(production_id)
        overdue = today is not None and spec.delete_by is not None and today > spec.delete_by
        created = spec.created_at.toordinal() if spec.created_at else 0
        return (destroyed, not_permitted, overdue, -created, r.id)

    return min(candidates, key=rank)


def replica_findings(
    replica: ReplicaRecord,
    talent: Talent,
    production_id: str,
    consents: Sequence[ConsentRecord],
    today: dt.date,
) -> list[Finding]:
    """Everything that stops `replica` from being used for `talent` in `production_id` today.

    Each finding has a code (replica.*) and a sentence for a producer. An empty list means
    no problem was found in the records, not that the use is cleared: consent for the use
    itself is matched separately.
    """
    rid = replica.id
    spec = replica.replica.spec
    findings: list[Finding] = []
    if replica.performer != talent.performer:
        findings.append(
            Finding(
                "replica.wrong_performer",
                f"replica {rid} is of performer {replica.performer}, not {talent.performer}",
                {"replica": rid, "performer": replica.performer},
            )
        )
    findings.extend(_creation_findings(replica, consents))
    if not replica.permitted_for(production_id):
        allowed = ", ".join(spec.productions) if spec.productions else "no production"
        findings.append(
            Finding(
                "replica.production_not_permitted",
                f"replica {rid} is not permitted for production {production_id} "
                f"(it is permitted for: {allowed})",
                {"replica": rid, "production": production_id, "permitted": list(spec.productions)},
            )
        )
    if spec.delete_by is not None and today > spec.delete_by:
        findings.append(
            Finding(
                "replica.retention.past_delete_by",
                f"replica {rid} was due to be destroyed by {spec.delete_by.isoformat()} "
                "and may not be used after that day",
                {"replica": rid, "delete_by": spec.delete_by.isoformat()},
            )
        )
    for t in sorted(replica.transfers, key=lambda t: t.at):
        if t.at > today or t.consented:
            continue
        to = " and ".join(
            part
            for part in (
                f"custodian {t.to_custodian}" if t.to_custodian else "",
                f"owner {t.to_owner}" if t.to_owner else "",
            )
            if part
        )
        note = f" (note: {t.note})" if t.note else ""
        findings.append(
            Finding(
                "replica.transferred_without_consent",
                f"replica {rid} was transferred to {to or 'another holder'} on "
                f"{t.at.isoformat()} without the performer's consent{note}; under SAG-AFTRA "
                "2026 (SAG26-12, unverified [U]) the producer stays responsible unless the "
                "union approved the transferee and the transferee agreed in writing to comply",
                {
                    "replica": rid,
                    "at": t.at.isoformat(),
                    "to_custodian": t.to_custodian,
                    "to_owner": t.to_owner,
                },
            )
        )
    if replica.destroyed(today):
        assert replica.destroyed_at is not None
        findings.append(
            Finding(
                "replica.destroyed",
                f"replica {rid} was destroyed on {replica.destroyed_at.isoformat()} "
                "and cannot be used",
                {"replica": rid, "on": replica.destroyed_at.isoformat()},
            )
        )
    return findings


def _creation_findings(replica: ReplicaRecord, consents: Sequence[ConsentRecord]) -> list[Finding]:
    """Was the replica made under a consent covering its creation, while it was in force?"""
    rid = replica.id
    spec = replica.replica.spec
    cid = spec.created_under
    ids = {"replica": rid, "consent": cid}
    record = next((c for c in consents if c.id == cid), None)
    if record is None:
        return [
            Finding(
                "replica.creation.consent_not_on_record",
                f"replica {rid} was created under consent {cid}, which is not on record",
                ids,
            )
        ]
    found: list[Finding] = []
    cspec = record.consent.spec
    if cspec.performer != spec.performer:
        found.append(
            Finding(
                "replica.creation.consent_other_performer",
                f"replica {rid} was created under consent {cid}, which is for performer "
                f"{cspec.performer}, not {spec.performer}",
                {**ids, "performer": cspec.performer},
            )
        )
    if "replica_creation" not in cspec.scope.uses:
        found.append(
            Finding(
                "replica.creation.use_not_covered",
                f"replica {rid} was created under consent {cid}, which does not cover "
                "the use 'replica_creation'",
                ids,
            )
        )
    if spec.replica_type not in cspec.scope.replica_types:
        found.append(
            Finding(
                "replica.creation.replica_type_not_covered",
                f"replica {rid} was created under consent {cid}, which does not cover "
                f"replica type '{spec.replica_type}'",
                {**ids, "replica_type": spec.replica_type},
            )
        )
    if spec.created_at is None:
        found.append(
            Finding(
                "replica.creation.date_unknown",
                f"replica {rid} has no created_at, so it cannot be shown that it was created "
                f"while consent {cid} was in force",
                ids,
            )
        )
    elif (state := record.state(spec.created_at)) != "active":
        found.append(
            Finding(
                "replica.creation.consent_not_in_force",
                f"replica {rid} was created on {spec.created_at.isoformat()}, when consent "
                f"{cid} was {state.replace('_', ' ')}",
                {**ids, "created_at": spec.created_at.isoformat(), "state": state},
            )
        )
    return found


def past_retention(replicas: Sequence[ReplicaRecord], today: dt.date) -> list[ReplicaRecord]:
    """Replicas still held after their `delete_by` day, oldest deadline first."""
    overdue = [
        r
        for r in replicas
        if r.replica.spec.delete_by is not None
        and today > r.replica.spec.delete_by
        and not r.destroyed(today)
    ]
    return sorted(overdue, key=lambda r: (r.replica.spec.delete_by or today, r.id))
