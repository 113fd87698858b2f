"""The public Python API: what a pipeline script needs, typed, over the services.

Results are frozen dataclasses that carry their reasons (a decision's rules, obligations and
status), so a script branches on data rather than parsing the CLI's text. Everything a script
may rely on is in `reelproof.__all__`; every other module is internal (docs/api.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import get_args

from pydantic import BaseModel

from reelproof.adapters.config import load_config
from reelproof.adapters.store import documents as stored_docs
from reelproof.core.detectors import Detection, Detector, Media
from reelproof.core.documents import AIUseDeclarationSpec, Output, Talent, doc_key
from reelproof.core.errors import ConflictError, DocumentError, NotFoundError, ReelproofError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.core.standards import diff_packs
from reelproof.services import (
    accounts,
    approvals,
    auditlog,
    decisions,
    delivery,
    notifications,
    registry,
    roles,
    talent,
)
from reelproof.services import assets as assetsvc
from reelproof.services import documents as docsvc
from reelproof.services.assets import DetectorRun
from reelproof.services.context import Context
from reelproof.services.init import init_store
from reelproof.services.standards import find_pack, pack_summary

_log = logging.getLogger("reelproof")

__all__ = [
    "NOTIFICATION_EVENTS",
    "ROLES",
    "Answer",
    "ApiToken",
    "AppliedDocument",
    "ApplyResult",
    "ConflictError",
    "ConsentStatus",
    "Decision",
    "DeclarationStatus",
    "Detection",
    "Detector",
    "DetectorRun",
    "DocumentError",
    "JsonObject",
    "LogReport",
    "Media",
    "NotFoundError",
    "Obligation",
    "Provenance",
    "ReelproofError",
    "Revision",
    "Revocation",
    "RoleHeld",
    "Rule",
    "Store",
    "declaration_choices",
    "detect",
    "inspect",
    "open_store",
]


@dataclass(frozen=True)
class Rule:
    """One rule that fired: why the decision is what it is, with its source."""

    id: str
    pack: str
    outcome: str
    title: str
    source: str
    verification: str  # V read in the primary text, S secondary sources, U unverified, A analogy
    message: str
    performer: str | None = None


@dataclass(frozen=True)
class Obligation:
    """Something that must happen (consent, label, notice…), and whether it is met."""

    kind: str
    party: str | None
    status: str
    detail: str | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """A declaration's current decision and the status it gives (cleared, awaiting approval…).

    `to_data()` is the JSON of `reelproof decide --format json`.
    """

    declaration: str  # production/id (`to_data()` keeps the JSON's separate id and production)
    production: str
    outcome: str
    status: str
    status_reason: str
    rules: tuple[Rule, ...]
    obligations: tuple[Obligation, ...]
    standards: Mapping[str, str]
    log_index: int | None
    _data: JsonMapping = field(repr=False, compare=False)  # the stored JSON

    def to_data(self) -> JsonObject:
        """The decision as JSON-ready data, exactly as the CLI prints it."""
        return {**self._data, "status": self.status}


def _decision(stored: decisions.StoredDecision, status: decisions.Status) -> Decision:
    content = stored.to_json()
    rules = tuple(
        Rule(
            r["id"],
            r["pack"],
            r["outcome"],
            r.get("title", ""),
            r.get("source", ""),
            r.get("verification", ""),
            r.get("message", ""),
            r.get("performer"),
        )
        for r in content.get("rules", [])
    )
    obligations = tuple(
        Obligation(o["kind"], o.get("party"), o["status"], o.get("detail"), tuple(o["rules"]))
        for o in content.get("obligations", [])
    )
    return Decision(
        stored.declaration,
        str(content.get("production", stored.declaration.split("/", 1)[0])),
        stored.outcome,
        status.status,
        status.reason,
        rules,
        obligations,
        dict(content.get("standards", {})),
        stored.log_index,
        content,
    )


@dataclass(frozen=True)
class AppliedDocument:
    """What applying one document did: `status` is created, revised, unchanged, or an
    approval's verdict."""

    kind: str
    id: str
    revision: int
    status: str
    log_index: int | None


@dataclass(frozen=True)
class ApplyResult:
    """One applied file and the decisions it made or changed. All files of one `apply` are
    stored in one transaction: any error stores none of them. A decision made because a
    document changed is listed with that document's file."""

    file: str
    documents: tuple[AppliedDocument, ...]
    decisions: tuple[Decision, ...]


@dataclass(frozen=True)
class Answer:
    """A written approval or refusal, bound to the decision it answered."""

    approval_id: str
    declaration: str
    verdict: str  # approved | rejected
    outcome: str  # of the decision answered
    status: str  # of the declaration afterwards
    log_index: int


@dataclass(frozen=True)
class ConsentStatus:
    """A consent as it stands today: its term, revocation and what it covers."""

    id: str
    performer: str
    state: str  # active | expired | revoked | not_yet_valid
    granted_at: dt.date
    expires_at: dt.date | None
    revoked_at: dt.date | None
    revocation_note: str | None
    uses: tuple[str, ...]
    productions: tuple[str, ...]


@dataclass(frozen=True)
class Revocation:
    """A revoked consent and what it changed: the decisions re-made, the uses to review."""

    consent: str
    log_index: int
    redecided: tuple[str, ...]  # declarations whose decision changed
    needs_review: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    """What a media file says about itself: C2PA state, source types, AI classification."""

    path: str
    sha256: str
    media_type: str
    c2pa_state: str
    classification: str
    digital_source_types: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LogReport:
    """A full check of the audit log; `authenticated` only when a pinned key signed it."""

    size: int
    checkpoints: int
    rows: int
    authenticated: bool
    checks: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problem found (whether or not the checkpoints were authenticated)."""
        return not self.problems


@dataclass(frozen=True)
class Revision:
    """One stored revision of a document, with who applied it and where it is logged; the
    content is the document as stored (JSON-ready), so a script needs no YAML of its own."""

    kind: str
    id: str  # production/id for declarations
    revision: int
    applied_at: str
    applied_by: str
    source: str  # the file it was applied from
    log_index: int | None
    content: JsonObject


def _revision(row: stored_docs.DocumentRow, content: JsonObject) -> Revision:
    return Revision(
        row.kind,
        row.key,
        row.revision,
        row.applied_at,
        row.applied_by,
        row.source,
        row.log_index,
        content,
    )


ROLES: tuple[str, ...] = roles.ROLES
NOTIFICATION_EVENTS: tuple[str, ...] = accounts.EVENTS


@dataclass(frozen=True)
class DeclarationStatus:
    """Where one declaration stands, for a dashboard or a queue: no re-deciding on read."""

    declaration: str  # production/id
    production: str
    outcome: str | None  # None: not decided yet
    status: str
    reason: str


@dataclass(frozen=True)
class RoleHeld:
    """A role someone holds now; `production` None means every production, `for_performer`
    names whose records a performer, agent or estate sees."""

    role: str
    who: str
    production: str | None
    for_performer: str | None


@dataclass(frozen=True)
class ApiToken:
    """A live API token: whose it is and what it may do (`read`, `write`)."""

    token_id: str
    user: str
    scopes: tuple[str, ...]


class Store:
    """One reelproof store: SQLite file or PostgreSQL database, with its audit log.

    `url` defaults as on the command line ($REELPROOF_DB, else `.reelproof/reelproof.db`);
    `actor` is who acts ($REELPROOF_ACTOR, the configured user, else the OS user).
    """

    def __init__(self, url: str | None = None, *, actor: str | None = None) -> None:
        self._ctx = Context.open(url, actor=actor)
        self._owner = True

    def as_actor(self, who: str) -> Store:
        """The same store (same connections and log key) acting as `who`: a server opens the
        store once and acts for each request's user. Closing it leaves the store open."""
        other = Store.__new__(Store)
        other._ctx = dataclasses.replace(self._ctx, actor=who)
        other._owner = False
        return other

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self._ctx.store.display_url()

    @property
    def actor(self) -> str:
        """Who acts: recorded on every log entry and approval this store writes."""
        return self._ctx.actor

    def init(self) -> Store:
        """Create (or upgrade) the store, its log key and the bundled standards; idempotent."""
        init_store(self._ctx)
        return self

    def apply(self, *paths: str | Path) -> list[ApplyResult]:
        """Store the documents of each file (or folder); every file is parsed before
        anything is stored, and all are stored in one transaction."""
        sources = docsvc.collect_sources([str(p) for p in paths])
        return self._apply(docsvc.parse_sources(sources))

    def apply_text(self, text: str, name: str = "<text>") -> list[ApplyResult]:
        """Store YAML (or JSON) documents given as text; `name` is what errors point at."""
        return self._apply(docsvc.parse_sources([docsvc.SourceFile(name, text)]))

    def _apply(self, parsed: Sequence[docsvc.ParsedFile]) -> list[ApplyResult]:
        result = docsvc.apply_documents(self._ctx, parsed)
        with self._ctx.read() as conn:
            today = self._ctx.clock().date()
            made = [
                (d, _decision(d, decisions.status_of(conn, d.declaration, today)))
                for d in result.decisions
            ]
        out = []
        for f in parsed:
            keys = {doc_key(doc) for doc, _raw in f.documents}
            docs = tuple(
                AppliedDocument(d.kind, d.key, d.revision, d.status, d.log_index)
                for d in result.documents
                if d.source == f.name
            )
            mine = tuple(public for d, public in made if d.declaration in keys)
            out.append(ApplyResult(f.name, docs, mine))
        claimed = {id(d) for r in out for d in r.decisions}
        rest = tuple(public for _d, public in made if id(public) not in claimed)
        if rest and out:  # re-decided by a change (a consent, a production) in this apply
            last = out[-1]
            out[-1] = ApplyResult(last.file, last.documents, last.decisions + rest)
        for _d, public in made:
            if public.status == "awaiting_approval":
                self._notify(
                    "approval_requested",
                    notifications.approvers_of(self._ctx, public.production),
                    f"[reelproof] approval requested: {public.declaration}",
                    f"{public.declaration} was decided '{public.outcome}' and waits for a "
                    f"written approval.\n\n{public.status_reason}\n",
                )
        return out

    def decide(self, declaration: str) -> Decision:
        """(Re-)decide a stored declaration (`production/id`, or an id unique in the store)
        and return the decision with its status; an expired consent is recorded first."""
        talent.sweep_consents(self._ctx)  # an expired consent must not clear anything
        with self._ctx.read() as conn:
            key = decisions.resolve_declaration(conn, declaration)
        with self._ctx.write() as unit:
            made = decisions.decide_stored(unit, key, "decide command")
            status = decisions.status_of(unit.conn, key, unit.today)
        return _decision(made, status)

    def approve(
        self,
        declaration: str,
        *,
        by: str | None = None,
        note: str | None = None,
        conditions: str | None = None,
    ) -> Answer:
        """Approve the current decision in writing; `by` must hold the approver role."""
        return self._answer("approved", declaration, by, note, conditions)

    def reject(
        self,
        declaration: str,
        *,
        by: str | None = None,
        note: str | None = None,
        conditions: str | None = None,
    ) -> Answer:
        """Refuse the current decision in writing; `conditions` say what would change it."""
        return self._answer("rejected", declaration, by, note, conditions)

    def _answer(
        self, verdict: str, ref: str, by: str | None, note: str | None, conditions: str | None
    ) -> Answer:
        with self._ctx.write() as unit:
            r = approvals.record(unit, ref, verdict, by, note=note, conditions=conditions)
        return Answer(r.approval_id, r.declaration, r.verdict, r.outcome, r.status, r.log_index)

    def documents(self, kind: str) -> list[Revision]:
        """The newest revision of every document of a kind (`declaration`, `consents`,
        `Production`…), its content in the wire format a document file uses."""
        real = docsvc.normalise_kind(kind)
        with self._ctx.read() as conn:
            rows = stored_docs.list_documents(conn, real)
        return [_revision(row, doc.content()) for doc, row in rows]

    def history(self, kind: str, ref: str) -> list[Revision]:
        """Every revision of one document, oldest first (nothing is overwritten); a
        declaration may be named by a bare id unique in the store. Content as stored."""
        real = docsvc.normalise_kind(kind)
        with self._ctx.read() as conn:
            key = decisions.resolve_declaration(conn, ref) if real == "AIUseDeclaration" else ref
            rows = stored_docs.history(conn, real, key)
            if not rows:
                stored_docs.require(conn, real, key)  # NotFoundError naming what is missing
        return [_revision(row, json.loads(row.content)) for row in rows]

    def approvals(self, declaration: str | None = None) -> list[JsonObject]:
        """Every written approval or refusal (of one declaration, when named), each saying
        whether it still answers the declaration's current decision (`current`)."""
        with self._ctx.read() as conn:
            key = decisions.resolve_declaration(conn, declaration) if declaration else None
            return approvals.approvals_listing(conn, key)

    def grant_role(
        self,
        role: str,
        who: str,
        *,
        production: str | None = None,
        for_performer: str | None = None,
    ) -> None:
        """Let `who` act in `role` (approver, auditor…), for one production or every one; a
        performer role (the performer, their agent or estate) names `for_performer`. The
        acting identity must be an admin (`init` makes its user the first)."""
        with self._ctx.write() as unit:
            roles.grant(unit, role, who, production=production, for_performer=for_performer)

    def consents(self, performer: str | None = None) -> list[ConsentStatus]:
        """Every consent (or one performer's) as it stands today."""
        talent.sweep_on_read(self._ctx)
        with self._ctx.read() as conn:
            records = registry.consent_records(conn, performer)
        today = self._ctx.clock().date()
        out = []
        for rec in records:
            spec = rec.consent.spec
            out.append(
                ConsentStatus(
                    rec.id,
                    rec.performer,
                    rec.state(today),
                    spec.granted_at,
                    spec.expires_at,
                    rec.revoked_at,
                    rec.revocation_note,
                    tuple(spec.scope.uses),
                    tuple(spec.scope.productions),
                )
            )
        return out

    def revoke_consent(self, consent: str, *, note: str, at: dt.date | None = None) -> Revocation:
        """Record a withdrawal (effective `at`, default today) and re-decide every use that
        read the consent."""
        when = at or self._ctx.clock().date()
        result = talent.revoke_consent(self._ctx, consent, when, note)
        with self._ctx.read() as conn:
            performer = talent.consent_record(conn, consent).performer
        people = set(notifications.speakers_for(self._ctx, performer))
        for key in result.needs_review:
            people.update(notifications.approvers_of(self._ctx, key.split("/", 1)[0]))
        self._notify(
            "consent_revoked",
            sorted(people),
            f"[reelproof] consent {consent} revoked",
            f"The consent {consent} of {performer} was revoked (effective {when}).\n"
            + "".join(f"  back to review: {k}\n" for k in result.needs_review),
        )
        return Revocation(
            consent,
            result.event_log_index,
            tuple(d.declaration for d in result.redecided),
            tuple(result.needs_review),
        )

    def verify_log(self, vkeys: Sequence[str] | None = None) -> LogReport:
        """Check every entry, node, checkpoint and recorded row; `vkeys` (key text or files)
        authenticate the checkpoints, else this machine's trust list does."""
        r = auditlog.verify(self._ctx, vkeys)
        return LogReport(
            r.size,
            r.checkpoints,
            r.rows,
            r.authenticated,
            tuple(r.checks),
            tuple(f"{p.what}: {p.message}" for p in r.problems),
        )

    def pilot_metrics(self, pilot: str) -> JsonObject:
        """Every metric of a pilot programme, pilot against comparison, as `reelproof pilot
        metrics --format json` gives it: each mean with its 95% interval, or `too_few`."""
        from reelproof.services import pilots  # numpy only when a pilot is measured

        return pilots.metrics(self._ctx, pilot).to_data()

    def import_survey(self, path: str | Path, survey: str) -> JsonObject:
        """Store a CSV of survey responses under pseudonyms (all rows or none)."""
        from reelproof.services import surveys

        return surveys.import_csv(self._ctx, Path(path), survey).to_data()

    def surveys(self) -> list[JsonObject]:
        """Every stored SatisfactionSurvey: id and spec (title, roles, questions), what a
        form needs to ask exactly what the survey defines."""
        with self._ctx.read() as conn:
            return [
                {"id": doc.id, **doc.spec.model_dump(mode="json")}
                for doc, _row in stored_docs.list_documents(conn, "SatisfactionSurvey")
            ]

    def answer_survey(
        self, survey: str, *, role: str, production: str, answers: Mapping[str, str]
    ) -> AppliedDocument:
        """Store the acting person's answers (text per question id; blank means unanswered)
        under their pseudonym, as `survey import` stores a CSV row; a second answer to the
        same survey is a ConflictError. The returned id holds the pseudonym, never a name."""
        from reelproof.services import surveys

        d = surveys.submit(self._ctx, survey, self.actor, role, production, answers)
        return AppliedDocument(d.kind, d.key, d.revision, d.status, d.log_index)

    def add_contribution(
        self,
        record_id: str,
        *,
        production: str,
        ref: str,
        department: str,
        subject: str = "element",
        declaration: str | None = None,
        humans: Sequence[Mapping[str, str | float]] = (),
        ai: Sequence[Mapping[str, str | float]] = (),
    ) -> AppliedDocument:
        """Record who did what on one element, scene or asset, as `contribution add` does:
        `humans` hold role, name, share (and did), `ai` tool, share (and did); shares add
        to 100, and AI work names its declaration."""
        from reelproof.services import contributions

        spec: JsonObject = {
            "production": production,
            "subject": subject,
            "ref": ref,
            "department": department,
            "declaration": declaration,
            "humans": [dict(h) for h in humans],
            "ai": [dict(a) for a in ai],
        }
        d = contributions.record(self._ctx, contributions.document(record_id, spec))
        return AppliedDocument(d.kind, d.key, d.revision, d.status, d.log_index)

    def contributions(self, production: str | None = None) -> JsonObject:
        """The contribution records (of one production, or all), their credit lines and the
        human and AI share per department, as `contribution shares --format json` has it."""
        from reelproof.services import contributions

        with self._ctx.read() as conn:
            records = contributions.listing(conn, production)
        return {
            **contributions.shares(records, production).to_data(),
            "items": [{"id": c.id, **c.spec.model_dump(mode="json")} for c in records],
            "credits": contributions.credit_lines(records),
        }

    def standards_feedback(self, pack: str | None = None) -> JsonObject:
        """Friction per rule, most first; survey comments only for a standards owner."""
        from reelproof.services import feedback

        return feedback.feedback(self._ctx, pack).to_data()

    # --- reading, for dashboards and the web app ----------------------------------------

    def documents_in(self, text: str, name: str = "<text>") -> list[tuple[str, str, str | None]]:
        """(kind, key, production) of each document in the text, parsed and checked but not
        stored: what a server checks a user's rights against before `apply_text`."""
        out: list[tuple[str, str, str | None]] = []
        for f in docsvc.parse_sources([docsvc.SourceFile(name, text)]):
            for doc, _raw in f.documents:
                production = getattr(doc.metadata, "production", None)
                if doc.kind == "Production":
                    production = doc.id
                out.append((doc.kind, doc_key(doc), production))
        return out

    def productions(self) -> list[JsonObject]:
        """Every production: its id and its spec as applied."""
        with self._ctx.read() as conn:
            return [
                {"id": doc.id, **doc.spec.model_dump(mode="json")}
                for doc, _row in stored_docs.list_documents(conn, "Production")
            ]

    def statuses(self, production: str | None = None) -> list[DeclarationStatus]:
        """Where every declaration (of one production, or all) stands, as stored: a read
        never re-decides, so an auditor's view changes nothing."""
        talent.sweep_on_read(self._ctx)
        today = self._ctx.clock().date()
        with self._ctx.read() as conn:
            out = []
            for key in decisions.declarations_touching(conn, production=production):
                st = decisions.status_of(conn, key, today)
                out.append(
                    DeclarationStatus(
                        key,
                        key.split("/", 1)[0],
                        st.decision.outcome if st.decision else None,
                        st.status,
                        st.reason,
                    )
                )
        return out

    def decision(self, declaration: str) -> Decision | None:
        """The stored current decision of a declaration, without deciding again (None when
        it was never decided)."""
        with self._ctx.read() as conn:
            key = decisions.resolve_declaration(conn, declaration)
            stored = decisions.latest_decision(conn, key)
            if stored is None:
                return None
            return _decision(stored, decisions.status_of(conn, key, self._ctx.clock().date()))

    def preview(self, text: str, name: str = "<form>") -> list[Decision]:
        """What storing these documents would decide, decided exactly as `apply_text` would,
        in a transaction that is rolled back: nothing is stored or logged."""
        parsed = docsvc.parse_sources([docsvc.SourceFile(name, text)])
        out: list[Decision] = []
        with self._ctx.rehearse() as unit:
            made = docsvc.apply_in(unit, parsed).decisions
            decided = {d.declaration for d in made}
            for f in parsed:  # a declaration stored unchanged is decided as it stands
                for doc, _raw in f.documents:
                    key = doc_key(doc)
                    if doc.kind == "AIUseDeclaration" and key not in decided:
                        made.append(decisions.decide_stored(unit, key, "preview"))
                        decided.add(key)
            for d in made:
                out.append(_decision(d, decisions.status_of(unit.conn, d.declaration, unit.today)))
        return out

    def assets(self, production: str) -> list[JsonObject]:
        """The production's registered media: path, SHA-256, AI classification, the
        declarations each is linked to and what flags it (unreviewed findings…)."""
        with self._ctx.read() as conn:
            return assetsvc.production_assets(conn, production)

    def delivery_checks(self, production: str) -> list[JsonObject]:
        """Every recorded delivery check of the production, oldest first: verdict, files,
        errors and warnings, counts by rule, the timeline's digest and the log index."""
        return list(delivery.checks_of(self._ctx, production))

    def roles(self, who: str | None = None) -> list[RoleHeld]:
        """The roles held now (everyone's, or `who`'s)."""
        with self._ctx.read() as conn:
            return [
                RoleHeld(g.role, g.who, g.production or None, g.for_performer or None)
                for g in roles.listing(conn, who)
            ]

    def performer(self, performer: str) -> JsonObject:
        """Every use of a performer's likeness and voice, their consents, what they are owed
        and their biometric references (listed, never their content). Showing the
        references is an audit-log entry: every read of biometric data is logged."""
        talent.sweep_on_read(self._ctx)
        with self._ctx.read() as conn:
            view = talent.performer_view(conn, performer, self._ctx.clock().date())
        refs = view.get("biometrics") or []
        if refs:
            with self._ctx.write() as unit:
                unit.log.append(
                    "biometric.read",
                    {"kind": "Performer", "id": performer},
                    {"refs": [r.get("ref_id") for r in refs], "purpose": "performer view"},
                )
        return view

    def forget_biometrics(self, performer: str, *, reason: str) -> list[str]:
        """Delete every biometric reference of the performer (their right to erasure);
        logged with the reason. Returns the ids deleted (none when none was enrolled)."""
        from reelproof.services import likeness  # the scan machinery loads only for this

        return likeness.forget(self._ctx, performer, reason)

    def standards(self) -> list[JsonObject]:
        """Every stored standards pack version: id, version, dates, rule counts."""
        with self._ctx.read() as conn:
            return [pack_summary(p) for p in decisions.stored_packs(conn)]

    def pack(self, ref: str) -> JsonObject:
        """One stored pack (`id`, newest version, or `id@version`): its summary and every
        rule with its condition, tier, message, source and verification level."""
        with self._ctx.read() as conn:
            p = find_pack(conn, ref)
        rules = [c.rule.model_dump(mode="json", exclude_defaults=True) for c in p.rules]
        return {**pack_summary(p), "rules": rules}

    def pack_diff(self, old: str, new: str) -> JsonObject:
        """What changed between two stored pack versions: rules added, removed, changed."""
        with self._ctx.read() as conn:
            a, b = find_pack(conn, old), find_pack(conn, new)
        return diff_packs(a, b).to_json()

    def log_entries(self, start: int = 0, limit: int | None = None) -> list[JsonObject]:
        """Audit-log entries from `start` (at most `limit`), as they were hashed."""
        return auditlog.show(self._ctx, start, limit)

    def checkpoint(self) -> str:
        """The latest signed checkpoint note (checked against the store's key first)."""
        note, _cp = auditlog.checkpoint(self._ctx)
        return note

    def log_key(self) -> str:
        """The verifier key of the store's audit log, to hand to an auditor out of band."""
        key, _trusted = auditlog.verifier_key(self._ctx)
        return key

    def export_log(self, out: str | Path, older_checkpoints: int | None = 100) -> JsonObject:
        """Write the offline bundle (entries, checkpoints, proofs) into the empty folder
        `out`, for `reelproof.verify` on a machine that holds only the public key."""
        return auditlog.export(self._ctx, Path(out), older_checkpoints)

    # --- accounts --------------------------------------------------------------------------

    def add_user(self, name: str, password: str, *, email: str = "", admin: bool = False) -> int:
        """Create a local account (argon2id hash); with `admin` it holds the admin role. The
        acting identity must be an admin (the one who ran `init` is). Returns the log index."""
        with self._ctx.write() as unit:
            return accounts.add_user(unit, name, password, email, admin=admin)

    def users(self) -> list[tuple[str, str]]:
        """Every account's name and e-mail address."""
        return accounts.user_names(self._ctx)

    def login(self, name: str, password: str) -> str | None:
        """A new session id when the password is right (None otherwise); keep it secret."""
        return accounts.login(self._ctx, name, password)

    def session_user(self, session: str) -> str | None:
        """Whose live session this is, or None."""
        return accounts.session_user(self._ctx, session)

    def logout(self, session: str) -> None:
        """End a session."""
        accounts.logout(self._ctx, session)

    def create_token(self, user: str, scopes: Sequence[str] = ("read",)) -> tuple[str, str]:
        """(token id, secret): an API token for `user`; the secret is shown only now."""
        with self._ctx.write() as unit:
            return accounts.create_token(unit, user, tuple(scopes))

    def token(self, secret: str) -> ApiToken | None:
        """What a presented API token may do, or None when unknown or revoked."""
        info = accounts.token_info(self._ctx, secret)
        return None if info is None else ApiToken(info.token_id, info.user, info.scopes)

    def notification_preferences(self, user: str) -> dict[str, bool]:
        """Which notifications `user` receives by e-mail (every event, default on)."""
        return accounts.preferences(self._ctx, user)

    def set_notification_preferences(self, user: str, choices: Mapping[str, bool]) -> None:
        """Record which notifications `user` receives."""
        accounts.set_preferences(self._ctx, user, dict(choices))

    def _notify(self, event: str, people: Sequence[str], subject: str, body: str) -> None:
        for problem in notifications.notify(self._ctx, event, people, subject, body):
            _log.warning("%s", problem)

    def close(self) -> None:
        """Release the database connections (not those of the store this one acts for)."""
        if self._owner:
            self._ctx.store.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(url: str | None = None, *, actor: str | None = None, create: bool = False) -> Store:
    """Open a store; `create` makes it first (as `reelproof init` does) when it is new."""
    store = Store(url, actor=actor)
    return store.init() if create else store


def detect(*paths: str | Path, detectors: Sequence[str] | None = None) -> list[DetectorRun]:
    """Run the installed detector plugins (all, or those named) over media files."""
    settings = load_config().provenance()
    files = assetsvc.expand([Path(p) for p in paths])
    return list(assetsvc.detect(files, settings, detectors))


def inspect(*paths: str | Path) -> list[Provenance]:
    """Provenance of media files (folders are walked); needs no store, and stays offline
    unless the configuration file allows the network."""
    settings = load_config().provenance()
    files = assetsvc.expand([Path(p) for p in paths])
    return [
        Provenance(
            r.path,
            r.sha256,
            r.media_type,
            r.c2pa_state.value,
            r.classification.value,
            tuple(r.digital_source_types),
            tuple(r.reasons),
        )
        for r in assetsvc.inspect(files, settings)
    ]


def declaration_choices() -> dict[str, tuple[str, ...]]:
    """The allowed values of a declaration's enumerated fields (`stage`, `output.element`,
    `talent.use`…), read from the document model, so that a form offers exactly what
    validation accepts."""
    fields: dict[str, tuple[type[BaseModel], str]] = {
        "stage": (AIUseDeclarationSpec, "stage"),
        "phase": (AIUseDeclarationSpec, "phase"),
        "media": (AIUseDeclarationSpec, "media"),
        "output.element": (Output, "element"),
        "output.prominence": (Output, "prominence"),
        "talent.use": (Talent, "use"),
        "talent.replica_type": (Talent, "replica_type"),
        "talent.alteration": (Talent, "alteration"),
    }
    out = {}
    for name, (model, attr) in fields.items():
        annotation = model.model_fields[attr].annotation
        values = [a for a in get_args(annotation) if isinstance(a, str)]
        if not values:  # Optional[Literal[...]]: one level down
            values = [v for a in get_args(annotation) for v in get_args(a) if isinstance(v, str)]
        out[name] = tuple(values)
    return out
