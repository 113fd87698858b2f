"""`reelproof role grant | revoke | list`: who may do what, recorded in the store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from reelproof.interfaces.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    handle_errors,
)
from reelproof.services import roles
from reelproof.services.context import Context

RoleArg = Annotated[str, typer.Argument(metavar="ROLE", help=f"One of: {', '.join(roles.ROLES)}.")]
WhoArg = Annotated[str, typer.Argument(metavar="WHO", help="The person (e-mail or user name).")]
ProductionOpt = Annotated[
    str | None, typer.Option("--production", help="Only for this production (default: all).")
]


def register(app: typer.Typer) -> None:
    role = typer.Typer(
        help="Roles: who may approve, audit, publish standards… (logged records in the store).",
        no_args_is_help=True,
    )
    app.add_typer(role, name="role")

    @role.command("grant")
    @handle_errors
    def grant(
        role_name: RoleArg,
        who: WhoArg,
        production: ProductionOpt = None,
        for_performer: Annotated[
            str | None,
            typer.Option("--for", help="performer role: the performer whose records they see."),
        ] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Give WHO the ROLE (you must be an admin); logged in the audit log."""
        ctx = Context.open(db)
        with ctx.write() as unit:
            g = roles.grant(
                unit, role_name, who, production=production, for_performer=for_performer
            )
        if fmt is OutputFormat.json:
            emit_json(g.to_json())
            return
        where = f" for production {escape(g.production)}" if g.production else ""
        console.print(
            f"{escape(g.who)} holds the {g.role} role{where} [dim](audit log entry "
            f"{g.log_index})[/]",
            highlight=False,
        )

    @role.command("revoke")
    @handle_errors
    def revoke(
        role_name: RoleArg,
        who: WhoArg,
        production: ProductionOpt = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Take ROLE away from WHO (you must be an admin); logged in the audit log."""
        ctx = Context.open(db)
        with ctx.write() as unit:
            indexes = roles.revoke(unit, role_name, who, production=production)
        if fmt is OutputFormat.json:
            emit_json({"role": role_name, "who": who, "log_indexes": indexes})
            return
        console.print(
            f"{escape(who)} no longer holds the {role_name} role [dim](audit log entry "
            f"{', '.join(map(str, indexes))})[/]",
            highlight=False,
        )

    @role.command("list")
    @handle_errors
    def list_(
        who: Annotated[str | None, typer.Option("--who", help="Only this person's.")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Every role held now, with who granted it and when."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = [g.to_json() for g in roles.listing(conn, who)]
        if fmt is OutputFormat.json:
            emit_json(rows)
            return
        table = Table(title="Roles")
        for col in ("role", "who", "production", "for", "granted by", "at"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(
                r["role"],
                escape(r["who"]),
                escape(r["production"] or "all"),
                escape(r["for_performer"] or ""),
                escape(r["granted_by"]),
                r["granted_at"],
            )
        console.print(table)
