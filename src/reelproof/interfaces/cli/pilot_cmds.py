"""`reelproof pilot …`, `survey import`, `contribution …` and `standards feedback`.

Each command builds a result object; the format modules render it (text, json, yaml or a
plugin's format). User text reaches the console only as `Text` or table cells, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.text import Text

from reelproof import JsonObject
from reelproof.core import pilots as core
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, handle_errors, plain_lines, show
from reelproof.interfaces.cli.demo_cmd import run_and_show
from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.text import make_console, table
from reelproof.services import contributions, feedback, pilot_report, pilots, surveys
from reelproof.services.context import Context

ProductionOpt = Annotated[
    str | None, typer.Option("--production", help="Only this production (default: all).")
]
OutDir = Annotated[Path | None, typer.Option("--out", help="Folder for the report.")]


@dataclass
class MetricsShown:
    """`pilot metrics`: each metric's arms and difference, then satisfaction."""

    metrics: pilots.PilotMetrics

    def to_data(self) -> Data:
        """The metrics' own data: scripts compare arms by the same keys the report uses."""
        return self.metrics.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """A summary table, then satisfaction by arm and role (small groups withheld)."""
        console = make_console(out, color)
        m = self.metrics
        console.print(Text(f"{m.title} ({m.period[0]} to {m.period[1]}), {m.uses} uses", "bold"))
        rows = [
            [
                s.metric,
                s.arms[core.PILOT].text(),
                s.arms[core.COMPARISON].text(),
                s.difference.text(),
                "" if s.target is None else f"{s.target:g}",
            ]
            for s in m.summaries
        ]
        arms = {g.group: g for g in m.satisfaction.groups["arm"]}
        rows.append(
            [
                "satisfaction",
                *(
                    arms[a].text() if a in arms else "no answers"
                    for a in (core.PILOT, core.COMPARISON)
                ),
                m.satisfaction.difference.text(),
                "" if m.satisfaction.target is None else f"{m.satisfaction.target:g}",
            ]
        )
        table(
            console,
            "Pilot against comparison (mean [95% interval])",
            ["metric", "pilot", "comparison", "pilot - comparison", "target"],
            rows,
        )
        by_role = [[g.group, g.text()] for g in m.satisfaction.groups["arm_and_role"]]
        table(
            console,
            f"Satisfaction by arm and role (groups under {core.K_ANONYMITY} withheld)",
            ["group", "mean [95% interval]"],
            by_role,
        )


@dataclass
class FilesShown:
    """A written report: its files."""

    files: Sequence[pilot_report.ReportFiles]

    def to_data(self) -> Data:
        """One entry per report: its HTML and PDF paths and the data behind its charts."""
        return [f.to_data() for f in self.files]

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Each report's paths, or why its PDF could not be written."""
        console = make_console(out, color)
        for f in self.files:
            console.print(Text(f"{f.report:18} {f.html}"))
            console.print(Text(f"{'':18} {f.pdf}" if f.pdf else f"{'':18} {f.pdf_problem}"))


@dataclass
class FeedbackShown:
    """`standards feedback`: rules by friction, comments for standards owners only."""

    result: feedback.FeedbackResult

    def to_data(self) -> Data:
        """Rules by friction; comments only when the reader is a standards owner."""
        return self.result.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """The friction table, then comments (owners only) and what to do next."""
        console = make_console(out, color)
        r = self.result
        rows = [
            [
                f.pack,
                f.rule,
                str(f.friction),
                str(f.fired),
                str(f.held),
                str(f.rejected),
                str(f.conditioned),
                str(f.overridden),
                f.approval_hours().text(),
                str(len(f.comments)),
            ]
            for f in r.rules
        ]
        table(
            console,
            "Rules by friction",
            [
                "pack",
                "rule",
                "friction",
                "fired",
                "held",
                "rejected",
                "conditions",
                "overridden",
                "hours to answer",
                "comments",
            ],
            rows,
        )
        if r.comments_shown:
            for f in r.rules:
                for c in f.comments:
                    console.print(Text(f"{f.rule}: “{c}”"))
        elif any(f.comments for f in r.rules):
            console.print(Text("comments are shown to standards owners only", "dim"))
        for step in r.next_steps:
            console.print(Text(step, "dim"))


def _ctx(db: str | None) -> Context:
    ctx = Context.open(db)
    ctx.store.require_ready()
    return ctx


def register(app: typer.Typer) -> None:
    """`pilot list|metrics|report|creators|demo`, `survey import`, `contribution add|shares`."""
    pilot = typer.Typer(help="Pilot programmes: metrics and reports.", no_args_is_help=True)
    app.add_typer(pilot, name="pilot")
    survey = typer.Typer(help="Satisfaction surveys: import responses.", no_args_is_help=True)
    app.add_typer(survey, name="survey")
    contribution = typer.Typer(
        help="Contribution records: who did what, human and AI.", no_args_is_help=True
    )
    app.add_typer(contribution, name="contribution")

    @pilot.command("list")
    @handle_errors
    def list_(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Every stored pilot programme."""
        found = pilots.programmes(_ctx(db))
        show(
            Shown(
                {"pilots": [p.content() for p in found]},
                plain_lines(*(f"{p.id}: {p.spec.title}" for p in found)),
            ),
            fmt,
        )

    @pilot.command("metrics")
    @handle_errors
    def metrics(
        pilot_id: Annotated[str, typer.Argument(metavar="PILOT")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Every metric, pilot against comparison, with 95% bootstrap intervals."""
        show(MetricsShown(pilots.metrics(_ctx(db), pilot_id)), fmt)

    @pilot.command("report")
    @handle_errors
    def report(
        pilot_id: Annotated[str, typer.Argument(metavar="PILOT")],
        out: OutDir = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """The pilot report and the investors' summary, HTML and PDF, with charts."""
        ctx, folder = _ctx(db), out or Path("report") / pilot_id
        show(
            FilesShown(
                [
                    pilot_report.pilot_report(ctx, pilot_id, folder),
                    pilot_report.investors_summary(ctx, pilot_id, folder),
                ]
            ),
            fmt,
        )

    @pilot.command("creators")
    @handle_errors
    def creators(
        production: ProductionOpt = None,
        out: OutDir = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """The creators' report of contribution records, HTML and PDF."""
        folder = out or Path("report") / (production or "contributions")
        show(FilesShown([pilot_report.creators_report(_ctx(db), production, folder)]), fmt)

    @pilot.command("demo")
    @handle_errors
    def demo(
        folder: Annotated[Path | None, typer.Argument(help="An empty folder.")] = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Two pilot and two comparison productions, surveys, contributions and the reports."""
        run_and_show(folder, fmt, pilot=True)

    @survey.command("import")
    @handle_errors
    def import_(
        file: Annotated[Path, typer.Argument(help="CSV: respondent, role, production, questions.")],
        survey_id: Annotated[str, typer.Option("--survey", help="The SatisfactionSurvey id.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Store one pseudonymous response per row; a bad row stores nothing."""
        done = surveys.import_csv(_ctx(db), file, survey_id)
        data = done.to_data()
        show(
            Shown(
                data,
                plain_lines(
                    f"{done.file}: {data['responses']} responses to {survey_id} "
                    f"({data['created']} new, {data['revised']} revised), "
                    "stored under pseudonyms"
                ),
            ),
            fmt,
        )

    @contribution.command("add")
    @handle_errors
    def add(
        record_id: Annotated[str, typer.Argument(metavar="ID")],
        production: Annotated[str, typer.Option(help="The production.")],
        ref: Annotated[str, typer.Option(help="Which element, scene or asset.")],
        department: Annotated[str, typer.Option(help="e.g. vfx, writing, sound.")],
        subject: Annotated[str, typer.Option(help="element, scene or asset.")] = "element",
        human: Annotated[
            list[str] | None, typer.Option(help="ROLE:NAME:SHARE[:WHAT], repeatable.")
        ] = None,
        ai: Annotated[list[str] | None, typer.Option(help="TOOL:SHARE[:WHAT], repeatable.")] = None,
        declaration: Annotated[
            str | None, typer.Option(help="The declaration the AI work falls under.")
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Record who did what on one element, scene or asset (shares add to 100)."""
        spec: JsonObject = {
            "production": production,
            "subject": subject,
            "ref": ref,
            "department": department,
            "declaration": declaration,
            "humans": [contributions.parse_part(h, human=True) for h in human or []],
            "ai": [contributions.parse_part(a, human=False) for a in ai or []],
        }
        stored = contributions.record(_ctx(db), contributions.document(record_id, spec))
        show(
            Shown(
                {
                    "id": stored.key,
                    "status": stored.status,
                    "revision": stored.revision,
                    "log_index": stored.log_index,
                },
                plain_lines(
                    f"{stored.status} Contribution {stored.key} (revision {stored.revision})"
                ),
            ),
            fmt,
        )

    @contribution.command("shares")
    @handle_errors
    def shares(production: ProductionOpt = None, db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """The human and AI share of the recorded work, per department."""
        with _ctx(db).read() as conn:
            view = contributions.shares(contributions.listing(conn, production), production)
        lines = [
            f"{d}: human {v['human']:g}%, AI {v['ai']:g}% ({v['records']:g} records)"
            for d, v in view.departments.items()
        ]
        show(Shown(view.to_data(), plain_lines(*(lines or ["no contribution records"]))), fmt)


def register_feedback(std: typer.Typer) -> None:
    """`standards feedback`, on the `standards` group."""

    @std.command("feedback")
    @handle_errors
    def feedback_cmd(
        pack: Annotated[str | None, typer.Argument(help="Only this pack's rules.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Per rule: fired, held for review, refusals, conditions, overrides, hours to an
        answer and survey comments naming it; most friction first."""
        show(FeedbackShown(feedback.feedback(_ctx(db), pack)), fmt)
