"""Who is asking and what they may do: sessions, API tokens, CSRF, the login rate limit.

A request is authenticated by the session cookie (browsers) or `Authorization: Bearer`
(scripts); a cookie-authenticated request that changes anything must carry the CSRF token
(form field `csrf` or header `X-CSRF-Token`), which is a hash of the session id: it cannot
be made without the cookie, and leaking it reveals nothing about the session. What a user
may do comes from the role records in the store (`reelproof role grant`), read per request.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import HTTPException, Request

import reelproof

SESSION_COOKIE = "__Host-reelproof"
CSRF_HEADER = "X-CSRF-Token"
READ_ROLES = ("admin", "auditor", "production_member", "approver", "standards_owner")


def csrf_for(session: str) -> str:
    """The CSRF token of a session (deterministic: every worker computes the same)."""
    return hashlib.sha256(b"reelproof-csrf\0" + session.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The user behind a request, the roles they hold now and what the credential allows."""

    user: str
    roles: tuple[reelproof.RoleHeld, ...]
    scopes: frozenset[str]
    session: str | None  # the cookie's session id; None for a bearer token

    @property
    def csrf(self) -> str:
        """The token forms carry (empty for bearer tokens, which need none)."""
        return csrf_for(self.session) if self.session else ""

    def has(self, role: str, production: str | None = None) -> bool:
        """Holds `role` for every production, or for `production`."""
        return any(
            r.role == role and (r.production is None or r.production == production)
            for r in self.roles
        )

    @property
    def admin(self) -> bool:
        """An admin may do everything an admin's work needs (not approve for others)."""
        return self.has("admin")

    def role_names(self) -> set[str]:
        """The roles held, whatever their production."""
        return {r.role for r in self.roles}

    def reads(self, production: str) -> bool:
        """May see the production's declarations, decisions and assets."""
        return any(self.has(r, production) for r in READ_ROLES)

    def declares(self, production: str) -> bool:
        """May declare AI uses (and store documents) for the production."""
        return self.has("admin") or self.has("production_member", production)

    def approves(self, production: str) -> bool:
        """May give or refuse written approval on the production."""
        return self.has("approver", production)

    @property
    def performers(self) -> set[str]:
        """Whose records this person sees as performer, agent or estate."""
        return {r.for_performer for r in self.roles if r.role == "performer" and r.for_performer}

    def sees_performer(self, performer: str) -> bool:
        """May see a performer's portal: the performer's own people, admins, auditors."""
        return performer in self.performers or self.admin or self.has("auditor")

    def speaks_for(self, performer: str) -> bool:
        """May revoke the performer's consents: their own people, or an admin."""
        return performer in self.performers or self.admin

    def readable(self, productions: Iterable[str]) -> list[str]:
        """The productions among `productions` this person may read."""
        return [p for p in productions if self.reads(p)]


def forbid(why: str) -> HTTPException:
    """403 with a reason a person can act on."""
    return HTTPException(status_code=403, detail=why)


def require(allowed: bool, why: str) -> None:
    """Refuse with 403 unless `allowed`."""
    if not allowed:
        raise forbid(why)


def principal(request: Request) -> Principal | None:
    """The authenticated user of the request, or None (no or dead credentials)."""
    store: reelproof.Store = request.app.state.store
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = store.token(header[7:].strip())
        if token is None:
            return None
        return Principal(token.user, tuple(store.roles(token.user)), frozenset(token.scopes), None)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None
    user = store.session_user(session)
    if user is None:
        return None
    return Principal(user, tuple(store.roles(user)), frozenset(("read", "write")), session)


def check_csrf(request: Request, who: Principal, form_token: str | None) -> None:
    """A cookie-authenticated change must carry the session's CSRF token."""
    if who.session is None:
        return
    given = form_token or request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(given, who.csrf):
        raise forbid("the form's CSRF token is missing or stale: reload the page and try again")


class RateLimit:
    """At most `limit` failed logins per key (user name, client address) in `window` seconds,
    per server process."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, keys: Iterable[str]) -> bool:
        """Whether any key has used up its attempts."""
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed attempt against each key."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)


def current(request: Request) -> Principal:
    """The request's user; 401 (a browser is sent to the login page) when there is none."""
    who = principal(request)
    if who is None:
        raise HTTPException(status_code=401, detail="log in, or send a valid API token")
    return who


def store_for(request: Request, who: Principal) -> reelproof.Store:
    """The store acting as the request's user (their name goes into the audit log)."""
    store: reelproof.Store = request.app.state.store
    return store.as_actor(who.user)


def writing(request: Request, who: Principal, form_token: str | None = None) -> reelproof.Store:
    """The store for a change: the credential must allow writing and, for a browser, the
    request must carry the session's CSRF token."""
    require("write" in who.scopes, "this API token has no write scope")
    check_csrf(request, who, form_token)
    return store_for(request, who)
