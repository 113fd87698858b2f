"""The performer's portal: every use of my likeness and voice, my consents and what I am
owed, revoking a consent (the uses it covered go back to review), my biometric references
and their deletion.
A performer, agent or estate sees only the records of the performers they hold the role for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

import reelproof
from reelproof.interfaces.web import auth
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]


class RevokeRequest(BaseModel):
    """Why the consent is withdrawn, and from which day (default today)."""

    note: str
    at: dt.date | None = None


def _consent(store: reelproof.Store, consent: str) -> reelproof.ConsentStatus:
    for c in store.consents():
        if c.id == consent:
            return c
    raise reelproof.NotFoundError(f"no consent {consent!r}")


def _revoke(
    request: Request,
    who: auth.Principal,
    consent: str,
    note: str,
    at: dt.date | None,
    csrf: str | None = None,
) -> reelproof.Revocation:
    store = auth.store_for(request, who)
    c = _consent(store, consent)
    auth.require(who.speaks_for(c.performer), f"{who.user} does not act for {c.performer}")
    return auth.writing(request, who, csrf).revoke_consent(consent, note=note, at=at)


@router.get("/api/v1/performers/{performer}", tags=["talent"])
def api_performer(request: Request, who: Who, performer: str) -> dict[str, Any]:
    """Every use of the performer's likeness and voice, consents, replicas, what is owed and
    the biometric references (listed, never their content; the read is logged)."""
    auth.require(who.sees_performer(performer), f"{who.user} may not see {performer}'s records")
    return auth.store_for(request, who).performer(performer)


@router.get("/api/v1/performers/{performer}/consents", tags=["talent"])
def api_consents(request: Request, who: Who, performer: str) -> list[dict[str, Any]]:
    """The performer's consents as they stand today."""
    auth.require(who.sees_performer(performer), f"{who.user} may not see {performer}'s records")
    return [asdict(c) for c in auth.store_for(request, who).consents(performer)]


@router.post("/api/v1/consents/{consent}/revoke", tags=["talent"])
def api_revoke(request: Request, who: Who, consent: str, body: RevokeRequest) -> dict[str, Any]:
    """Withdraw a consent (the performer, their agent or estate, or an admin): every use it
    covered is decided again and goes back to review."""
    return asdict(_revoke(request, who, consent, body.note, body.at))


class ForgetRequest(BaseModel):
    """Why the biometric references are deleted (kept in the audit log)."""

    reason: str


def _forget(
    request: Request, who: auth.Principal, performer: str, reason: str, csrf: str | None = None
) -> list[str]:
    auth.require(who.speaks_for(performer), f"{who.user} does not act for {performer}")
    return auth.writing(request, who, csrf).forget_biometrics(performer, reason=reason)


@router.post("/api/v1/performers/{performer}/biometrics/forget", tags=["talent"])
def api_forget(
    request: Request, who: Who, performer: str, body: ForgetRequest
) -> dict[str, list[str]]:
    """Delete the performer's biometric references (the performer's people or an admin)."""
    return {"deleted": _forget(request, who, performer, body.reason)}


@router.post("/performers/{performer}/biometrics/forget", include_in_schema=False)
def forget_form(
    request: Request,
    who: Who,
    performer: str,
    reason: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Deletes the performer's biometric references at their request (logged)."""
    _forget(request, who, performer, reason, csrf)
    return RedirectResponse(f"/performers/{performer}", status_code=303)


@router.get("/portal", include_in_schema=False)
def portal(who: Who) -> Response:
    """Sends a performer to their own page; they see no one else's records."""
    mine = sorted(who.performers)
    target = f"/performers/{mine[0]}" if len(mine) == 1 else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/performers/{performer}", response_class=HTMLResponse, include_in_schema=False)
def performer_page(request: Request, who: Who, performer: str) -> HTMLResponse:
    """Every use of the performer's likeness and voice, their consents and what they are owed."""
    auth.require(who.sees_performer(performer), f"{who.user} may not see {performer}'s records")
    view = auth.store_for(request, who).performer(performer)
    return page(
        request,
        "performer.html",
        who,
        view=view,
        performer=performer,
        can_revoke=who.speaks_for(performer),
        revoked=request.query_params.get("revoked"),
    )


@router.post("/consents/{consent}/revoke", include_in_schema=False)
def revoke_form(
    request: Request,
    who: Who,
    consent: str,
    note: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Revokes a consent; the uses it covered go back to review."""
    result = _revoke(request, who, consent, note, None, csrf)
    performer = _consent(auth.store_for(request, who), consent).performer
    return RedirectResponse(f"/performers/{performer}?revoked={result.consent}", status_code=303)
