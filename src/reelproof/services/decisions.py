"""Deciding declarations against the stored standards, and each declaration's status.

A decision is stored only when it differs from the previous one; a new decision voids the
approvals of the old one (an approval answers one exact decision) and puts the use back to
review.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.core import standards
from reelproof.core.consent import match_declaration, touched_performers
from reelproof.core.documents import AIUseDeclaration, Production, StandardsPack, parse_one
from reelproof.core.errors import DocumentError, NotFoundError
from reelproof.core.law import legal_parameters
from reelproof.services import registry
from reelproof.services.context import Unit
from reelproof.services.documents import latest_row, list_documents, require

# A use re-decided because a performer's rights changed goes back to review even if nobody
# had approved it yet: someone must look at it again.
RIGHTS_TRIGGERS = ("consent ", "replica ")

_compiled: dict[int, tuple[str, standards.CompiledPack]] = {}


def stored_packs(conn: Connection) -> list[standards.CompiledPack]:
    """Newest revision of every stored pack version, compiled once per process per row."""
    t = schema.documents
    newest = (
        sa.select(t.c.key, sa.func.max(t.c.revision).label("rev"))
        .where(t.c.kind == "StandardsPack")
        .group_by(t.c.key)
        .subquery()
    )
    rows = conn.execute(
        sa.select(t.c.pk, t.c.content, t.c.source)
        .join(newest, sa.and_(t.c.key == newest.c.key, t.c.revision == newest.c.rev))
        .where(t.c.kind == "StandardsPack")
        .order_by(t.c.key)
    ).all()
    packs = []
    for pk, content, source in rows:
        digest = hashlib.sha256(content.encode()).hexdigest()
        hit = _compiled.get(pk)
        if hit is None or hit[0] != digest:  # a row edited behind our back is recompiled
            data = json.loads(content)
            data["spec"].pop("tests", None)  # stores from 0.1 kept test cases inside packs
            doc = parse_one(data, source)
            assert isinstance(doc, StandardsPack)
            hit = (digest, standards.compile_pack(doc, source))
            _compiled[pk] = hit
        packs.append(hit[1])
    return packs


def talent_facts(
    conn: Connection,
    decl: AIUseDeclaration,
    production: Production,
    today: dt.date,
    packs: Sequence[standards.CompiledPack],
) -> list[dict[str, Any]]:
    """Talent facts for every performer the use touches (talent, synthetic source, real
    person), under the legal parameters of `packs`."""
    matches = match_declaration(
        decl,
        production,
        registry.performers(conn, touched_performers(decl)),
        registry.consent_records(conn),
        today,
        law=legal_parameters(packs, today),
        replicas=registry.replica_records(conn),
    )
    return [m.to_fact() for m in matches]


def evaluate(
    conn: Connection,
    decl: AIUseDeclaration,
    today: dt.date,
    packs: Sequence[standards.CompiledPack] | None = None,
) -> standards.Decision:
    """Decide without storing: used by `decide`, by `standards impact` and by the demo.

    The consent checks read the legal parameters of the same packs that decide.
    """
    production = require(conn, "Production", decl.metadata.production)
    assert isinstance(production, Production)
    packs = stored_packs(conn) if packs is None else packs
    talent = talent_facts(conn, decl, production, today, packs)
    return standards.decide(decl, production, talent, packs, today)


@dataclass(frozen=True)
class StoredDecision:
    pk: int
    declaration: str
    revision: int
    outcome: str
    content: dict[str, Any]
    trigger: str
    decided_at: str
    log_index: int
    changed: bool  # False when the decision equals the one already stored

    def to_json(self) -> dict[str, Any]:
        return {**self.content, "log_index": self.log_index, "decided_at": self.decided_at}


def _row_to_stored(row: Any, changed: bool) -> StoredDecision:
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
    t = schema.decisions
    row = conn.execute(
        sa.select(t).where(t.c.declaration == key).order_by(t.c.pk.desc()).limit(1)
    ).first()
    return None if row is None else _row_to_stored(row, False)


def decision_history(conn: Connection, key: str) -> list[StoredDecision]:
    t = schema.decisions
    rows = conn.execute(sa.select(t).where(t.c.declaration == key).order_by(t.c.pk)).all()
    return [_row_to_stored(r, False) for r in rows]


def decide_stored(unit: Unit, key: str, trigger: str) -> StoredDecision:
    """(Re-)decide one stored declaration; store and log the decision if it changed."""
    decl = require(unit.conn, "AIUseDeclaration", key)
    assert isinstance(decl, AIUseDeclaration)
    revision = latest_row(unit.conn, "AIUseDeclaration", key).revision
    decision = evaluate(unit.conn, decl, unit.today)
    content = decision.to_json()
    previous = latest_decision(unit.conn, key)
    if (
        previous is not None
        and previous.revision == revision
        and _comparable(previous.content) == _comparable(content)
    ):
        return previous
    pk, index = unit.log.record_row(
        schema.decisions,
        {
            "declaration": key,
            "declaration_revision": revision,
            "outcome": decision.outcome,
            "content": json.dumps(content, sort_keys=True),
            "trigger": trigger,
            "decided_at": unit.log.time,
        },
        kind="decision.made",
        subject={"kind": "AIUseDeclaration", "id": key, "revision": revision},
    )
    return StoredDecision(
        pk, key, revision, decision.outcome, content, trigger, unit.log.time, index, True
    )


def _comparable(content: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in content.items() if k not in ("log_index", "decided_at")}


def declarations_touching(
    conn: Connection, *, production: str | None = None, performer: str | None = None
) -> list[str]:
    keys = []
    for doc, row in list_documents(conn, "AIUseDeclaration"):
        assert isinstance(doc, AIUseDeclaration)
        if production is not None and doc.metadata.production != production:
            continue
        if performer is not None and not (
            any(t.performer == performer for t in doc.spec.talent)
            or doc.spec.synthetic_performer.recognizable_feature_of == performer
        ):
            continue
        keys.append(row.key)
    return keys


def redecide(unit: Unit, keys: Iterable[str], trigger: str) -> list[StoredDecision]:
    return [decide_stored(unit, k, trigger) for k in dict.fromkeys(keys)]


# --- status ---------------------------------------------------------------------------------


def approvals_of(conn: Connection, key: str) -> list[Any]:
    t = schema.approvals
    return list(conn.execute(sa.select(t).where(t.c.declaration == key).order_by(t.c.pk)).all())


@dataclass(frozen=True)
class Status:
    status: str
    reason: str
    decision: StoredDecision | None
    approval: Any | None  # the approval that answers the current decision, if any


def status_of(conn: Connection, key: str) -> Status:
    """awaiting_approval | cleared | rejected | blocked | needs_review, with the reason."""
    decision = latest_decision(conn, key)
    if decision is None:
        return Status("needs_review", "not decided yet", None, None)
    approvals = approvals_of(conn, key)
    current = [a for a in approvals if a.decision_pk == decision.pk]
    answer = current[-1] if current else None
    if decision.outcome == "prohibited":
        return Status("blocked", "the standards prohibit this use", decision, None)
    if decision.outcome in ("proceed", "inform"):
        return Status("cleared", f"the decision is '{decision.outcome}'", decision, None)
    if answer is not None:
        if answer.verdict == "approved":
            return Status("cleared", f"approved in writing by {answer.by}", decision, answer)
        return Status("rejected", f"refused by {answer.by}", decision, answer)
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


def resolve_declaration(conn: Connection, ref: str) -> str:
    """Accept `production/id` or a bare id that is unique across productions."""
    if "/" in ref:
        require(conn, "AIUseDeclaration", ref)
        return ref
    t = schema.documents
    keys: list[str] = sorted(
        {
            str(k)
            for (k,) in conn.execute(
                sa.select(t.c.key).where(t.c.kind == "AIUseDeclaration", t.c.key.like(f"%/{ref}"))
            )
        }
    )
    if not keys:
        raise NotFoundError(f"no declaration with id {ref!r} in the store")
    if len(keys) > 1:
        raise DocumentError(
            "<command line>", None, "ID", f"{ref!r} is ambiguous: {', '.join(keys)}"
        )
    return keys[0]


def after_apply(unit: Unit, changed: Sequence[Any]) -> list[StoredDecision]:
    """Re-decide what a newly applied revision can change; returns the decisions it made."""
    made: list[StoredDecision] = []
    for stored in changed:
        what = f"{stored.kind} {stored.key} revision {stored.revision}"
        if stored.kind == "AIUseDeclaration":
            keys = [stored.key]
            trigger = (
                "declared" if stored.revision == 1 else f"declaration revision {stored.revision}"
            )
        elif stored.kind == "Production":
            keys = declarations_touching(unit.conn, production=stored.key)
            trigger = f"{what} applied"
        elif stored.kind in ("Performer", "Consent", "DigitalReplica"):
            spec = stored.document.spec
            performer = stored.key if stored.kind == "Performer" else spec.performer
            keys = declarations_touching(unit.conn, performer=performer)
            trigger = f"{what} applied"
        else:
            continue
        made.extend(d for d in redecide(unit, keys, trigger) if d.changed)
    return made
