"""Deciding declarations against the stored standards, and each declaration's status.

A decision records what it read (the declaration, its production, every performer the use
touches with their consents and replicas, the packs) so that any change to one of those
re-decides exactly the declarations that read it, in the same transaction. A decision is stored
only when it differs from the previous one. An approval holds while the decisions after the one
it answered keep the same basis (declaration revision, outcome, fired rules, obligations).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reelproof._version import __version__
from reelproof.adapters import agreement_cache, pack_cache
from reelproof.adapters.store import approvals as approval_rows
from reelproof.adapters.store import decisions as rows
from reelproof.adapters.store import events
from reelproof.adapters.store import likeness as likeness_store
from reelproof.adapters.store.approvals import ApprovalRow
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import (
    StoredDocument,
    declaration_keys,
    latest_row,
    newest_rows,
    require,
)
from reelproof.adapters.store.log import canonical
from reelproof.core import standards
from reelproof.core.consent import match_declaration, touched_performers
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import AIUseDeclaration, Production, StandardsPack, parse_one
from reelproof.core.errors import ConflictError, DocumentError, NotFoundError
from reelproof.core.json_types import JsonObject
from reelproof.core.law import legal_parameters
from reelproof.core.replicas import ReplicaRecord
from reelproof.services import registry
from reelproof.services.context import Unit

# A use re-decided because a performer's rights changed goes back to review even if nobody
# had approved it yet: someone must look at it again.
RIGHTS_TRIGGERS = ("consent ", "replica ")

# Read by every decision: pack selection looks at every stored pack.
PACKS_READ = ("StandardsPack", "*")
# Stores from before reads were recorded: such a decision is treated as reading everything.
EVERYTHING = ("*", "*")

_compiled: dict[int, tuple[str, standards.CompiledPack]] = {}


def stored_packs(conn: Connection) -> list[standards.CompiledPack]:
    """Newest revision of every stored pack version, compiled once per process per row.

    The rules were checked when the pack was published: they compile when first selected,
    or are read back from the compiled-pack cache when an earlier process compiled this pack.
    """
    packs = []
    with agreement_cache.persisted():
        for row in newest_rows(conn, "StandardsPack"):
            pk, content, source = row.pk, row.content, row.source
            digest = hashlib.sha256(content.encode()).hexdigest()
            hit = _compiled.get(pk)
            if hit is None or hit[0] != digest:  # a row edited behind our back is recompiled
                data = json.loads(content)
                data["spec"].pop("tests", None)  # stores from 0.1 kept test cases inside packs
                doc = parse_one(data, source)
                assert isinstance(doc, StandardsPack)
                cache = pack_cache.PackFile(content, source)
                hit = (digest, standards.compile_pack(doc, source, lazy_rules=True, cache=cache))
                _compiled[pk] = hit
            packs.append(hit[1])
    return packs


def pack_digest(pack: standards.CompiledPack) -> str:
    """SHA-256 of the pack's canonical content: the exact rules and parameters a decision used."""
    return "sha256:" + hashlib.sha256(canonical(pack.doc.content())).hexdigest()


@dataclass(frozen=True)
class Reads:
    """What a decision read, and the first day on which something it read changes by itself."""

    keys: frozenset[tuple[str, str]]
    valid_until: dt.date | None  # the decision must be re-made on this day (an expiry…)

    def to_json(self) -> JsonObject:
        """The reads as stored with the decision, so a re-decision can be targeted."""
        return {
            "reads": sorted(f"{k}:{v}" for k, v in self.keys),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def _next_change(
    consents: Iterable[ConsentRecord],
    replicas: Iterable[ReplicaRecord],
    packs: Iterable[standards.CompiledPack],
    today: dt.date,
) -> dt.date | None:
    """The earliest future day on which a consent, replica or pack read changes state."""
    one = dt.timedelta(days=1)
    days: list[dt.date | None] = []
    for c in consents:
        spec = c.consent.spec
        days += [spec.granted_at, spec.expires_at and spec.expires_at + one, c.revoked_at]
    for r in replicas:
        delete_by = r.replica.spec.delete_by
        days += [delete_by and delete_by + one, r.destroyed_at, *(t.at for t in r.transfers)]
        days += [g.at for g in r.access_grants]
    for p in packs:
        until = p.doc.spec.effective_until
        days += [p.doc.spec.effective_from, until and until + one]
    future = [d for d in days if d is not None and d > today]
    return min(future) if future else None


@dataclass(frozen=True)
class Evaluation:
    """A decision with what it read and what blocks its approval."""

    decision: standards.Decision
    reads: Reads
    blocking: list[JsonObject]
    digests: dict[str, str]

    def to_json(self) -> JsonObject:
        """The decision as stored: its JSON, what it read, what blocks it, the pack digests."""
        return {
            **self.decision.to_json(),
            **self.reads.to_json(),
            "blocking": self.blocking,
            "standards_digests": self.digests,
            "reelproof": __version__,
        }


def _blocking(
    decision: standards.Decision,
    talent: Sequence[JsonObject],
    findings: Sequence[JsonObject] = (),
) -> list[JsonObject]:
    """Unmet obligations no approval can clear: a consent missing, invalid, revoked or expired,
    a replica held outside its terms, and a likeness finding nobody has dismissed."""
    out = [
        {"kind": o.kind, "party": o.party, "detail": o.detail, "rules": list(o.rules)}
        for o in decision.obligations
        if o.status == "missing"
    ]
    for t in talent:
        replica = t.get("replica") or {}
        for message in replica.get("messages") or []:
            out.append(
                {
                    "kind": "replica",
                    "party": f"performer:{t.get('performer_id')}",
                    "detail": str(message),
                    "rules": [],
                }
            )
    for f in findings:
        p = f["params"]
        out.append(
            {
                "kind": "likeness",
                "party": f"performer:{f['performer']}",
                "detail": f"{p['status']} finding {p['finding']}: their {p['modality']} is in "
                f"{p['classification']} asset {str(p['asset'])[:12]} without a covering consent",
                "rules": [],
            }
        )
    return out


def evaluate(
    conn: Connection,
    decl: AIUseDeclaration,
    today: dt.date,
    packs: Sequence[standards.CompiledPack] | None = None,
    production: Production | None = None,
) -> Evaluation:
    """Decide without storing: used by `decide`, by `standards impact`, by the demo, and by
    the delivery check (with `production` narrowed to one territory at its release date)."""
    if production is None:
        stored = require(conn, "Production", decl.metadata.production)
        assert isinstance(stored, Production)
        production = stored
    packs = stored_packs(conn) if packs is None else packs
    touched = touched_performers(decl)
    replicas = [r for r in registry.replica_records(conn) if r.performer in touched]
    # A replica's creation is judged against the consent it was made under, whoever's it is.
    created_under = {r.replica.spec.created_under for r in replicas}
    examined = [
        c for c in registry.consent_records(conn) if c.performer in touched or c.id in created_under
    ]
    matches = match_declaration(
        decl,
        production,
        registry.performers(conn, touched),
        examined,
        today,
        law=legal_parameters(packs, today),
        replicas=replicas,
    )
    talent = [m.to_fact() for m in matches]
    found, found_reads = likeness_store.declaration_findings(conn, decl.key)
    decision = standards.decide(decl, production, talent, packs, today, found)
    keys = {
        ("AIUseDeclaration", decl.key),
        ("Production", production.id),
        PACKS_READ,
        *(("Performer", p) for p in touched),
        *(("Consent", c.id) for c in examined),
        *(("DigitalReplica", r.id) for r in replicas),
        *found_reads,
    }
    reads = Reads(frozenset(keys), _next_change(examined, replicas, packs, today))
    digests = {p.id: pack_digest(p) for p in packs if decision.standards.get(p.id) == p.version}
    return Evaluation(decision, reads, _blocking(decision, talent, found), digests)


@dataclass(frozen=True)
class StoredDecision:
    """A decision as stored and logged; `changed` says whether this call stored it."""

    pk: int
    declaration: str
    revision: int
    outcome: str
    content: JsonObject
    trigger: str
    decided_at: str
    log_index: int
    changed: bool  # False when the decision equals the one already stored

    def to_json(self) -> JsonObject:
        """The decision as `decide --format json` prints it."""
        return {**self.content, "log_index": self.log_index, "decided_at": self.decided_at}

    @property
    def basis(self) -> str:
        """What an approval answers: the declaration revision, outcome, rules and obligations."""
        return approval_basis(self.revision, self.content)

    @property
    def blocking(self) -> list[JsonObject]:
        """Unmet obligations no approval can clear (a missing consent, a replica out of terms)."""
        return list(self.content.get("blocking", []))

    def stale_on(self, today: dt.date) -> str | None:
        """The day from which something this decision read has changed by itself, if passed."""
        until = self.content.get("valid_until")
        return until if until is not None and until <= today.isoformat() else None


def approval_basis(revision: int, content: JsonObject) -> str:
    """Digest of what an approval answers, so a later decision with the same basis keeps the
    approval."""
    body = {
        "revision": revision,
        "outcome": content.get("outcome"),
        "rules": sorted(
            {f"{r.get('pack')}:{r.get('id')}:{r.get('performer')}" for r in content["rules"]}
        ),
        "obligations": sorted(
            canonical({k: o.get(k) for k in ("kind", "party", "status", "detail")}).decode()
            for o in content.get("obligations", [])
        ),
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def _row_to_stored(row: rows.DecisionRow, changed: bool) -> StoredDecision:
    return StoredDecision(
        row.pk,
        row.declaration,
        row.declaration_revision,
        row.outcome,
        json.loads(row.content),
        row.trigger,
        row.decided_at,
        int(row.log_index),
        changed,
    )


def latest_decision(conn: Connection, key: str) -> StoredDecision | None:
    """The declaration's newest decision, or None when it was never decided."""
    row = rows.latest(conn, key)
    return None if row is None else _row_to_stored(row, False)


def decision_history(conn: Connection, key: str) -> list[StoredDecision]:
    """Every decision of the declaration, oldest first."""
    return [_row_to_stored(r, False) for r in rows.history(conn, key)]


def decide_stored(unit: Unit, key: str, trigger: str) -> StoredDecision:
    """(Re-)decide one stored declaration; store and log the decision if it changed."""
    decl = require(unit.conn, "AIUseDeclaration", key)
    assert isinstance(decl, AIUseDeclaration)
    stored = latest_row(unit.conn, "AIUseDeclaration", key)
    assert stored is not None  # `require` found it
    revision = stored.revision
    evaluation = evaluate(unit.conn, decl, unit.today)
    content = evaluation.to_json()
    previous = latest_decision(unit.conn, key)
    if (
        previous is not None
        and previous.revision == revision
        and _comparable(previous.content) == _comparable(content)
    ):
        return previous
    outcome = evaluation.decision.outcome
    pk, index = rows.insert(
        unit.log,
        declaration=key,
        revision=revision,
        outcome=outcome,
        content=json.dumps(content, sort_keys=True),
        trigger=trigger,
    )
    rows.replace_reads(unit.conn, key, evaluation.reads.keys)
    return StoredDecision(pk, key, revision, outcome, content, trigger, unit.log.time, index, True)


def _comparable(content: JsonObject) -> JsonObject:
    return {k: v for k, v in content.items() if k not in ("log_index", "decided_at")}


def declarations_touching(conn: Connection, *, production: str | None = None) -> list[str]:
    """Every stored declaration, or those of one production, in key order."""
    return declaration_keys(conn, production=production)


def readers(conn: Connection, changed: Iterable[tuple[str, str]]) -> list[str]:
    """The declarations whose current decision read any of `changed` (kind, key)."""
    return rows.readers(conn, [*changed, EVERYTHING])


def redecide(unit: Unit, keys: Iterable[str], trigger: str) -> list[StoredDecision]:
    """(Re-)decide each declaration once, in order."""
    return [decide_stored(unit, k, trigger) for k in dict.fromkeys(keys)]


def cascade(unit: Unit, changed: Iterable[tuple[str, str]], trigger: str) -> list[StoredDecision]:
    """Re-decide every declaration that read something in `changed`; the new decisions."""
    return [d for d in redecide(unit, readers(unit.conn, changed), trigger) if d.changed]


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Where a declaration stands (cleared, awaiting approval…), why, and on which decision and
    approval."""

    status: str
    reason: str
    decision: StoredDecision | None
    approval: ApprovalRow | None  # the approval that answers the current decision, if any


def current_run(conn: Connection, key: str) -> list[StoredDecision]:
    """The unbroken run of latest decisions with the current basis, oldest first: an approval
    of any of them still answers the current decision; an earlier one answered something else.
    """
    history = decision_history(conn, key)
    run: list[StoredDecision] = []
    for d in reversed(history):
        if run and d.basis != run[0].basis:
            break
        run.insert(0, d)
    return run


def approval_applies(conn: Connection, approval: ApprovalRow) -> bool:
    """Whether the approval still answers its declaration's current decision."""
    run = current_run(conn, approval.declaration)
    return bool(run) and approval.decision_pk >= run[0].pk


def blocking_summary(blocking: Sequence[JsonObject], *, detail: bool = True) -> str:
    """The first unmet obligation (with its gap when `detail`), and how many more there are."""
    first = blocking[0]
    more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
    what = f"{first['kind']} missing for {first.get('party') or 'the production'}"
    if detail and first.get("detail"):
        what += f": {first['detail']}"
    return what + more


def status_of(conn: Connection, key: str, today: dt.date | None = None) -> Status:
    """awaiting_approval | cleared | rejected | blocked | needs_review, with the reason.

    `today` (the caller's clock) turns a decision whose facts have since changed by
    themselves (a consent expired, a revocation took effect) into `needs_review`, so a reader
    without the signing key never sees a stale `cleared`.
    """
    decision = latest_decision(conn, key)
    withdrawn = withdrawal(conn, key)
    if withdrawn is not None:
        why = (
            f"withdrawn by {withdrawn.recorded_by} on {withdrawn.at}: {withdrawn.data()['reason']}"
        )
        return Status("withdrawn", why, decision, None)
    if decision is None:
        return Status("needs_review", "not decided yet", None, None)
    if decision.outcome == "prohibited":
        return Status("blocked", "the standards prohibit this use", decision, None)
    stale = decision.stale_on(today) if today is not None else None
    if stale is not None:
        return Status(
            "needs_review",
            f"something this decision read changed on {stale} (a consent or replica term, or "
            f"a pack's dates); re-decide it with `reelproof decide {key}`",
            decision,
            None,
        )
    approvals = approval_rows.listing(conn, key)
    start = current_run(conn, key)[0].pk
    current = [a for a in approvals if a.decision_pk >= start]
    answer = current[-1] if current else None
    blocking = decision.blocking
    if answer is not None and answer.verdict == "rejected":
        return Status("rejected", f"refused by {answer.by}", decision, answer)
    if blocking:
        earlier = bool(approvals) or decision.trigger.startswith(RIGHTS_TRIGGERS)
        why = f"{blocking_summary(blocking, detail=False)}; no approval clears it until it is met"
        if earlier:
            return Status("needs_review", f"re-decided ({decision.trigger}): {why}", decision, None)
        return Status("blocked", why, decision, None)
    if answer is not None:
        return Status("cleared", f"approved in writing by {answer.by}", decision, answer)
    if decision.outcome in ("proceed", "inform"):
        return Status("cleared", f"the decision is '{decision.outcome}'", decision, None)
    if approvals:
        return Status(
            "needs_review",
            f"re-decided ({decision.trigger}); the earlier approval no longer applies",
            decision,
            None,
        )
    if decision.trigger.startswith(RIGHTS_TRIGGERS):
        return Status("needs_review", f"re-decided ({decision.trigger})", decision, None)
    return Status(
        "awaiting_approval", f"the decision '{decision.outcome}' needs review", decision, None
    )


def withdrawal(conn: Connection, key: str) -> events.EventRow | None:
    """The withdrawal in force: one recorded after the declaration's latest revision (applying
    a new revision brings a withdrawn declaration back)."""
    doc = latest_row(conn, "AIUseDeclaration", key)
    found = [e for e in events.of(conn, "AIUseDeclaration", key) if e.event == "withdrawn"]
    if not found or doc is None or (doc.log_index or -1) > found[-1].log_index:
        return None
    return found[-1]


def withdraw(unit: Unit, ref: str, reason: str) -> int:
    """Withdraw a declaration made by mistake: logged, kept in its history, shown as
    `withdrawn` and no longer awaiting or blocking anything. Returns the log index."""
    key = resolve_declaration(unit.conn, ref)
    if not reason.strip():
        raise DocumentError("<command line>", None, "--reason", "say why it is withdrawn")
    if withdrawal(unit.conn, key) is not None:
        raise ConflictError(f"{key} is already withdrawn")
    return events.insert(
        unit.log, "AIUseDeclaration", key, "withdrawn", unit.today, {"reason": reason}
    )


def current_status(unit: Unit, key: str, why: str) -> Status:
    """Re-decide first, then the status: what a gate (approve, sign, check) must read."""
    decide_stored(unit, key, why)
    return status_of(unit.conn, key, unit.today)


def resolve_declaration(conn: Connection, ref: str) -> str:
    """Accept `production/id` or a bare id that is unique across productions."""
    if "/" in ref:
        require(conn, "AIUseDeclaration", ref)
        return ref
    keys = declaration_keys(conn, id=ref)
    if not keys:
        raise NotFoundError(f"no declaration with id {ref!r} in the store")
    if len(keys) > 1:
        raise DocumentError(
            "<command line>", None, "ID", f"{ref!r} is ambiguous: {', '.join(keys)}"
        )
    return keys[0]


def changed_facts(stored: StoredDocument) -> list[tuple[str, str]]:
    """The (kind, key) read-set entries a newly stored document revision changes."""
    facts = [(stored.kind, stored.key)]
    if stored.kind in ("Consent", "DigitalReplica"):
        spec: Any = stored.document.spec  # Consent and DigitalReplica both name a performer
        facts.append(("Performer", spec.performer))
    return facts


def after_apply(unit: Unit, changed: Sequence[StoredDocument]) -> list[StoredDecision]:
    """Re-decide what newly applied revisions can change; returns the decisions it made."""
    made: list[StoredDecision] = []
    for stored in changed:
        if stored.kind == "AIUseDeclaration":
            trigger = (
                "declared" if stored.revision == 1 else f"declaration revision {stored.revision}"
            )
            decision = decide_stored(unit, stored.key, trigger)
            made.extend([decision] if decision.changed else [])
        elif stored.kind in ("Production", "Performer", "Consent", "DigitalReplica"):
            trigger = f"{stored.kind} {stored.key} revision {stored.revision} applied"
            made.extend(cascade(unit, changed_facts(stored), trigger))
    return made
