"""`decide`, `approve`, `reject` and `status`: decisions a producer reads in one go."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from reelproof.adapters.store import documents as stored
from reelproof.core.documents import OUTCOME_ORDER, doc_key
from reelproof.core.errors import DocumentError
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, handle_errors, show
from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.text import make_console, table
from reelproof.services import approvals, decisions, roles, talent
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
RULE_FLAGS = {"U": ("  (unverified source)", "red"), "A": ("  (by analogy)", "yellow")}
STATUS_STYLE = {
    "cleared": "green",
    "awaiting_approval": "yellow",
    "needs_review": "yellow",
    "rejected": "red",
    "blocked": "red",
    "withdrawn": "dim",
}


# `--fail-on` of `decide`: exit 1 when an outcome is at least this tier ("never": always 0).
DECIDE_FAIL_ON = ("never", *OUTCOME_ORDER)
DECIDE_FAIL_DEFAULT = "prohibited"
# `--fail-on` of `status`: which statuses make it exit 1.
STATUS_FAIL_ON: dict[str, frozenset[str]] = {
    "never": frozenset(),
    "blocked": frozenset({"blocked", "rejected"}),
    "pending": frozenset({"blocked", "rejected", "needs_review", "awaiting_approval"}),
}
STATUS_FAIL_DEFAULT = "blocked"
EXPIRING_WITHIN_DAYS = 30


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise typer.BadParameter(f"{value!r}; expected one of: {', '.join(allowed)}")
        return value

    return check


def _styled(value: str, styles: dict[str, str]) -> Text:
    return Text(value, style=styles.get(value, "bold"))


def _deciding_rules(decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules whose tier is the decision's tier: the ones that set it."""
    return [r for r in decision.get("rules", []) if r["outcome"] == decision["outcome"]]


def _action(o: dict[str, Any], titles: dict[str, str]) -> Text:
    """One thing to do: what, who does it (or receives it), and the rules asking for it."""
    mark = {"missing": ("✗ ", "red"), "covered": ("✓ ", "green")}.get(
        str(o.get("status")), ("• ", "")
    )
    party = o.get("party") or "the production"
    rules = o.get("rules") or []
    why = "; ".join(f"{r}: {titles[r]}" if r in titles else r for r in rules)
    line = Text.assemble(mark, (o["kind"].replace("_", " "), "bold"), f" — {party}")
    if o.get("detail"):
        line.append(f": {o['detail']}")
    if why:
        line.append(f"  (why: {why})", style="dim")
    return line


def draw_decision(
    c: Console, decision: dict[str, Any], status: decisions.Status | None, *, brief: bool
) -> None:
    """Outcome and the rules that set it first; then (unless brief) every reason, once."""
    outcome = decision["outcome"]
    style = OUTCOME_STYLE.get(outcome, "bold")
    deciding = _deciding_rules(decision)
    under = ", ".join(f"{r['id']} ({r['pack']})" for r in deciding)
    name = (f"{decision['production']}/{decision['declaration']}", "bold")
    if status is not None and status.approval is not None:  # once answered, the answer first
        verdict = "CLEARED" if status.status == "cleared" else "REFUSED"
        head = Text.assemble(
            name,
            "  ",
            (f"{verdict}: {status.reason}", f"{STATUS_STYLE.get(status.status, 'bold')} bold"),
            f" (the decision was '{outcome}')",
        )
        if status.approval.conditions:
            head.append(f"\n  conditions: {status.approval.conditions}")
    else:
        head = Text.assemble(name, "  ", (OUTCOME_WORDS.get(outcome, outcome), f"{style} bold"))
    if under:
        head.append(f"\n  set by {under}")
    if decision.get("tier_basis") == "analogy":
        head.append(f"\n  {ANALOGY_NOTE}")
    c.print(head)
    if status is not None:
        c.print(
            Text.assemble("status: ", _styled(status.status, STATUS_STYLE), f" ({status.reason})")
        )
    titles = {r["id"]: r.get("title", "") for r in decision.get("rules", [])}
    shown = deciding if brief else decision.get("rules", [])
    if shown:
        c.print("\n[bold]Why[/]")
    sources: list[str] = []
    for r in shown:
        if r["source"] not in sources:
            sources.append(r["source"])
        flag = RULE_FLAGS.get(str(r.get("verification")), ("", ""))
        c.print(
            Text.assemble(
                "  ",
                (f"{r['outcome']:<16}", OUTCOME_STYLE.get(r["outcome"], "bold")),
                " ",
                (r["id"], "bold"),
                f" ({r['pack']})",
                (flag[0], flag[1]),
                (
                    f"  (verification {r['verification']})  [{sources.index(r['source']) + 1}]",
                    "dim",
                ),
            )
        )
        c.print(Text(f"      {r['message']}"))
    obligations = decision.get("obligations", [])
    if brief:
        obligations = [o for o in obligations if o.get("status") == "missing"] or obligations
    if obligations:
        c.print("\n[bold]What to do[/]")
    for o in obligations:
        c.print(Text("  ").append_text(_action(o, titles)))
    if sources:
        c.print("\n[bold]Sources[/]")
    for i, source in enumerate(sources, 1):
        c.print(Text(f"  [{i}] {source}", style="dim"))
    if brief:
        more = len(decision.get("rules", [])) - len(shown)
        if more:
            c.print(Text(f"\n{more} more rules fired; run without --brief for all of them."))
        return
    packs = decision.get("packs", [])
    if packs:
        c.print("\n[bold]Standards considered[/]")
    for p in packs:
        c.print(
            Text.assemble(
                "  ",
                ("applied", "green") if p.get("applied") else ("not applied", "dim"),
                f" {p.get('pack')} {p.get('version')}: {p.get('reason')}",
            )
        )
    if decision.get("log_index") is not None:
        c.print(Text(f"\naudit log entry {decision['log_index']}", style="dim"))


@dataclass
class DecisionsShown:
    """`decide`: the decisions made, with their statuses; long text goes through a pager."""

    made: list[tuple[decisions.StoredDecision, decisions.Status]]
    brief: bool
    dry_run: bool

    def to_data(self) -> Data:
        """One decision as an object, several as a list, each with its status."""
        data = [{**d.to_json(), "status": s.status, "dry_run": self.dry_run} for d, s in self.made]
        return data[0] if len(data) == 1 else data

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Each decision explained; a full explanation goes through the pager."""
        c = make_console(out, color)
        with c.pager(styles=False) if c.is_terminal and not self.brief else nullcontext():
            for i, (d, s) in enumerate(self.made):
                if i:
                    c.rule()
                draw_decision(c, d.to_json(), s, brief=self.brief)
            if self.dry_run:
                c.print(Text("\ndry run: nothing was stored or logged", style="yellow"))


@dataclass
class ProductionSummary:
    """`status`: one screen a producer reads top-down, and one object a script reads by key."""

    rows: list[tuple[str, decisions.Status]]
    waiting_for: dict[str, list[str]]  # declaration -> who holds the approver role for it
    expiring: list[dict[str, Any]]  # Any: consent rows of `_expiring`

    def _row(self, key: str, s: decisions.Status) -> dict[str, Any]:
        return {
            "declaration": key,
            "status": s.status,
            "reason": s.reason,
            "outcome": s.decision.outcome if s.decision else None,
            "waiting_for": self.waiting_for.get(key, []),
        }

    @property
    def blocked(self) -> list[tuple[str, decisions.Status]]:
        """What blocks delivery: blocked and rejected uses (withdrawn ones block nothing)."""
        return [(k, s) for k, s in self.rows if s.status in STATUS_FAIL_ON["blocked"]]

    @property
    def waiting(self) -> list[tuple[str, decisions.Status]]:
        """Uses a person must answer: awaiting approval or review."""
        return [(k, s) for k, s in self.rows if s.status in ("awaiting_approval", "needs_review")]

    def _by_status(self) -> Counter[str]:
        return Counter(s.status for _k, s in self.rows)

    def _by_tier(self) -> Counter[str]:
        return Counter(s.decision.outcome if s.decision else "undecided" for _k, s in self.rows)

    def to_data(self) -> Data:
        """The screen's sections by key; `declarations` lists every use, as text's table does."""
        return {
            "count": len(self.rows),
            "by_status": dict(self._by_status().most_common()),
            "by_tier": dict(self._by_tier().most_common()),
            "blocks_delivery": [self._row(k, s) for k, s in self.blocked],
            "waiting": [self._row(k, s) for k, s in self.waiting],
            "consents_expiring": self.expiring,
            "declarations": [self._row(k, s) for k, s in self.rows],
        }

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Counts, then what blocks delivery, who must answer, what expires, every use."""
        c = make_console(out, color)
        rows = self.rows
        c.print(Text(f"{len(rows)} declarations", style="bold"))
        by_status, by_tier = self._by_status(), self._by_tier()
        c.print(Text("  by status: " + ", ".join(f"{n} {k}" for k, n in by_status.most_common())))
        c.print(Text("  by tier:   " + ", ".join(f"{n} {k}" for k, n in by_tier.most_common())))
        blocked = self.blocked
        c.print(
            Text(f"\nBlocks delivery ({len(blocked)})", style="bold red" if blocked else "bold")
        )
        for k, s in blocked:
            c.print(Text.assemble("  ", (k, "bold"), "  ", _styled(s.status, STATUS_STYLE)))
            c.print(Text(f"      {s.reason}"))
        waiting = self.waiting
        c.print(Text(f"\nWaiting ({len(waiting)})", style="bold"))
        for k, s in waiting:
            who = ", ".join(self.waiting_for.get(k, [])) or "no approver holds the role yet"
            c.print(Text.assemble("  ", (k, "bold"), "  ", _styled(s.status, STATUS_STYLE)))
            c.print(Text(f"      {s.reason}; approver: {who}"))
        c.print(
            Text(
                f"\nConsents expiring within {EXPIRING_WITHIN_DAYS} days ({len(self.expiring)})",
                style="bold",
            )
        )
        for e in self.expiring:
            c.print(Text(f"  {e['consent']}  {e['performer']}  expires {e['expires_at']}"))
        if rows:
            c.print()
            table(
                c,
                "Declarations",
                ("declaration", "outcome", "status", "why"),
                [
                    (
                        k,
                        _styled(s.decision.outcome if s.decision else "-", OUTCOME_STYLE),
                        _styled(s.status, STATUS_STYLE),
                        s.reason,
                    )
                    for k, s in rows
                ],
            )


def register(app: typer.Typer) -> None:
    """`decide`, `approve`, `reject`, `status` and `declaration withdraw`."""

    @app.command()
    @handle_errors
    def decide(
        target: Annotated[
            str, typer.Argument(metavar="FILE-or-ID", help="A declaration file, or a stored id.")
        ],
        brief: Annotated[
            bool, typer.Option(help="One screen: the outcome, the rules that set it, what to do.")
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Decide a FILE without storing anything.")
        ] = False,
        fail_on: Annotated[
            str,
            typer.Option(
                help=f"Exit 1 when the outcome is at least this tier: {', '.join(DECIDE_FAIL_ON)}.",
                callback=_choice(DECIDE_FAIL_ON),
            ),
        ] = DECIDE_FAIL_DEFAULT,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Decide a declaration against the standards that apply and explain the outcome.
        Exit 1 when the outcome reaches --fail-on (default: prohibited), 2 on bad input."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        path = Path(target)
        if not path.exists() and path.suffix in (".yaml", ".yml", ".json"):
            raise DocumentError(target, None, None, "file not found")
        if path.exists() or target == "-":
            parsed = docsvc.parse_sources(docsvc.collect_sources([target], stdin=sys.stdin))
            keys = [
                doc_key(d)
                for f in parsed
                for d, _raw in f.documents
                if d.kind == "AIUseDeclaration"
            ]
            if not dry_run:
                talent.sweep_consents(ctx)
            with ctx.rehearse() if dry_run else ctx.write() as unit:
                docsvc.apply_in(unit, parsed)
                stored = [decisions.decide_stored(unit, k, "decide command") for k in keys]
                made = [
                    (d, decisions.status_of(unit.conn, d.declaration, unit.today)) for d in stored
                ]
        else:
            made = _redecided(ctx, target)
        show(DecisionsShown(made, brief, dry_run), fmt)
        if fail_on != "never":
            floor = OUTCOME_ORDER.index(fail_on)
            if any(OUTCOME_ORDER.index(d.outcome) >= floor for d, _s in made):
                raise typer.Exit(1)

    def _answer(
        verdict: str,
        ref: str,
        by: str | None,
        note: str | None,
        conditions: str | None,
        db: str | None,
        fmt: str,
    ) -> None:
        ctx = Context.open(db)
        with ctx.write() as unit:
            result = approvals.record(unit, ref, verdict, by, note=note, conditions=conditions)

        def draw(c: Console) -> None:
            c.print(
                Text.assemble(
                    f"{result.verdict} {result.declaration} (decision '{result.outcome}', "
                    f"approval {result.approval_id}); status now ",
                    _styled(result.status, STATUS_STYLE),
                    (f" (audit log entry {result.log_index})", "dim"),
                )
            )

        show(Shown(dict(result.__dict__), draw), fmt)

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
        fmt: OutOpt = "text",
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
        fmt: OutOpt = "text",
    ) -> None:
        """Refuse the declaration's current decision in writing."""
        _answer("rejected", declaration, by, note, conditions, db, fmt)

    @app.command()
    @handle_errors
    def status(
        production: Annotated[str | None, typer.Argument(help="Only this production.")] = None,
        fail_on: Annotated[
            str,
            typer.Option(
                help="Exit 1 when a declaration is: blocked (blocked or rejected), pending "
                "(also awaiting approval or review), or never.",
                callback=_choice(tuple(STATUS_FAIL_ON)),
            ),
        ] = STATUS_FAIL_DEFAULT,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """One screen: counts by status and tier, what blocks delivery and why, approvals
        waiting and who can give them, consents expiring within 30 days.
        Exit 1 when a declaration matches --fail-on (default: blocked)."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        talent.sweep_on_read(ctx)
        today = ctx.clock().date()
        with ctx.read() as conn:
            keys = decisions.declarations_touching(conn, production=production)
            rows = [(k, decisions.status_of(conn, k, today)) for k in keys]
            approvers = [g for g in roles.held(conn) if g.role == "approver"]
            consents = stored.list_documents(conn, "Consent")
        waiting_for = {
            k: sorted({g.who for g in approvers if g.production in ("", k.split("/")[0])})
            for k, _s in rows
        }
        show(ProductionSummary(rows, waiting_for, _expiring(consents, production, today)), fmt)
        if any(s.status in STATUS_FAIL_ON[fail_on] for _k, s in rows):
            raise typer.Exit(1)

    declaration = typer.Typer(
        help="Declarations: withdraw one made by mistake.", no_args_is_help=True
    )
    app.add_typer(declaration, name="declaration")

    @declaration.command("withdraw")
    @handle_errors
    def withdraw(
        ref: Annotated[str, typer.Argument(metavar="ID", help="production/id or id")],
        reason: Annotated[str, typer.Option(help="Why it is withdrawn (kept in the log).")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Withdraw a declaration: logged, kept in its history, shown as withdrawn, no longer
        blocking or awaiting approval. Applying a new revision brings it back."""
        _withdraw(ref, reason, db, fmt)


def _withdraw(ref: str, reason: str, db: str | None, fmt: str) -> None:
    ctx = Context.open(db)
    with ctx.write() as unit:
        index = decisions.withdraw(unit, ref, reason)
        key = decisions.resolve_declaration(unit.conn, ref)
    data = {"declaration": key, "status": "withdrawn", "reason": reason, "log_index": index}

    def draw(c: Console) -> None:
        c.print(Text(f"withdrew {key}: {reason} (audit log entry {index})"))

    show(Shown(data, draw), fmt)


def _redecided(
    ctx: Context, target: str
) -> list[tuple[decisions.StoredDecision, decisions.Status]]:
    """Decide a stored declaration again and store it. Always: what a decision reads can grow
    without a cascade (a scan's new findings on media linked to it), so a stored decision is
    never shown as current without deciding."""
    talent.sweep_consents(ctx)  # an expired consent must not clear anything
    with ctx.write() as unit:
        key = decisions.resolve_declaration(unit.conn, target)
        decided = decisions.decide_stored(unit, key, "decide command")
        return [(decided, decisions.status_of(unit.conn, key, unit.today))]


def _expiring(
    consents: list[tuple[Any, Any]], production: str | None, today: dt.date
) -> list[dict[str, Any]]:
    """Consents (for the production, when one is named) whose term ends within 30 days."""
    until = today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    return [
        {
            "consent": c.id,
            "performer": c.spec.performer,
            "expires_at": c.spec.expires_at.isoformat(),
        }
        for c, _row in consents
        if c.spec.expires_at is not None
        and today <= c.spec.expires_at <= until
        and (production is None or production in c.spec.scope.productions)
    ]
