"""The FastAPI application: one store opened per process, acting per request as the
logged-in user; security headers on every answer; errors as JSON for the API and as a page
for browsers, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

import reelproof
from reelproof.interfaces.web import (
    accounts,
    auditlog,
    auth,
    pilots,
    productions,
    standards,
    talent,
)
from reelproof.interfaces.web.pages import page

_log = logging.getLogger("reelproof.web")
_HERE = resources.files("reelproof.interfaces.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_STATUS = (
    (reelproof.NotFoundError, 404),
    (reelproof.ConflictError, 409),
    (reelproof.DocumentError, 422),
)


def templates() -> Jinja2Templates:
    """Jinja2 with autoescaping on for every template: user text is data, never markup."""
    env = Environment(
        loader=FileSystemLoader(str(_HERE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def create_app(url: str | None = None) -> FastAPI:
    """The app over the store at `url` (default as on the command line)."""
    app = FastAPI(
        title="reelproof",
        version=reelproof.__version__,
        description="Generative-AI production standards for film and TV: declarations, "
        "decisions, approvals, consents and the verifiable audit log.",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
    )
    app.state.store = reelproof.Store(url)
    app.state.templates = templates()
    app.state.login_limit = auth.RateLimit()
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    for module in (accounts, productions, talent, auditlog, standards, pilots):
        app.include_router(module.router)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(reelproof.ReelproofError)
    async def user_error(request: Request, exc: reelproof.ReelproofError) -> Response:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
        return _error(request, status, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return _error(request, 422, problems or "invalid request")

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        _log.error("internal error on %s %s: %r", request.method, request.url.path, exc)
        return _error(request, 500, "internal error; the server log has the details")

    return app


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_html(request):
        return page(request, "error.html", None, status, status_code=status, message=message)
    return JSONResponse({"error": message}, status_code=status)
