"""`performer enroll|forget`, `scan`, `finding list|confirm|dismiss`: likeness and voice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from reelproof.core.errors import DocumentError
from reelproof.interfaces.cli.common import DbOpt, OutOpt, err_console, handle_errors, show
from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.text import make_console
from reelproof.services import likeness
from reelproof.services.assets import expand
from reelproof.services.context import Context


class Executor(StrEnum):
    """Where a scan's work runs: `--executor` choices."""

    local = "local"
    ray = "ray"


REVIEW_STYLE = {"open": "yellow", "confirmed": "red", "dismissed": "dim"}


@dataclass(frozen=True)
class EnrolResult:
    """`performer enroll`: the references added, and those already held."""

    enrolled: likeness.Enrolled

    def to_data(self) -> Data:
        """The enrolment as the service reports it."""
        return self.enrolled.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """One line per reference, each with its audit-log entry."""
        c = make_console(out, color)
        e = self.enrolled
        c.print(Text(f"enrolled {e.performer} under consent {e.consent}"))
        for a in e.added:
            c.print(
                Text.assemble(
                    f"  + {a['modality']} {a['ref']} from {a['source']} ",
                    (f"(audit log entry {a['log_index']})", "dim"),
                )
            )
        for ref in e.unchanged:
            c.print(Text(f"  = {ref} already enrolled"))


@dataclass(frozen=True)
class ForgetResult:
    """`performer forget`: the biometric references deleted."""

    performer: str
    refs: list[str]

    def to_data(self) -> Data:
        """The performer and the references deleted."""
        return {"performer": self.performer, "deleted": self.refs}

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """How many were deleted (or that there were none)."""
        c = make_console(out, color)
        if not self.refs:
            c.print(Text(f"{self.performer} has no biometric references"))
            return
        c.print(
            Text(
                f"deleted {len(self.refs)} biometric reference(s) of {self.performer} "
                "and the scan cache (logged)"
            )
        )


@dataclass(frozen=True)
class ScanResult:
    """`scan`: every file's faces and voices, matches, verdicts and new findings."""

    report: likeness.ScanReport

    def to_data(self) -> Data:
        """The scan report as the service builds it."""
        return self.report.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """The thresholds first, so a reader can judge each score against them."""
        c = make_console(out, color)
        r = self.report
        c.print(
            Text(
                f"thresholds: face distance ≤ {r.thresholds.face}, voice similarity ≥ "
                f"{r.thresholds.voice}"
            )
        )
        for f in r.files:
            c.print(
                Text.assemble(
                    (f.path, "bold"),
                    (" (cached)", "dim") if f.cached else "",
                    f": {f.faces} face(s), {f.unknown_faces} unknown; {f.voice_segments} "
                    f"voice segment(s), {f.unknown_voices} unknown",
                )
            )
            for m in f.matches:
                c.print(
                    Text.assemble(
                        f"  {m['modality']} ",
                        (m["performer"], "bold"),
                        f" {m['timecode']} {m['metric']} {m['score']} (threshold {m['threshold']})",
                        f" box {m['box']}" if m["box"] else "",
                    )
                )
                for prod, v in m["verdicts"].items():
                    verdict = ("finding", "red") if v["finding"] else ("ok", "green")
                    c.print(Text.assemble(f"    {prod}: ", verdict, f" — {v['reason']}"))
            for fid in f.findings:
                c.print(
                    Text.assemble(
                        (f"  new finding {fid}", "red"),
                        f": review it with `reelproof finding confirm|dismiss {fid} --reason …`",
                    )
                )


@dataclass(frozen=True)
class FindingsResult:
    """`finding list|confirm|dismiss`: findings with their segments and review."""

    findings: list[dict[str, Any]]  # Any: JSON rows from the likeness service

    def to_data(self) -> Data:
        """The findings as stored."""
        return self.findings

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """One block per finding: who, where, each segment's score, the review."""
        c = make_console(out, color)
        if not self.findings:
            c.print("no likeness findings")
        for f in self.findings:
            c.print(
                Text.assemble(
                    (f["id"], "bold"),
                    " ",
                    (f["status"], REVIEW_STYLE.get(f["status"], "bold")),
                    f" {f['performer']} ({f['modality']}) in {f['path']} "
                    f"({f['classification']}), production {f['production']}",
                )
            )
            for s in f["segments"]:
                c.print(
                    Text(
                        f"    {s['timecode']} {s['metric']} {s['score']} "
                        f"(threshold {s['threshold']})"
                    )
                )
            if f.get("review"):
                rv = f["review"]
                c.print(Text(f"    {rv['status']} by {rv['by']}: {rv.get('reason')}"))


def register_performer(performer: typer.Typer) -> None:
    """`performer enroll` and `performer forget`, beside `performer show`."""

    @performer.command("enroll")
    @handle_errors
    def enroll(
        performer_id: Annotated[str, typer.Argument(metavar="ID")],
        face: Annotated[
            list[Path] | None, typer.Option("--face", help="Reference photo (one face).")
        ] = None,
        voice: Annotated[
            list[Path] | None, typer.Option("--voice", help="Reference recording.")
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Enrol face and voice references (needs a consent for biometric_enrollment)."""
        ctx = Context.open(db)
        show(EnrolResult(likeness.enroll(ctx, performer_id, face or [], voice or [])), fmt)

    @performer.command("forget")
    @handle_errors
    def forget(
        performer_id: Annotated[str, typer.Argument(metavar="ID")],
        biometrics: Annotated[
            bool, typer.Option("--biometrics", help="Delete the biometric references.")
        ] = False,
        reason: Annotated[
            str, typer.Option("--reason", help="Why (logged).")
        ] = "performer's request",
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Delete what reelproof holds of a performer that they may ask back (--biometrics)."""
        if not biometrics:
            raise DocumentError("<command line>", None, "--biometrics", "say what to forget")
        ctx = Context.open(db)
        show(ForgetResult(performer_id, likeness.forget(ctx, performer_id, reason)), fmt)


def register(app: typer.Typer) -> None:
    """`scan` and `finding list|confirm|dismiss`."""

    @app.command("scan")
    @handle_errors
    def scan(
        targets: Annotated[list[Path], typer.Argument(metavar="FILE-or-DIR...")],
        production: Annotated[
            str | None, typer.Option(help="Judge matches for this production.")
        ] = None,
        samples_per_second: Annotated[
            float | None,
            typer.Option(help="Frames sampled per second (plus scene changes; default 2)."),
        ] = None,
        detect_width: Annotated[
            int,
            typer.Option(
                help="Search faces in frames shrunk to this width (960: faces ≳ 80 px in "
                "1080p; 640 is about twice as fast and finds faces ≳ 120 px)."
            ),
        ] = 960,
        workers: Annotated[
            int | None,
            typer.Option(help="Worker processes (default: every core, or the cluster's CPUs)."),
        ] = None,
        executor_name: Annotated[
            Executor,
            typer.Option("--executor", help="Where the work runs: this machine, or a Ray cluster."),
        ] = Executor.local,
        ray_address: Annotated[
            str | None,
            typer.Option(help="Ray cluster to join (default: a private local instance)."),
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Find enrolled performers' faces and voices in media; record findings for review."""
        from reelproof.adapters import likeness as models

        models.require()
        from reelproof.adapters.likeness.executors import open_executor
        from reelproof.adapters.likeness.scanner import ScanSettings

        ctx = Context.open(db)
        rate = samples_per_second or ctx.config().likeness.samples_per_second or 2.0
        if rate <= 0:
            raise DocumentError("<command line>", None, "--samples-per-second", "must be > 0")
        if detect_width < 160:
            raise DocumentError("<command line>", None, "--detect-width", "must be ≥ 160")
        if ray_address is not None and executor_name is not Executor.ray:
            raise DocumentError("<command line>", None, "--ray-address", "needs --executor ray")
        files = expand(targets)
        executor = open_executor(executor_name.value, workers, ray_address)
        columns = (
            TextColumn("[bold]scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
        )
        try:
            with Progress(
                *columns, console=err_console, transient=True, disable=len(files) < 2
            ) as bar:
                task = bar.add_task("", total=len(files))

                def advance(path: str) -> None:
                    bar.update(task, advance=1, description=escape(Path(path).name))

                report = likeness.scan(
                    ctx,
                    targets,
                    production,
                    ScanSettings(rate, detect_width=detect_width),
                    executor,
                    advance,
                )
        finally:
            executor.close()
        show(ScanResult(report), fmt)

    finding = typer.Typer(
        help="A person's review of likeness and voice matches.", no_args_is_help=True
    )
    app.add_typer(finding, name="finding")

    @finding.command("list")
    @handle_errors
    def finding_list(
        production: Annotated[str | None, typer.Option(help="Only this production's.")] = None,
        performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Likeness findings with their review state."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = likeness.list_findings(conn, production, performer)
        show(FindingsResult(rows), fmt)

    def _review(verdict: str) -> Any:
        @handle_errors
        def review(
            finding_id: Annotated[str, typer.Argument(metavar="ID")],
            reason: Annotated[str, typer.Option("--reason", help="Why (logged).")],
            db: DbOpt = None,
            fmt: OutOpt = "text",
        ) -> None:
            ctx = Context.open(db)
            show(FindingsResult([likeness.review(ctx, finding_id, verdict, reason)]), fmt)

        return review

    finding.command("confirm", help="Confirm a match: it keeps blocking delivery.")(
        _review("confirmed")
    )
    finding.command("dismiss", help="Dismiss a match (not the performer): it stops blocking.")(
        _review("dismissed")
    )
