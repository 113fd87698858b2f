"""The standards: every stored pack version, a pack's rules, what changed between two
versions. Anyone logged in may read them: the rules are no secret."""

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
    """The packs in force and their versions."""
    packs = auth.store_for(request, who).standards()
    return page(request, "standards.html", who, packs=packs)


@router.get("/api/v1/standards/{pack}", tags=["standards"])
def api_pack(request: Request, who: Who, pack: str) -> dict[str, Any]:
    """One pack (`id` or `id@version`) with every rule, its source and verification."""
    return auth.store_for(request, who).pack(pack)


@router.get("/api/v1/standards/{pack}/diff/{other}", tags=["standards"])
def api_pack_diff(request: Request, who: Who, pack: str, other: str) -> dict[str, Any]:
    """What changed from `pack` to `other` (both `id@version`)."""
    return auth.store_for(request, who).pack_diff(pack, other)


@router.get("/standards/{pack}", response_class=HTMLResponse, include_in_schema=False)
def pack_page(request: Request, who: Who, pack: str) -> HTMLResponse:
    """A pack's rules, and how it differs from another version."""
    store = auth.store_for(request, who)
    shown = store.pack(pack)
    versions = [p["version"] for p in store.standards() if p["id"] == shown["id"]]
    compare = request.query_params.get("compare")
    diff = store.pack_diff(f"{shown['id']}@{compare}", pack) if compare else None
    return page(request, "pack.html", who, pack=shown, versions=versions, diff=diff)
