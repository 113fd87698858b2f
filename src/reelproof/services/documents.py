"""`apply` and `get`: documents are stored as revisions, never overwritten."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import canonical
from reelproof.core.documents import (
    KINDS,
    AIUseDeclaration,
    AnyDocument,
    Approval,
    StandardsPack,
    parse_documents,
    parse_one,
)
from reelproof.core.errors import DocumentError, NotFoundError
from reelproof.services.context import Context, Unit

# Kinds `apply` takes; standards packs are published with `reelproof standards publish`.
APPLY_KINDS = (
    "Production",
    "Performer",
    "Consent",
    "DigitalReplica",
    "AIUseDeclaration",
    "Approval",
)


def doc_key(doc: AnyDocument) -> str:
    """Declarations are per production; each version of a standards pack is its own document."""
    if isinstance(doc, AIUseDeclaration):
        return doc.key
    if isinstance(doc, StandardsPack):
        return f"{doc.id}@{doc.spec.version}"
    return doc.id


@dataclass(frozen=True)
class StoredDocument:
    kind: str
    key: str
    revision: int
    status: str  # created | revised | unchanged
    source: str
    document: AnyDocument
    log_index: int | None = None


@dataclass
class ApplyResult:
    file: str
    documents: list[StoredDocument] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)  # StoredDecision, made by this apply

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)


def read_files(paths: Iterable[Path]) -> list[tuple[str, list[AnyDocument]]]:
    """Parse every file before anything is stored, so one bad file stores nothing."""
    parsed = []
    for path in paths:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DocumentError(name, None, None, "file not found") from None
        except (UnicodeDecodeError, IsADirectoryError) as exc:
            raise DocumentError(name, None, None, f"cannot read as UTF-8 text ({exc})") from None
        docs = parse_documents(text, name)
        if not docs:
            raise DocumentError(name, None, None, "no documents found")
        for doc in docs:
            if doc.kind not in APPLY_KINDS:
                raise DocumentError(
                    name, None, "kind", f"`apply` does not take {doc.kind} documents"
                )
        parsed.append((name, docs))
    return parsed


def latest_row(conn: Connection, kind: str, key: str) -> Any:
    t = schema.documents
    return conn.execute(
        sa.select(t).where(t.c.kind == kind, t.c.key == key).order_by(t.c.revision.desc()).limit(1)
    ).first()


def latest(conn: Connection, kind: str, key: str) -> AnyDocument | None:
    row = latest_row(conn, kind, key)
    return None if row is None else parse_one(json.loads(row.content), f"store:{kind}/{key}")


def require(conn: Connection, kind: str, key: str) -> AnyDocument:
    doc = latest(conn, kind, key)
    if doc is None:
        raise NotFoundError(f"no {kind} with id {key!r} in the store")
    return doc


def store_document(unit: Unit, doc: AnyDocument, source: str) -> StoredDocument:
    """Store a new revision unless the content is unchanged."""
    key = doc_key(doc)
    content = canonical(doc.content()).decode()
    prev = latest_row(unit.conn, doc.kind, key)
    if prev is not None and prev.content == content:
        return StoredDocument(
            doc.kind, key, prev.revision, "unchanged", source, doc, prev.log_index
        )
    revision = 1 if prev is None else prev.revision + 1
    _pk, index = unit.log.record_row(
        schema.documents,
        {
            "kind": doc.kind,
            "key": key,
            "revision": revision,
            "content": content,
            "source": source,
            "applied_at": unit.log.time,
            "applied_by": unit.actor,
        },
        kind="document.applied",
        subject={"kind": doc.kind, "id": key, "revision": revision},
    )
    return StoredDocument(
        doc.kind, key, revision, "created" if prev is None else "revised", source, doc, index
    )


def _check_references(unit: Unit, docs: Sequence[AnyDocument], name: str) -> None:
    """A declaration needs its production, a consent its performer: stored or in this file."""
    present = {(d.kind, doc_key(d)) for d in docs}

    def exists(kind: str, key: str) -> bool:
        return (kind, key) in present or latest_row(unit.conn, kind, key) is not None

    for d in docs:
        spec: Any = d.spec
        refs: list[tuple[str, str, str]] = []
        if isinstance(d, AIUseDeclaration):
            refs.append(("Production", d.metadata.production, "metadata.production"))
        if d.kind in ("Consent", "DigitalReplica"):
            refs.append(("Performer", spec.performer, "spec.performer"))
        if d.kind == "DigitalReplica":
            refs.append(("Consent", spec.created_under, "spec.created_under"))
        for kind, key, field_name in refs:
            if not exists(kind, key):
                raise DocumentError(
                    name,
                    None,
                    field_name,
                    f"{d.kind} {d.id!r} refers to {kind} {key!r}, which is not in the store "
                    "or this file; apply it first",
                )


def apply_documents(
    ctx: Context, files: Sequence[tuple[str, list[AnyDocument]]]
) -> Iterable[ApplyResult]:
    """One transaction per file: when it returns, the file is durably stored and logged."""
    from reelproof.services import approvals, decisions  # they build on this module

    for name, docs in files:
        result = ApplyResult(name)
        with ctx.write() as unit:
            _check_references(unit, docs, name)
            for doc in docs:
                if not isinstance(doc, Approval):
                    result.documents.append(store_document(unit, doc, name))
            changed = [d for d in result.documents if d.status != "unchanged"]
            result.decisions = decisions.after_apply(unit, changed)
            for doc in docs:
                if isinstance(doc, Approval):
                    answer = approvals.from_document(unit, doc)
                    state = answer.verdict if answer.recorded else "unchanged"
                    result.documents.append(
                        StoredDocument("Approval", doc.id, 1, state, name, doc, answer.log_index)
                    )
        yield result


def list_documents(conn: Connection, kind: str) -> list[tuple[AnyDocument, Any]]:
    t = schema.documents
    newest = (
        sa.select(t.c.key, sa.func.max(t.c.revision).label("rev"))
        .where(t.c.kind == kind)
        .group_by(t.c.key)
        .subquery()
    )
    rows = conn.execute(
        sa.select(t)
        .join(newest, sa.and_(t.c.key == newest.c.key, t.c.revision == newest.c.rev))
        .where(t.c.kind == kind)
        .order_by(t.c.key)
    ).all()
    return [(parse_one(json.loads(r.content), f"store:{kind}/{r.key}"), r) for r in rows]


def history(conn: Connection, kind: str, key: str) -> list[Any]:
    t = schema.documents
    return list(
        conn.execute(
            sa.select(t).where(t.c.kind == kind, t.c.key == key).order_by(t.c.revision)
        ).all()
    )


def normalise_kind(kind: str) -> str:
    """Accept `production`, `Production`, `productions`, `declaration`…"""
    aliases = {k.lower(): k for k in KINDS}
    aliases.update({k.lower() + "s": k for k in KINDS})
    aliases.update({"declaration": "AIUseDeclaration", "declarations": "AIUseDeclaration"})
    aliases.update({"replica": "DigitalReplica", "replicas": "DigitalReplica"})
    aliases.update({"pack": "StandardsPack", "packs": "StandardsPack"})
    found = aliases.get(kind.lower())
    if found is None:
        raise DocumentError(
            "<command line>",
            None,
            "KIND",
            f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
        )
    return found
