"""Events on held things (consent revoked or expired, replica transferred, asset delivered):
event-sourced rows, never edited."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import LogWriter
from reelproof.core.json_types import JsonObject


@dataclass(frozen=True)
class EventRow:
    """One event; `content` is its JSON data (with `at`)."""

    pk: int
    subject_kind: str
    subject_id: str
    event: str
    at: str
    content: str
    recorded_by: str
    log_index: int

    def data(self) -> JsonObject:
        """The event's JSON data (with `at`)."""
        parsed: JsonObject = json.loads(self.content)
        return parsed


def of(conn: Connection, subject_kind: str, subject_id: str | None = None) -> list[EventRow]:
    """The events of every subject of a kind (or of one), oldest first."""
    t = schema.events
    q = sa.select(t).where(t.c.subject_kind == subject_kind).order_by(t.c.pk)
    if subject_id is not None:
        q = q.where(t.c.subject_id == subject_id)
    return [EventRow(**r._mapping) for r in conn.execute(q)]


def insert(
    log: LogWriter,
    subject_kind: str,
    subject_id: str,
    event: str,
    at: dt.date,
    data: dict[str, Any],  # Any: JSON values
    *,
    summary: dict[str, Any] | None = None,  # Any: JSON values
) -> int:
    """Store an event with its log entry; returns the log index. `summary` goes into the
    entry itself (beside the row's digest), for what a log reader must see unaided."""
    content = {"at": at.isoformat(), **data}
    _pk, index = log.record_row(
        schema.events,
        {
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "event": event,
            "at": at.isoformat(),
            "content": json.dumps(content, sort_keys=True),
            "recorded_by": log.actor,
        },
        kind=f"{subject_kind.lower()}.{event}",
        subject={"kind": subject_kind, "id": subject_id, **(summary or {})},
    )
    return index
