"""Pilot programmes: every metric of a pilot, pilot productions against comparison ones.

The store is read once into plain records (one per AI use); `core.pilots` does every
computation, so the numbers in `pilot metrics`, the pilot report and the investors' summary
are the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from reelproof.adapters.store import approvals as approval_rows
from reelproof.adapters.store import likeness
from reelproof.adapters.store import pilots as pilot_rows
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import declaration_keys, list_documents, require
from reelproof.core import pilots as core
from reelproof.core.documents import (
    AIUseDeclaration,
    Effort,
    EffortRecord,
    EffortRecordSpec,
    PilotProgramme,
    SatisfactionSurvey,
    SurveyResponse,
)
from reelproof.core.json_types import JsonObject
from reelproof.services.context import Context
from reelproof.services.decisions import decision_history

NEEDS_APPROVAL = ("escalate", "written_approval")


@dataclass(frozen=True)
class UseRecord:
    """One AI use of a pilot or comparison production, as the metrics read it."""

    key: str
    production: str
    arm: str
    stage: str
    department: str
    declared: dt.date
    hours: tuple[float, float] | None  # (without AI, with AI)
    cost: tuple[float, float] | None
    cycle: dict[str, float]
    redecisions: int
    rejections: int
    consent_exposed: bool  # its current decision has an unmet consent obligation

    def observation(self, value: float) -> core.Observation:
        """A value of this use, with the groups it counts in."""
        return core.Observation(value, self.production, self.arm, self.stage, self.department)


@dataclass(frozen=True)
class CheckRecord:
    """A delivery check of a pilot or comparison production."""

    production: str
    arm: str
    at: dt.datetime
    verdict: str


@dataclass
class PilotData:
    """What the store holds about a pilot: its uses, checks, survey answers and findings."""

    programme: PilotProgramme
    uses: list[UseRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    answers: list[core.Answer] = field(default_factory=list)
    comments: list[tuple[str, list[str]]] = field(default_factory=list)  # (text, rules)
    open_findings: list[tuple[str, dt.date]] = field(default_factory=list)  # (production, day)
    # production/declaration -> EffortRecords applied after it (they replace `spec.effort`)
    efforts: dict[str, list[EffortRecordSpec]] = field(default_factory=dict)

    def arm(self, production: str) -> str | None:
        """`pilot`, `comparison`, or None for a production outside the programme."""
        spec = self.programme.spec
        if production in spec.productions:
            return core.PILOT
        return core.COMPARISON if production in spec.comparison else None


def _arms(programme: PilotProgramme) -> list[str]:
    return [*programme.spec.productions, *programme.spec.comparison]


def _totals(
    efforts: Sequence[Effort],
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(without, with) hours and cost over a use's effort records (one per asset, say); cost
    only when every record gives it."""
    if not efforts:
        return None, None
    hours = (
        sum(e.estimate_without_ai.hours for e in efforts),
        sum(e.actual_with_ai.hours for e in efforts),
    )
    costs = [(e.estimate_without_ai.cost, e.actual_with_ai.cost) for e in efforts]
    if any(a is None or b is None for a, b in costs):
        return hours, None
    return hours, (sum(a or 0.0 for a, _ in costs), sum(b or 0.0 for _, b in costs))


def _use(
    conn: Connection, data: PilotData, key: str, log: Sequence[core.LogEvent]
) -> UseRecord | None:
    decl = require(conn, "AIUseDeclaration", key)
    assert isinstance(decl, AIUseDeclaration)
    production = decl.metadata.production
    history = decision_history(conn, key)
    first = next((e.time for e in log if e.subject == key), None)
    declared = decl.metadata.declared_at or (first.date() if first else None)
    period = data.programme.spec.period
    arm = data.arm(production)
    if arm is None or declared is None or not period.start <= declared <= period.end:
        return None
    recorded = data.efforts.get(key)
    efforts: list[Effort] = list(recorded) if recorded else []
    if not efforts and decl.spec.effort is not None:
        efforts = [decl.spec.effort]
    hours, cost = _totals(efforts)
    department = next((e.department for e in efforts if e.department), decl.spec.stage)
    latest = history[-1] if history else None
    needs = latest is not None and latest.outcome in NEEDS_APPROVAL
    signatures = [
        (d.outcome, frozenset(str(r["id"]) for r in d.content.get("rules", []))) for d in history
    ]
    rejected = sum(a.verdict == "rejected" for a in approval_rows.listing(conn, key))
    exposed = latest is not None and any(o.get("kind") == "consent" for o in latest.blocking)
    return UseRecord(
        key,
        production,
        arm,
        decl.spec.stage,
        department,
        declared,
        hours,
        cost,
        core.cycle_hours(key, log, needs_approval=needs),
        core.redecisions(signatures),
        rejected,
        exposed,
    )


def _surveys(conn: Connection, data: PilotData) -> None:
    surveys: dict[str, SatisfactionSurvey] = {}
    for doc, _row in list_documents(conn, "SatisfactionSurvey"):
        assert isinstance(doc, SatisfactionSurvey)
        if doc.spec.pilot in (None, data.programme.id):
            surveys[doc.id] = doc
    for doc, _row in list_documents(conn, "SurveyResponse"):
        assert isinstance(doc, SurveyResponse)
        survey = surveys.get(doc.spec.survey)
        arm = data.arm(doc.spec.production)
        if survey is None or arm is None:
            continue
        for q in survey.spec.questions:
            value = doc.spec.answers.get(q.id)
            if value is None:
                continue
            if q.type == "free_text":
                text = str(value).strip()
                if text:
                    data.comments.append((text, list(q.rules)))
                continue
            assert isinstance(value, int)
            scale = q.likert
            data.answers.append(
                core.Answer(
                    doc.spec.respondent,
                    doc.spec.role,
                    doc.spec.production,
                    arm,
                    q.id,
                    core.on_five(value, scale.min, scale.max),
                )
            )


def collect(conn: Connection, pilot_id: str) -> PilotData:
    """Everything the pilot's metrics are computed from, read in one transaction."""
    programme = require(conn, "PilotProgramme", pilot_id)
    assert isinstance(programme, PilotProgramme)
    data = PilotData(programme)
    for doc, _row in list_documents(conn, "EffortRecord"):
        if isinstance(doc, EffortRecord):
            key = f"{doc.spec.production}/{doc.spec.declaration}"
            data.efforts.setdefault(key, []).append(doc.spec)
    productions = _arms(programme)
    log = list(pilot_rows.log_events(conn, productions))
    for production in productions:
        arm = data.arm(production)
        assert arm is not None
        for key in declaration_keys(conn, production=production):
            mine = [e for e in log if e.subject in (key, production)]
            use = _use(conn, data, key, mine)
            if use is not None:
                data.uses.append(use)
        for e in log:
            if e.kind == "delivery.checked" and e.subject == production and e.verdict:
                data.checks.append(CheckRecord(production, arm, e.time, e.verdict))
        for f in likeness.findings(conn, production=production):
            if f.status == "open":
                data.open_findings.append((production, dt.date.fromisoformat(f.found_at[:10])))
    _surveys(conn, data)
    return data


@dataclass
class PilotMetrics:
    """Every metric of a pilot: efficiency, cycle times, rework, satisfaction, blocked checks."""

    pilot: str
    title: str
    period: tuple[dt.date, dt.date]
    productions: dict[str, list[str]]
    summaries: list[core.MetricSummary]
    satisfaction: core.SatisfactionSummary
    blocked_checks: dict[str, dict[str, int]]  # production -> {checks, blocked}
    uses: int

    def to_data(self) -> JsonObject:
        """`pilot metrics --format json`: every estimate with its interval or `too_few`."""
        return {
            "pilot": self.pilot,
            "title": self.title,
            "period": {"from": self.period[0].isoformat(), "to": self.period[1].isoformat()},
            "productions": self.productions,
            "uses": self.uses,
            "min_n": core.MIN_N,
            "metrics": [s.to_data() for s in self.summaries],
            "satisfaction": self.satisfaction.to_data(),
            "delivery_checks": self.blocked_checks,
        }


def summaries(data: PilotData) -> tuple[list[core.MetricSummary], core.SatisfactionSummary]:
    """Each metric over the pilot's uses (see docs/pilots.md for what each one measures)."""
    spec = data.programme.spec
    targets: dict[str, float] = {str(k): v for k, v in spec.targets.items()}
    out: list[core.MetricSummary] = []

    def add(metric: str, unit: str, values: list[core.Observation]) -> None:
        out.append(core.summarise(metric, unit, values, target=targets.get(metric)))

    if "hours_saved" in spec.metrics:
        add("hours_saved", "share of hours", _saved(data.uses, "hours"))
    if "cost_saved" in spec.metrics:
        add("cost_saved", "share of cost", _saved(data.uses, "cost"))
    if "cycle_time" in spec.metrics:
        for stage in core.CYCLE_STAGES:
            name = "cycle_time" if stage == "total" else f"cycle_time.{stage}"
            add(
                name,
                "hours",
                [u.observation(u.cycle[stage]) for u in data.uses if stage in u.cycle],
            )
    if "rework" in spec.metrics:
        add("rework", "per use", [u.observation(u.redecisions + u.rejections) for u in data.uses])
    satisfaction = core.summarise_satisfaction(data.answers, target=targets.get("satisfaction"))
    return out, satisfaction


def _saved(uses: Sequence[UseRecord], what: str) -> list[core.Observation]:
    out = []
    for u in uses:
        pair = u.hours if what == "hours" else u.cost
        share = core.saved_share(*pair) if pair is not None else None
        if share is not None:
            out.append(u.observation(share))
    return out


def metrics(ctx: Context, pilot_id: str) -> PilotMetrics:
    """The pilot's metrics as `pilot metrics` and the pilot report show them."""
    with ctx.read() as conn:
        data = collect(conn, pilot_id)
    return metrics_of(data)


def metrics_of(data: PilotData) -> PilotMetrics:
    """The metrics of data already collected (the reports collect once)."""
    spec = data.programme.spec
    found, satisfaction = summaries(data)
    checks: dict[str, dict[str, int]] = {}
    for p in _arms(data.programme):
        mine = [c for c in data.checks if c.production == p]
        checks[p] = {"checks": len(mine), "blocked": sum(c.verdict == "blocked" for c in mine)}
    return PilotMetrics(
        data.programme.id,
        spec.title,
        (spec.period.start, spec.period.end),
        {core.PILOT: list(spec.productions), core.COMPARISON: list(spec.comparison)},
        found,
        satisfaction,
        checks,
        len(data.uses),
    )


def programmes(ctx: Context) -> list[PilotProgramme]:
    """Every stored pilot programme, in id order."""
    with ctx.read() as conn:
        found = [d for d, _row in list_documents(conn, "PilotProgramme")]
    return [d for d in found if isinstance(d, PilotProgramme)]
