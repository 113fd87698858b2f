"""`init`, `apply`, `get` and `new`: documents in and out of the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from reelproof.adapters.store import documents as stored
from reelproof.core.errors import NotFoundError
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, err_console, handle_errors, show
from reelproof.interfaces.formats.text import table
from reelproof.interfaces.formats.yaml import dumps as yaml_text
from reelproof.services import documents as docsvc
from reelproof.services.approvals import approvals_listing
from reelproof.services.context import Context, default_actor
from reelproof.services.decisions import resolve_declaration
from reelproof.services.init import init_store

# Above this many documents an apply prints its summary only (and `--format json` the list).
LIST_AT_MOST = 20
# A bar from this many documents on (about two seconds of deciding on a laptop).
PROGRESS_FROM = 30


def _summary_line(doc: Any) -> str:
    spec = doc.spec
    for attr in ("title", "name", "description"):
        value = getattr(spec, attr, None)
        if value:
            text = str(value)
            return text if len(text) <= 70 else text[:67] + "…"
    return ""


def approvals_result(conn: Any, ref: str | None) -> Shown:
    """Approvals are records of answers, not documents: list them from their table."""
    rows = approvals_listing(conn, resolve_declaration(conn, ref) if ref else None)

    def draw(c: Console) -> None:
        table(
            c,
            f"Approvals ({len(rows)})",
            ("id", "declaration", "verdict", "by", "at", "current", "conditions"),
            [
                (
                    r["id"],
                    r["declaration"],
                    r["verdict"],
                    r["by"],
                    r["at"],
                    "yes" if r["current"] else "no (re-decided since)",
                    r["conditions"] or "",
                )
                for r in rows
            ],
        )

    return Shown(rows, draw)


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A bar on stderr for long applies, only on a terminal; otherwise a no-op callback."""
    if total < PROGRESS_FROM or not err_console.is_terminal:
        yield None
        return
    columns = (TextColumn("applying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("applying", total=total)
        yield lambda n: bar.advance(task, n)


def apply_result(result: docsvc.ApplyResult) -> Shown:
    """What an apply stored, listed when short and summed up in one line always."""
    data = [
        {
            "file": d.source,
            "kind": d.kind,
            "id": d.key,
            "revision": d.revision,
            "status": d.status,
            "log_index": d.log_index,
        }
        for d in result.documents
    ]

    def draw(c: Console) -> None:
        docs = result.documents
        if len(docs) <= LIST_AT_MOST:
            for d in docs:
                colour = {"created": "green", "revised": "yellow"}.get(d.status, "dim")
                c.print(
                    Text.assemble((f"{d.status:9}", colour), f" {d.kind} {d.key}"),
                    f"(revision {d.revision})",
                )
            for decision in result.decisions:
                c.print(
                    f"decided   {escape(decision.declaration)}: {decision.outcome} "
                    f"(`reelproof decide {escape(decision.declaration)}` explains it)"
                )
        counts = result.counts()
        parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        outcomes: dict[str, int] = {}
        for decision in result.decisions:
            outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
        decided = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        files = result.files[0] if len(result.files) == 1 else f"{len(result.files)} files"
        verb = "would apply (dry run, nothing stored)" if result.dry_run else "applied"
        line = f"{verb} {files}: {', '.join(parts) or 'nothing'}"
        if decided:
            line += f"; decided {decided}"
        c.print(Text(line))

    return Shown(data, draw)


def register(app: typer.Typer) -> None:
    """`init`, `apply`, `get` and `new`."""

    @app.command()
    @handle_errors
    def init(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Create the store and the audit log's signing key (safe to run again)."""
        result = init_store(Context.open(db))

        def draw(c: Console) -> None:
            c.print(Text(f"store      {result.db}"))
            key_note = "created, mode 0600" if result.key_created else "existing"
            c.print(Text(f"log key    {result.key_path} ({key_note})"))
            c.print(Text(f"log origin {result.origin}"))
            c.print(Text(f"verifier   {result.vkey}"))
            c.print(f"standards  {len(result.packs)} bundled pack versions loaded")
            c.print("[green]ready[/]: next, `reelproof apply FILE...`")

        show(Shown(dict(result.__dict__), draw), fmt)

    @app.command()
    @handle_errors
    def apply(
        files: Annotated[
            list[str] | None,
            typer.Argument(help="YAML or JSON files or folders, several docs each; - for stdin."),
        ] = None,
        filename: Annotated[
            list[str] | None,
            typer.Option("--filename", "-f", help="A file, a folder, or - (as kubectl -f)."),
        ] = None,
        recursive: Annotated[
            bool, typer.Option("--recursive", "-R", help="Folders: their sub-folders too.")
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check and decide everything; store nothing.")
        ] = False,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Store Production, Performer, Consent, DigitalReplica, AIUseDeclaration and Approval
        documents. Unchanged documents are left alone; changed ones become new revisions.
        One apply is all or nothing: any error in any file stores nothing."""
        targets = [*(files or []), *(filename or [])]
        if not targets:
            raise typer.BadParameter("give files or folders, -f PATH, or - for stdin")
        ctx = Context.open(db)
        ctx.store.require_ready()
        parsed = docsvc.parse_sources(
            docsvc.collect_sources(targets, recursive=recursive, stdin=sys.stdin)
        )
        total = sum(len(f.documents) for f in parsed)
        with _progress(total) as step:
            result = docsvc.apply_documents(ctx, parsed, dry_run=dry_run, progress=step)
        show(apply_result(result), fmt)

    new = typer.Typer(help="A commented template for a new document.", no_args_is_help=True)
    app.add_typer(new, name="new")

    @new.command("declaration")
    @handle_errors
    def new_declaration(
        production: Annotated[str, typer.Option(help="The production's id.")] = "my-production",
        doc_id: Annotated[str, typer.Option("--id", help="The new declaration's id.")] = "new-use",
        declared_by: Annotated[str | None, typer.Option(help="Who declares it.")] = None,
    ) -> None:
        """Print a commented AIUseDeclaration to fill in (`> use.yaml`, then `apply`)."""
        template = (resources.files("reelproof.examples") / "declaration-template.yaml").read_text(
            encoding="utf-8"
        )
        sys.stdout.write(
            template.replace("{id}", doc_id)
            .replace("{production}", production)
            .replace("{declared_by}", declared_by or default_actor())
        )

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
        fmt: OutOpt = "text",
    ) -> None:
        """Show stored documents: a list of a kind, or one document (latest revision)."""
        ctx = Context.open(db)
        real_kind = docsvc.normalise_kind(kind)
        with ctx.read() as conn:
            if real_kind == "Approval":
                result = approvals_result(conn, doc_id)
            elif doc_id is None:
                result = _listing(real_kind, stored.list_documents(conn, real_kind))
            else:
                if real_kind == "AIUseDeclaration":
                    doc_id = resolve_declaration(conn, doc_id)  # `id` or `production/id`
                revs = stored.history(conn, real_kind, doc_id)
                if not revs:
                    stored.require(conn, real_kind, doc_id)
                result = _history(revs) if history else _revision(real_kind, doc_id, revs, revision)
        show(result, fmt)


def _listing(kind: str, rows: list[tuple[Any, Any]]) -> Shown:
    def draw(c: Console) -> None:
        table(
            c,
            f"{kind} ({len(rows)})",
            ("id", "revision", "summary", "applied"),
            [(r.key, str(r.revision), _summary_line(d), r.applied_at[:19]) for d, r in rows],
        )

    return Shown([{**d.content(), "revision": r.revision} for d, r in rows], draw)


def _history(revs: list[Any]) -> Shown:
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

    def draw(c: Console) -> None:
        for item in data:
            c.print(
                Text(
                    f"revision {item['revision']}  {item['applied_at']}  "
                    f"{item['applied_by']}  {item['source']}  (log {item['log_index']})"
                )
            )

    return Shown(data, draw)


def _revision(kind: str, doc_id: str, revs: list[Any], revision: int | None) -> Shown:
    chosen = revs[-1]
    if revision is not None:
        matches = [r for r in revs if r.revision == revision]
        if not matches:
            raise NotFoundError(
                f"{kind} {doc_id} has revisions 1..{revs[-1].revision}, not {revision}"
            )
        chosen = matches[0]
    content = json.loads(chosen.content)

    def draw(c: Console) -> None:
        c.print(
            Text(
                f"# revision {chosen.revision}, applied {chosen.applied_at} by "
                f"{chosen.applied_by} (log {chosen.log_index})"
            )
        )
        c.file.write(yaml_text(content))  # a stored document reads best as it was written

    return Shown(content, draw)
