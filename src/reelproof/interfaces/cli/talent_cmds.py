"""`consent …`, `performer show`, `replica …`: talent rights."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from reelproof.core.errors import DocumentError, ReelproofError
from reelproof.interfaces.cli import likeness_cmds
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, handle_errors, show
from reelproof.interfaces.cli.decide_cmds import STATUS_STYLE
from reelproof.interfaces.formats.text import table
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


def _cascade(result: talent.CascadeResult, what: str) -> Shown:
    """A change to a consent or replica, and every decision it made again."""

    def draw(c: Console) -> None:
        _draw_cascade(c, result, what)

    return Shown(result.to_json(), draw)


def _draw_cascade(c: Console, result: talent.CascadeResult, what: str) -> None:
    c.print(Text.assemble(what, (f" (audit log entry {result.event_log_index})", "dim")))
    for d in result.redecided:
        review = (" → needs_review", "yellow") if d.declaration in result.needs_review else ""
        c.print(Text.assemble(f"  re-decided {d.declaration}: {d.outcome}", review))
    if not result.redecided:
        c.print("  no decision changed")


def register(app: typer.Typer) -> None:
    """`consent …`, `performer …` and `replica …`."""
    consent = typer.Typer(
        help="Consents: list, show, revoke, sweep expiries.", no_args_is_help=True
    )
    app.add_typer(consent, name="consent")

    @consent.command("list")
    @handle_errors
    def consent_list(
        performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Consents with their state today (active, expired, revoked, not yet valid)."""
        ctx = Context.open(db)
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            today = ctx.clock().date()
            rows = [
                talent.consent_summary(c, today) for c in registry.consent_records(conn, performer)
            ]

        def draw(c: Console) -> None:
            table(
                c,
                "Consents",
                ("id", "performer", "state", "uses", "productions", "term"),
                [
                    (
                        r["id"],
                        r["performer"],
                        r["state"],
                        ", ".join(r["scope"]["uses"]),
                        ", ".join(r["scope"]["productions"]),
                        f"{r['granted_at']} – {r['expires_at'] or 'open'}",
                    )
                    for r in rows
                ],
            )

        show(Shown(rows, draw), fmt)

    @consent.command("show")
    @handle_errors
    def consent_show(
        consent_id: Annotated[str, typer.Argument(metavar="ID")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
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
        show(Shown(data, lambda c: _draw_consent(c, data)), fmt)

    @consent.command("revoke")
    @handle_errors
    def consent_revoke(
        consent_id: Annotated[str, typer.Argument(metavar="ID")],
        note: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
        at: DateOpt = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Revoke a consent: every use it covered is re-decided and goes back to review."""
        ctx = Context.open(db)
        result = talent.revoke_consent(ctx, consent_id, _date(at, ctx), note)
        show(_cascade(result, f"revoked consent {consent_id}"), fmt)

    @consent.command("sweep")
    @handle_errors
    def consent_sweep(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Record consents whose term has ended and re-decide the uses they covered."""
        results = talent.sweep_consents(Context.open(db))

        def draw(c: Console) -> None:
            for cid, r in results:
                _draw_cascade(c, r, f"consent {cid} has expired")
            if not results:
                c.print("no consent has newly expired")

        show(Shown([{"consent": cid, **r.to_json()} for cid, r in results], draw), fmt)

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
        fmt: OutOpt = "text",
    ) -> None:
        """Where is my likeness used, under which consent, and what am I owed."""
        ctx = Context.open(db)
        talent.sweep_on_read(ctx)
        with ctx.read() as conn:
            view = talent.performer_view(conn, performer_id, ctx.clock().date())
        show(Shown(view, lambda c: _draw_performer(c, view)), fmt)

    replica = typer.Typer(help="Digital replicas as held things.", no_args_is_help=True)
    app.add_typer(replica, name="replica")

    @replica.command("list")
    @handle_errors
    def replica_list(
        performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Replicas: who holds them, who owns them, until when."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            today = ctx.clock().date()
            rows = [
                talent.replica_summary(conn, r, today)
                for r in registry.replica_records(conn, performer)
            ]

        def state(r: dict[str, Any]) -> Text:
            if r["destroyed_at"]:
                return Text("destroyed")
            return Text("past retention", "red") if r["past_retention"] else Text("held")

        def draw(c: Console) -> None:
            table(
                c,
                "Digital replicas",
                ("id", "performer", "custodian", "owner", "delete by", "state"),
                [
                    (
                        r["id"],
                        r["performer"],
                        r["custodian"],
                        r["owner"] or "",
                        r["delete_by"] or "",
                        state(r),
                    )
                    for r in rows
                ],
            )

        show(Shown(rows, draw), fmt)

    @replica.command("show")
    @handle_errors
    def replica_show(
        replica_id: Annotated[str, typer.Argument(metavar="ID")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """One replica with its transfers, access and retention."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            data = talent.replica_summary(
                conn, talent.replica_record(conn, replica_id), ctx.clock().date()
            )
        show(Shown(data, lambda c: _draw_replica(c, data)), fmt)

    def _event(
        replica_id: str,
        event: str,
        at: str | None,
        data: dict[str, Any],
        db: str | None,
        fmt: str,
    ) -> None:
        ctx = Context.open(db)
        result = talent.replica_event(ctx, replica_id, event, _date(at, ctx), data)
        show(_cascade(result, f"replica {replica_id}: {event.replace('_', ' ')}"), fmt)

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
        fmt: OutOpt = "text",
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
        fmt: OutOpt = "text",
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
        fmt: OutOpt = "text",
    ) -> None:
        """Record that the replica's files were destroyed."""
        _event(replica_id, "destroyed", at, {"note": note}, db, fmt)

    @replica.command("sweep")
    @handle_errors
    def replica_sweep(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Replicas kept past their delete-by date."""
        rows = talent.replicas_past_retention(Context.open(db))

        def draw(c: Console) -> None:
            for r in rows:
                c.print(
                    Text.assemble(
                        ("past retention", "red"),
                        f" {r['id']} ({r['performer']}): delete by {r['delete_by']}, "
                        f"still held by {r['custodian']}",
                    )
                )
            if not rows:
                c.print("no replica is past its retention date")

        show(Shown(rows, draw), fmt)


def _draw_consent(c: Console, data: dict[str, Any]) -> None:
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
            c.print(Text(f"{key:16} {data[key]}"))
    scope = data["scope"]
    for key in ("uses", "replica_types", "productions", "media", "territories"):
        c.print(Text(f"{key:16} {', '.join(scope[key]) or '(none)'}"))
    comp = data["compensation"]
    c.print(
        Text(
            f"{'compensation':16} {comp['basis']} {comp.get('amount') or ''} "
            f"{comp.get('currency') or ''}"
        )
    )
    for e in data["events"]:
        c.print(Text(f"  {e['at']} {e['event']} by {e['by']} (log {e['log_index']})"))


def _draw_replica(c: Console, r: dict[str, Any]) -> None:
    c.print(
        Text.assemble(
            (r["id"], "bold"),
            f" — {r['performer']}, {r['replica_type']}, {', '.join(r['modality'])}",
        )
    )
    c.print(Text(f"  created under consent {r['created_under']}"))
    c.print(Text(f"  custodian {r['custodian']}; owner {r['owner'] or '(not recorded)'}"))
    c.print(
        Text.assemble(
            f"  productions {', '.join(r['productions']) or '(none)'}; delete by "
            f"{r['delete_by'] or '(no date)'}",
            (" PAST RETENTION", "red") if r["past_retention"] else "",
        )
    )
    c.print(Text(f"  access {', '.join(r['access']) or '(nobody)'}"))
    for e in r["events"]:
        note = f": {e['note']}" if e.get("note") else ""
        if e["event"] == "transferred":
            c.print(
                Text.assemble(
                    f"  {e['at']} transferred: custodian {e.get('to_custodian') or 'unchanged'}, "
                    f"owner {e.get('to_owner') or 'unchanged'} (",
                    "with" if e.get("consented") else ("without", "red"),
                    f" the performer's consent){note}",
                )
            )
        elif e["event"] == "access_granted":
            c.print(Text(f"  {e['at']} access granted to {e.get('who')} by {e.get('by')}"))
        else:
            c.print(Text(f"  {e['at']} {e['event']}{note}"))


def _draw_performer(c: Console, view: dict[str, Any]) -> None:
    p = view["performer"]
    c.print(Text.assemble((p["name"], "bold"), f" ({p['id']})"))
    c.print(Text("\nWhere your likeness or voice is used", "bold"))
    if not view["uses"]:
        c.print("  nowhere yet")
    for u in view["uses"]:
        _draw_use(c, u)
    c.print(Text("\nConsents", "bold"))
    for cs in view["consents"]:
        c.print(
            Text(
                f"  {cs['id']}: {cs['state']}, {', '.join(cs['scope']['uses'])} for "
                f"{', '.join(cs['scope']['productions'])}"
            )
        )
        for e in cs["events"]:
            note = f": {e['note']}" if e.get("note") else ""
            c.print(Text(f"    {e['at']} {e['event']} by {e['by']}{note}"))
    c.print(Text("\nReplicas", "bold"))
    if not view["replicas"]:
        c.print("  none recorded")
    for r in view["replicas"]:
        _draw_replica(c, r)
    c.print(Text("\nBiometric references", "bold"))
    if not view["biometrics"]:
        c.print("  none enrolled")
    for b in view["biometrics"]:
        c.print(Text(f"  {b['modality']} {b['ref']} enrolled {b['enrolled_at'][:10]}"))
    c.print(Text("\nLikeness findings", "bold"))
    if not view["likeness_findings"]:
        c.print("  none")
    for f in view["likeness_findings"]:
        segs = ", ".join(s["timecode"] for s in f["segments"])
        c.print(Text(f"  {f['id']} {f['status']}: {f['modality']} in {f['path']} at {segs}"))


def _draw_use(c: Console, u: dict[str, Any]) -> None:
    """One use of the performer's likeness: its decision, consent, dues and history."""
    c.print(Text.assemble("\n  ", (u["declaration"], "bold"), f" — {u['title']}"))
    kind = f" ({u['replica_type']})" if u["replica_type"] else ""
    c.print(Text(f"    use: {u['use']}{kind}"))
    c.print(
        Text.assemble(
            f"    decision: {u['outcome']}; status ",
            (u["status"], STATUS_STYLE.get(u["status"], "bold")),
            f" ({u['status_reason']})",
        )
    )
    if u["covered"]:
        c.print(Text.assemble("    consent: ", ("covered", "green"), f" by {u['consent']}"))
    else:
        c.print(Text.assemble("    consent: ", ("not covered", "red")))
        for gap in u["gaps"]:
            c.print(Text(f"      - {gap}"))
    for line in u["owed"]:
        c.print(Text(f"    owed: {line}"))
    if u["replica"]:
        c.print(Text(f"    replica: {u['replica']}"))
    for f in u["replica_findings"]:
        c.print(Text.assemble("      ", ("finding:", "yellow"), f" {f}"))
    for a in u["approvals"]:
        current = "" if a["current"] else (" (no longer applies)", "dim")
        c.print(Text.assemble(f"    {a['verdict']} by {a['by']} on {a['at']}", current))
    for d in u["decisions"][1:]:
        c.print(Text(f"    re-decided {d['at'][:10]}: {d['outcome']} ({d['trigger']})"))
    for a in u["assets"]:
        c.print(Text(f"    asset {a['path']} ({a['classification']})"))
