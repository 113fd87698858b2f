"""`reelproof witness …`: an independent witness (C2SP tlog-witness) a union or auditor runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from reelproof.adapters import httpd
from reelproof.adapters.witness import Witness, serve
from reelproof.interfaces.cli.common import OutOpt, Shown, handle_errors, show

DirOpt = Annotated[Path, typer.Option("--dir", help="The witness's folder (key and records).")]


def register(app: typer.Typer) -> None:
    """`witness init`, `witness serve` and `witness cosign`."""
    witness = typer.Typer(
        help="A witness: cosigns a log's checkpoints only if consistent with what it saw.",
        no_args_is_help=True,
    )
    app.add_typer(witness, name="witness")

    @witness.command("init")
    @handle_errors
    def init(
        name: Annotated[str, typer.Option(help="The witness's name, e.g. witness.union.example.")],
        logs: Annotated[
            list[str] | None,
            typer.Option("--log", help="A log's verifier key (or file) to follow; repeatable."),
        ] = None,
        folder: DirOpt = Path("witness"),
        fmt: OutOpt = "text",
    ) -> None:
        """Create the witness's key (0600) and folder (0700); prints its key to hand out."""
        w = Witness.init(folder, name, logs or [])
        vkey = w.public.vkey()
        (folder / "witness.vkey").write_text(vkey + "\n", encoding="utf-8")

        def draw(c: Console) -> None:
            c.print(Text(f"witness  {vkey}"))
            c.print(Text(f"follows  {len(w.logs)} log(s); folder {folder}"))

        show(Shown({"dir": str(folder), "vkey": vkey, "logs": sorted(w.logs)}, draw), fmt)

    @witness.command("serve")
    @handle_errors
    def serve_cmd(
        folder: DirOpt = Path("witness"),
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 0,
    ) -> None:
        """Serve POST /add-checkpoint until interrupted."""
        server = serve(Witness.open(folder), host, port)
        httpd.run(server, lambda url: typer.echo(f"witness listening on {url}"))

    @witness.command("cosign")
    @handle_errors
    def cosign_cmd(
        bundle: Annotated[Path, typer.Argument(help="A bundle written by `log export`.")],
        folder: DirOpt = Path("witness"),
        fmt: OutOpt = "text",
    ) -> None:
        """Offline: verify a bundle, check it against this witness's record, cosign it."""
        line = Witness.open(folder).cosign_bundle(bundle)
        cosignature = line.strip()
        shown = Text(f"cosigned {bundle}/checkpoint: {cosignature}")
        data = {"bundle": str(bundle), "cosignature": cosignature}
        show(Shown(data, lambda c: c.print(shown)), fmt)
