"""`apply` and `get`: documents are stored as revisions, never overwritten."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelproof.adapters.store import documents as rows
from reelproof.adapters.store.documents import StoredDocument
from reelproof.core.documents import (
    KINDS,
    AIUseDeclaration,
    AnyDocument,
    Approval,
    doc_key,
    parse_documents,
)
from reelproof.core.errors import DocumentError
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
)


@dataclass
class ApplyResult:
    """What applying one file did: each document's revision status and the decisions made."""

    file: str
    documents: list[StoredDocument] = field(default_factory=list)
    decisions: list[StoredDecision] = field(default_factory=list)  # made by this apply

    def count(self, status: str) -> int:
        """How many documents ended with `status`."""
        return sum(1 for d in self.documents if d.status == status)


def read_text(text: str, name: str) -> list[AnyDocument]:
    """Parse and validate the documents of one file (or text) that `apply` takes."""
    docs = parse_documents(text, name)
    if not docs:
        raise DocumentError(name, None, None, "no documents found")
    for doc in docs:
        if doc.kind not in APPLY_KINDS:
            raise DocumentError(name, None, "kind", f"`apply` does not take {doc.kind} documents")
    return docs


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
        parsed.append((name, read_text(text, name)))
    return parsed


def _check_references(unit: Unit, docs: Sequence[AnyDocument], name: str) -> None:
    """A declaration needs its production, a consent its performer: stored or in this file."""
    present = {(d.kind, doc_key(d)) for d in docs}

    def exists(kind: str, key: str) -> bool:
        return (kind, key) in present or rows.latest_row(unit.conn, kind, key) is not None

    for d in docs:
        spec: Any = d.spec  # Any: every kind has its own spec; the refs read differ
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
    for name, docs in files:
        result = ApplyResult(name)
        with ctx.write() as unit:
            _check_references(unit, docs, name)
            for doc in docs:
                if not isinstance(doc, Approval):
                    result.documents.append(rows.store(unit.conn, unit.log, doc, name))
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
