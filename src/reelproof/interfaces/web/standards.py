"""The standards: every stored pack version, its dates and rule counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from reelproof.interfaces.web import auth
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]


@router.get("/api/v1/standards", tags=["standards"])
def api_standards(request: Request, who: Who) -> list[dict[str, Any]]:
    """Every stored standards pack version (anyone logged in: the rules are no secret)."""
    return auth.store_for(request, who).standards()


@router.get("/standards", response_class=HTMLResponse, include_in_schema=False)
def standards_page(request: Request, who: Who) -> HTMLResponse:
    packs = auth.store_for(request, who).standards()
    return page(request, "standards.html", who, packs=packs)
