"""The audit log: entries, the latest checkpoint, a full verification, the verifier key and
the offline bundle (a zip of `reelproof log export`) that an auditor checks on their own
machine with `reelproof.verify` and the key they pinned."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from reelproof.interfaces.web import auth
from reelproof.interfaces.web.pages import page

router = APIRouter()
Who = Annotated[auth.Principal, Depends(auth.current)]
PAGE = 50
MAX_INDEX = 2**62  # log indexes are 64-bit integers in the database


def _reader(who: auth.Principal) -> None:
    auth.require(who.admin or who.has("auditor"), f"{who.user} is no auditor or admin")


@router.get("/api/v1/log/entries", tags=["audit log"])
def api_entries(
    request: Request,
    who: Who,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, Query(ge=0, le=1000)] = PAGE,
) -> list[Any]:
    """Entries from `start` (at most `limit`, up to 1000), as they were hashed."""
    _reader(who)
    return auth.store_for(request, who).log_entries(start, limit)


@router.get("/api/v1/log/checkpoint", tags=["audit log"])
def api_checkpoint(request: Request, who: Who) -> Response:
    """The latest signed checkpoint (C2SP signed note), as text."""
    _reader(who)
    return Response(auth.store_for(request, who).checkpoint(), media_type="text/plain")


@router.get("/api/v1/log/key", tags=["audit log"])
def api_key(request: Request, who: Who) -> dict[str, str]:
    """The verifier key of the log: compare it with the one you were handed out of band."""
    _reader(who)
    return {"vkey": auth.store_for(request, who).log_key()}


@router.get("/api/v1/log/verify", tags=["audit log"])
def api_verify(request: Request, who: Who) -> dict[str, Any]:
    """Check every entry, node, checkpoint and recorded row with the server's trust list."""
    _reader(who)
    report = auth.store_for(request, who).verify_log()
    return {**asdict(report), "ok": report.ok}


def bundle_zip(store: Any) -> bytes:
    """The offline bundle as a zip (Any: the acting store)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bundle"
        store.export_log(out)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    z.write(f, f"bundle/{f.relative_to(out).as_posix()}")
        return buf.getvalue()


@router.get("/api/v1/log/bundle", tags=["audit log"])
def api_bundle(request: Request, who: Who) -> Response:
    """The offline bundle (entries, checkpoints, consistency proofs, key) as a zip."""
    _reader(who)
    return Response(
        bundle_zip(auth.store_for(request, who)),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="reelproof-log-bundle.zip"'},
    )


@router.get("/log", response_class=HTMLResponse, include_in_schema=False)
def log_page(
    request: Request, who: Who, start: Annotated[int | None, Query(ge=0, le=MAX_INDEX)] = None
) -> HTMLResponse:
    """The log's checkpoint, key and entries, for an auditor to verify and download."""
    _reader(who)
    store = auth.store_for(request, who)
    checkpoint = store.checkpoint()
    size = int(checkpoint.splitlines()[1])
    first = max(size - PAGE, 0) if start is None else max(min(start, size), 0)
    verify = store.verify_log() if request.query_params.get("verify") else None
    return page(
        request,
        "log.html",
        who,
        checkpoint=checkpoint,
        vkey=store.log_key(),
        size=size,
        first=first,
        entries=list(enumerate(store.log_entries(first, PAGE), start=first)),
        report=verify,
    )
