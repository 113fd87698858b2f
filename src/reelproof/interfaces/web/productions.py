"""Productions, declarations, decisions and approvals: the dashboard, the declare form with
its live decision preview, the decision page and the approver's queue, with their REST
routes. Every change goes through the public API, acting as the logged-in user."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

import reelproof
from reelproof.interfaces.web import auth, pilots
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]
WAITING = ("awaiting_approval", "needs_review")
TALENT_FIELDS = ("use", "replica_type", "alteration")


class Documents(BaseModel):
    """YAML (or JSON) text of one or more reelproof documents."""

    text: str
    name: str = "<api>"


class AnswerRequest(BaseModel):
    """A written approval or refusal: a note and the conditions attached."""

    note: str | None = None
    conditions: str | None = None


def decision_data(d: reelproof.Decision) -> dict[str, Any]:
    """A decision as the API returns it: `decide --format json` plus the status's reason."""
    return {**d.to_data(), "status_reason": d.status_reason}


def _check_documents(store: reelproof.Store, who: auth.Principal, text: str, name: str) -> None:
    """Refuse a document the user may not store: declarations need membership of their
    production, everything else (productions, performers, consents) an admin."""
    for kind, key, production in store.documents_in(text, name):
        if kind == "AIUseDeclaration":
            auth.require(
                who.declares(production or ""),
                f"{who.user} may not declare for production {production}",
            )
        else:
            auth.require(who.admin, f"only an admin stores {kind} documents ({key})")


def _readable_productions(store: reelproof.Store, who: auth.Principal) -> list[dict[str, Any]]:
    return [p for p in store.productions() if who.reads(str(p["id"]))]


# --- REST -----------------------------------------------------------------------------------


@router.get("/api/v1/productions", tags=["productions"])
def api_productions(request: Request, who: Who) -> list[dict[str, Any]]:
    """The productions you may read."""
    return _readable_productions(auth.store_for(request, who), who)


@router.get("/api/v1/productions/{production}/declarations", tags=["productions"])
def api_declarations(request: Request, who: Who, production: str) -> list[dict[str, Any]]:
    """Where each declaration of the production stands (as stored: reading decides nothing)."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    return [asdict(s) for s in auth.store_for(request, who).statuses(production)]


@router.get("/api/v1/productions/{production}/assets", tags=["productions"])
def api_assets(request: Request, who: Who, production: str) -> list[dict[str, Any]]:
    """The production's registered media, with classification, links and flags."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    return auth.store_for(request, who).assets(production)


@router.get("/api/v1/productions/{production}/checks", tags=["productions"])
def api_checks(request: Request, who: Who, production: str) -> list[dict[str, Any]]:
    """Every recorded delivery check of the production, oldest first."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    return auth.store_for(request, who).delivery_checks(production)


@router.post("/api/v1/documents", tags=["declarations"])
def api_apply(request: Request, who: Who, body: Documents) -> list[dict[str, Any]]:
    """Store documents (declarations, productions, consents…) all or nothing, and return
    the decisions they made."""
    store = auth.writing(request, who)
    _check_documents(store, who, body.text, body.name)
    return [
        {
            "file": r.file,
            "documents": [asdict(d) for d in r.documents],
            "decisions": [decision_data(d) for d in r.decisions],
        }
        for r in store.apply_text(body.text, body.name)
    ]


@router.post("/api/v1/preview", tags=["declarations"])
def api_preview(request: Request, who: Who, body: Documents) -> list[dict[str, Any]]:
    """What storing the documents would decide; nothing is stored or logged."""
    store = auth.store_for(request, who)
    _check_documents(store, who, body.text, body.name)
    return [decision_data(d) for d in store.preview(body.text, body.name)]


@router.get("/api/v1/declarations/{production}/{declaration}", tags=["declarations"])
def api_decision(request: Request, who: Who, production: str, declaration: str) -> dict[str, Any]:
    """The declaration's current decision: tier, rules with citations, obligations, status."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    d = auth.store_for(request, who).decision(f"{production}/{declaration}")
    if d is None:
        raise reelproof.NotFoundError(f"{production}/{declaration} has not been decided yet")
    return decision_data(d)


@router.post("/api/v1/declarations/{production}/{declaration}/decide", tags=["declarations"])
def api_decide(request: Request, who: Who, production: str, declaration: str) -> dict[str, Any]:
    """Decide the declaration again under the stored standards and consents."""
    auth.require(who.declares(production), f"{who.user} may not decide on {production}")
    return decision_data(auth.writing(request, who).decide(f"{production}/{declaration}"))


def _answer(
    request: Request,
    who: auth.Principal,
    verdict: str,
    key: str,
    note: str | None,
    conditions: str | None,
    csrf: str | None = None,
) -> reelproof.Answer:
    production = key.split("/", 1)[0]
    auth.require(who.approves(production), f"{who.user} is no approver for {production}")
    store = auth.writing(request, who, csrf)
    answer = store.approve if verdict == "approved" else store.reject
    return answer(key, by=who.user, note=note or None, conditions=conditions or None)


@router.post("/api/v1/declarations/{production}/{declaration}/approve", tags=["approvals"])
def api_approve(
    request: Request, who: Who, production: str, declaration: str, body: AnswerRequest
) -> dict[str, Any]:
    """Give written approval to the current decision (approvers of the production)."""
    key = f"{production}/{declaration}"
    return asdict(_answer(request, who, "approved", key, body.note, body.conditions))


@router.post("/api/v1/declarations/{production}/{declaration}/reject", tags=["approvals"])
def api_reject(
    request: Request, who: Who, production: str, declaration: str, body: AnswerRequest
) -> dict[str, Any]:
    """Refuse the current decision in writing; the conditions say what would change it."""
    key = f"{production}/{declaration}"
    return asdict(_answer(request, who, "rejected", key, body.note, body.conditions))


def _queue(store: reelproof.Store, who: auth.Principal) -> list[reelproof.DeclarationStatus]:
    return [s for s in store.statuses() if s.status in WAITING and who.approves(s.production)]


@router.get("/api/v1/queue", tags=["approvals"])
def api_queue(request: Request, who: Who) -> list[dict[str, Any]]:
    """What waits for your written approval."""
    return [asdict(s) for s in _queue(auth.store_for(request, who), who)]


# --- pages ----------------------------------------------------------------------------------


def _counts(rows: Sequence[reelproof.DeclarationStatus]) -> list[tuple[str, int]]:
    return Counter(s.status for s in rows).most_common()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request, who: Who) -> HTMLResponse:
    """Every production the viewer may see, with where its uses stand."""
    store = auth.store_for(request, who)
    productions = _readable_productions(store, who)
    rows = [s for s in store.statuses() if who.reads(s.production)]
    per = {str(p["id"]): [s for s in rows if s.production == p["id"]] for p in productions}
    return page(
        request,
        "dashboard.html",
        who,
        productions=productions,
        counts={p: _counts(r) for p, r in per.items()},
        waiting=len(_queue(store, who)),
        performers=sorted(who.performers),
    )


@router.get("/productions/{production}", response_class=HTMLResponse, include_in_schema=False)
def production_page(request: Request, who: Who, production: str) -> HTMLResponse:
    """One production: its declarations, assets and recorded delivery checks."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    store = auth.store_for(request, who)
    rows = store.statuses(production)
    return page(
        request,
        "production.html",
        who,
        production=production,
        rows=rows,
        counts=_counts(rows),
        can_declare=who.declares(production),
        assets=store.assets(production),
        checks=list(reversed(store.delivery_checks(production))),
        contributions=store.contributions(production),
        subjects=pilots.SUBJECTS,
        human_rows=range(pilots.HUMAN_ROWS),
        ai_rows=range(pilots.AI_ROWS),
    )


def _form_declaration(form: Mapping[str, str]) -> str:
    """The declaration the guided form describes, as JSON text (user text stays data)."""

    def flag(name: str) -> bool:
        return form.get(name) == "on"

    spec: dict[str, Any] = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "stage": form.get("stage", ""),
        "phase": form.get("phase", ""),
        "media": form.get("media", "series"),
        "tool": {
            "name": form.get("tool_name", ""),
            "vendor": form.get("tool_vendor", ""),
            "enterprise_agreement": flag("enterprise_agreement"),
        },
        "output": {
            "in_final_deliverable": flag("in_final_deliverable"),
            "element": form.get("element", "background"),
            "prominence": form.get("prominence", "incidental"),
            "realistic_depiction": flag("realistic_depiction"),
        },
    }
    if form.get("performer"):
        spec["talent"] = [
            {"performer": form["performer"], **{f: form.get(f, "") for f in TALENT_FIELDS}}
        ]
    return json.dumps(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": form.get("id", ""), "production": form.get("production", "")},
            "spec": spec,
        }
    )


def _declarable(store: reelproof.Store, who: auth.Principal) -> list[str]:
    return [str(p["id"]) for p in store.productions() if who.declares(str(p["id"]))]


@router.get("/declare", response_class=HTMLResponse, include_in_schema=False)
def declare_page(request: Request, who: Who) -> HTMLResponse:
    """The guided form over the declaration format, like a studio's intake questionnaire."""
    store = auth.store_for(request, who)
    productions = _declarable(store, who)
    auth.require(bool(productions), f"{who.user} is no member of any production")
    return page(
        request,
        "declare.html",
        who,
        productions=productions,
        choices=reelproof.declaration_choices(),
        values={},
        error=None,
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/declare/preview", response_class=HTMLResponse, include_in_schema=False)
async def declare_preview(request: Request, who: Who) -> HTMLResponse:
    """Decides the form as it stands, storing nothing, so the producer sees the outcome early."""
    form = await _form(request)
    auth.check_csrf(request, who, form.get("csrf"))
    store = auth.store_for(request, who)
    decisions: list[reelproof.Decision] = []
    error = None
    if form.get("id") and form.get("title") and form.get("tool_name"):
        text = _form_declaration(form)
        try:
            _check_documents(store, who, text, "<form>")
            decisions = store.preview(text, "<form>")
        except reelproof.ReelproofError as exc:
            error = str(exc)
    else:
        error = "give an id, a title and the tool to see the decision"
    return page(request, "_preview.html", who, decisions=decisions, error=error)


@router.post("/declare", include_in_schema=False)
async def declare(request: Request, who: Who) -> Response:
    """Stores the declaration and shows its decision."""
    form = await _form(request)
    store = auth.writing(request, who, form.get("csrf"))
    text = _form_declaration(form)
    try:
        _check_documents(store, who, text, "<form>")
        store.apply_text(text, "<form>")
    except reelproof.DocumentError as exc:
        return page(
            request,
            "declare.html",
            who,
            422,
            productions=_declarable(store, who),
            choices=reelproof.declaration_choices(),
            values=form,
            error=str(exc),
        )
    key = f"{form.get('production', '')}/{form.get('id', '')}"
    return RedirectResponse(f"/declarations/{key}", status_code=303)


@router.get(
    "/declarations/{production}/{declaration}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def decision_page(request: Request, who: Who, production: str, declaration: str) -> HTMLResponse:
    """A decision with its reasons, citations and obligations, readable by anyone allowed."""
    auth.require(who.reads(production), f"{who.user} may not read production {production}")
    d = auth.store_for(request, who).decision(f"{production}/{declaration}")
    return page(
        request,
        "decision.html",
        who,
        key=f"{production}/{declaration}",
        decision=d,
        can_answer=who.approves(production) and d is not None and d.status in WAITING,
    )


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, who: Who) -> HTMLResponse:
    """What waits for this approver's written answer."""
    store = auth.store_for(request, who)
    return page(request, "queue.html", who, rows=_queue(store, who))


@router.post(
    "/declarations/{production}/{declaration}/{verdict}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def answer_form(
    request: Request,
    who: Who,
    production: str,
    declaration: str,
    verdict: str,
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
) -> Response:
    """Records an approval or a refusal (with conditions) and updates the queue in place."""
    if verdict not in ("approve", "reject"):
        raise reelproof.NotFoundError(f"no action {verdict!r}; approve or reject")
    key = f"{production}/{declaration}"
    result = _answer(request, who, f"{verdict}d", key, note, conditions, csrf)
    if request.headers.get("HX-Request") == "true":  # the queue updates the row in place
        return page(request, "_answered.html", who, answer=result)
    return RedirectResponse(f"/declarations/{key}", status_code=303)
