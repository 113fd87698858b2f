"""Web accounts: local users with argon2 hashes, browser sessions, API tokens with scopes.

Who may do what is not here: that is the role records (services.roles), read by the web
app for every request. Creating a user or a token is an audit-log entry that names it and
never its secret; sessions and token use are not logged (they change no production record).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from reelproof.adapters import passwords
from reelproof.adapters.store import accounts as rows
from reelproof.core.errors import ConflictError, DocumentError
from reelproof.services import roles
from reelproof.services.context import Context, Unit, iso

SESSION_HOURS = 12
MIN_PASSWORD = 12
SCOPES = ("read", "write")
NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,200}$")
EVENTS = ("approval_requested", "consent_revoked")


@dataclass(frozen=True)
class TokenInfo:
    """A live API token: whose it is and what it may do."""

    token_id: str
    user: str
    scopes: tuple[str, ...]


def add_user(unit: Unit, name: str, password: str, email: str = "", *, admin: bool = False) -> int:
    """Create an account (and, with `admin`, grant it the admin role); the actor must be an
    admin once one exists. Returns the log index of the entry."""
    if not NAME.match(name):
        raise DocumentError(
            "<user>", None, "name", "use letters, digits and . _ @ + - (at most 200)"
        )
    if len(password) < MIN_PASSWORD:
        raise DocumentError(
            "<user>", None, "password", f"must be at least {MIN_PASSWORD} characters"
        )
    if any(g.role == "admin" for g in roles.held(unit.conn)):
        roles.require_role(unit.conn, unit.actor, "admin")
    if rows.user(unit.conn, name) is not None:
        raise ConflictError(f"user {name} exists already")
    rows.insert_user(
        unit.conn,
        rows.UserRow(name, passwords.hash_password(password), email, unit.log.time, unit.actor),
    )
    index = unit.log.append("user.created", {"kind": "User", "id": name}, {})
    if admin:
        roles.grant(unit, "admin", name, bootstrap=True)
    return index


def user_names(ctx: Context) -> list[tuple[str, str]]:
    """Every account's name and e-mail address."""
    with ctx.read() as conn:
        return [(u.name, u.email) for u in rows.users(conn)]


def login(ctx: Context, name: str, password: str) -> str | None:
    """A new session id when the password matches, else None (same cost either way)."""
    with ctx.store.unlogged() as conn:
        user = rows.user(conn, name)
        if not passwords.check_password(user.password_hash if user else None, password):
            return None
        assert user is not None
        if passwords.needs_rehash(user.password_hash):
            rows.set_password(conn, name, passwords.hash_password(password))
        now = ctx.clock()
        secret = passwords.new_secret()
        expires = iso(now + dt.timedelta(hours=SESSION_HOURS))
        rows.end_sessions(conn, before=iso(now))
        rows.insert_session(conn, passwords.digest(secret), name, expires)
    return secret


def session_user(ctx: Context, secret: str) -> str | None:
    """The user of a live session, or None."""
    with ctx.store.read() as conn:
        return rows.session_user(conn, passwords.digest(secret), iso(ctx.clock()))


def logout(ctx: Context, secret: str) -> None:
    """End the session (idempotent)."""
    with ctx.store.unlogged() as conn:
        rows.end_sessions(conn, digest=passwords.digest(secret))


def create_token(unit: Unit, user: str, scopes: tuple[str, ...]) -> tuple[str, str]:
    """A new token for `user` (the actor, or an admin acting for them): (id, secret). The
    secret is shown once; only its digest is kept."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise DocumentError("<token>", None, "scopes", f"choose from {', '.join(SCOPES)}")
    if user != unit.actor:
        roles.require_role(unit.conn, unit.actor, "admin")
    if rows.user(unit.conn, user) is None:
        raise ConflictError(f"no user {user}")
    token_id = "tok-" + secrets.token_hex(6)
    secret = "rp_" + passwords.new_secret()
    rows.insert_token(
        unit.conn,
        rows.TokenRow(token_id, passwords.digest(secret), user, " ".join(scopes), unit.log.time, 0),
    )
    unit.log.append(
        "token.created", {"kind": "Token", "id": token_id}, {"user": user, "scopes": list(scopes)}
    )
    return token_id, secret


def token_info(ctx: Context, secret: str) -> TokenInfo | None:
    """What a presented token may do, or None when it is unknown or revoked."""
    with ctx.store.read() as conn:
        row = rows.token_by_digest(conn, passwords.digest(secret))
    if row is None:
        return None
    return TokenInfo(row.token_id, row.user_name, tuple(row.scopes.split()))


def preferences(ctx: Context, user: str) -> dict[str, bool]:
    """Every notification event and whether `user` receives it (default: yes)."""
    with ctx.store.read() as conn:
        chosen = rows.preferences(conn, user)
    return {e: chosen.get(e, True) for e in EVENTS}


def set_preferences(ctx: Context, user: str, choices: dict[str, bool]) -> None:
    """Record which notifications `user` receives."""
    bad = [e for e in choices if e not in EVENTS]
    if bad:
        raise DocumentError("<preferences>", None, bad[0], f"unknown; one of {', '.join(EVENTS)}")
    with ctx.store.unlogged() as conn:
        for event, on in choices.items():
            rows.set_preference(conn, user, event, on)
