"""`reelproof standards feedback [PACK]`: how each rule fared in practice, most friction first.

For each rule: the declarations it fired on, how often its own tier held a use for a person,
the answers approvers gave (refusals, conditions, refusals stricter than the rule), how long
those answers took, and the survey comments that name it. Free text is shown only to a
standards owner (or an admin), and never with a respondent, role or production.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reelproof.adapters.store import approvals as approval_rows
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import declaration_keys, list_documents
from reelproof.core import pilots as core
from reelproof.core.documents import SatisfactionSurvey, SurveyResponse
from reelproof.core.errors import NotFoundError
from reelproof.core.json_types import JsonObject
from reelproof.services import roles
from reelproof.services.context import Context
from reelproof.services.decisions import decision_history, stored_packs

HOLDS = ("escalate", "written_approval", "prohibited")
OWNER_ROLES = ("standards_owner", "admin")


@dataclass
class FeedbackResult:
    """Every rule's row, most friction first; comments withheld unless the reader may see them."""

    pack: str | None
    rules: list[core.RuleFeedback]
    comments_shown: bool
    next_steps: list[str] = field(default_factory=list)

    def to_data(self) -> JsonObject:
        """Rows as `core.RuleFeedback.to_data`; without the owner role, comment counts only."""
        rows = []
        for r in self.rules:
            row = r.to_data()
            if not self.comments_shown:
                row["comments"] = len(r.comments)
            rows.append(row)
        return {
            "pack": self.pack,
            "comments_shown": self.comments_shown,
            "rules": rows,
            "next_steps": self.next_steps,
        }


def _hours(start: str, end: str) -> float:
    def at(s: str) -> dt.datetime:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))

    return (at(end) - at(start)).total_seconds() / 3600


def _rows(conn: Connection, pack: str | None) -> dict[tuple[str, str], core.RuleFeedback]:
    found: dict[tuple[str, str], core.RuleFeedback] = {}
    for key in declaration_keys(conn):
        history = decision_history(conn, key)
        if not history:
            continue
        by_pk = {d.pk: d for d in history}
        seen: set[tuple[str, str]] = set()
        held: set[tuple[str, str]] = set()
        for d in history:
            for r in d.content.get("rules", []):
                rid = (str(r.get("pack")), str(r.get("id")))
                if pack is not None and rid[0] != pack:
                    continue
                found.setdefault(rid, core.RuleFeedback(*rid, str(r.get("title", ""))))
                seen.add(rid)
                if r.get("outcome") in HOLDS:
                    held.add(rid)
        for rid in seen:
            found[rid].fired += 1
        for rid in held:
            found[rid].held += 1
        for a in approval_rows.listing(conn, key):
            answered = by_pk.get(a.decision_pk)
            if answered is None:
                continue
            for r in answered.content.get("rules", []):
                rid = (str(r.get("pack")), str(r.get("id")))
                if rid in found:
                    found[rid].answers.append(
                        core.RuleAnswer(
                            a.verdict,
                            bool((a.conditions or "").strip()),
                            _hours(history[0].decided_at, a.at),
                            answered.outcome,
                        )
                    )
    return found


def _comments(conn: Connection, rows: dict[tuple[str, str], core.RuleFeedback]) -> None:
    listed = list_documents(conn, "SatisfactionSurvey")
    surveys = {d.id: d for d, _r in listed if isinstance(d, SatisfactionSurvey)}
    by_id: dict[str, list[core.RuleFeedback]] = {}
    for (_pack, rule), row in rows.items():
        by_id.setdefault(rule, []).append(row)
    for doc, _row in list_documents(conn, "SurveyResponse"):
        if not isinstance(doc, SurveyResponse) or doc.spec.survey not in surveys:
            continue
        for q in surveys[doc.spec.survey].spec.questions:
            text = doc.spec.answers.get(q.id)
            if q.type != "free_text" or not isinstance(text, str) or not text.strip():
                continue
            for rule in sorted(set(q.rules) | set(core.rules_named(text, by_id))):
                for row in by_id.get(rule, []):
                    row.comments.append(text.strip())


def feedback(ctx: Context, pack: str | None = None) -> FeedbackResult:
    """Every rule that fired (in `pack`, or in any pack), sorted by friction."""
    with ctx.read() as conn:
        if pack is not None and pack not in {p.id for p in stored_packs(conn)}:
            raise NotFoundError(
                f"no standards pack {pack!r} in the store (see `reelproof standards list`)"
            )
        rows = _rows(conn, pack)
        _comments(conn, rows)
        shown = any(roles.holds(conn, ctx.actor, r) for r in OWNER_ROLES)
    ranked = core.by_friction(rows.values())
    steps = []
    if ranked:
        top = ranked[0]
        steps = [
            f"compare versions: reelproof standards diff {top.pack}@OLD {top.pack}@NEW",
            "see what a new version would re-decide: reelproof standards impact FILE",
        ]
    return FeedbackResult(pack, ranked, shown, steps)
