"""`decide`, `approve`, `reject` and `status`: decisions a producer reads in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from reelproof.core.documents import doc_key
from reelproof.core.errors import DocumentError
from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    handle_errors,
)
from reelproof.services import approvals, decisions, talent
from reelproof.services import documents as docsvc
from reelproof.services.context import Context

OUTCOME_STYLE = {
    "proceed": "green",
    "inform": "green",
    "escalate": "yellow",
    "written_approval": "yellow",
    "prohibited": "red",
}
OUTCOME_WORDS = {
    "proceed": "PROCEED: nothing more to do beyond keeping the record.",
    "inform": "INFORM: go ahead after telling the studio contact about this use.",
    "escalate": "ESCALATE: talk to the studio contact before going on; written approval may "
    "be needed.",
    "written_approval": "WRITTEN APPROVAL NEEDED: do not start until the studio approves in "
    "writing.",
    "prohibited": "PROHIBITED: this use is not allowed as declared.",
}
ANALOGY_NOTE = (
    "(this tier comes only from rules applied by analogy to another source's guidance, "
    "not from a rule written for this production)"
)
RULE_FLAGS = {"U": "  [red](unverified source)[/]", "A": "  [yellow](by analogy)[/]"}
STATUS_STYLE = {
    "cleared": "green",
    "awaiting_approval": "yellow",
    "needs_review": "yellow",
    "rejected": "red",
    "blocked": "red",
}


def print_decision(decision: dict[str, Any], status: decisions.Status | None = None) -> None:
    """Outcome first (or, once answered, the approval), then each reason and what to do."""
    outcome = decision["outcome"]
    style = OUTCOME_STYLE.get(outcome, "bold")
    headline = f"[{style} bold]{escape(OUTCOME_WORDS.get(outcome, outcome))}[/]"
    if status is not None and status.approval is not None:
        verdict = "CLEARED" if status.status == "cleared" else "REFUSED"
        headline = (
            f"[{STATUS_STYLE.get(status.status, 'bold')} bold]{verdict}: "
            f"{escape(status.reason)}[/] (the decision was '{outcome}')"
        )
        if status.approval.conditions:
            headline += f"\n  conditions: {escape(status.approval.conditions)}"
    if decision.get("tier_basis") == "analogy":
        headline += f"\n  {ANALOGY_NOTE}"
    console.print(
        f"[bold]{escape(decision['production'])}/{escape(decision['declaration'])}[/]  {headline}",
        highlight=False,
    )
    if status is not None:
        console.print(
            f"status: [{STATUS_STYLE.get(status.status, 'bold')}]{status.status}[/] "
            f"({escape(status.reason)})",
            highlight=False,
        )
    rules = decision.get("rules", [])
    if rules:
        console.print("\n[bold]Why[/]")
    for r in rules:
        flag = RULE_FLAGS.get(str(r.get("verification")), "")
        console.print(
            f"  [{OUTCOME_STYLE.get(r['outcome'], 'bold')}]{r['outcome']:<16}[/] "
            f"[bold]{escape(r['id'])}[/] ({escape(r['pack'])}){flag}",
            highlight=False,
        )
        console.print(f"      {escape(r['message'])}", highlight=False)
        console.print(
            f"      [dim]source: {escape(r['source'])} "
            f"(verification {escape(r['verification'])})[/]",
            highlight=False,
        )
    obligations = decision.get("obligations", [])
    if obligations:
        console.print("\n[bold]What to do[/]")
    for o in obligations:
        status_text = o.get("status")
        mark = {"missing": "[red]✗[/]", "covered": "[green]✓[/]"}.get(str(status_text), "•")
        party = f" {escape(o['party'])}" if o.get("party") else ""
        detail = f": {escape(o['detail'])}" if o.get("detail") else ""
        console.print(f"  {mark} {o['kind']}{party}{detail}", highlight=False)
    packs = decision.get("packs", [])
    if packs:
        console.print("\n[bold]Standards considered[/]")
    for p in packs:
        mark = "[green]applied[/]" if p.get("applied") else "[dim]not applied[/]"
        console.print(
            f"  {mark} {escape(str(p.get('pack')))} {escape(str(p.get('version')))}: "
            f"{escape(str(p.get('reason')))}",
            highlight=False,
        )
    if decision.get("log_index") is not None:
        console.print(f"\n[dim]audit log entry {decision['log_index']}[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def decide(
        target: Annotated[
            str, typer.Argument(metavar="FILE-or-ID", help="A declaration file, or a stored id.")
        ],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Decide a declaration against the standards that apply and explain the outcome."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        talent.sweep_consents(ctx)  # an expired consent must not clear anything
        path = Path(target)
        if not path.exists() and path.suffix in (".yaml", ".yml", ".json"):
            raise DocumentError(target, None, None, "file not found")
        if path.exists():
            parsed = docsvc.read_files([path])
            list(docsvc.apply_documents(ctx, parsed))
            keys = [doc_key(d) for _n, docs in parsed for d in docs if d.kind == "AIUseDeclaration"]
        else:
            with ctx.read() as conn:
                keys = [decisions.resolve_declaration(conn, target)]
        with ctx.write() as unit:
            made = [decisions.decide_stored(unit, k, "decide command") for k in keys]
        with ctx.read() as conn:
            statuses = [decisions.status_of(conn, k, ctx.clock().date()) for k in keys]
        if fmt is OutputFormat.json:
            data = [
                {**d.to_json(), "status": s.status} for d, s in zip(made, statuses, strict=True)
            ]
            emit_json(data[0] if len(data) == 1 else data)
            return
        for i, (d, s) in enumerate(zip(made, statuses, strict=True)):
            if i:
                console.rule()
            print_decision(d.to_json(), s)

    def _answer(
        verdict: str,
        ref: str,
        by: str | None,
        note: str | None,
        conditions: str | None,
        db: str | None,
        fmt: OutputFormat,
    ) -> None:
        ctx = Context.open(db)
        with ctx.write() as unit:
            result = approvals.record(
                unit,
                ref,
                verdict,
                by,
                note=note,
                conditions=conditions,
            )
        if fmt is OutputFormat.json:
            emit_json(result.__dict__)
        else:
            console.print(
                f"{result.verdict} {result.declaration} (decision '{result.outcome}', "
                f"approval {result.approval_id}); status now "
                f"[{STATUS_STYLE.get(result.status, 'bold')}]{result.status}[/] "
                f"[dim](audit log entry {result.log_index})[/]",
                highlight=False,
            )

    @app.command()
    @handle_errors
    def approve(
        declaration: Annotated[str, typer.Argument(metavar="ID", help="production/id or id")],
        by: Annotated[
            str | None,
            typer.Option(help="Who approves (holds the approver role; default: you)."),
        ] = None,
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        conditions: Annotated[str | None, typer.Option(help="Conditions of the approval.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Give written approval to the declaration's current decision."""
        _answer("approved", declaration, by, note, conditions, db, fmt)

    @app.command()
    @handle_errors
    def reject(
        declaration: Annotated[str, typer.Argument(metavar="ID", help="production/id or id")],
        by: Annotated[
            str | None,
            typer.Option(help="Who refuses (holds the approver role; default: you)."),
        ] = None,
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        conditions: Annotated[
            str | None, typer.Option(help="What would change the answer.")
        ] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Refuse the declaration's current decision in writing."""
        _answer("rejected", declaration, by, note, conditions, db, fmt)

    @app.command()
    @handle_errors
    def status(
        production: Annotated[str | None, typer.Argument(help="Only this production.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Every declaration with its outcome and status (cleared, awaiting approval…)."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            keys = decisions.declarations_touching(conn, production=production)
            today = ctx.clock().date()
            rows = [(k, decisions.status_of(conn, k, today)) for k in keys]
        if fmt is OutputFormat.json:
            emit_json(
                [
                    {
                        "declaration": k,
                        "status": s.status,
                        "reason": s.reason,
                        "outcome": s.decision.outcome if s.decision else None,
                    }
                    for k, s in rows
                ]
            )
            return
        table = Table(title="Declarations")
        for col in ("declaration", "outcome", "status", "why"):
            table.add_column(col, overflow="fold")
        for k, s in rows:
            outcome = s.decision.outcome if s.decision else "-"
            table.add_row(
                k,
                f"[{OUTCOME_STYLE.get(outcome, 'bold')}]{outcome}[/]",
                f"[{STATUS_STYLE.get(s.status, 'bold')}]{s.status}[/]",
                s.reason,
            )
        console.print(table)
