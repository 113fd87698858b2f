"""`reelproof serve` (the web app and REST API under uvicorn) and `reelproof user add`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, handle_errors, plain_lines, show


def register(app: typer.Typer) -> None:
    """`serve` and `user add`."""

    @app.command()
    @handle_errors
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers: Annotated[
            int, typer.Option(min=1, help="Worker processes (PostgreSQL for more than one).")
        ] = 1,
        forwarded_allow_ips: Annotated[
            str,
            typer.Option(help="Proxies whose X-Forwarded-* headers are believed (comma list)."),
        ] = "127.0.0.1",
        db: DbOpt = None,
    ) -> None:
        """Serve the web pages and the REST API (OpenAPI schema at /openapi.json). The
        signing key stays with this server; put TLS in front of it (docs/web.md)."""
        import uvicorn

        import reelproof

        if db:
            os.environ["REELPROOF_DB"] = db
        with reelproof.Store(db) as store:  # fail now, with a clear message, if not ready
            store.checkpoint()
        uvicorn.run(
            "reelproof.interfaces.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
        )

    user = typer.Typer(help="Accounts for the web app.", no_args_is_help=True)
    app.add_typer(user, name="user")

    @user.command("add")
    @handle_errors
    def add(
        name: Annotated[str, typer.Argument(help="The user name they log in with.")],
        admin: Annotated[bool, typer.Option("--admin", help="Also grant the admin role.")] = False,
        email: Annotated[str, typer.Option(help="Where notifications go.")] = "",
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
        fmt: OutOpt = "text",
        db: DbOpt = None,
    ) -> None:
        """Create a local account (argon2id hash); you must be an admin of the store (who
        ran `reelproof init` is the first)."""
        import reelproof

        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        with reelproof.Store(db) as store:
            index = store.add_user(name, password, email=email, admin=admin)
        role = " with the admin role" if admin else ""
        line = f"user {name} created{role} (audit log entry {index})"
        data = {"user": name, "admin": admin, "log_index": index}
        show(Shown(data, plain_lines(line)), fmt)
