"""The pilot's reports, HTML and PDF with SVG charts, in the compliance report's style:

- the pilot report: pilot against comparison productions on every metric, with its interval
  (or `too few`), and satisfaction only for groups of at least five respondents;
- the creators' report: the contribution records, human and AI share per department, credit
  lines;
- the investors' summary: efficiency and risk (blocked deliveries, open likeness findings,
  uses with an unmet consent) by quarter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from reelproof.adapters import charts
from reelproof.core import pilots as core
from reelproof.core.json_types import JsonObject
from reelproof.services import contributions, pilots
from reelproof.services.context import Context
from reelproof.services.report import Chart, chart_table, page, publish

ARMS = (core.PILOT, core.COMPARISON)


@dataclass
class ReportFiles:
    """Where a report was written, and the numbers of its charts."""

    report: str
    html: Path
    pdf: Path | None
    pdf_problem: str | None
    charts: dict[str, JsonObject] = field(default_factory=dict)

    def to_data(self) -> JsonObject:
        """Paths and chart data, for scripts."""
        return {
            "report": self.report,
            "html": str(self.html),
            "pdf": str(self.pdf) if self.pdf else None,
            "pdf_problem": self.pdf_problem,
            "charts": self.charts,
        }


def _write(out: Path, stem: str, title: str, body: str, data: dict[str, JsonObject]) -> ReportFiles:
    html, pdf, problem = publish(out, stem, page(title, body))
    return ReportFiles(stem, html, pdf, problem, data)


def _interval(e: core.Estimate | None) -> charts.Interval:
    if e is None or e.mean is None or e.low is None or e.high is None:
        return None
    return (e.mean, e.low, e.high)


def _rows(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _metric_section(s: core.MetricSummary) -> tuple[str, JsonObject]:
    title = f"{s.metric} ({s.unit})"
    svg = charts.interval_bars(
        title,
        list(ARMS),
        {"mean, 95% interval": [_interval(s.arms[a]) for a in ARMS]},
        s.unit,
        salt=s.metric,
    )
    target = f"target {s.target:g}" if s.target is not None else "no target set"
    head = [
        ["pilot", s.arms[core.PILOT].text()],
        ["comparison", s.arms[core.COMPARISON].text()],
        ["pilot minus comparison", s.difference.text()],
    ]
    groups = "".join(
        f"<h3>by {escape(g)}</h3>"
        + _rows([g, "mean [95% interval]"], [[k, e.text()] for k, e in v.items()])
        for g, v in s.groups.items()
        if g != "arm" and v
    )
    html = (
        f"<section><h2>{escape(title)}</h2><p>{escape(target)}</p>{svg}"
        f"{_rows(['', 'mean [95% interval]'], head)}{groups}</section>"
    )
    return html, s.to_data()


def _satisfaction_section(s: core.SatisfactionSummary) -> tuple[str, JsonObject]:
    arms = {r.group: r for r in s.groups["arm"]}
    svg = charts.interval_bars(
        "Creative satisfaction (1-5)",
        list(ARMS),
        {"mean, 95% interval": [_interval(arms[a].estimate) if a in arms else None for a in ARMS]},
        "1-5",
        salt="satisfaction",
    )
    tables = "".join(
        f"<h3>by {escape(g)}</h3>"
        + _rows([g, "mean [95% interval]"], [[r.group, r.text()] for r in rs])
        for g, rs in s.groups.items()
    )
    target = f"target {s.target:g}" if s.target is not None else "no target set"
    html = (
        "<section><h2>Creative satisfaction (1-5)</h2>"
        f"<p>{escape(target)}. Results are shown only for groups of at least "
        f"{core.K_ANONYMITY} respondents; free-text answers are not in this report.</p>{svg}"
        f"<p>pilot minus comparison: {escape(s.difference.text())}</p>{tables}</section>"
    )
    return html, s.to_data()


def pilot_report(ctx: Context, pilot_id: str, out: Path) -> ReportFiles:
    """pilot-report.html/.pdf: every metric of the pilot, pilot against comparison."""
    with ctx.read() as conn:
        data = pilots.collect(conn, pilot_id)
    m = pilots.metrics_of(data)
    spec = data.programme.spec
    sections, numbers = [], {}
    for s in m.summaries:
        html, numbers[s.metric] = _metric_section(s)
        sections.append(html)
    html, numbers["satisfaction"] = _satisfaction_section(m.satisfaction)
    sections.append(html)
    checks = _rows(
        ["production", "arm", "delivery checks", "blocked"],
        [
            [p, data.arm(p) or "", str(c["checks"]), str(c["blocked"])]
            for p, c in m.blocked_checks.items()
        ],
    )
    standards = ", ".join(f"{k} {v}" for k, v in spec.standards.items()) or "(none named)"
    intro = (
        f"<p>{escape(spec.period.start.isoformat())} to {escape(spec.period.end.isoformat())}; "
        f"pilot: {escape(', '.join(spec.productions))}; comparison: "
        f"{escape(', '.join(spec.comparison) or '(none)')}; standards under trial: "
        f"{escape(standards)}. {m.uses} AI uses. A mean is shown only from {core.MIN_N} values "
        "or more, with its 95% bootstrap interval (seeded, so the report is reproducible).</p>"
    )
    body = intro + "".join(sections) + f"<section><h2>Delivery checks</h2>{checks}</section>"
    return _write(out, "pilot-report", f"Pilot report: {spec.title}", body, numbers)


def creators_report(ctx: Context, production: str | None, out: Path) -> ReportFiles:
    """creators-report.html/.pdf: who did what, human and AI, and the share per department."""
    with ctx.read() as conn:
        records = contributions.listing(conn, production)
    view = contributions.shares(records, production)
    depts = list(view.departments)
    chart = Chart(
        "human_ai_share",
        "Human and AI share of the recorded work, by department",
        depts,
        {
            "human": [view.departments[d]["human"] for d in depts],
            "ai": [view.departments[d]["ai"] for d in depts],
        },
        "percent",
    ).draw()
    rows = [
        [
            c.spec.production,
            f"{c.spec.subject} {c.spec.ref}",
            c.spec.department,
            "; ".join(f"{h.role}: {h.name} ({h.share:g}%)" for h in c.spec.humans),
            "; ".join(f"{a.tool} ({a.share:g}%)" for a in c.spec.ai),
            c.spec.declaration or "",
        ]
        for c in records
    ]
    notes = (
        f"<p>{escape(contributions.WGA_NOTE)}</p>"
        if any(contributions.literary(c) for c in records)
        else ""
    )
    credits = "".join(f"<li>{escape(line)}</li>" for line in contributions.credit_lines(records))
    body = (
        f"<p>{view.records} contribution records"
        f"{' for ' + escape(production) if production else ''}.</p>"
        f"<section><h2>{escape(chart.title)}</h2>{chart.svg}{chart_table(chart)}</section>"
        "<section><h2>Records</h2>"
        + _rows(["production", "subject", "department", "people", "AI tools", "declaration"], rows)
        + f"</section><section><h2>Credit lines</h2><ul>{credits}</ul>{notes}</section>"
    )
    return _write(
        out,
        "creators-report",
        "Creators' report: human and AI contributions",
        body,
        {chart.name: chart.to_data(), "shares": view.to_data()},
    )


def investors_summary(ctx: Context, pilot_id: str, out: Path) -> ReportFiles:
    """investors-summary.html/.pdf: efficiency and risk by quarter over the pilot's productions."""
    with ctx.read() as conn:
        data = pilots.collect(conn, pilot_id)
    saved: defaultdict[tuple[str, str], float] = defaultdict(float)
    uses: defaultdict[str, int] = defaultdict(int)
    risk: defaultdict[tuple[str, str], float] = defaultdict(float)
    for u in data.uses:
        q = core.quarter(u.declared)
        uses[q] += 1
        if u.hours is not None:
            saved[(q, u.arm)] += u.hours[0] - u.hours[1]
        if u.consent_exposed:
            risk[(q, "uses with an unmet consent")] += 1
    for c in data.checks:
        if c.verdict == "blocked":
            risk[(core.quarter(c.at.date()), "blocked delivery checks")] += 1
    for _production, day in data.open_findings:
        risk[(core.quarter(day), "open likeness findings")] += 1
    quarters = sorted({*uses, *(q for q, _ in risk)})
    kinds = ["blocked delivery checks", "open likeness findings", "uses with an unmet consent"]
    efficiency = Chart(
        "hours_saved_by_quarter",
        "Hours saved by AI (estimate without AI minus actual), by quarter",
        quarters,
        {arm: [round(saved[(q, arm)], 2) for q in quarters] for arm in ARMS},
        "hours",
    ).draw()
    risks = Chart(
        "risk_by_quarter",
        "Risk by quarter",
        quarters,
        {k: [risk[(q, k)] for q in quarters] for k in kinds},
        "count",
    ).draw()
    rows = [[q, str(uses[q]), *(f"{risk[(q, k)]:g}" for k in kinds)] for q in quarters]
    body = (
        f"<p>{escape(data.programme.spec.title)}: pilot and comparison productions. Hours saved "
        "are totals of what productions estimated and recorded, not means.</p>"
        + "".join(
            f"<section><h2>{escape(c.title)}</h2>{c.svg}{chart_table(c)}</section>"
            for c in (efficiency, risks)
        )
        + _rows(["quarter", "AI uses", *kinds], rows)
    )
    return _write(
        out,
        "investors-summary",
        f"Investors' summary: {data.programme.spec.title}",
        body,
        {c.name: c.to_data() for c in (efficiency, risks)},
    )
