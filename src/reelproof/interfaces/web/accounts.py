"""Logging in and out, the user's own settings (notifications, API tokens) and, for admins,
accounts. The health endpoint lives here too: it is what a proxy polls."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

import reelproof
from reelproof.interfaces.web import auth
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]


class TokenRequest(BaseModel):
    """A new API token: for whom (default: yourself) and with which scopes."""

    user: str | None = None
    scopes: list[str] = Field(default_factory=lambda: ["read"])


class TokenCreated(BaseModel):
    """The token's id and its secret, shown this once."""

    token_id: str
    token: str
    user: str
    scopes: list[str]


class UserRequest(BaseModel):
    """A new local account."""

    name: str
    password: str
    email: str = ""
    admin: bool = False


class Me(BaseModel):
    """Who the credential belongs to, and the roles they hold."""

    user: str
    roles: list[dict[str, str | None]]
    scopes: list[str]


@router.get("/api/health", tags=["server"])
async def health() -> dict[str, str]:
    """The server answers (no database work): what a proxy or load balancer polls."""
    return {"status": "ok", "version": reelproof.__version__}


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form, with a fresh CSRF token for it."""
    return page(request, "login.html", None, next=_local(next), error=None)


def _local(target: str) -> str:
    """Only a path on this site: a login never redirects elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Checks the password (rate limited) and starts a session in a Secure, HttpOnly cookie."""
    auth.require(_same_origin(request), "a login must come from this site's own form")
    limit: auth.RateLimit = request.app.state.login_limit
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{name}", f"ip:{client}")
    if limit.blocked(keys):
        return page(
            request,
            "login.html",
            None,
            429,
            next=_local(next),
            error="too many failed attempts: wait a few minutes and try again",
        )
    store: reelproof.Store = request.app.state.store
    session = store.login(name, password)
    if session is None:
        limit.failed(keys)
        return page(
            request, "login.html", None, 401, next=_local(next), error="wrong name or password"
        )
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        session,
        max_age=12 * 3600,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, who: Who, csrf: Annotated[str, Form()] = "") -> Response:
    """Ends the session on the server, not only in the browser."""
    auth.check_csrf(request, who, csrf)
    if who.session:
        request.app.state.store.logout(who.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", secure=True, httponly=True)
    return response


@router.get("/api/v1/me", tags=["accounts"])
def me(who: Who) -> Me:
    """The credential's user, roles and scopes."""
    return Me(
        user=who.user,
        roles=[
            {"role": r.role, "production": r.production, "for_performer": r.for_performer}
            for r in who.roles
        ],
        scopes=sorted(who.scopes),
    )


@router.post("/api/v1/tokens", tags=["accounts"], status_code=201)
def create_token(request: Request, who: Who, body: TokenRequest) -> TokenCreated:
    """A new API token for yourself (an admin may make one for anyone); keep the secret."""
    store = auth.writing(request, who)
    user = body.user or who.user
    token_id, secret = store.create_token(user, body.scopes)
    return TokenCreated(token_id=token_id, token=secret, user=user, scopes=body.scopes)


@router.get("/api/v1/users", tags=["accounts"])
def users(request: Request, who: Who) -> list[dict[str, str]]:
    """Every account (admins only)."""
    auth.require(who.admin, "only an admin lists accounts")
    return [{"name": n, "email": e} for n, e in auth.store_for(request, who).users()]


@router.post("/api/v1/users", tags=["accounts"], status_code=201)
def add_user(request: Request, who: Who, body: UserRequest) -> dict[str, str | int]:
    """Create a local account (admins only)."""
    auth.require(who.admin, "only an admin creates accounts")
    store = auth.writing(request, who)
    index = store.add_user(body.name, body.password, email=body.email, admin=body.admin)
    return {"name": body.name, "log_index": index}


@router.get("/api/v1/me/notifications", tags=["accounts"])
def notifications(request: Request, who: Who) -> dict[str, bool]:
    """Which e-mail notifications you receive."""
    return auth.store_for(request, who).notification_preferences(who.user)


@router.put("/api/v1/me/notifications", tags=["accounts"])
def set_notifications(request: Request, who: Who, body: dict[str, bool]) -> dict[str, bool]:
    """Choose which e-mail notifications you receive."""
    store = auth.writing(request, who)
    store.set_notification_preferences(who.user, body)
    return store.notification_preferences(who.user)


@router.get("/settings", response_class=HTMLResponse, include_in_schema=False)
def settings_page(request: Request, who: Who) -> HTMLResponse:
    """A person's own notification choices and API tokens."""
    store = auth.store_for(request, who)
    return page(
        request,
        "settings.html",
        who,
        prefs=store.notification_preferences(who.user),
        token=None,
    )


@router.post("/settings/notifications", include_in_schema=False)
async def settings_save(request: Request, who: Who) -> Response:
    """Stores which notifications this person wants."""
    form = await request.form()
    store = auth.writing(request, who, str(form.get("csrf", "")))
    store.set_notification_preferences(
        who.user, {e: form.get(e) == "on" for e in reelproof.NOTIFICATION_EVENTS}
    )
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/token", response_class=HTMLResponse, include_in_schema=False)
def settings_token(
    request: Request,
    who: Who,
    csrf: Annotated[str, Form()] = "",
    write: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Creates an API token; its secret is shown once and only its hash is kept."""
    store = auth.writing(request, who, csrf)
    scopes = ("read", "write") if write else ("read",)
    token_id, secret = store.create_token(who.user, scopes)
    return page(
        request,
        "settings.html",
        who,
        prefs=store.notification_preferences(who.user),
        token={"id": token_id, "secret": secret, "scopes": " ".join(scopes)},
    )
