"""Queries of pilot programmes: the audit-log entries that time a use's cycle.

Cycle times are read from the log itself, not from the rows it records: the log's time is
the one every reader can verify, and a delivery check's row holds only its day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.core.pilots import LogEvent

CYCLE_KINDS = (
    "document.applied",
    "decision.made",
    "approval.approved",
    "approval.rejected",
    "delivery.checked",
)


def log_events(
    conn: Connection, productions: Iterable[str], kinds: Iterable[str] = CYCLE_KINDS
) -> Iterator[LogEvent]:
    """Entries of `kinds` about the productions (their declarations, or their delivery
    checks), in log order. Entries are canonical JSON, so `"kind":"…"` is matched as text
    first and then parsed."""
    wanted = set(productions)
    t = schema.log_entries
    match = sa.or_(*(t.c.body.like(f'%"kind":"{k}"%') for k in kinds))
    query = sa.select(t.c.body).where(match).order_by(t.c.idx)
    for (body,) in conn.execution_options(yield_per=2000).execute(query):
        entry = json.loads(body)
        if entry["kind"] not in kinds:
            continue
        subject = entry.get("subject", {})
        ident = str(subject.get("id", ""))
        if ident.split("/", 1)[0] not in wanted:
            continue
        if entry["kind"] == "document.applied" and subject.get("kind") != "AIUseDeclaration":
            continue
        yield LogEvent(
            entry["kind"],
            ident,
            dt.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")),
            subject.get("verdict"),
        )
