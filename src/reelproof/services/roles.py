"""Who may do what, as logged records in the store (not a file in the working folder).

Each grant and each revocation is its own row with its audit-log entry; the roles someone
holds are the grants not revoked since. `init` records the user who ran it as admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from reelproof.adapters.store import roles as rows
from reelproof.adapters.store.db import Connection
from reelproof.core.errors import ConflictError, DocumentError
from reelproof.core.json_types import JsonObject
from reelproof.services.context import Unit

Role = Literal["admin", "production_member", "approver", "performer", "auditor", "standards_owner"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class RoleGrant:
    """One role held: by whom, for which production ("" = every one) and, for a performer's
    role (the performer, their agent or estate), for whom."""

    role: str
    who: str
    production: str
    for_performer: str
    granted_by: str
    granted_at: str
    log_index: int

    def to_json(self) -> JsonObject:
        """The grant as `role list --format json` prints it."""
        return {
            "role": self.role,
            "who": self.who,
            "production": self.production or None,
            "for_performer": self.for_performer or None,
            "granted_by": self.granted_by,
            "granted_at": self.granted_at,
            "log_index": self.log_index,
        }


def held(conn: Connection) -> list[RoleGrant]:
    """Every role held now: grants folded with the revocations recorded after them."""
    current: dict[tuple[str, str, str, str], RoleGrant] = {}
    for r in rows.events(conn):
        slot = (r.role, r.who, r.production, r.for_performer)
        if r.event == "granted":
            current[slot] = RoleGrant(
                r.role, r.who, r.production, r.for_performer, r.recorded_by, r.at, r.log_index
            )
        else:
            current.pop(slot, None)
    return sorted(current.values(), key=lambda g: (g.role, g.who, g.production))


def holds(conn: Connection, who: str, role: str, production: str | None = None) -> bool:
    """`who` holds `role` for every production, or for `production`."""
    return any(
        g.who == who and g.role == role and g.production in ("", production or "")
        for g in held(conn)
    )


def require_role(conn: Connection, who: str, role: str, production: str | None = None) -> None:
    """Refuse, naming who holds the role and how to grant it, unless `who` holds it."""
    holders = sorted(
        {g.who for g in held(conn) if g.role == role and g.production in ("", production or "")}
    )
    if who in holders:
        return
    where = f" for production {production}" if production else ""
    raise ConflictError(
        f"{who} does not hold the {role} role{where} (held by: {', '.join(holders) or 'nobody'}); "
        f"an admin grants it with `reelproof role grant {role} {who}"
        + (f" --production {production}`" if production else "`")
    )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DocumentError(
            "<command line>",
            None,
            "ROLE",
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
        )


def _record(
    unit: Unit, event: str, role: str, who: str, production: str, for_performer: str
) -> int:
    return rows.insert(unit.log, event, role, who, production, for_performer)


def _require_admin(unit: Unit) -> None:
    """Only an admin changes roles; a store with no admin yet (made before roles were recorded)
    lets its first admin be named."""
    if any(g.role == "admin" for g in held(unit.conn)):
        require_role(unit.conn, unit.actor, "admin")


def grant(
    unit: Unit,
    role: str,
    who: str,
    *,
    production: str | None = None,
    for_performer: str | None = None,
    bootstrap: bool = False,
) -> RoleGrant:
    """Record that `who` holds `role`; the acting identity must be an admin."""
    _check_role(role)
    who = who.strip()
    if not who:
        raise DocumentError("<command line>", None, "WHO", "name who gets the role")
    if role == "performer" and not for_performer:
        raise DocumentError(
            "<command line>", None, "--for", "a performer role says whose records: --for PERFORMER"
        )
    if not bootstrap:
        _require_admin(unit)
    slot = (role, who, production or "", for_performer or "")
    for g in held(unit.conn):
        if (g.role, g.who, g.production, g.for_performer) == slot:
            return g
    index = _record(unit, "granted", *slot)
    return RoleGrant(*slot, unit.actor, unit.log.time, index)


def revoke(unit: Unit, role: str, who: str, *, production: str | None = None) -> list[int]:
    """End every grant of `role` to `who` (for `production`, or the global one)."""
    _check_role(role)
    _require_admin(unit)
    current = held(unit.conn)
    matching = [
        g for g in current if g.role == role and g.who == who and g.production == (production or "")
    ]
    if not matching:
        where = f" for production {production}" if production else ""
        raise ConflictError(f"{who} does not hold the {role} role{where}; nothing to revoke")
    admins = {g.who for g in current if g.role == "admin" and not g.production}
    if role == "admin" and admins == {who}:
        raise ConflictError(f"{who} is the last admin; grant admin to someone else first")
    return [
        _record(unit, "revoked", g.role, g.who, g.production, g.for_performer) for g in matching
    ]


def listing(conn: Connection, who: str | None = None) -> Sequence[RoleGrant]:
    """The roles held now (or those of `who`)."""
    return [g for g in held(conn) if who is None or g.who == who]
