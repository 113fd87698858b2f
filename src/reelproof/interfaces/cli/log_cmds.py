"""`reelproof log …`: the audit log's entries, proofs, verification and offline bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    fail,
    handle_errors,
)
from reelproof.services import auditlog
from reelproof.services.context import Context
from reelproof.verify import BundleInputError, VerificationError, verify_bundle


def _vkey_arg(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value


def register(app: typer.Typer) -> None:
    log = typer.Typer(
        help="The audit log: entries, proofs, verification, offline bundle.", no_args_is_help=True
    )
    app.add_typer(log, name="log")

    @log.command("show")
    @handle_errors
    def show(
        start: Annotated[int, typer.Option("--from", help="First entry index.")] = 0,
        limit: Annotated[int | None, typer.Option(help="At most this many entries.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """List log entries: what changed, who did it, when."""
        entries = auditlog.show(Context.open(db), start, limit)
        if fmt is OutputFormat.json:
            emit_json(entries)
            return
        if entries:
            console.print(
                f"{'index':>6}  {'time (UTC)':19}  {'actor':<16} {'what':<22} subject",
                style="bold",
                highlight=False,
            )
        for e in entries:
            subj = dict(e.get("subject", {}))
            what = f"{subj.pop('kind', '')} {subj.pop('id', '')}".strip()
            what += "".join(f" {k}={v}" for k, v in subj.items())
            console.print(
                f"{e['index']:>6}  {e['time'][:19]}  {e['actor']:<16} {e['kind']:<22} {what}",
                highlight=False,
            )

    @log.command("checkpoint")
    @handle_errors
    def checkpoint(db: DbOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
        """Print the latest signed checkpoint (C2SP tlog-checkpoint, signed note)."""
        note, cp = auditlog.checkpoint(Context.open(db))
        if fmt is OutputFormat.json:
            emit_json({"origin": cp.origin, "size": cp.size, "root": cp.root.hex(), "note": note})
        else:
            typer.echo(note, nl=False)

    @log.command("prove")
    @handle_errors
    def prove(
        index: Annotated[int | None, typer.Option(help="Inclusion proof of this entry.")] = None,
        size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
        start: Annotated[int | None, typer.Option("--from", help="Consistency: old size.")] = None,
        to: Annotated[int | None, typer.Option("--to", help="Consistency: new size.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Inclusion proof (--index N [--size M]) or consistency proof (--from A --to B)."""
        ctx = Context.open(db)
        if index is not None and start is None:
            inc = auditlog.prove_inclusion(ctx, index, size)
            data = inc.to_json()
        elif start is not None and index is None:
            data = auditlog.prove_consistency(ctx, start, to).to_json()
        else:
            fail("give either --index N [--size M] or --from A [--to B]")
        if fmt is OutputFormat.json:
            emit_json(data)
            return
        for key, value in data.items():
            if key == "proof":
                console.print(f"{key}:")
                for h in value:
                    console.print(f"  {h}")
            elif key != "entry":
                console.print(f"{key}: {value}", highlight=False)
        console.print("[green]proof verified[/]")

    @log.command("verify")
    @handle_errors
    def verify(
        vkey: Annotated[
            str | None,
            typer.Option(
                help="Verifier key (or file) obtained out of band; default: the store's own."
            ),
        ] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Recompute every entry, the tree, every checkpoint and every recorded row."""
        report = auditlog.verify(Context.open(db), _vkey_arg(vkey))
        if fmt is OutputFormat.json:
            emit_json(report.to_json())
        else:
            for check in report.checks:
                console.print(f"  checked  {check}", highlight=False)
            for p in report.problems:
                console.print(f"[red]FAIL[/] {p.what}: {p.message}", highlight=False)
            console.print(
                "[green]audit log verified[/]"
                if report.ok
                else f"[red]audit log verification failed[/]: {len(report.problems)} problem(s)"
            )
        if not report.ok:
            raise typer.Exit(1)

    @log.command("export")
    @handle_errors
    def export(
        out: Annotated[Path, typer.Option(help="New directory for the bundle.")],
        checkpoints: Annotated[
            int, typer.Option(help="Older checkpoints to include, newest first.")
        ] = 100,
        all_checkpoints: Annotated[
            bool, typer.Option("--all-checkpoints", help="Include every older checkpoint.")
        ] = False,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Write an offline bundle: entries, checkpoints, proofs and the public key."""
        info = auditlog.export(Context.open(db), out, None if all_checkpoints else checkpoints)
        if fmt is OutputFormat.json:
            emit_json(info)
        else:
            console.print(
                f"wrote {info['size']} entries and {info['checkpoints']} checkpoints to "
                f"{info['out']}; check it with `reelproof log verify-bundle {info['out']}`",
                highlight=False,
            )

    @log.command("verify-bundle")
    def verify_bundle_cmd(
        bundle: Annotated[Path, typer.Argument(help="Directory written by `log export`.")],
        vkey: Annotated[
            str | None,
            typer.Option(help="The log operator's published key (or a file holding it)."),
        ] = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Check an exported bundle offline: no database needed."""
        try:
            report = verify_bundle(bundle, trusted_vkey=_vkey_arg(vkey))
        except BundleInputError as exc:
            fail(f"{bundle}: {exc}", 2)
        except VerificationError as exc:
            if fmt is OutputFormat.json:
                emit_json({"ok": False, "problem": str(exc)})
            else:
                console.print(f"[red]FAIL[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        if fmt is OutputFormat.json:
            emit_json(
                {
                    "ok": True,
                    "origin": report.origin,
                    "size": report.size,
                    "root": report.root.hex(),
                    "checks": list(report.checks),
                }
            )
        else:
            typer.echo(report.summary())
