"""`reelproof check`: the delivery gate (exit 0 clear, 1 blocked, 2 bad input)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from reelproof.adapters.config import load_config
from reelproof.interfaces.cli.common import DbOpt, OutOpt, err_console, handle_errors, show
from reelproof.interfaces.formats import Data, Issue
from reelproof.interfaces.formats.text import make_console
from reelproof.services import delivery, disclosure, report
from reelproof.services.context import Context


@dataclass
class CheckResult:
    """The check as a `Gate`: every file and clip is a subject; issues carry timecodes."""

    outcome: delivery.CheckOutcome

    def gate_name(self) -> str:
        """The suite name in JUnit and the gate in SARIF."""
        return f"reelproof check {self.outcome.production}"

    def subjects(self) -> Iterable[str]:
        """Every file and clip checked, so JUnit lists passing ones too."""
        seen = [f.path or f"sha256:{f.sha256}" for f in self.outcome.files]
        seen += [i.location for i in self.outcome.issues]
        return dict.fromkeys(seen)

    def issues(self) -> Iterable[Issue]:
        """The gate's issues in the shape every format module reads."""
        for i in self.outcome.issues:
            yield Issue(i.rule, i.level, i.message, i.location, i.region)

    def to_data(self) -> Data:
        """The check outcome as the service reports it."""
        return self.outcome.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """The verdict first, then one line per issue with its timecodes."""
        console = make_console(out, color)
        o = self.outcome
        d = o.to_data()
        head = Text()
        head.append("BLOCKED" if o.blocked else "CLEAR", "bold red" if o.blocked else "bold green")
        head.append(f"  {o.production}: {d['files']} files")
        if o.cut is not None:
            head.append(f", timeline '{o.cut.name}' ({len(o.cut.clips)} clips, sha256 ")
            head.append(f"{o.cut.digest[:16]}…)")
        head.append(f"; {d['errors']} blocking, {d['warnings']} warnings")
        console.print(head)
        for i in o.issues:
            line = Text("  ")
            line.append(
                "✗ " if i.level == "error" else "! ", "red" if i.level == "error" else "yellow"
            )
            line.append(i.rule, "bold")
            if i.region:
                line.append(f" [{i.region}]", "cyan")
            line.append(f" {i.location}: ")
            line.append(i.message)
            console.print(line)
        if o.log_index is not None:
            console.print(Text(f"recorded as audit-log entry {o.log_index}", "dim"))


@dataclass
class DiscloseResult:
    """`disclose`: the wording and files a producer hands on."""

    outcome: disclosure.DisclosureOutcome

    def to_data(self) -> Data:
        """The disclosures as the service reports them."""
        return self.outcome.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Credits, labels by territory, union notices, then the files written."""
        console = make_console(out, color)
        o = self.outcome
        console.print(Text(f"Disclosures for {o.title}", "bold"))
        console.print(Text("Credits:", "bold"))
        for line in o.credits or ["(no AI material in the final deliverable)"]:
            console.print(Text(f"  {line}"))
        console.print(Text("Labels by territory:", "bold"))
        for lb in o.labels:
            console.print(Text(f"  {lb.territory} (release {lb.released}): “{lb.text}”"))
            for why in lb.why:
                console.print(Text(f"      {why}", "dim"))
        notices = [(u.key, n) for u in o.uses for n in u.union_notices]
        if notices:
            console.print(Text("Union notices due:", "bold"))
            for key, n in notices:
                console.print(Text(f"  {key}: {n}"))
        for name, path in o.files.items():
            console.print(Text(f"{name:9} {path}"))
        console.print(Text(f"recorded as audit-log entry {o.log_index}", "dim"))


@dataclass
class ReportResult:
    """`report`: where the report and its proofs are."""

    outcome: report.ReportOutcome

    def to_data(self) -> Data:
        """The report as the service reports it."""
        return self.outcome.to_data()

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """The paths to open, and why a PDF is missing when it is."""
        console = make_console(out, color)
        o = self.outcome
        console.print(Text(f"report   {o.html}"))
        console.print(Text(f"pdf      {o.pdf}" if o.pdf else f"pdf      {o.pdf_problem}"))
        console.print(
            Text(f"proofs   {o.proofs} ({o.entries} entries, checkpoint {o.checkpoint_size})")
        )


def register(app: typer.Typer) -> None:
    """`check`, `disclose` and `report`."""

    @app.command()
    @handle_errors
    def check(
        folder: Annotated[Path, typer.Argument(help="The delivery folder (the files delivered).")],
        production: Annotated[str, typer.Option(help="The production being delivered.")],
        timeline: Annotated[
            Path | None,
            typer.Option(help="The locked cut: .otio, .edl, .xml (FCP 7), .fcpxml or .aaf."),
        ] = None,
        rate: Annotated[
            float | None, typer.Option(help="Frame rate of an EDL (EDLs do not record it).")
        ] = None,
        mapping: Annotated[
            Path | None,
            typer.Option(help="YAML: clip or reel name -> asset path (in FOLDER) or SHA-256."),
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """The delivery gate: every file and clip of the cut against its declarations,
        consents, provenance and the law at each territory's release date."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        columns = (
            TextColumn("[bold]hashing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(
            *columns, console=err_console, transient=True, disable=not err_console.is_terminal
        ) as progress:
            task = progress.add_task("hashing", total=None)
            outcome = delivery.check(
                ctx,
                folder,
                production,
                load_config().provenance(),
                timeline=timeline,
                rate=rate,
                mapping=mapping,
                tick=lambda: progress.advance(task),
                listed=lambda n: progress.update(task, total=n),
            )
        show(CheckResult(outcome), fmt)
        if outcome.blocked:
            raise typer.Exit(1)

    @app.command()
    @handle_errors
    def disclose(
        production: Annotated[str, typer.Argument(help="Production id.")],
        out: Annotated[
            Path | None, typer.Option(help="Folder for the files (default: disclosures/ID).")
        ] = None,
        master: Annotated[
            Path | None,
            typer.Option(help="Master file to sign with the AI material as C2PA ingredients."),
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Credits wording, each territory's AI label at its release date, union notices, an
        audience disclosure page and the master's C2PA manifest; recorded for `check`."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        result = disclosure.disclose(
            ctx, production, out or Path("disclosures") / production, ctx.config(), master
        )
        show(DiscloseResult(result), fmt)

    @app.command("report")
    @handle_errors
    def report_cmd(
        production: Annotated[str, typer.Argument(help="Production id.")],
        out: Annotated[
            Path | None, typer.Option(help="Folder for the report (default: report/ID).")
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Compliance report, HTML and PDF, with charts from the store and the audit-log
        checkpoint and inclusion proofs to verify it offline."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        result = report.build(ctx, production, out or Path("report") / production)
        show(ReportResult(result), fmt)
