"""`reelproof role grant | revoke | list`: who may do what, recorded in the store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, handle_errors, show
from reelproof.interfaces.formats.text import table
from reelproof.services import roles
from reelproof.services.context import Context

RoleArg = Annotated[str, typer.Argument(metavar="ROLE", help=f"One of: {', '.join(roles.ROLES)}.")]
WhoArg = Annotated[str, typer.Argument(metavar="WHO", help="The person (e-mail or user name).")]
ProductionOpt = Annotated[
    str | None, typer.Option("--production", help="Only for this production (default: all).")
]


def register(app: typer.Typer) -> None:
    """`role grant`, `role revoke` and `role list`."""
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
        fmt: OutOpt = "text",
    ) -> None:
        """Give WHO the ROLE (you must be an admin); logged in the audit log."""
        ctx = Context.open(db)
        with ctx.write() as unit:
            g = roles.grant(
                unit, role_name, who, production=production, for_performer=for_performer
            )
        where = f" for production {g.production}" if g.production else ""
        line = Text.assemble(
            f"{g.who} holds the {g.role} role{where} ", (f"(audit log entry {g.log_index})", "dim")
        )
        show(Shown(g.to_json(), lambda c: c.print(line)), fmt)

    @role.command("revoke")
    @handle_errors
    def revoke(
        role_name: RoleArg,
        who: WhoArg,
        production: ProductionOpt = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Take ROLE away from WHO (you must be an admin); logged in the audit log."""
        ctx = Context.open(db)
        with ctx.write() as unit:
            indexes = roles.revoke(unit, role_name, who, production=production)
        line = Text.assemble(
            f"{who} no longer holds the {role_name} role ",
            (f"(audit log entry {', '.join(map(str, indexes))})", "dim"),
        )
        data = {"role": role_name, "who": who, "log_indexes": indexes}
        show(Shown(data, lambda c: c.print(line)), fmt)

    @role.command("list")
    @handle_errors
    def list_(
        who: Annotated[str | None, typer.Option("--who", help="Only this person's.")] = None,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Every role held now, with who granted it and when."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = [g.to_json() for g in roles.listing(conn, who)]

        def draw(c: Console) -> None:
            table(
                c,
                "Roles",
                ("role", "who", "production", "for", "granted by", "at"),
                [
                    (
                        r["role"],
                        r["who"],
                        r["production"] or "all",
                        r["for_performer"] or "",
                        r["granted_by"],
                        r["granted_at"],
                    )
                    for r in rows
                ],
            )

        show(Shown(rows, draw), fmt)
