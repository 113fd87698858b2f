"""`reelproof standards …`: packs, their rules and tests, diffs, and the impact of a change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from reelproof.adapters.packs import available_pack_files, load_pack_file
from reelproof.core.standards import CompiledPack, diff_packs
from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    fail,
    handle_errors,
)
from reelproof.interfaces.cli.pilot_cmds import register_feedback
from reelproof.services import decisions
from reelproof.services import standards as stdsvc
from reelproof.services.context import Context


def _packs_for_test(target: str | None, db: str | None) -> list[CompiledPack]:
    """A file, a stored pack, or (no target) every stored pack — else the bundled ones and
    those of installed pack packages."""
    if target is not None:
        path = Path(target)
        if path.exists():
            return [load_pack_file(path)]
        ctx = Context.open(db)
        with ctx.read() as conn:
            return [stdsvc.find_pack(conn, target)]
    ctx = Context.open(db)
    if ctx.store.is_current():
        with ctx.read() as conn:
            stored = decisions.stored_packs(conn)
        if stored:
            return stored
    return [load_pack_file(p) for p in available_pack_files()]


def register(app: typer.Typer) -> None:
    std = typer.Typer(
        help="Standards packs: list, show, test, diff, impact, publish, feedback.",
        no_args_is_help=True,
    )
    app.add_typer(std, name="standards")
    register_feedback(std)

    @std.command("list")
    @handle_errors
    def list_(db: DbOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
        """Every stored pack version."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = [stdsvc.pack_summary(p) for p in decisions.stored_packs(conn)]
        if fmt is OutputFormat.json:
            emit_json(rows)
            return
        table = Table(title="Standards packs")
        for col in ("pack", "version", "category", "in force from", "rules", "unverified"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(
                r["id"],
                r["version"],
                r["category"] or "",
                r["effective_from"],
                str(r["rules"]),
                str(r["unverified_rules"]),
            )
        console.print(table)

    @std.command("show")
    @handle_errors
    def show(
        pack: Annotated[str, typer.Argument(help="id, id@version or a pack file.")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """A pack's rules: id, outcome, verification, condition and source."""
        ctx = Context.open(db)
        if Path(pack).exists():
            p = load_pack_file(Path(pack))
        else:
            with ctx.read() as conn:
                p = stdsvc.find_pack(conn, pack)
        rules: list[dict[str, Any]] = [
            {
                "id": r.id,
                "title": r.rule.title,
                "outcome": r.rule.outcome,
                "verification": r.rule.verification,
                "when": r.rule.when,
                "source": r.citation,
                "if_any_fired": r.rule.if_any_fired,
                "if_none_fired": r.rule.if_none_fired,
                "for_each": r.rule.for_each,
            }
            for r in p.rules
        ]
        if fmt is OutputFormat.json:
            emit_json({**stdsvc.pack_summary(p), "rules_detail": rules})
            return
        s = stdsvc.pack_summary(p)
        console.print(f"[bold]{p.id} {p.version}[/] — {s['title']}", highlight=False)
        console.print(
            f"in force from {s['effective_from']}"
            + (f" until {s['effective_until']}" if s["effective_until"] else "")
            + f"; applies when {s['applies_when']}",
            highlight=False,
        )
        if s["parameters"]:
            console.print("legal parameters (read by the consent checks):", highlight=False)
            for key, value in s["parameters"].items():
                shown = (
                    json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                )
                console.print(f"  {escape(key)} = {escape(shown)}", highlight=False)
        for r in rules:
            flag = {"U": " [red](unverified)[/]", "A": " [yellow](by analogy)[/]"}.get(
                r["verification"], ""
            )
            console.print(
                f"\n  [bold]{escape(r['id'])}[/] {escape(r['title'])} → {r['outcome']} "
                f"[{r['verification']}]{flag}",
                highlight=False,
            )
            console.print(f"    when {r['when']}", highlight=False)
            if r["for_each"]:
                console.print(f"    for each {r['for_each']} entry", highlight=False)
            for key in ("if_any_fired", "if_none_fired"):
                if r[key]:
                    console.print(f"    {key} {', '.join(r[key])}", highlight=False)
            console.print(f"    [dim]{r['source']}[/]", highlight=False)

    @std.command("test")
    @handle_errors
    def test(
        pack: Annotated[
            str | None, typer.Argument(help="id, id@version or file; default: every pack.")
        ] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Run packs' own test cases (declaration → expected outcome and rules)."""
        packs = _packs_for_test(pack, db)
        report: list[dict[str, Any]] = []
        failed = 0
        for p in packs:
            results = stdsvc.test_pack(p)
            bad = [r for r in results if not r.passed]
            failed += len(bad)
            report.append(
                {
                    "pack": p.id,
                    "version": p.version,
                    "tests": len(results),
                    "failed": [r.describe() for r in bad],
                }
            )
            if fmt is OutputFormat.text:
                mark = "[green]ok[/]" if not bad else "[red]FAIL[/]"
                console.print(
                    f"{mark} {p.id} {p.version}: {len(results) - len(bad)}/{len(results)} passed",
                    highlight=False,
                )
                for r in bad:
                    console.print(f"    {r.describe()}", highlight=False)
        if fmt is OutputFormat.json:
            emit_json(report)
        elif packs:
            total = sum(int(r["tests"]) for r in report)
            console.print(f"{total - failed} passed, {failed} failed")
        if failed:
            raise typer.Exit(1)

    @std.command("diff")
    @handle_errors
    def diff(
        old: Annotated[str, typer.Argument(help="id@version or file.")],
        new: Annotated[str, typer.Argument(help="id@version or file.")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Rules added, removed and changed between two pack versions."""
        ctx = Context.open(db)
        needs_store = not (Path(old).exists() and Path(new).exists())
        if needs_store:
            with ctx.read() as conn:
                a, b = stdsvc.pack_or_file(conn, old), stdsvc.pack_or_file(conn, new)
        else:
            a, b = load_pack_file(Path(old)), load_pack_file(Path(new))
        d = diff_packs(a, b)
        if fmt is OutputFormat.json:
            emit_json(d.to_json())
            return
        console.print(f"{d.pack}: {d.old_version} → {d.new_version}", highlight=False)
        for rid in d.added:
            console.print(f"  [green]+ {rid}[/]", highlight=False)
        for rid in d.removed:
            console.print(f"  [red]- {rid}[/]", highlight=False)
        for c in d.changed:
            console.print(f"  [yellow]~ {c.id}[/] ({', '.join(c.fields)})", highlight=False)
        if d.pack_fields:
            console.print(f"  pack fields changed: {', '.join(d.pack_fields)}", highlight=False)
        if d.empty:
            console.print("  no differences")

    @std.command("impact")
    @handle_errors
    def impact(
        pack: Annotated[Path, typer.Option("--pack", help="Candidate pack file.")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """What `publish` would re-decide, by running it and rolling it back."""
        ctx = Context.open(db)
        candidate = load_pack_file(pack)
        rows = stdsvc.impact(ctx, [candidate])
        if fmt is OutputFormat.json:
            emit_json([r.to_json() for r in rows])
            return
        if not rows:
            console.print(f"{candidate.id} {candidate.version} would change no stored decision")
            return
        same = [r for r in rows if (r.old_outcome, r.old_status) == (r.new_outcome, r.new_status)]
        console.print(
            f"{candidate.id} {candidate.version} would re-decide {len(rows)} declaration(s):"
        )
        for r in rows:
            if r in same and not (r.rules_added or r.rules_removed):
                continue
            status = f"; {r.old_status} → {r.new_status}" if r.old_status != r.new_status else ""
            console.print(
                f"  [bold]{escape(r.declaration)}[/]: {r.old_outcome} → {r.new_outcome}{status}",
                highlight=False,
            )
            for rid in r.rules_added:
                console.print(f"    [green]+ {rid}[/]", highlight=False)
            for rid in r.rules_removed:
                console.print(f"    [red]- {rid}[/]", highlight=False)
        unchanged = [r for r in same if not (r.rules_added or r.rules_removed)]
        if unchanged:
            console.print(
                f"  {len(unchanged)} more keep their outcome, rules and status (they record the "
                "new pack version; their approvals still hold)"
            )

    @std.command("publish")
    @handle_errors
    def publish(
        files: Annotated[list[Path], typer.Argument(help="Pack files (new versions).")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Store new pack versions and re-decide every declaration they change."""
        if not files:
            fail("give at least one pack file")
        result = stdsvc.publish_files(Context.open(db), files)
        if fmt is OutputFormat.json:
            emit_json(
                {
                    "packs": [{"id": p.key, "status": p.status} for p in result.packs],
                    "redecided": [d.to_json() for d in result.redecided],
                }
            )
            return
        for p in result.packs:
            console.print(f"{p.status:9} {p.key}", highlight=False)
        for d in result.redecided:
            console.print(f"  re-decided {d.declaration}: {d.outcome}", highlight=False)
