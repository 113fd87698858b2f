"""Queries for likeness scanning: encrypted references, the scan cache and findings.

Only this module touches these tables. Rows hold ciphertext; decrypting is the vault's job
and logging each read is the service's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.core.json_types import JsonObject
from reelproof.core.likeness import BLOCKING_STATES, FINDING_CODE

refs_t = schema.biometric_refs
cache_t = schema.scan_cache
findings_t = schema.likeness_findings
events_t = schema.events

FINDING_KIND = "LikenessFinding"


@dataclass(frozen=True)
class RefRow:
    """An enrolled biometric reference (encrypted), and what it was made from and under."""

    ref_id: str
    performer: str
    modality: str
    source_sha256: str
    model: str
    nonce: bytes
    ciphertext: bytes
    enrolled_at: str
    enrolled_by: str
    log_index: int | None

    def summary(self) -> JsonObject:
        """What may be shown: never the embedding."""
        return {
            "ref": self.ref_id,
            "modality": self.modality,
            "source_sha256": self.source_sha256,
            "model": self.model,
            "enrolled_at": self.enrolled_at,
            "enrolled_by": self.enrolled_by,
            "log_index": self.log_index,
        }


def _ref(row: Any) -> RefRow:
    return RefRow(
        row.ref_id,
        row.performer,
        row.modality,
        row.source_sha256,
        row.model,
        bytes(row.nonce),
        bytes(row.ciphertext),
        row.enrolled_at,
        row.enrolled_by,
        row.log_index,
    )


def insert_ref(conn: Connection, values: dict[str, Any]) -> None:
    """Store an enrolled reference."""
    conn.execute(refs_t.insert().values(**values))


def refs(conn: Connection, performer: str | None = None) -> list[RefRow]:
    """Every enrolled reference (or one performer's), by performer."""
    q = sa.select(refs_t).order_by(refs_t.c.performer, refs_t.c.pk)
    if performer is not None:
        q = q.where(refs_t.c.performer == performer)
    return [_ref(r) for r in conn.execute(q)]


def delete_refs(conn: Connection, performer: str) -> list[RefRow]:
    """Delete a performer's references (forget, revoked consent); returns what was deleted."""
    gone = refs(conn, performer)
    conn.execute(refs_t.delete().where(refs_t.c.performer == performer))
    return gone


def cached(conn: Connection, sha256: str, models: str) -> tuple[bytes, bytes] | None:
    """The sealed observations of a file for these models, or None: a rescan skips decoding."""
    row = conn.execute(
        sa.select(cache_t.c.nonce, cache_t.c.ciphertext).where(
            cache_t.c.sha256 == sha256, cache_t.c.models == models
        )
    ).first()
    return None if row is None else (bytes(row.nonce), bytes(row.ciphertext))


def store_cache(
    conn: Connection, sha256: str, models: str, nonce: bytes, ciphertext: bytes, at: str
) -> None:
    """Keep a file's sealed observations for these models, replacing older ones."""
    conn.execute(cache_t.delete().where(cache_t.c.sha256 == sha256, cache_t.c.models == models))
    conn.execute(
        cache_t.insert().values(
            sha256=sha256, models=models, nonce=nonce, ciphertext=ciphertext, scanned_at=at
        )
    )


def clear_cache(conn: Connection) -> int:
    """Cached observations are biometric data of everyone in the media: forgetting any
    performer drops them (a later scan recomputes them)."""
    return int(conn.execute(cache_t.delete()).rowcount or 0)


@dataclass(frozen=True)
class FindingRow:
    """A likeness match found in a file, and its review status."""

    finding_id: str
    production: str
    sha256: str
    path: str
    performer: str
    modality: str
    classification: str
    segments: list[JsonObject]
    found_at: str
    log_index: int | None
    status: str  # open | confirmed | dismissed
    review: JsonObject | None

    def to_json(self) -> JsonObject:
        """The finding as `finding list --format json` prints it."""
        return {
            "id": self.finding_id,
            "code": FINDING_CODE,
            "status": self.status,
            "production": self.production,
            "sha256": self.sha256,
            "path": self.path,
            "performer": self.performer,
            "modality": self.modality,
            "classification": self.classification,
            "segments": self.segments,
            "found_at": self.found_at,
            "log_index": self.log_index,
            "review": self.review,
        }


def _reviews(conn: Connection, ids: Sequence[str]) -> dict[str, JsonObject]:
    """The latest review event of each finding."""
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(events_t)
        .where(events_t.c.subject_kind == FINDING_KIND, events_t.c.subject_id.in_(ids))
        .order_by(events_t.c.pk)
    )
    out: dict[str, JsonObject] = {}
    for e in rows:
        out[e.subject_id] = {
            "status": e.event,
            "by": e.recorded_by,
            "log_index": e.log_index,
            **json.loads(e.content),
        }
    return out


def findings(
    conn: Connection,
    *,
    sha256s: Iterable[str] | None = None,
    production: str | None = None,
    performer: str | None = None,
    finding_id: str | None = None,
) -> list[FindingRow]:
    """Stored findings, filtered by file, production or performer."""
    q = sa.select(findings_t).order_by(findings_t.c.pk)
    if sha256s is not None:
        q = q.where(findings_t.c.sha256.in_(list(sha256s)))
    if production is not None:
        q = q.where(findings_t.c.production == production)
    if performer is not None:
        q = q.where(findings_t.c.performer == performer)
    if finding_id is not None:
        q = q.where(findings_t.c.finding_id == finding_id)
    rows = list(conn.execute(q))
    reviews = _reviews(conn, [r.finding_id for r in rows])
    out = []
    for r in rows:
        review = reviews.get(r.finding_id)
        out.append(
            FindingRow(
                r.finding_id,
                r.production,
                r.sha256,
                r.path,
                r.performer,
                r.modality,
                r.classification,
                json.loads(r.segments),
                r.found_at,
                r.log_index,
                review["status"] if review else "open",
                review,
            )
        )
    return out


def linked_assets(conn: Connection, declaration: str) -> list[str]:
    """SHA-256 of every asset linked to a declaration."""
    t = schema.asset_links
    q = sa.select(t.c.sha256).where(t.c.declaration == declaration).distinct()
    return sorted(str(s) for (s,) in conn.execute(q))


def linked_declarations(conn: Connection, sha256: str, production: str) -> list[str]:
    """The declarations a file is linked to in the production, sorted."""
    t = schema.asset_links
    q = sa.select(t.c.declaration).where(t.c.sha256 == sha256, t.c.production == production)
    return sorted({str(d) for (d,) in conn.execute(q)})


def asset_classification(conn: Connection, sha256: str, production: str) -> str | None:
    """The registered asset's classification in a production, if it is registered there."""
    t = schema.assets
    row = conn.execute(
        sa.select(t.c.provenance).where(t.c.sha256 == sha256, t.c.production == production)
    ).first()
    if row is None:
        return None
    return str(json.loads(row.provenance).get("classification", "unknown"))


def productions_of(conn: Connection, sha256: str) -> list[str]:
    """The productions a file is registered in, sorted."""
    t = schema.assets
    q = sa.select(t.c.production).where(t.c.sha256 == sha256).distinct()
    return sorted(str(p) for (p,) in conn.execute(q))


def declaration_findings(
    conn: Connection, key: str
) -> tuple[list[JsonObject], set[tuple[str, str]]]:
    """The finding facts (open or confirmed) of the files linked to a declaration, and the
    read-set keys that make a new or reviewed finding of those files re-decide it."""
    shas = linked_assets(conn, key)
    production = key.split("/", 1)[0]
    facts = [
        {
            "code": FINDING_CODE,
            "params": {
                "finding": f.finding_id,
                "status": f.status,
                "modality": f.modality,
                "asset": f.sha256,
                "classification": f.classification,
            },
            "performer": f.performer,
        }
        for f in findings(conn, sha256s=shas, production=production)
        if f.status in BLOCKING_STATES
    ]
    return facts, {(FINDING_KIND, s) for s in shas}
