"""Documents: every applied revision of every document, never overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter, canonical
from reelproof.core.documents import AnyDocument, doc_key, parse_one
from reelproof.core.errors import NotFoundError


@dataclass(frozen=True)
class DocumentRow:
    """One stored revision; `content` is the canonical JSON of the validated document."""

    pk: int
    kind: str
    key: str
    revision: int
    content: str
    source: str
    applied_at: str
    applied_by: str
    log_index: int | None

    def document(self) -> AnyDocument:
        """The revision parsed back (it was validated when it was applied)."""
        return parse_one(json.loads(self.content), f"store:{self.kind}/{self.key}")


@dataclass(frozen=True)
class StoredDocument:
    """What applying one document did: `status` is created, revised or unchanged."""

    kind: str
    key: str
    revision: int
    status: str
    source: str
    document: AnyDocument
    log_index: int | None = None


def _row(r: sa.Row[Any]) -> DocumentRow:  # Any: SQLAlchemy's untyped result row
    return DocumentRow(**r._mapping)


def latest_row(conn: Connection, kind: str, key: str) -> DocumentRow | None:
    """The newest revision of a document, or None."""
    t = schema.documents
    row = conn.execute(
        sa.select(t).where(t.c.kind == kind, t.c.key == key).order_by(t.c.revision.desc()).limit(1)
    ).first()
    return None if row is None else _row(row)


def latest(conn: Connection, kind: str, key: str) -> AnyDocument | None:
    """The newest revision of a document, parsed, or None."""
    row = latest_row(conn, kind, key)
    return None if row is None else row.document()


def require(conn: Connection, kind: str, key: str) -> AnyDocument:
    """The newest revision, or a not-found error that names what is missing."""
    doc = latest(conn, kind, key)
    if doc is None:
        raise NotFoundError(f"no {kind} with id {key!r} in the store")
    return doc


def newest_rows(conn: Connection, kind: str) -> list[DocumentRow]:
    """The newest revision of every document of `kind`, in key order."""
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
    return [_row(r) for r in rows]


def list_documents(conn: Connection, kind: str) -> list[tuple[AnyDocument, DocumentRow]]:
    """The newest revision of every document of `kind`, parsed, with its row."""
    return [(r.document(), r) for r in newest_rows(conn, kind)]


def history(conn: Connection, kind: str, key: str) -> list[DocumentRow]:
    """Every revision of a document, oldest first: nothing is overwritten."""
    t = schema.documents
    rows = conn.execute(
        sa.select(t).where(t.c.kind == kind, t.c.key == key).order_by(t.c.revision)
    ).all()
    return [_row(r) for r in rows]


def declaration_keys(
    conn: Connection, *, production: str | None = None, id: str | None = None
) -> list[str]:
    """Keys (production/id) of stored declarations: all, one production's, or those with `id`."""
    t = schema.documents
    q = sa.select(t.c.key).where(t.c.kind == "AIUseDeclaration").distinct().order_by(t.c.key)
    if production is not None:
        q = q.where(t.c.key.like(f"{production}/%"))
    if id is not None:
        q = q.where(t.c.key.like(f"%/{id}"))
    return [str(k) for (k,) in conn.execute(q)]


def insert(log: LogWriter, *, kind: str, key: str, revision: int, content: str, source: str) -> int:
    """Store a revision with its log entry; returns the log index."""
    _pk, index = log.record_row(
        schema.documents,
        {
            "kind": kind,
            "key": key,
            "revision": revision,
            "content": content,
            "source": source,
            "applied_at": log.time,
            "applied_by": log.actor,
        },
        kind="document.applied",
        subject={"kind": kind, "id": key, "revision": revision},
    )
    return index


def store(conn: Connection, log: LogWriter, doc: AnyDocument, source: str) -> StoredDocument:
    """Store a new revision unless the content is unchanged."""
    key = doc_key(doc)
    content = canonical(doc.content()).decode()
    prev = latest_row(conn, doc.kind, key)
    if prev is not None and prev.content == content:
        return StoredDocument(
            doc.kind, key, prev.revision, "unchanged", source, doc, prev.log_index
        )
    revision = 1 if prev is None else prev.revision + 1
    index = insert(log, kind=doc.kind, key=key, revision=revision, content=content, source=source)
    status = "created" if prev is None else "revised"
    return StoredDocument(doc.kind, key, revision, status, source, doc, index)
