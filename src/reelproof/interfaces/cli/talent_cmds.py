"""`consent …`, `performer show`, `replica …`: talent rights."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from reelproof.core.errors import DocumentError, ReelproofError
from reelproof.interfaces.cli import likeness_cmds
from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    handle_errors,
)
from reelproof.interfaces.cli.decide_cmds import STATUS_STYLE
from reelproof.services import registry, talent
from reelproof.services.context import Context

DateOpt = Annotated[
    str | None, typer.Option("--at", help="Date it takes effect (YYYY-MM-DD; default today).")
]


def _date(value: str | None, ctx: Context) -> dt.date:
    if value is None:
        return ctx.clock().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DocumentError(
            "<command line>", None, "--at", f"{value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _print_cascade(result: talent.CascadeResult, what: str) -> None:
    console.print(f"{what} [dim](audit log entry {result.event_log_index})[/]", highlight=False)
    for d in result.redecided:
        review = " [yellow]→ needs_review[/]" if d.declaration in result.needs_review else ""
        console.print(f"  re-decided {d.declaration}: {d.outcome}{review}", highlight=False)
    if not result.redecided:
        console.print("  no decision changed")


def register(app: typer.Typer) -> None:
    consent = typer.Typer(
        help="Consents: list, show, revoke, sweep expiries.", no_args_is_help=True
    )
    app.add_typer(consent, name="consent")

    @consent.command("list")
    @handle_errors
    def consent_list(
        performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Consents with their state today (active, expired, revoked, not yet valid)."""
        ctx = Context.open(db)
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            today = ctx.clock().date()
            rows = [
                talent.consent_summary(c, today) for c in registry.consent_records(conn, performer)
            ]
        if fmt is OutputFormat.json:
            emit_json(rows)
            return
        table = Table(title="Consents")
        for col in ("id", "performer", "state", "uses", "productions", "term"):
            table.add_column(col)
        for c in rows:
            table.add_row(
                c["id"],
                c["performer"],
                c["state"],
                ", ".join(c["scope"]["uses"]),
                ", ".join(c["scope"]["productions"]),
                f"{c['granted_at']} – {c['expires_at'] or 'open'}",
            )
        console.print(table)

    @consent.command("show")
    @handle_errors
    def consent_show(
        consent_id: Annotated[str, typer.Argument(metavar="ID")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """One consent: scope, term, compensation and its history (grant, revocation…)."""
        ctx = Context.open(db)
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            rec = talent.consent_record(conn, consent_id)
            data = {
                **talent.consent_summary(rec, ctx.clock().date()),
                "events": talent.consent_events(conn, consent_id),
            }
        if fmt is OutputFormat.json:
            emit_json(data)
            return
        for key in (
            "id",
            "performer",
            "state",
            "granted_by",
            "granted_at",
            "expires_at",
            "revoked_at",
            "revocation_note",
            "form",
            "description",
        ):
            if data[key] is not None:
                console.print(f"{key:16} {data[key]}", highlight=False)
        scope = data["scope"]
        for key in ("uses", "replica_types", "productions", "media", "territories"):
            console.print(f"{key:16} {', '.join(scope[key]) or '(none)'}", highlight=False)
        comp = data["compensation"]
        console.print(
            f"{'compensation':16} {comp['basis']} {comp.get('amount') or ''} "
            f"{comp.get('currency') or ''}",
            highlight=False,
        )
        for e in data["events"]:
            console.print(f"  {e['at']} {e['event']} by {e['by']} (log {e['log_index']})")

    @consent.command("revoke")
    @handle_errors
    def consent_revoke(
        consent_id: Annotated[str, typer.Argument(metavar="ID")],
        note: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
        at: DateOpt = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Revoke a consent: every use it covered is re-decided and goes back to review."""
        ctx = Context.open(db)
        result = talent.revoke_consent(ctx, consent_id, _date(at, ctx), note)
        if fmt is OutputFormat.json:
            emit_json(result.to_json())
        else:
            _print_cascade(result, f"revoked consent {consent_id}")

    @consent.command("sweep")
    @handle_errors
    def consent_sweep(db: DbOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
        """Record consents whose term has ended and re-decide the uses they covered."""
        results = talent.sweep_consents(Context.open(db))
        if fmt is OutputFormat.json:
            emit_json([{"consent": cid, **r.to_json()} for cid, r in results])
            return
        for cid, r in results:
            _print_cascade(r, f"consent {cid} has expired")
        if not results:
            console.print("no consent has newly expired")

    performer = typer.Typer(
        help="Performers: every use of their likeness and voice.", no_args_is_help=True
    )
    app.add_typer(performer, name="performer")
    likeness_cmds.register_performer(performer)

    @performer.command("show")
    @handle_errors
    def performer_show(
        performer_id: Annotated[str, typer.Argument(metavar="ID")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Where is my likeness used, under which consent, and what am I owed."""
        ctx = Context.open(db)
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            view = talent.performer_view(conn, performer_id, ctx.clock().date())
        if fmt is OutputFormat.json:
            emit_json(view)
            return
        _print_performer(view)

    replica = typer.Typer(help="Digital replicas as held things.", no_args_is_help=True)
    app.add_typer(replica, name="replica")

    @replica.command("list")
    @handle_errors
    def replica_list(
        performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Replicas: who holds them, who owns them, until when."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            today = ctx.clock().date()
            rows = [
                talent.replica_summary(conn, r, today)
                for r in registry.replica_records(conn, performer)
            ]
        if fmt is OutputFormat.json:
            emit_json(rows)
            return
        table = Table(title="Digital replicas")
        for col in ("id", "performer", "custodian", "owner", "delete by", "state"):
            table.add_column(col)
        for r in rows:
            state = (
                "destroyed"
                if r["destroyed_at"]
                else ("[red]past retention[/]" if r["past_retention"] else "held")
            )
            table.add_row(
                r["id"],
                r["performer"],
                r["custodian"],
                r["owner"] or "",
                r["delete_by"] or "",
                state,
            )
        console.print(table)

    @replica.command("show")
    @handle_errors
    def replica_show(
        replica_id: Annotated[str, typer.Argument(metavar="ID")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """One replica with its transfers, access and retention."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            data = talent.replica_summary(
                conn, talent.replica_record(conn, replica_id), ctx.clock().date()
            )
        if fmt is OutputFormat.json:
            emit_json(data)
            return
        _print_replica(data)

    def _event(
        replica_id: str,
        event: str,
        at: str | None,
        data: dict[str, Any],
        db: str | None,
        fmt: OutputFormat,
    ) -> None:
        ctx = Context.open(db)
        result = talent.replica_event(ctx, replica_id, event, _date(at, ctx), data)
        if fmt is OutputFormat.json:
            emit_json(result.to_json())
        else:
            _print_cascade(result, f"replica {replica_id}: {event.replace('_', ' ')}")

    @replica.command("transfer")
    @handle_errors
    def replica_transfer(
        replica_id: Annotated[str, typer.Argument(metavar="ID")],
        to_custodian: Annotated[str | None, typer.Option(help="New holder of the files.")] = None,
        to_owner: Annotated[str | None, typer.Option(help="New holder of the rights.")] = None,
        performer_consented: Annotated[
            bool,
            typer.Option(
                "--performer-consented/--no-performer-consent",
                help="Did the performer consent to this transfer?",
            ),
        ] = False,
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        at: DateOpt = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Record a transfer to another custodian and/or owner."""
        if to_custodian is None and to_owner is None:
            raise ReelproofError("give --to-custodian and/or --to-owner")
        _event(
            replica_id,
            "transferred",
            at,
            {
                "to_custodian": to_custodian,
                "to_owner": to_owner,
                "consented": performer_consented,
                "note": note,
            },
            db,
            fmt,
        )

    @replica.command("grant")
    @handle_errors
    def replica_grant(
        replica_id: Annotated[str, typer.Argument(metavar="ID")],
        who: Annotated[str, typer.Option(help="Who may now open the files.")],
        by: Annotated[str, typer.Option(help="Who allowed it.")],
        at: DateOpt = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Record an access grant."""
        _event(replica_id, "access_granted", at, {"who": who, "by": by}, db, fmt)

    @replica.command("destroy")
    @handle_errors
    def replica_destroy(
        replica_id: Annotated[str, typer.Argument(metavar="ID")],
        note: Annotated[str | None, typer.Option(help="How it was destroyed.")] = None,
        at: DateOpt = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Record that the replica's files were destroyed."""
        _event(replica_id, "destroyed", at, {"note": note}, db, fmt)

    @replica.command("sweep")
    @handle_errors
    def replica_sweep(db: DbOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
        """Replicas kept past their delete-by date."""
        rows = talent.replicas_past_retention(Context.open(db))
        if fmt is OutputFormat.json:
            emit_json(rows)
            return
        for r in rows:
            console.print(
                f"[red]past retention[/] {r['id']} ({r['performer']}): delete by "
                f"{r['delete_by']}, still held by {r['custodian']}",
                highlight=False,
            )
        if not rows:
            console.print("no replica is past its retention date")


def _print_replica(r: dict[str, Any]) -> None:
    console.print(
        f"[bold]{r['id']}[/] — {r['performer']}, {r['replica_type']}, {', '.join(r['modality'])}",
        highlight=False,
    )
    console.print(f"  created under consent {r['created_under']}", highlight=False)
    console.print(
        f"  custodian {r['custodian']}; owner {r['owner'] or '(not recorded)'}", highlight=False
    )
    console.print(
        f"  productions {', '.join(r['productions']) or '(none)'}; delete by "
        f"{r['delete_by'] or '(no date)'}"
        + (" [red]PAST RETENTION[/]" if r["past_retention"] else ""),
        highlight=False,
    )
    console.print(f"  access {', '.join(r['access']) or '(nobody)'}", highlight=False)
    for e in r["events"]:
        note = f": {escape(e['note'])}" if e.get("note") else ""
        if e["event"] == "transferred":
            consent = "with" if e.get("consented") else "[red]without[/]"
            console.print(
                f"  {e['at']} transferred: custodian {e.get('to_custodian') or 'unchanged'}, "
                f"owner {e.get('to_owner') or 'unchanged'} ({consent} the performer's "
                f"consent){note}",
                highlight=False,
            )
        elif e["event"] == "access_granted":
            console.print(
                f"  {e['at']} access granted to {e.get('who')} by {e.get('by')}", highlight=False
            )
        else:
            console.print(f"  {e['at']} {e['event']}{note}", highlight=False)


def _print_performer(view: dict[str, Any]) -> None:
    p = view["performer"]
    console.print(f"[bold]{p['name']}[/] ({p['id']})", highlight=False)
    console.print("\n[bold]Where your likeness or voice is used[/]")
    if not view["uses"]:
        console.print("  nowhere yet")
    for u in view["uses"]:
        style = STATUS_STYLE.get(u["status"], "bold")
        console.print(f"\n  [bold]{u['declaration']}[/] — {u['title']}", highlight=False)
        console.print(
            f"    use: {u['use']}" + (f" ({u['replica_type']})" if u["replica_type"] else ""),
            highlight=False,
        )
        console.print(
            f"    decision: {u['outcome']}; status [{style}]{u['status']}[/] "
            f"({u['status_reason']})",
            highlight=False,
        )
        if u["covered"]:
            console.print(f"    consent: [green]covered[/] by {u['consent']}", highlight=False)
        else:
            console.print("    consent: [red]not covered[/]", highlight=False)
            for gap in u["gaps"]:
                console.print(f"      - {gap}", highlight=False)
        for line in u["owed"]:
            console.print(f"    owed: {line}", highlight=False)
        if u["replica"]:
            console.print(f"    replica: {u['replica']}", highlight=False)
        for f in u["replica_findings"]:
            console.print(f"      [yellow]finding:[/] {f}", highlight=False)
        for a in u["approvals"]:
            current = "" if a["current"] else " [dim](no longer applies)[/]"
            console.print(f"    {a['verdict']} by {a['by']} on {a['at']}{current}", highlight=False)
        for d in u["decisions"][1:]:
            console.print(
                f"    re-decided {d['at'][:10]}: {d['outcome']} ({d['trigger']})", highlight=False
            )
        for a in u["assets"]:
            console.print(f"    asset {a['path']} ({a['classification']})", highlight=False)
    console.print("\n[bold]Consents[/]")
    for c in view["consents"]:
        console.print(
            f"  {c['id']}: {c['state']}, {', '.join(c['scope']['uses'])} for "
            f"{', '.join(c['scope']['productions'])}",
            highlight=False,
        )
        for e in c["events"]:
            console.print(
                f"    {e['at']} {e['event']} by {e['by']}"
                + (f": {e['note']}" if e.get("note") else ""),
                highlight=False,
            )
    console.print("\n[bold]Replicas[/]")
    if not view["replicas"]:
        console.print("  none recorded")
    for r in view["replicas"]:
        _print_replica(r)
    console.print("\n[bold]Biometric references[/]")
    if not view["biometrics"]:
        console.print("  none enrolled")
    for b in view["biometrics"]:
        console.print(f"  {b['modality']} {escape(b['ref'])} enrolled {b['enrolled_at'][:10]}")
    console.print("\n[bold]Likeness findings[/]")
    if not view["likeness_findings"]:
        console.print("  none")
    for f in view["likeness_findings"]:
        segs = ", ".join(s["timecode"] for s in f["segments"])
        console.print(
            f"  {f['id']} {f['status']}: {f['modality']} in {escape(f['path'])} at {segs}",
            highlight=False,
        )
