"""`reelproof standards …`: packs, their rules and tests, diffs, and the impact of a change."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from reelproof import JsonObject
from reelproof.adapters.packs import available_pack_files, load_pack_file
from reelproof.core.standards import CompiledPack, diff_packs
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, fail, handle_errors, plain_lines
from reelproof.interfaces.cli.common import show as show_result
from reelproof.interfaces.cli.pilot_cmds import register_feedback
from reelproof.interfaces.formats.json import dumps
from reelproof.interfaces.formats.text import table
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
    """`standards list|show|test|diff|impact|publish|feedback`."""
    std = typer.Typer(
        help="Standards packs: list, show, test, diff, impact, publish, feedback.",
        no_args_is_help=True,
    )
    app.add_typer(std, name="standards")
    register_feedback(std)

    @std.command("list")
    @handle_errors
    def list_(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Every stored pack version."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = [stdsvc.pack_summary(p) for p in decisions.stored_packs(conn)]

        def draw(c: Console) -> None:
            table(
                c,
                "Standards packs",
                ("pack", "version", "category", "in force from", "rules", "unverified"),
                [
                    (
                        r["id"],
                        r["version"],
                        r["category"] or "",
                        r["effective_from"],
                        str(r["rules"]),
                        str(r["unverified_rules"]),
                    )
                    for r in rows
                ],
            )

        show_result(Shown(rows, draw), fmt)

    @std.command("show")
    @handle_errors
    def show(
        pack: Annotated[str, typer.Argument(help="id, id@version or a pack file.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """A pack's rules: id, outcome, verification, condition and source."""
        ctx = Context.open(db)
        if Path(pack).exists():
            p = load_pack_file(Path(pack))
        else:
            with ctx.read() as conn:
                p = stdsvc.find_pack(conn, pack)
        rules: list[JsonObject] = [
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
        summary = stdsvc.pack_summary(p)
        shown = Shown({**summary, "rules_detail": rules}, lambda c: _draw_pack(c, summary, rules))
        show_result(shown, fmt)

    @std.command("test")
    @handle_errors
    def test(
        pack: Annotated[
            str | None, typer.Argument(help="id, id@version or file; default: every pack.")
        ] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Run packs' own test cases (declaration → expected outcome and rules)."""
        packs = _packs_for_test(pack, db)
        report: list[JsonObject] = []
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

        def draw(c: Console) -> None:
            for r in report:
                mark = ("FAIL", "red") if r["failed"] else ("ok", "green")
                passed = r["tests"] - len(r["failed"])
                c.print(
                    Text.assemble(
                        mark, f" {r['pack']} {r['version']}: {passed}/{r['tests']} passed"
                    )
                )
                for line in r["failed"]:
                    c.print(Text(f"    {line}"))
            if packs:
                total = sum(int(r["tests"]) for r in report)
                c.print(Text(f"{total - failed} passed, {failed} failed"))

        show_result(Shown(report, draw), fmt)
        if failed:
            raise typer.Exit(1)

    @std.command("diff")
    @handle_errors
    def diff(
        old: Annotated[str, typer.Argument(help="id@version or file.")],
        new: Annotated[str, typer.Argument(help="id@version or file.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
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

        def draw(c: Console) -> None:
            c.print(Text(f"{d.pack}: {d.old_version} → {d.new_version}"))
            _draw_rule_ids(c, "  ", d.added, d.removed)
            for ch in d.changed:
                c.print(Text.assemble("  ", (f"~ {ch.id}", "yellow"), f" ({', '.join(ch.fields)})"))
            if d.pack_fields:
                c.print(Text(f"  pack fields changed: {', '.join(d.pack_fields)}"))
            if d.empty:
                c.print("  no differences")

        show_result(Shown(d.to_json(), draw), fmt)

    @std.command("impact")
    @handle_errors
    def impact(
        pack: Annotated[Path, typer.Option("--pack", help="Candidate pack file.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """What `publish` would re-decide, by running it and rolling it back."""
        ctx = Context.open(db)
        candidate = load_pack_file(pack)
        rows = stdsvc.impact(ctx, [candidate])
        name = f"{candidate.id} {candidate.version}"
        shown = Shown([r.to_json() for r in rows], lambda c: _draw_impact(c, name, rows))
        show_result(shown, fmt)

    @std.command("publish")
    @handle_errors
    def publish(
        files: Annotated[list[Path], typer.Argument(help="Pack files (new versions).")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Store new pack versions and re-decide every declaration they change."""
        if not files:
            fail("give at least one pack file")
        result = stdsvc.publish_files(Context.open(db), files)
        data = {
            "packs": [{"id": p.key, "status": p.status} for p in result.packs],
            "redecided": [d.to_json() for d in result.redecided],
        }
        lines = [f"{p.status:9} {p.key}" for p in result.packs]
        lines += [f"  re-decided {d.declaration}: {d.outcome}" for d in result.redecided]
        show_result(Shown(data, plain_lines(*lines)), fmt)


def _draw_rule_ids(c: Console, indent: str, added: Iterable[str], removed: Iterable[str]) -> None:
    for rid in added:
        c.print(Text.assemble(indent, (f"+ {rid}", "green")))
    for rid in removed:
        c.print(Text.assemble(indent, (f"- {rid}", "red")))


def _draw_pack(c: Console, s: JsonObject, rules: list[JsonObject]) -> None:
    """A pack's header, its legal parameters, then each rule with its condition and source."""
    c.print(Text.assemble((f"{s['id']} {s['version']}", "bold"), f" — {s['title']}"))
    until = f" until {s['effective_until']}" if s["effective_until"] else ""
    c.print(Text(f"in force from {s['effective_from']}{until}; applies when {s['applies_when']}"))
    if s["parameters"]:
        c.print("legal parameters (read by the consent checks):")
        for key, value in s["parameters"].items():
            shown = value if isinstance(value, str) else dumps(value, indent=None)
            c.print(Text(f"  {key} = {shown}"))
    for r in rules:
        flag = {"U": (" (unverified)", "red"), "A": (" (by analogy)", "yellow")}.get(
            r["verification"], ""
        )
        c.print(
            Text.assemble(
                "\n  ",
                (r["id"], "bold"),
                f" {r['title']} → {r['outcome']} [{r['verification']}]",
                flag,
            )
        )
        c.print(Text(f"    when {r['when']}"))
        if r["for_each"]:
            c.print(Text(f"    for each {r['for_each']} entry"))
        for key in ("if_any_fired", "if_none_fired"):
            if r[key]:
                c.print(Text(f"    {key} {', '.join(r[key])}"))
        c.print(Text.assemble("    ", (r["source"], "dim")))


def _draw_impact(c: Console, name: str, rows: list[stdsvc.ImpactRow]) -> None:
    """What a candidate pack would change; declarations it leaves alone are counted."""
    if not rows:
        c.print(Text(f"{name} would change no stored decision"))
        return
    same = [r for r in rows if (r.old_outcome, r.old_status) == (r.new_outcome, r.new_status)]
    c.print(Text(f"{name} would re-decide {len(rows)} declaration(s):"))
    for r in rows:
        if r in same and not (r.rules_added or r.rules_removed):
            continue
        status = f"; {r.old_status} → {r.new_status}" if r.old_status != r.new_status else ""
        c.print(
            Text.assemble(
                "  ", (r.declaration, "bold"), f": {r.old_outcome} → {r.new_outcome}{status}"
            )
        )
        _draw_rule_ids(c, "    ", r.rules_added, r.rules_removed)
    unchanged = [r for r in same if not (r.rules_added or r.rules_removed)]
    if unchanged:
        c.print(
            Text(
                f"  {len(unchanged)} more keep their outcome, rules and status (they record the "
                "new pack version; their approvals still hold)"
            )
        )
