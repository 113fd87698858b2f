"""Pilot forms: a creative-satisfaction survey a person answers once, under a pseudonym, and
the contribution records of a production (who did what, human and AI), with their REST
routes. Both store exactly what `survey import` and `contribution add` store, through the
public API, acting as the logged-in user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

import reelproof
from reelproof.interfaces.web import auth
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]
FORM = "<form>"
HUMAN_ROWS, AI_ROWS = 4, 3  # blank rows on the contribution form
SUBJECTS = ("element", "scene", "asset")


class SurveyAnswers(BaseModel):
    """One person's answers: their role (one of the survey's), the production they worked
    on, and an answer per question id (a whole number on a Likert question, else text)."""

    role: str
    production: str
    answers: dict[str, int | str] = {}


class HumanPartIn(BaseModel):
    """A person's part, as they would be credited."""

    role: str
    name: str
    share: float
    did: str = ""


class AIPartIn(BaseModel):
    """An AI tool's part."""

    tool: str
    share: float
    did: str = ""


class ContributionIn(BaseModel):
    """Who did what on one element, scene or asset; shares add to 100."""

    id: str
    ref: str
    department: str
    subject: str = "element"
    declaration: str | None = None
    humans: list[HumanPartIn] = []
    ai: list[AIPartIn] = []


def _survey(store: reelproof.Store, survey: str) -> dict[str, Any]:
    found = next((s for s in store.surveys() if s["id"] == survey), None)
    if found is None:
        raise reelproof.NotFoundError(f"no SatisfactionSurvey with id {survey!r}")
    return found


def _answer(
    request: Request,
    who: auth.Principal,
    survey: str,
    role: str,
    production: str,
    answers: Mapping[str, str],
    csrf: str | None = None,
) -> reelproof.AppliedDocument:
    """Respondents answer for a production they work on (may read), so nobody outside it
    can move its satisfaction numbers."""
    auth.require(who.reads(production), f"{who.user} does not work on production {production}")
    store = auth.writing(request, who, csrf)
    return store.answer_survey(survey, role=role, production=production, answers=answers)


def _add(
    request: Request, who: auth.Principal, production: str, body: ContributionIn, csrf: str = ""
) -> reelproof.AppliedDocument:
    auth.require(
        who.declares(production), f"{who.user} may not record contributions on {production}"
    )
    return auth.writing(request, who, csrf).add_contribution(
        body.id,
        production=production,
        ref=body.ref,
        department=body.department,
        subject=body.subject,
        declaration=body.declaration or None,
        humans=[h.model_dump() for h in body.humans],
        ai=[a.model_dump() for a in body.ai],
    )


# --- REST -----------------------------------------------------------------------------------


@router.get("/api/v1/surveys", tags=["pilots"])
def api_surveys(request: Request, who: Who) -> list[dict[str, Any]]:
    """Every survey with its roles and questions (what a respondent is asked)."""
    return auth.store_for(request, who).surveys()


@router.post("/api/v1/surveys/{survey}/responses", tags=["pilots"], status_code=201)
def api_answer(request: Request, who: Who, survey: str, body: SurveyAnswers) -> dict[str, Any]:
    """Answer a survey once, stored under your pseudonym (409 when you already answered)."""
    answers = {q: str(v) for q, v in body.answers.items()}
    return asdict(_answer(request, who, survey, body.role, body.production, answers))


@router.get("/api/v1/productions/{production}/contributions", tags=["pilots"])
def api_contributions(request: Request, who: Who, production: str) -> dict[str, Any]:
    """The production's contribution records, credit lines and shares per department."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    return auth.store_for(request, who).contributions(production)


@router.post("/api/v1/productions/{production}/contributions", tags=["pilots"])
def api_add_contribution(
    request: Request, who: Who, production: str, body: ContributionIn
) -> dict[str, Any]:
    """Record who did what (production members and admins)."""
    return asdict(_add(request, who, production, body))


# --- pages ----------------------------------------------------------------------------------


@router.get("/surveys/{survey}", response_class=HTMLResponse, include_in_schema=False)
def survey_page(request: Request, who: Who, survey: str) -> HTMLResponse:
    """The survey as a form: the survey's own roles, Likert scales and free-text questions."""
    store = auth.store_for(request, who)
    productions = who.readable(str(p["id"]) for p in store.productions())
    return page(
        request,
        "survey.html",
        who,
        survey=_survey(store, survey),
        productions=productions,
        done=request.query_params.get("done") == "1",
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/surveys/{survey}", include_in_schema=False)
async def survey_submit(request: Request, who: Who, survey: str) -> Response:
    """Stores the answers under the person's pseudonym; a second answer is refused (409)."""
    form = await _form(request)
    auth.check_csrf(request, who, form.get("csrf"))
    questions = [str(q["id"]) for q in _survey(auth.store_for(request, who), survey)["questions"]]
    answers = {q: form.get(f"q-{q}", "") for q in questions}
    role, production = form.get("role", ""), form.get("production", "")
    _answer(request, who, survey, role, production, answers, form.get("csrf", ""))
    return RedirectResponse(f"/surveys/{survey}?done=1", status_code=303)


def _share(form: Mapping[str, str], field: str) -> float:
    text = form.get(field, "").strip()
    try:
        return float(text)
    except ValueError:
        raise reelproof.DocumentError(FORM, None, field, f"{text!r} is not a percentage") from None


def form_contribution(form: Mapping[str, str]) -> ContributionIn:
    """The record the production page's form describes; a row without a name (or tool) is
    left out, so the blank rows cost nothing."""
    humans = [
        HumanPartIn(
            role=form.get(f"human_role_{i}", ""),
            name=form.get(f"human_name_{i}", "").strip(),
            share=_share(form, f"human_share_{i}"),
            did=form.get(f"human_did_{i}", ""),
        )
        for i in range(HUMAN_ROWS)
        if form.get(f"human_name_{i}", "").strip()
    ]
    ai = [
        AIPartIn(
            tool=form.get(f"ai_tool_{i}", "").strip(),
            share=_share(form, f"ai_share_{i}"),
            did=form.get(f"ai_did_{i}", ""),
        )
        for i in range(AI_ROWS)
        if form.get(f"ai_tool_{i}", "").strip()
    ]
    return ContributionIn(
        id=form.get("id", ""),
        ref=form.get("ref", ""),
        department=form.get("department", ""),
        subject=form.get("subject", "element"),
        declaration=form.get("declaration") or None,
        humans=humans,
        ai=ai,
    )


@router.post("/productions/{production}/contributions", include_in_schema=False)
async def contribution_submit(request: Request, who: Who, production: str) -> Response:
    """Records the contribution from the production page and returns to it."""
    form = await _form(request)
    auth.check_csrf(request, who, form.get("csrf"))
    _add(request, who, production, form_contribution(form), form.get("csrf", ""))
    return RedirectResponse(f"/productions/{production}#contributions", status_code=303)
