"""`reelproof log …`: the audit log's entries, proofs, verification and offline bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from reelproof.adapters import httpd, trust
from reelproof.adapters import signer as signing
from reelproof.adapters import witness as witnessing
from reelproof.interfaces.cli import witness_cmds
from reelproof.interfaces.cli.common import (
    DbOpt,
    OutOpt,
    Shown,
    err_console,
    fail,
    handle_errors,
    plain_lines,
)
from reelproof.interfaces.cli.common import show as show_result
from reelproof.services import auditlog
from reelproof.services.context import Context, iso, utc_now
from reelproof.verify import (
    BundleInputError,
    VerificationError,
    read_saved_checkpoint,
    save_checkpoint,
    verify_bundle,
)

VkeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--vkey",
        help="The log's verifier key (or a file holding it) obtained out of band; repeat for a "
        "key rotation. Default: your trust list (`reelproof log trust add`).",
    ),
]
WitnessOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--witness", help="A witness's cosigning key (or file) to require; repeat for each."
    ),
]
QuorumOpt = Annotated[
    int | None,
    typer.Option(help="How many of the --witness keys must have cosigned (default: all)."),
]
SinceOpt = Annotated[
    Path | None,
    typer.Option(help="A checkpoint you saved on an earlier check: fail on rollback or fork."),
]
SaveOpt = Annotated[
    Path | None,
    typer.Option(
        "--save-checkpoint", help="Keep the verified latest checkpoint here, for --since."
    ),
]


def _since(path: Path | None) -> str | None:
    try:
        return None if path is None else read_saved_checkpoint(path)
    except BundleInputError as exc:
        fail(str(exc))


def _save(path: Path | None, note: str | None, authenticated: bool) -> None:
    """Save only what a pinned key vouched for: an unauthenticated checkpoint proves nothing."""
    if path is None:
        return
    if not authenticated or note is None:
        err_console.print("checkpoint not saved: the log is not verified", highlight=False)
        return
    save_checkpoint(path, note)
    err_console.print(f"checkpoint saved to {path}", highlight=False, markup=False)


_UNAUTHENTICATED = (
    "UNAUTHENTICATED: no pinned key for this log; the checks above used the store's or "
    "bundle's own copy of its key, which proves nothing about who signed it. Pin the key the "
    "operator publishes (`reelproof log trust add VKEY`) or pass --vkey."
)


def register(app: typer.Typer) -> None:
    """`log …` and `witness …`."""
    log = typer.Typer(
        help="The audit log: entries, proofs, verification, offline bundle.", no_args_is_help=True
    )
    app.add_typer(log, name="log")
    witness_cmds.register(app)

    @log.command("show")
    @handle_errors
    def show(
        start: Annotated[int, typer.Option("--from", help="First entry index.")] = 0,
        limit: Annotated[int | None, typer.Option(help="At most this many entries.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """List log entries: what changed, who did it, when."""
        entries = auditlog.show(Context.open(db), start, limit)

        def draw(c: Console) -> None:
            if entries:
                c.print(
                    Text(f"{'index':>6}  {'time (UTC)':19}  {'actor':<16} {'what':<22} subject"),
                    style="bold",
                )
            for e in entries:
                subj = dict(e.get("subject", {}))
                what = f"{subj.pop('kind', '')} {subj.pop('id', '')}".strip()
                what += "".join(f" {k}={v}" for k, v in subj.items())
                c.print(
                    Text(
                        f"{e['index']:>6}  {e['time'][:19]}  {e['actor']:<16} {e['kind']:<22} "
                        f"{what}"
                    )
                )

        show_result(Shown(entries, draw), fmt)

    @log.command("checkpoint")
    @handle_errors
    def checkpoint(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Print the latest signed checkpoint (C2SP tlog-checkpoint, signed note)."""
        note, cp = auditlog.checkpoint(Context.open(db))
        data = {"origin": cp.origin, "size": cp.size, "root": cp.root.hex(), "note": note}
        show_result(Shown(data, lambda c: c.out(note, end="", highlight=False)), fmt)

    @log.command("prove")
    @handle_errors
    def prove(
        index: Annotated[int | None, typer.Option(help="Inclusion proof of this entry.")] = None,
        size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
        start: Annotated[int | None, typer.Option("--from", help="Consistency: old size.")] = None,
        to: Annotated[int | None, typer.Option("--to", help="Consistency: new size.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
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

        def draw(c: Console) -> None:
            for key, value in data.items():
                if key == "proof":
                    c.print(f"{key}:")
                    for h in value:
                        c.print(Text(f"  {h}"))
                elif key != "entry":
                    c.print(Text(f"{key}: {value}"))
            c.print(Text("proof verified", "green"))

        show_result(Shown(data, draw), fmt)

    @log.command("verify")
    @handle_errors
    def verify(
        vkey: VkeyOpt = None,
        since: SinceOpt = None,
        save: SaveOpt = None,
        witness: WitnessOpt = None,
        witness_quorum: QuorumOpt = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Recompute every entry, tree node, checkpoint and recorded row; authenticate the log."""
        report = auditlog.verify(
            Context.open(db), vkey, _since(since), witness or (), witness_quorum
        )

        def draw(c: Console) -> None:
            for check in report.checks:
                c.print(Text(f"  checked  {check}"))
            for p in report.problems:
                c.print(Text.assemble(("FAIL", "red"), f" {p.what}: {p.message}"))
            if report.problems:
                c.print(
                    Text.assemble(
                        ("audit log verification failed", "red"),
                        f": {len(report.problems)} problem(s)",
                    )
                )
            elif not report.authenticated:
                c.print(Text(_UNAUTHENTICATED, "yellow"))
            else:
                c.print(Text("audit log verified", "green"))

        show_result(Shown(report.to_json(), draw), fmt)
        _save(save, report.note, report.ok)
        if not report.ok:
            raise typer.Exit(1)

    @log.command("key")
    @handle_errors
    def key(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Print the verifier key to hand to auditors (they pin it with `log trust add`)."""
        vkey, from_key = auditlog.verifier_key(Context.open(db))
        show_result(Shown({"vkey": vkey, "from_signing_key": from_key}, plain_lines(vkey)), fmt)
        if not from_key:
            err_console.print(
                "note: no signing key here; this is the store's own copy of the key. Hand out "
                "the key printed where the signing key is kept.",
                highlight=False,
                markup=False,
            )

    witnesses_app = typer.Typer(
        help="The witnesses this log submits each new checkpoint to.", no_args_is_help=True
    )
    log.add_typer(witnesses_app, name="witness")

    @witnesses_app.command("add")
    @handle_errors
    def witness_add(
        url: Annotated[str, typer.Argument(help="The witness's URL, e.g. http://host:port.")],
        vkey: Annotated[str, typer.Argument(help="Its cosigning key (or a file holding it).")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Submit every new checkpoint to this witness and keep its cosignature."""
        path = Path(vkey)
        text = path.read_text(encoding="utf-8") if path.is_file() else vkey
        targets = witnessing.add_target(Context.open(db).store, url, text)
        lines = [f"witness {t.key.vkey()} at {t.url}" for t in targets]
        show_result(Shown([t.to_json() for t in targets], plain_lines(*lines)), fmt)

    @witnesses_app.command("sync")
    @handle_errors
    def witness_sync(db: DbOpt = None, fmt: OutOpt = "text") -> None:
        """Submit the latest checkpoint to every configured witness now (e.g. after an outage)."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            targets = witnessing.configured(conn)
        if not targets:
            fail("no witnesses configured; add one with `reelproof log witness add URL VKEY`")
        problems = witnessing.submit_latest(ctx.store, targets)

        def draw(c: Console) -> None:
            for problem in problems:
                c.print(Text.assemble(("FAIL", "red"), f" {problem}"))
            c.print(Text(f"{len(targets) - len(problems)} of {len(targets)} witnesses cosigned"))

        show_result(Shown({"witnesses": len(targets), "problems": problems}, draw), fmt)
        if problems:
            raise typer.Exit(1)

    signer_app = typer.Typer(
        help="The team's signer: the one holder of the checkpoint key.", no_args_is_help=True
    )
    log.add_typer(signer_app, name="signer")

    @signer_app.command("serve")
    @handle_errors
    def signer_serve(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 0,
        db: DbOpt = None,
    ) -> None:
        """Hold the key (REELPROOF_LOG_KEY) and sign checkpoints for writers that lack it."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        with ctx.read() as conn:
            key = ctx.key(conn)
        record = ctx.key_path.with_name(ctx.key_path.name + ".signed")
        signer = signing.Signer(ctx.store, key, record, lambda: iso(utc_now()))
        server = signing.serve(signer, host, port)
        httpd.run(server, lambda url: typer.echo(f"signer listening on {url}"))

    @signer_app.command("use")
    @handle_errors
    def signer_use(
        url: Annotated[str, typer.Argument(help="The signer's URL, e.g. http://host:port.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Writers without the key append entries and ask this signer for the checkpoint."""
        signing.use(Context.open(db).store, url)
        lines = plain_lines(f"writers without the key now ask {url} to sign")
        show_result(Shown({"signer": url}, lines), fmt)

    @log.command("rotate-key")
    @handle_errors
    def rotate_key(
        new_key: Annotated[
            Path, typer.Option(help="The new key file (created 0600 if it does not exist).")
        ],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Hand the log to a new key: the latest checkpoint is signed by both and names it."""
        old, new = auditlog.rotate_key(Context.open(db), new_key)
        lines = plain_lines(
            f"old key  {old}",
            f"new key  {new}",
            f"point REELPROOF_LOG_KEY at {new_key} for every writer or signer from now on; "
            "hand the new key out (verifiers who pinned the old one follow it)",
        )
        show_result(Shown({"old": old, "new": new}, lines), fmt)

    trust_app = typer.Typer(
        help="Your pinned log keys: the only keys `log verify` trusts.", no_args_is_help=True
    )
    log.add_typer(trust_app, name="trust")

    @trust_app.command("add")
    @handle_errors
    def trust_add(
        vkey: Annotated[str, typer.Argument(help="A verifier key, or a file holding one.")],
        fmt: OutOpt = "text",
    ) -> None:
        """Pin a log's verifier key, obtained from the operator through a separate channel."""
        path, results = trust.add(vkey)
        data = {
            "trust_list": str(path),
            "keys": [{"vkey": k.vkey(), "added": n} for k, n in results],
        }
        lines = [f"{'pinned' if n else 'already pinned'}: {k.vkey()} in {path}" for k, n in results]
        show_result(Shown(data, plain_lines(*lines)), fmt)

    @trust_app.command("list")
    @handle_errors
    def trust_list(fmt: OutOpt = "text") -> None:
        """Show the pinned keys and where the trust list is."""
        path, keys = trust.trusted()
        data = {"trust_list": str(path), "keys": [k.vkey() for k in keys]}
        lines = [f"trust list {path}: {len(keys)} key(s)", *(f"  {k.vkey()}" for k in keys)]
        show_result(Shown(data, plain_lines(*lines)), fmt)

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
        fmt: OutOpt = "text",
    ) -> None:
        """Write an offline bundle: entries, checkpoints, proofs and the public key."""
        info = auditlog.export(Context.open(db), out, None if all_checkpoints else checkpoints)
        line = (
            f"wrote {info['size']} entries and {info['checkpoints']} checkpoints to "
            f"{info['out']}; check it with `reelproof log verify-bundle {info['out']}`"
        )
        show_result(Shown(info, plain_lines(line)), fmt)

    @log.command("verify-bundle")
    def verify_bundle_cmd(
        bundle: Annotated[Path, typer.Argument(help="Directory written by `log export`.")],
        vkey: VkeyOpt = None,
        since: SinceOpt = None,
        save: SaveOpt = None,
        witness: WitnessOpt = None,
        witness_quorum: QuorumOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Check an exported bundle offline: no database needed."""
        try:
            report = verify_bundle(
                bundle,
                trusted_vkey=vkey,
                since=_since(since),
                witnesses=witness or (),
                quorum=witness_quorum,
            )
        except BundleInputError as exc:
            fail(f"{bundle}: {exc}", 2)
        except VerificationError as exc:
            failed = Text.assemble(("FAIL", "red"), f" {exc}")
            data = {"ok": False, "status": "failed", "problem": str(exc)}
            show_result(Shown(data, lambda c: c.print(failed)), fmt)
            raise typer.Exit(1) from None
        data = {
            "ok": report.authenticated,
            "status": report.status.lower(),
            "authenticated": report.authenticated,
            "origin": report.origin,
            "size": report.size,
            "root": report.root.hex(),
            "checks": list(report.checks),
        }
        show_result(Shown(data, plain_lines(report.summary())), fmt)
        _save(save, report.note, report.authenticated)
        if not report.authenticated:
            raise typer.Exit(1)
