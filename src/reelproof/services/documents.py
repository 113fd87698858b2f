"""`apply` and `get`: documents are stored as revisions, never overwritten."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from reelproof.adapters.store import documents as rows
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import StoredDocument
from reelproof.adapters.store.log import canonical
from reelproof.core.documents import (
    KINDS,
    MAX_TEXT_CHARS,
    AIUseDeclaration,
    AnyDocument,
    Approval,
    Contribution,
    EffortRecord,
    Path_,
    PilotProgramme,
    RawDocument,
    SatisfactionSurvey,
    SurveyResponse,
    doc_key,
    read_raw,
    validate,
)
from reelproof.core.errors import DocumentError, NotFoundError
from reelproof.core.surveys import response_problem
from reelproof.services import approvals, decisions
from reelproof.services.context import Context, Unit
from reelproof.services.decisions import StoredDecision

# Kinds `apply` takes; standards packs are published with `reelproof standards publish`.
APPLY_KINDS = (
    "Production",
    "Performer",
    "Consent",
    "DigitalReplica",
    "AIUseDeclaration",
    "Approval",
    "PilotProgramme",
    "EffortRecord",
    "SatisfactionSurvey",
    "SurveyResponse",
    "Contribution",
)


@dataclass
class ApplyResult:
    """What one `apply` did, across all its files (one transaction)."""

    files: list[str]
    documents: list[StoredDocument] = field(default_factory=list)
    decisions: list[StoredDecision] = field(default_factory=list)  # made by this apply
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        """Documents by status (created, revised, unchanged, approved, rejected)."""
        return dict(Counter(d.status for d in self.documents))


@dataclass(frozen=True)
class SourceFile:
    """Document text and where it came from: a file, a file in a folder, or stdin."""

    name: str
    text: str

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        """Read a file within the size limit, naming it readably even when not UTF-8."""
        name = readable_name(path)
        try:
            size = path.stat().st_size
            if size > MAX_TEXT_CHARS * 4:  # UTF-8 takes at most four bytes a character
                raise DocumentError(name, None, None, "file too large for a document")
            return cls(name, path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DocumentError(name, None, None, "file not found") from None
        except UnicodeDecodeError as exc:
            raise DocumentError(name, None, None, f"not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise DocumentError(name, None, None, f"cannot read: {exc.strerror}") from None


@dataclass(frozen=True)
class ParsedFile:
    """A source's documents, each with its raw form (for the lines of its keys)."""

    name: str
    documents: list[tuple[AnyDocument, RawDocument]]


def readable_name(path: Path | str) -> str:
    """A file name as text that can always be printed and stored: bytes that are not UTF-8
    (kept by Python as surrogates) are shown as \\xNN."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "backslashreplace")


DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


def collect_sources(
    targets: Sequence[str], *, recursive: bool = False, stdin: IO[str] | None = None
) -> list[SourceFile]:
    """Files as given, folders' YAML/JSON files (`recursive` for sub-folders), `-` for stdin;
    every path shares the same parse, so one rule applies to all of them."""
    sources: list[SourceFile] = []
    for target in targets:
        if target == "-":
            if stdin is None:
                raise DocumentError("-", None, None, "no standard input to read")
            sources.append(SourceFile("<stdin>", stdin.read()))
            continue
        path = Path(target)
        if path.is_dir():
            found = sorted(
                p
                for p in (path.rglob("*") if recursive else path.iterdir())
                if p.is_file() and p.suffix in DOCUMENT_SUFFIXES
            )
            if not found:
                where = "or below it" if recursive else "(use -R for sub-folders)"
                raise DocumentError(
                    readable_name(path), None, None, f"no YAML or JSON files in it {where}"
                )
            sources.extend(SourceFile.read(p) for p in found)
        else:
            sources.append(SourceFile.read(path))
    return sources


def parse_sources(sources: Iterable[SourceFile]) -> list[ParsedFile]:
    """Parse every source before anything is stored, so one bad file stores nothing; one id
    given twice with different content is an error naming both places."""
    parsed = []
    seen: dict[tuple[str, str], tuple[str, int, str]] = {}
    for source in sources:
        docs = [(validate(raw), raw) for raw in read_raw(source.text, source.name)]
        if not docs:
            raise DocumentError(source.name, None, None, "no documents found")
        for doc, raw in docs:
            if doc.kind not in APPLY_KINDS:
                raise DocumentError(
                    source.name,
                    raw.line_of(("kind",)),
                    "kind",
                    f"`apply` does not take {doc.kind} documents",
                )
            key = (doc.kind, doc_key(doc))
            content = canonical(doc.content()).decode()
            first = seen.setdefault(key, (source.name, raw.line, content))
            if first[2] != content:
                raise DocumentError(
                    source.name,
                    raw.line,
                    "metadata.id",
                    f"{doc.kind} {key[1]!r} is also given, with different content, at "
                    f"{first[0]}:{first[1]}; keep one",
                )
        parsed.append(ParsedFile(source.name, docs))
    return parsed


def _references(doc: AnyDocument) -> list[tuple[str, str, Path_]]:
    """(kind, id, key path) of every document this one names."""
    spec: Any = doc.spec
    refs: list[tuple[str, str, Path_]] = []
    if isinstance(doc, AIUseDeclaration):
        refs.append(("Production", doc.metadata.production, ("metadata", "production")))
        refs.extend(
            ("Performer", t.performer, ("spec", "talent", i, "performer"))
            for i, t in enumerate(doc.spec.talent)
        )
        if doc.spec.inputs.real_person is not None:
            refs.append(
                ("Performer", doc.spec.inputs.real_person, ("spec", "inputs", "real_person"))
            )
        feature = doc.spec.synthetic_performer.recognizable_feature_of
        if feature is not None:
            path: Path_ = ("spec", "synthetic_performer", "recognizable_feature_of")
            refs.append(("Performer", feature, path))
    refs.extend(_pilot_references(doc))
    if doc.kind in ("Consent", "DigitalReplica"):
        refs.append(("Performer", spec.performer, ("spec", "performer")))
    if doc.kind == "DigitalReplica":
        refs.append(("Consent", spec.created_under, ("spec", "created_under")))
    return refs


def _pilot_references(doc: AnyDocument) -> list[tuple[str, str, Path_]]:
    """What pilot programmes, surveys, responses and contribution records name."""
    if isinstance(doc, PilotProgramme):
        return [
            ("Production", p, ("spec", arm, i))
            for arm in ("productions", "comparison")
            for i, p in enumerate(getattr(doc.spec, arm))
        ]
    if isinstance(doc, SatisfactionSurvey) and doc.spec.pilot is not None:
        return [("PilotProgramme", doc.spec.pilot, ("spec", "pilot"))]
    if isinstance(doc, SurveyResponse):
        return [
            ("SatisfactionSurvey", doc.spec.survey, ("spec", "survey")),
            ("Production", doc.spec.production, ("spec", "production")),
        ]
    if isinstance(doc, Contribution | EffortRecord):
        refs: list[tuple[str, str, Path_]] = [
            ("Production", doc.spec.production, ("spec", "production"))
        ]
        if doc.spec.declaration is not None:
            key = f"{doc.spec.production}/{doc.spec.declaration}"
            refs.append(("AIUseDeclaration", key, ("spec", "declaration")))
        return refs
    return []


def _check_references(unit: Unit, files: Sequence[ParsedFile]) -> None:
    """A declaration needs its production and performers, a consent its performer: stored or
    in this apply. The error gives the line of the reference."""
    present = {(d.kind, doc_key(d)) for f in files for d, _raw in f.documents}

    def exists(kind: str, key: str) -> bool:
        return (kind, key) in present or rows.latest_row(unit.conn, kind, key) is not None

    for f in files:
        for d, raw in f.documents:
            for kind, key, path in _references(d):
                if not exists(kind, key):
                    raise DocumentError(
                        f.name,
                        raw.line_of(path),
                        ".".join(str(p) for p in path),
                        f"{d.kind} {d.id!r} refers to {kind} {key!r}, which is not in the "
                        "store or this apply; apply it first",
                    )


def survey_of(
    conn: Connection, survey_id: str, present: Sequence[AnyDocument] = ()
) -> SatisfactionSurvey:
    """The survey, from this apply or the store."""
    for doc in present:
        if isinstance(doc, SatisfactionSurvey) and doc.id == survey_id:
            return doc
    found = rows.latest(conn, "SatisfactionSurvey", survey_id)
    if not isinstance(found, SatisfactionSurvey):
        raise NotFoundError(f"no SatisfactionSurvey with id {survey_id!r} in the store")
    return found


def _check_responses(conn: Connection, files: Sequence[ParsedFile]) -> None:
    """Every SurveyResponse answers its survey's questions, within their scales."""
    present = [d for f in files for d, _raw in f.documents]
    for f in files:
        for doc, raw in f.documents:
            if isinstance(doc, SurveyResponse):
                survey = survey_of(conn, doc.spec.survey, present)
                problem = response_problem(survey.spec, doc.spec)
                if problem is not None:
                    key, text = problem
                    raise DocumentError(f.name, raw.line_of(key.split(".")), key, text)


def apply_documents(
    ctx: Context,
    files: Sequence[ParsedFile],
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """All files in one transaction: when it returns, every document is durably stored and
    logged, or (on any error) none is. `dry_run` does the same work and rolls it back.
    `progress` is told each document done, for a progress bar."""
    result = ApplyResult([f.name for f in files], dry_run=dry_run)
    with ctx.rehearse() if dry_run else ctx.write() as unit:
        apply_in(unit, files, result, progress)
    return result


def apply_in(
    unit: Unit,
    files: Sequence[ParsedFile],
    result: ApplyResult | None = None,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """`apply_documents` inside a transaction the caller holds (`decide FILE` decides in it)."""
    result = result or ApplyResult([f.name for f in files])
    _check_references(unit, files)
    _check_responses(unit.conn, files)
    for f in files:
        for doc, _raw in f.documents:
            if not isinstance(doc, Approval):
                result.documents.append(rows.store(unit.conn, unit.log, doc, f.name))
                if progress is not None:
                    progress(1)
    changed = [d for d in result.documents if d.status != "unchanged"]
    result.decisions = decisions.after_apply(unit, changed)
    for f in files:
        for doc, _raw in f.documents:
            if isinstance(doc, Approval):
                answer = approvals.from_document(unit, doc)
                state = answer.verdict if answer.recorded else "unchanged"
                result.documents.append(
                    StoredDocument("Approval", doc.id, 1, state, f.name, doc, answer.log_index)
                )
                if progress is not None:
                    progress(1)
    return result


def normalise_kind(kind: str) -> str:
    """Accept `production`, `Production`, `productions`, `declaration`…"""
    aliases = {k.lower(): k for k in KINDS}
    aliases.update({k.lower() + "s": k for k in KINDS})
    aliases.update({"declaration": "AIUseDeclaration", "declarations": "AIUseDeclaration"})
    aliases.update({"replica": "DigitalReplica", "replicas": "DigitalReplica"})
    aliases.update({"pack": "StandardsPack", "packs": "StandardsPack"})
    aliases.update({"pilot": "PilotProgramme", "pilots": "PilotProgramme"})
    aliases.update({"survey": "SatisfactionSurvey", "surveys": "SatisfactionSurvey"})
    aliases.update({"response": "SurveyResponse", "responses": "SurveyResponse"})
    aliases.update({"contributions": "Contribution", "efforts": "EffortRecord"})
    found = aliases.get(kind.lower())
    if found is None:
        raise DocumentError(
            "<command line>",
            None,
            "KIND",
            f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
        )
    return found
