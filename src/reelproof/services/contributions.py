"""Contribution records: who did what, human and AI, per element, scene or asset.

A record is a `Contribution` document, so it is revised, never overwritten, and logged like
every other document. It feeds the "human and AI share" view per department, the creators'
report and its credit lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import StoredDocument, list_documents
from reelproof.core.documents import Contribution, RawDocument, validate
from reelproof.core.errors import DocumentError
from reelproof.core.json_types import JsonObject
from reelproof.core.pilots import shares_by_department
from reelproof.services import documents as docsvc
from reelproof.services.context import Context

COMMAND_LINE = "<command line>"
# The WGA 2023 MBA: material produced by AI is not literary material, nor source material.
WGA_NOTE = (
    "AI output is not literary material or source material under the WGA 2023 agreement; "
    "the writers named here wrote the literary material."
)
LITERARY = ("script", "script_text", "screenplay", "teleplay", "dialogue")


def parse_part(text: str, *, human: bool, source: str = COMMAND_LINE) -> JsonObject:
    """`ROLE:NAME:SHARE[:WHAT]` (human) or `TOOL:SHARE[:WHAT]` (AI), as typed on the command
    line; a name or tool holding `:` cannot be given this way (use a YAML file)."""
    fields = text.split(":", 3 if human else 2)
    names = ("role", "name", "share", "did") if human else ("tool", "share", "did")
    if len(fields) < len(names) - 1:
        form = "ROLE:NAME:SHARE[:WHAT]" if human else "TOOL:SHARE[:WHAT]"
        raise DocumentError(
            source, None, "--human" if human else "--ai", f"{text!r}; expected {form}"
        )
    part: JsonObject = dict(zip(names, (f.strip() for f in fields), strict=False))
    try:
        part["share"] = float(part["share"])
    except ValueError:
        raise DocumentError(
            source, None, "share", f"{part['share']!r} is not a percentage"
        ) from None
    return part


def document(record_id: str, spec: JsonObject) -> JsonObject:
    """The Contribution document of `contribution add`'s options or the web form's fields."""
    return {
        "apiVersion": "reelproof/v1",
        "kind": "Contribution",
        "metadata": {"id": record_id},
        "spec": spec,
    }


def record(ctx: Context, data: JsonObject) -> StoredDocument:
    """Validate a Contribution given as data (the CLI's options) and store it, with its
    references checked like `apply` checks them."""
    raw = RawDocument(COMMAND_LINE, 0, 1, data, {})
    doc = validate(raw)
    with ctx.write() as unit:
        result = docsvc.apply_in(unit, [docsvc.ParsedFile(COMMAND_LINE, [(doc, raw)])])
    return result.documents[0]


def listing(conn: Connection, production: str | None = None) -> list[Contribution]:
    """Every stored record (or one production's), in id order."""
    out = []
    for doc, _row in list_documents(conn, "Contribution"):
        if isinstance(doc, Contribution) and production in (None, doc.spec.production):
            out.append(doc)
    return out


@dataclass
class SharesView:
    """The human and AI share of the recorded work per department."""

    production: str | None
    departments: dict[str, dict[str, float]]
    records: int

    def to_data(self) -> JsonObject:
        """Shares are mean percentages over the department's records."""
        return {
            "production": self.production,
            "records": self.records,
            "departments": self.departments,
        }


def shares(records: Sequence[Contribution], production: str | None = None) -> SharesView:
    """Per department: records and the mean human and AI share (percent)."""
    rows = [
        (
            c.spec.department,
            sum(h.share for h in c.spec.humans),
            sum(a.share for a in c.spec.ai),
        )
        for c in records
    ]
    return SharesView(production, shares_by_department(rows), len(records))


def credit_lines(records: Sequence[Contribution]) -> list[str]:
    """One line per record: the people by role, then the AI tools and the declaration."""
    lines = []
    for c in records:
        people = "; ".join(f"{h.role}: {h.name}" for h in c.spec.humans) or "no human credit"
        line = f"{c.spec.subject} {c.spec.ref} ({c.spec.department}): {people}"
        if c.spec.ai:
            tools = ", ".join(a.tool for a in c.spec.ai)
            line += f"; with AI tools {tools} under declaration {c.spec.declaration}"
        lines.append(line)
    return lines


def literary(record: Contribution) -> bool:
    """Whether the record is about written material, where the WGA note applies."""
    return any(word in f"{record.spec.ref} {record.spec.department}".lower() for word in LITERARY)
