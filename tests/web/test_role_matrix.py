"""Who may do what: every operation of the OpenAPI schema against every role.

The operations come from the schema the server publishes, so a new endpoint without an
entry in ALLOWED fails here before anyone reviews who may call it. An allowed call must not
be refused (401/403; a 409 for "already done" is fine); any other role gets 403, and a
caller without credentials 401.
"""

from __future__ import annotations

import json
from typing import Any

from tests.web.conftest import CONSENT, PEOPLE, PERFORMER, PRODUCTION, SURVEY, WAITING, Site

EVERYONE = frozenset(PEOPLE)
READERS = frozenset({"ada-admin", "max-member", "ana-approver", "otto-auditor", "sam-standards"})
DECLARERS = frozenset({"ada-admin", "max-member"})
APPROVERS = frozenset({"ana-approver"})
PERFORMER_SIDE = frozenset({"jane", "ada-admin", "otto-auditor"})
SPEAKS_FOR = frozenset({"jane", "ada-admin"})
LOG_READERS = frozenset({"ada-admin", "otto-auditor"})
ADMINS = frozenset({"ada-admin"})
DECL = "/api/v1/declarations/{production}/{declaration}"

ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("get", "/api/health"): EVERYONE,
    ("get", "/api/v1/me"): EVERYONE,
    ("post", "/api/v1/tokens"): EVERYONE,
    ("get", "/api/v1/users"): ADMINS,
    ("post", "/api/v1/users"): ADMINS,
    ("get", "/api/v1/me/notifications"): EVERYONE,
    ("put", "/api/v1/me/notifications"): EVERYONE,
    ("get", "/api/v1/productions"): EVERYONE,  # each sees only what they may read
    ("get", "/api/v1/productions/{production}/declarations"): READERS,
    ("get", "/api/v1/productions/{production}/assets"): READERS,
    ("get", "/api/v1/productions/{production}/checks"): READERS,
    ("post", "/api/v1/documents"): DECLARERS,
    ("post", "/api/v1/preview"): DECLARERS,
    ("get", DECL): READERS,
    ("post", DECL + "/decide"): DECLARERS,
    ("post", DECL + "/approve"): APPROVERS,
    ("post", DECL + "/reject"): APPROVERS,
    ("get", "/api/v1/queue"): EVERYONE,  # each sees only what waits for them
    ("get", "/api/v1/performers/{performer}"): PERFORMER_SIDE,
    ("get", "/api/v1/performers/{performer}/consents"): PERFORMER_SIDE,
    ("post", "/api/v1/consents/{consent}/revoke"): SPEAKS_FOR,
    ("post", "/api/v1/performers/{performer}/biometrics/forget"): SPEAKS_FOR,
    ("get", "/api/v1/log/entries"): LOG_READERS,
    ("get", "/api/v1/log/checkpoint"): LOG_READERS,
    ("get", "/api/v1/log/key"): LOG_READERS,
    ("get", "/api/v1/log/verify"): LOG_READERS,
    ("get", "/api/v1/log/bundle"): LOG_READERS,
    ("get", "/api/v1/standards"): EVERYONE,
    ("get", "/api/v1/standards/{pack}"): EVERYONE,
    ("get", "/api/v1/standards/{pack}/diff/{other}"): EVERYONE,
    ("get", "/api/v1/surveys"): EVERYONE,
    ("post", "/api/v1/surveys/{survey}/responses"): READERS,  # who works on the production
    ("get", "/api/v1/productions/{production}/contributions"): READERS,
    ("post", "/api/v1/productions/{production}/contributions"): DECLARERS,
}
PUBLIC = {("get", "/api/health")}

PARAMS = {
    "production": PRODUCTION,
    "declaration": WAITING,
    "performer": PERFORMER,
    "consent": CONSENT,
    "pack": "netflix-genai",
    "other": "netflix-genai",
    "survey": SURVEY,
}
DECLARATION = json.dumps(
    {
        "apiVersion": "reelproof/v1",
        "kind": "AIUseDeclaration",
        "metadata": {"id": "matrix-1", "production": PRODUCTION},
        "spec": {
            "title": "Matrix",
            "stage": "vfx",
            "phase": "temp",
            "tool": {"name": "ExampleGen 3"},
            "output": {"in_final_deliverable": False},
        },
    }
)
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/v1/tokens"): {"scopes": ["read"]},
    ("post", "/api/v1/users"): {"name": "new-user", "password": "another long passphrase"},
    ("put", "/api/v1/me/notifications"): {"approval_requested": False},
    ("post", "/api/v1/documents"): {"text": DECLARATION},
    ("post", "/api/v1/preview"): {"text": DECLARATION},
    ("post", DECL + "/approve"): {"note": "matrix"},
    ("post", DECL + "/reject"): {"note": "matrix"},
    ("post", "/api/v1/consents/{consent}/revoke"): {"note": "matrix"},
    ("post", "/api/v1/performers/{performer}/biometrics/forget"): {"reason": "matrix"},
    ("post", "/api/v1/surveys/{survey}/responses"): {
        "role": "vfx",
        "production": PRODUCTION,
        "answers": {"control": 4},
    },
    ("post", "/api/v1/productions/{production}/contributions"): {
        "id": "matrix-c",
        "ref": "shot 12",
        "department": "vfx",
        "humans": [{"role": "compositor", "name": "Ann", "share": 100}],
    },
}


def operations(site: Site) -> list[tuple[str, str]]:
    schema = site.client.get("/openapi.json").json()
    return [(m, p) for p, item in schema["paths"].items() for m in item]


def call(site: Site, method: str, path: str, headers: dict[str, str]) -> int:
    url = path.format(**PARAMS)
    body = BODIES.get((method, path))
    r = site.client.request(method, url, json=body, headers=headers)
    assert r.status_code < 500, (method, url, r.text)
    return r.status_code


def test_every_operation_has_a_matrix_entry(site: Site) -> None:
    ops = operations(site)
    missing = [op for op in ops if op not in ALLOWED]
    assert not missing, f"operations without a role-matrix entry: {missing}"
    stale = [op for op in ALLOWED if op not in ops]
    assert not stale, f"matrix entries for operations that no longer exist: {stale}"
    assert len(ops) >= 20


def test_each_role_may_do_exactly_what_the_matrix_says(site: Site) -> None:
    ops = operations(site)
    tokens = {name: site.token(name) for name in PEOPLE}
    wrong = []
    for name, headers in tokens.items():
        for method, path in ops:
            status = call(site, method, path, headers)
            allowed = name in ALLOWED[(method, path)]
            if allowed and status in (401, 403):
                wrong.append(f"{name} refused {method.upper()} {path} ({status})")
            if not allowed and status != 403:
                wrong.append(f"{name} not refused {method.upper()} {path} ({status})")
    assert not wrong, "\n".join(wrong)


def test_without_credentials_only_health_answers(site: Site) -> None:
    for method, path in operations(site):
        status = call(site, method, path, {})
        expected = 200 if (method, path) in PUBLIC else 401
        assert status == expected, (method, path, status)
