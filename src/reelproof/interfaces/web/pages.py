"""Rendering pages: every template gets the user and the CSRF token, autoescaped."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from reelproof.interfaces.web.auth import Principal


def page(
    request: Request, name: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """The template `name` rendered for `who` (Any: whatever the template shows)."""
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, {"who": who, **context}, status_code=status
    )
    return response
