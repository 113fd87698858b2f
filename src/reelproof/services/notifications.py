"""E-mail to the people a change concerns, as each of them chose (services.accounts).

Sent after the change has committed: a message never announces what might roll back, and a
mail server that is down never undoes a change (its error is returned, for the caller to
report). Without SMTP configured nothing is sent.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable

from reelproof.adapters import mail
from reelproof.adapters.store import accounts as rows
from reelproof.services import roles
from reelproof.services.context import Context


def _addresses(ctx: Context, event: str, people: Iterable[str]) -> list[str]:
    wanted = set(people)
    with ctx.store.read() as conn:
        out = []
        for u in rows.users(conn):
            if u.name in wanted and u.email and rows.preferences(conn, u.name).get(event, True):
                out.append(u.email)
    return sorted(out)


def approvers_of(ctx: Context, production: str) -> list[str]:
    """Who may approve uses on `production` (a global grant counts)."""
    with ctx.read() as conn:
        return sorted(
            {
                g.who
                for g in roles.held(conn)
                if g.role in ("approver", "admin") and g.production in ("", production)
            }
        )


def speakers_for(ctx: Context, performer: str) -> list[str]:
    """The performer's own accounts, agents and estate (performer role for them)."""
    with ctx.read() as conn:
        return sorted(
            {
                g.who
                for g in roles.held(conn)
                if g.role == "performer" and g.for_performer == performer
            }
        )


def notify(ctx: Context, event: str, people: Iterable[str], subject: str, body: str) -> list[str]:
    """Mail everyone in `people` who has an address and wants `event`; returns the problems
    (one line each, never a password)."""
    mailer = mail.configured()
    if mailer is None:
        return []
    problems = []
    for to in _addresses(ctx, event, people):
        try:
            mailer.send(to, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            problems.append(f"mail to {to} not sent: {type(exc).__name__}: {exc}")
    return problems
