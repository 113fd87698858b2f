"""reelproof: generative-AI production standards for film and TV, made verifiable.

`import reelproof` is the public API for pipeline scripts (docs/api.md). Its names load on
first use, so that importing one internal module (the standalone `reelproof.verify`, say)
does not import the whole package.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from reelproof._version import __version__

if TYPE_CHECKING:
    from reelproof._api import (
        NOTIFICATION_EVENTS,
        ROLES,
        Answer,
        ApiToken,
        AppliedDocument,
        ApplyResult,
        ConflictError,
        ConsentStatus,
        Decision,
        DeclarationStatus,
        Detection,
        Detector,
        DetectorRun,
        DocumentError,
        JsonObject,
        LogReport,
        Media,
        NotFoundError,
        Obligation,
        Provenance,
        ReelproofError,
        Revision,
        Revocation,
        RoleHeld,
        Rule,
        Store,
        declaration_choices,
        detect,
        inspect,
        open_store,
    )

_ERRORS = ("ConflictError", "DocumentError", "NotFoundError", "ReelproofError")
__all__ = [
    "NOTIFICATION_EVENTS",
    "ROLES",
    "Answer",
    "ApiToken",
    "AppliedDocument",
    "ApplyResult",
    "ConflictError",
    "ConsentStatus",
    "Decision",
    "DeclarationStatus",
    "Detection",
    "Detector",
    "DetectorRun",
    "DocumentError",
    "JsonObject",
    "LogReport",
    "Media",
    "NotFoundError",
    "Obligation",
    "Provenance",
    "ReelproofError",
    "Revision",
    "Revocation",
    "RoleHeld",
    "Rule",
    "Store",
    "__version__",
    "declaration_choices",
    "detect",
    "inspect",
    "open_store",
]


# The errors live in a module of their own: catching one must not import the store.
_LIGHT = {n: "reelproof.core.errors" for n in _ERRORS} | {"JsonObject": "reelproof.core.json_types"}


def __getattr__(name: str) -> Any:  # Any: whichever public object is asked for
    if name in __all__:
        return getattr(import_module(_LIGHT.get(name, "reelproof._api")), name)
    raise AttributeError(f"module 'reelproof' has no attribute {name!r}")
