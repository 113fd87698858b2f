"""The public Python API: what a pipeline script needs, typed, over the services.

Results are frozen dataclasses that carry their reasons (a decision's rules, obligations and
status), so a script branches on data rather than parsing the CLI's text. Everything a script
may rely on is in `reelproof.__all__`; every other module is internal (docs/api.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from reelproof.adapters.config import load_config
from reelproof.adapters.store import documents as stored_docs
from reelproof.core.detectors import Detection, Detector, Media
from reelproof.core.documents import doc_key
from reelproof.core.errors import ConflictError, DocumentError, NotFoundError, ReelproofError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.services import approvals, auditlog, decisions, registry, roles, talent
from reelproof.services import assets as assetsvc
from reelproof.services import documents as docsvc
from reelproof.services.assets import DetectorRun
from reelproof.services.context import Context
from reelproof.services.init import init_store

__all__ = [
    "Answer",
    "AppliedDocument",
    "ApplyResult",
    "ConflictError",
    "ConsentStatus",
    "Decision",
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
    "Rule",
    "Store",
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


class Store:
    """One reelproof store: SQLite file or PostgreSQL database, with its audit log.

    `url` defaults as on the command line ($REELPROOF_DB, else `.reelproof/reelproof.db`);
    `actor` is who acts ($REELPROOF_ACTOR, the configured user, else the OS user).
    """

    def __init__(self, url: str | None = None, *, actor: str | None = None) -> None:
        self._ctx = Context.open(url, actor=actor)

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

    def grant_role(self, role: str, who: str, *, production: str | None = None) -> None:
        """Let `who` act in `role` (approver, auditor…), for one production or every one; the
        acting identity must be an admin (`init` makes its user the first)."""
        with self._ctx.write() as unit:
            roles.grant(unit, role, who, production=production)

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

    def standards_feedback(self, pack: str | None = None) -> JsonObject:
        """Friction per rule, most first; survey comments only for a standards owner."""
        from reelproof.services import feedback

        return feedback.feedback(self._ctx, pack).to_data()

    def close(self) -> None:
        """Release the database connections."""
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
