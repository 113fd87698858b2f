"""`reelproof report`: a production's compliance record as HTML and PDF, with charts drawn
from the store and the audit-log checkpoint plus an inclusion proof for each of the
production's entries, so a reader holding the log's public key can verify it offline."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from reelproof.adapters import charts
from reelproof.adapters.store import reporting
from reelproof.adapters.store.documents import require
from reelproof.adapters.store.log import canonical
from reelproof.core.documents import OUTCOME_ORDER, AIUseDeclaration, Production
from reelproof.core.json_types import JsonObject
from reelproof.services import assets, auditlog, delivery, registry
from reelproof.services.context import Context
from reelproof.verify import format_proof

CLASSES = ("ai_generated", "ai_edited", "ai_assisted", "human", "unknown")


@dataclass
class Chart:
    """A chart's numbers (what `to_data` reports) and its SVG."""

    name: str
    title: str
    categories: list[str]
    series: dict[str, list[float]]
    unit: str
    svg: str = field(repr=False, default="")

    def draw(self) -> Chart:
        """Render the SVG once the numbers are in; returns the chart for chaining."""
        self.svg = charts.stacked_bars(
            self.title, self.categories, self.series, self.unit, salt=self.name
        )
        return self

    def to_data(self) -> JsonObject:
        """The chart's numbers, so a script can check the report against the store."""
        return {
            "title": self.title,
            "unit": self.unit,
            "categories": self.categories,
            "series": self.series,
        }


@dataclass
class ReportOutcome:
    """Where the report, its PDF and its proofs were written."""

    production: str
    html: Path
    pdf: Path | None
    proofs: Path
    charts: list[Chart]
    checkpoint_size: int
    entries: int
    pdf_problem: str | None = None

    def to_data(self) -> JsonObject:
        """The report's paths and charts, as the JSON of `reelproof report`."""
        return {
            "production": self.production,
            "html": str(self.html),
            "pdf": str(self.pdf) if self.pdf else None,
            "pdf_problem": self.pdf_problem,
            "proofs": str(self.proofs),
            "checkpoint_size": self.checkpoint_size,
            "entries_proved": self.entries,
            "charts": {c.name: c.to_data() for c in self.charts},
        }


def _material_by_stage(rows: list[JsonObject], stages: dict[str, str]) -> Chart:
    counts: Counter[tuple[str, str]] = Counter()
    for a in rows:
        for stage in {stages[k] for k in a["declarations"]} or {"undeclared"}:
            counts[(stage, a["classification"])] += 1
    cats = sorted({s for s, _ in counts})
    present = [c for c in CLASSES if any(k[1] == c for k in counts)]
    return Chart(
        "material_by_stage",
        "Registered material by stage and classification",
        cats,
        {c: [float(counts[(s, c)]) for s in cats] for c in present},
        "assets",
    )


def _cut_share(check: JsonObject | None) -> Chart:
    seconds = (check or {}).get("seconds_by_classification") or {}
    cats = [c for c in CLASSES if c in seconds]
    return Chart(
        "cut_running_time",
        "Running time of the locked cut by classification",
        cats,
        {"seconds": [float(seconds[c]) for c in cats]},
        "seconds",
    )


def _decisions_over_time(rows: list[Any]) -> Chart:
    counts: Counter[tuple[str, str]] = Counter((r.decided_at[:7], r.outcome) for r in rows)
    months = sorted({m for m, _ in counts})
    tiers = [t for t in OUTCOME_ORDER if any(k[1] == t for k in counts)]
    return Chart(
        "decisions_by_tier",
        "Decisions by tier, per month",
        months,
        {t: [float(counts[(m, t)]) for m in months] for t in tiers},
        "decisions",
    )


def _approval_cycle(rows: list[Any]) -> Chart:
    cats, days = [], []
    for r in rows:
        cats.append(f"{r.declaration.split('/', 1)[1]} ({r.verdict})")
        start = dt.datetime.fromisoformat(r.first.replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(r.at.replace("Z", "+00:00"))
        days.append(round((end - start).total_seconds() / 86400, 3))
    return Chart(
        "approval_cycle_days",
        "Approvals: days from first decision to answer",
        cats,
        {"days": days},
        "days",
    )


def _consents_expiring(conn: Any, production: str, today: dt.date) -> Chart:
    cats, days = [], []
    for c in registry.consent_records(conn):
        spec = c.consent.spec
        if production not in spec.scope.productions or spec.expires_at is None:
            continue
        if c.revoked_at is not None and c.revoked_at <= today:
            continue
        cats.append(c.id)
        days.append(float((spec.expires_at - today).days))
    return Chart(
        "consents_expiring", "Consents: days until they expire", cats, {"days": days}, "days"
    )


def build(ctx: Context, production_id: str, out: Path) -> ReportOutcome:
    """Write report.html, report.pdf and proofs.json to `out`."""
    today = ctx.clock().date()
    with ctx.read() as conn:
        production = require(conn, "Production", production_id)
        assert isinstance(production, Production)
        rows = assets.production_assets(conn, production_id)
        stages: dict[str, str] = {}
        for key in {k for a in rows for k in a["declarations"]}:
            decl = require(conn, "AIUseDeclaration", key)
            assert isinstance(decl, AIUseDeclaration)
            stages[key] = decl.spec.stage
        decision_rows = reporting.decisions(conn, production_id)
        approval_rows = reporting.approvals(conn, production_id)
        consents = _consents_expiring(conn, production_id, today)
        indexes = sorted(set(reporting.production_log_indexes(conn, production_id)))
        vkey = ctx.meta(conn, "log_vkey") or ""
    checks = list(delivery.checks_of(ctx, production_id))
    with_cut = [c for c in checks if c.get("timeline")]
    drawn = [
        _material_by_stage(rows, stages).draw(),
        _cut_share(with_cut[-1]["timeline"] if with_cut else None).draw(),
        _decisions_over_time(decision_rows).draw(),
        _approval_cycle(approval_rows).draw(),
        consents.draw(),
    ]
    note, checkpoint = auditlog.checkpoint(ctx)
    proofs = [
        auditlog.prove_inclusion(ctx, i, checkpoint.size) for i in indexes if i < checkpoint.size
    ]
    out.mkdir(parents=True, exist_ok=True)
    proofs_path = out / "proofs.json"
    proofs_path.write_text(
        json.dumps(
            {
                "checkpoint": note,
                "vkey": vkey,
                "entries": [
                    {
                        "index": p.index,
                        "body": canonical(p.entry).decode(),
                        "proof": format_proof(p.proof).split(),
                    }
                    for p in proofs
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    html = _html(production, drawn, checks, note, vkey, len(proofs), checkpoint.size, today)
    html_path, pdf_path, problem = publish(out, "report", html)
    return ReportOutcome(
        production_id,
        html_path,
        pdf_path,
        proofs_path,
        drawn,
        checkpoint.size,
        len(proofs),
        problem,
    )


def publish(out: Path, stem: str, html: str) -> tuple[Path, Path | None, str | None]:
    """Write `stem`.html and, through WeasyPrint, `stem`.pdf; (html, pdf or None, why not)."""
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path: Path | None = out / f"{stem}.pdf"
    problem = None
    try:
        from weasyprint import HTML

        HTML(string=html, base_url=str(out)).write_pdf(str(pdf_path))
    except (ImportError, OSError) as exc:  # WeasyPrint or its system libraries missing
        pdf_path, problem = None, f"no PDF: WeasyPrint is unavailable here ({exc})"
    return html_path, pdf_path, problem


STYLE = (
    "<style>body{font:14px/1.45 sans-serif;max-width:52em;margin:2em auto}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:2px 8px;text-align:right}pre{white-space:pre-wrap;background:#f6f6f6;"
    "padding:.6em;font-size:12px}svg{max-width:100%;height:auto}</style>"
)


def page(title: str, body: str) -> str:
    """A whole HTML page in the reports' style; `title` is escaped, `body` is HTML already."""
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
        f"{STYLE}<h1>{escape(title)}</h1>{body}</html>\n"
    )


def chart_table(chart: Chart) -> str:
    """The chart's numbers as a table under it, so the figure's data can be read and copied."""
    head = "".join(f"<th>{escape(s)}</th>" for s in chart.series)
    body = "".join(
        f"<tr><td>{escape(cat)}</td>"
        + "".join(f"<td>{values[n]:g}</td>" for values in chart.series.values())
        + "</tr>"
        for n, cat in enumerate(chart.categories)
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def _html(
    production: Production,
    drawn: list[Chart],
    checks: list[JsonObject],
    note: str,
    vkey: str,
    proved: int,
    size: int,
    today: dt.date,
) -> str:
    verdicts: defaultdict[str, int] = defaultdict(int)
    for c in checks:
        verdicts[c["verdict"]] += 1
    last = checks[-1] if checks else None
    status = (
        f"Last delivery check: <strong>{escape(last['verdict'])}</strong> "
        f"(audit-log entry {last['log_index']}, {last['errors']} blocking, "
        f"{last['warnings']} warnings); {len(checks)} checks in all."
        if last
        else "No delivery check has been run yet."
    )
    sections = "".join(
        f"<section><h2>{escape(c.title)}</h2>{c.svg}{chart_table(c)}</section>" for c in drawn
    )
    return page(
        f"AI compliance report: {production.spec.title}",
        f"<p>{escape(production.spec.studio)} · territories "
        f"{escape(', '.join(production.spec.territories))} · as of {today.isoformat()}</p>"
        f"<p>{status}</p>{sections}"
        "<section><h2>Verify this report offline</h2>"
        f"<p>The audit log's signed checkpoint at size {size} is below. proofs.json beside "
        f"this report holds each of the production's {proved} entries with its inclusion "
        "proof. Check the checkpoint's signature with the log's public key (obtained from the "
        "studio, not from this report), then each proof against its root: "
        "<code>python -m reelproof.verify</code> primitives (verify_note, parse_checkpoint, "
        "leaf_hash, verify_inclusion) need only the standard library and cryptography.</p>"
        f"<pre>{escape(note)}</pre><p>Log key (compare with yours): "
        f"<code>{escape(vkey)}</code></p></section>",
    )
