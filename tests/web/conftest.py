"""A real store (SQLite or PostgreSQL) with the example production, one account per role,
and the web app over it, reached through HTTPS URLs (the session cookie is Secure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

import pytest
from fastapi.testclient import TestClient

import reelproof
from reelproof.interfaces.web.app import create_app

PASSWORD = "a long enough passphrase"
PRODUCTION = "stranger-tides-s1"
WAITING = "vfx-stadium-fall"  # awaits written approval in the example
CONSENT = "jane-doe-stadium-double"  # covers WAITING
PERFORMER = "jane-doe"
SURVEY = "craft"
SURVEY_TEXT = f"""apiVersion: reelproof/v1
kind: SatisfactionSurvey
metadata: {{id: {SURVEY}}}
spec:
  title: How did the standards feel?
  roles: [writer, vfx, editor]
  questions:
    - {{id: control, type: likert, text: I kept creative control.}}
    - id: again
      type: likert
      scale: {{min: 1, max: 7, low: never again, high: certainly}}
      text: I would work this way again.
    - {{id: notes, type: free_text, text: Which rule got in the way?}}
"""
# user -> (role, production, for_performer); "olive-outsider" holds no role at all.
PEOPLE: dict[str, tuple[str, str | None, str | None] | None] = {
    "ada-admin": ("admin", None, None),
    "max-member": ("production_member", PRODUCTION, None),
    "ana-approver": ("approver", PRODUCTION, None),
    "jane": ("performer", None, PERFORMER),
    "otto-auditor": ("auditor", None, None),
    "sam-standards": ("standards_owner", None, None),
    "olive-outsider": None,
}


def example_text() -> str:
    """The bundled example production (what `reelproof demo` starts from)."""
    return (resources.files("reelproof.examples") / "stranger-tides.yaml").read_text()


def seed(url: str) -> None:
    """Init the store, apply the example, create every account and grant its role."""
    with reelproof.open_store(url, create=True) as store:
        store.apply_text(example_text(), "stranger-tides.yaml")
        store.apply_text(SURVEY_TEXT, "survey.yaml")
        for name, role in PEOPLE.items():
            store.add_user(name, PASSWORD, email=f"{name}@studio.example")
            if role is not None:
                store.grant_role(role[0], name, production=role[1], for_performer=role[2])


def csrf_of(client: TestClient) -> str:
    """The CSRF token a logged-in page carries."""
    html = client.get("/settings").text
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class Site:
    """The app over a seeded store."""

    url: str
    client: TestClient

    def login(self, name: str) -> TestClient:
        """A fresh browser-like client logged in as `name`."""
        c = TestClient(self.client.app, base_url="https://testserver")
        r = c.post("/login", data={"name": name, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    def token(self, name: str, scopes: tuple[str, ...] = ("read", "write")) -> dict[str, str]:
        """Authorization headers with a new API token of `name`."""
        c = self.login(name)
        r = c.post(
            "/api/v1/tokens", json={"scopes": list(scopes)}, headers={"X-CSRF-Token": csrf_of(c)}
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    seed(db_url)
    app = create_app(db_url)
    with TestClient(app, base_url="https://testserver") as client:
        yield Site(db_url, client)
    app.state.store.close()
