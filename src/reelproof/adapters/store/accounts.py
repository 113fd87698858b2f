"""Web accounts: users, hashed API tokens, browser sessions, notification preferences.

None of these rows is recorded in the audit log: a password hash, a token digest or a
session must never be copied into an entry that auditors export. The services log that a
user or token was created as a plain entry without any secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema


@dataclass(frozen=True)
class UserRow:
    """A local account; `password_hash` is argon2id text (salt and cost inside)."""

    name: str
    password_hash: str
    email: str
    created_at: str
    created_by: str


@dataclass(frozen=True)
class TokenRow:
    """An API token as stored: its digest, never the token."""

    token_id: str
    digest: str
    user_name: str
    scopes: str
    created_at: str
    revoked: int


def user(conn: Connection, name: str) -> UserRow | None:
    """One account, or None."""
    t = schema.users
    r = conn.execute(sa.select(t).where(t.c.name == name)).first()
    return None if r is None else UserRow(**r._mapping)


def users(conn: Connection) -> list[UserRow]:
    """Every account, by name."""
    t = schema.users
    return [UserRow(**r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.name))]


def insert_user(conn: Connection, row: UserRow) -> None:
    """Store a new account (the caller checked the name is free)."""
    conn.execute(schema.users.insert().values(**row.__dict__))


def set_password(conn: Connection, name: str, password_hash: str) -> None:
    """Replace an account's hash (a re-hash with newer parameters, or a new password)."""
    t = schema.users
    conn.execute(t.update().where(t.c.name == name).values(password_hash=password_hash))


def insert_token(conn: Connection, row: TokenRow) -> None:
    """Store a token's digest and scopes."""
    conn.execute(schema.api_tokens.insert().values(**row.__dict__))


def token_by_digest(conn: Connection, digest: str) -> TokenRow | None:
    """The live token with this digest, or None."""
    t = schema.api_tokens
    r = conn.execute(sa.select(t).where(t.c.digest == digest, t.c.revoked == 0)).first()
    return None if r is None else TokenRow(**r._mapping)


def revoke_token(conn: Connection, token_id: str, user_name: str) -> bool:
    """Revoke one of the user's tokens; False when there was none to revoke."""
    t = schema.api_tokens
    done = conn.execute(
        t.update()
        .where(t.c.token_id == token_id, t.c.user_name == user_name, t.c.revoked == 0)
        .values(revoked=1)
    )
    return bool(done.rowcount)


def insert_session(conn: Connection, digest: str, user_name: str, expires_at: str) -> None:
    """Start a browser session."""
    conn.execute(
        schema.web_sessions.insert().values(
            digest=digest, user_name=user_name, expires_at=expires_at
        )
    )


def session_user(conn: Connection, digest: str, now: str) -> str | None:
    """The user of a session that has not expired, or None."""
    t = schema.web_sessions
    r = conn.execute(
        sa.select(t.c.user_name).where(t.c.digest == digest, t.c.expires_at > now)
    ).first()
    return None if r is None else str(r[0])


def end_sessions(conn: Connection, *, digest: str | None = None, before: str | None = None) -> None:
    """End one session (logout) and every session that expired before `before`."""
    t = schema.web_sessions
    if digest is not None:
        conn.execute(t.delete().where(t.c.digest == digest))
    if before is not None:
        conn.execute(t.delete().where(t.c.expires_at <= before))


def preferences(conn: Connection, user_name: str) -> dict[str, bool]:
    """The notification choices a person made (events not listed take the default)."""
    t = schema.notification_prefs
    rows = conn.execute(sa.select(t.c.event, t.c.enabled).where(t.c.user_name == user_name))
    return {str(e): bool(on) for e, on in rows}


def set_preference(conn: Connection, user_name: str, event: str, enabled: bool) -> None:
    """Record one choice, replacing the earlier one."""
    t = schema.notification_prefs
    conn.execute(t.delete().where(t.c.user_name == user_name, t.c.event == event))
    conn.execute(t.insert().values(user_name=user_name, event=event, enabled=int(enabled)))
