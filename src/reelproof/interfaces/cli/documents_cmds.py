"""`init`, `apply` and `get`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from reelproof.adapters.store import documents as stored
from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    handle_errors,
)
from reelproof.services import documents as docsvc
from reelproof.services.approvals import approvals_listing
from reelproof.services.context import Context
from reelproof.services.decisions import resolve_declaration
from reelproof.services.init import init_store


def _summary_line(doc: Any) -> str:
    spec = doc.spec
    for attr in ("title", "name", "description"):
        value = getattr(spec, attr, None)
        if value:
            text = str(value)
            return text if len(text) <= 70 else text[:67] + "…"
    return ""


def emit_or_print_approvals(conn: Any, ref: str | None, fmt: OutputFormat) -> None:
    """Approvals are records of answers, not documents: list them from their table."""
    rows = approvals_listing(conn, resolve_declaration(conn, ref) if ref else None)
    if fmt is OutputFormat.json:
        emit_json(rows)
        return
    table = Table(title=f"Approvals ({len(rows)})")
    for col in ("id", "declaration", "verdict", "by", "at", "current", "conditions"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"],
            r["declaration"],
            r["verdict"],
            r["by"],
            r["at"],
            "yes" if r["current"] else "no (re-decided since)",
            r["conditions"] or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def init(db: DbOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
        """Create the store and the audit log's signing key (safe to run again)."""
        ctx = Context.open(db)
        result = init_store(ctx)
        if fmt is OutputFormat.json:
            emit_json(result.__dict__)
            return
        console.print(f"store      {result.db}")
        key_note = "created, mode 0600" if result.key_created else "existing"
        console.print(f"log key    {result.key_path} ({key_note})")
        console.print(f"log origin {result.origin}")
        console.print(f"verifier   {result.vkey}")
        console.print(f"standards  {len(result.packs)} bundled pack versions loaded")
        console.print("[green]ready[/]: next, `reelproof apply FILE...`")

    @app.command()
    @handle_errors
    def apply(
        files: Annotated[list[Path], typer.Argument(help="YAML or JSON files, several docs each.")],
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Store Production, Performer, Consent, DigitalReplica, AIUseDeclaration and Approval
        documents. Unchanged documents are left alone; changed ones become new revisions."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        parsed = docsvc.read_files(files)
        out: list[dict[str, Any]] = []
        for result in docsvc.apply_documents(ctx, parsed):
            if fmt is OutputFormat.json:
                out.extend(
                    {
                        "file": d.source,
                        "kind": d.kind,
                        "id": d.key,
                        "revision": d.revision,
                        "status": d.status,
                        "log_index": d.log_index,
                    }
                    for d in result.documents
                )
                continue
            for d in result.documents:
                colour = {"created": "green", "revised": "yellow"}.get(d.status, "dim")
                console.print(
                    f"[{colour}]{d.status:9}[/] {d.kind} {d.key} (revision {d.revision})",
                    highlight=False,
                )
            for decision in result.decisions:
                console.print(
                    f"decided   {decision.declaration}: {decision.outcome} "
                    f"(`reelproof decide {decision.declaration}` explains it)",
                    highlight=False,
                )
            console.print(
                f"applied {result.file}: {result.count('created')} created, "
                f"{result.count('revised')} revised, {result.count('unchanged')} unchanged",
                highlight=False,
            )
        if fmt is OutputFormat.json:
            emit_json(out)

    @app.command()
    @handle_errors
    def get(
        kind: Annotated[
            str,
            typer.Argument(
                help="production, performer, consent, replica, declaration, approval, pack"
            ),
        ],
        doc_id: Annotated[
            str | None, typer.Argument(metavar="[ID]", help="production/id for declarations")
        ] = None,
        revision: Annotated[int | None, typer.Option(help="Show this revision.")] = None,
        history: Annotated[bool, typer.Option(help="List every revision.")] = False,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Show stored documents: a list of a kind, or one document (latest revision)."""
        import json

        ctx = Context.open(db)
        real_kind = docsvc.normalise_kind(kind)
        with ctx.read() as conn:
            if doc_id is None and real_kind == "Approval":
                emit_or_print_approvals(conn, None, fmt)
                return
            if doc_id is None:
                rows = stored.list_documents(conn, real_kind)
                if fmt is OutputFormat.json:
                    emit_json([{**d.content(), "revision": r.revision} for d, r in rows])
                    return
                table = Table(title=f"{real_kind} ({len(rows)})")
                for col in ("id", "revision", "summary", "applied"):
                    table.add_column(col)
                for d, r in rows:
                    table.add_row(r.key, str(r.revision), _summary_line(d), r.applied_at[:19])
                console.print(table)
                return
            if real_kind == "AIUseDeclaration":
                doc_id = resolve_declaration(conn, doc_id)  # `id` or `production/id`
            if real_kind == "Approval":
                emit_or_print_approvals(conn, doc_id, fmt)
                return
            revs = stored.history(conn, real_kind, doc_id)
            if not revs:
                stored.require(conn, real_kind, doc_id)
            if history:
                data = [
                    {
                        "revision": r.revision,
                        "applied_at": r.applied_at,
                        "applied_by": r.applied_by,
                        "source": r.source,
                        "log_index": r.log_index,
                    }
                    for r in revs
                ]
                if fmt is OutputFormat.json:
                    emit_json(data)
                else:
                    for item in data:
                        console.print(
                            f"revision {item['revision']}  {item['applied_at']}  "
                            f"{item['applied_by']}  {item['source']}  (log {item['log_index']})",
                            highlight=False,
                        )
                return
            chosen = revs[-1]
            if revision is not None:
                matches = [r for r in revs if r.revision == revision]
                if not matches:
                    from reelproof.core.errors import NotFoundError

                    raise NotFoundError(
                        f"{real_kind} {doc_id} has revisions 1..{revs[-1].revision}, not {revision}"
                    )
                chosen = matches[0]
            content = json.loads(chosen.content)
            if fmt is OutputFormat.json:
                emit_json(content)
            else:
                console.print(
                    f"# revision {chosen.revision}, applied {chosen.applied_at} by "
                    f"{chosen.applied_by} (log {chosen.log_index})",
                    highlight=False,
                )
                typer.echo(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), nl=False)
