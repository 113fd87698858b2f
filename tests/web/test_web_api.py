"""The REST API and the pages over a real store: whole flows, as a studio team runs them."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import reelproof
from reelproof.interfaces.cli.main import app as cli_app
from tests.helpers import runner
from tests.web.conftest import CONSENT, PASSWORD, PERFORMER, PRODUCTION, WAITING, Site, csrf_of

KEY = f"{PRODUCTION}/{WAITING}"


def declaration(id_: str, title: str, **output: object) -> str:
    """A declaration of a final-deliverable background element, as JSON text."""
    return json.dumps(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": id_, "production": PRODUCTION},
            "spec": {
                "title": title,
                "stage": "post_production",
                "phase": "final",
                "tool": {"name": "ExampleGen 3"},
                "output": {"in_final_deliverable": True, "element": "background", **output},
            },
        }
    )


def log_size(site: Site) -> int:
    return len(site.client.app.state.store.log_entries())


def test_declare_decide_approve_over_the_api(site: Site) -> None:
    member = site.token("max-member")
    text = declaration("crowd-1", "Crowd extension", prominence="story_relevant")
    before = log_size(site)
    preview = site.client.post("/api/v1/preview", json={"text": text}, headers=member)
    assert preview.status_code == 200, preview.text
    (previewed,) = preview.json()
    # A preview stores and logs nothing.
    assert log_size(site) == before
    missing = site.client.get(f"/api/v1/declarations/{PRODUCTION}/crowd-1", headers=member)
    assert missing.status_code == 404
    applied = site.client.post("/api/v1/documents", json={"text": text}, headers=member)
    assert applied.status_code == 200, applied.text
    (made,) = applied.json()[0]["decisions"]
    assert made["outcome"] == previewed["outcome"]
    assert made["rules"] and all(r["source"] for r in made["rules"])

    # The approver's queue holds the example's waiting declaration; they approve it.
    approver = site.token("ana-approver")
    queue = site.client.get("/api/v1/queue", headers=approver).json()
    assert KEY in {q["declaration"] for q in queue}
    r = site.client.post(
        f"/api/v1/declarations/{KEY}/approve",
        json={"note": "as scripted", "conditions": "label the episode"},
        headers=approver,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "approved" and r.json()["status"] == "cleared"
    now = site.client.get(f"/api/v1/declarations/{KEY}", headers=member).json()
    assert now["status"] == "cleared"
    # The log names the approver: the server acted as the logged-in user.
    entries = site.client.app.state.store.log_entries()
    assert any(e["kind"].startswith("approval") and e["actor"] == "ana-approver" for e in entries)


def test_a_revoked_consent_sends_the_use_back_to_review(site: Site) -> None:
    approver = site.token("ana-approver")
    site.client.post(f"/api/v1/declarations/{KEY}/approve", json={}, headers=approver)
    jane = site.token("jane")
    mine = site.client.get(f"/api/v1/performers/{PERFORMER}", headers=jane).json()
    assert KEY in {u["declaration"] for u in mine["uses"]}
    r = site.client.post(
        f"/api/v1/consents/{CONSENT}/revoke", json={"note": "I withdraw"}, headers=jane
    )
    assert r.status_code == 200, r.text
    assert KEY in r.json()["needs_review"]
    status = site.client.get(f"/api/v1/declarations/{KEY}", headers=approver).json()["status"]
    assert status == "needs_review"


def test_a_performer_sees_only_their_own_records(site: Site) -> None:
    site.client.app.state.store.apply_text(
        "apiVersion: reelproof/v1\nkind: Performer\nmetadata: {id: bob-ray}\n"
        "spec: {name: Bob Ray, unions: [sag_aftra], domicile: US-CA}\n"
    )
    jane = site.token("jane")
    assert site.client.get("/api/v1/performers/bob-ray", headers=jane).status_code == 403
    assert site.client.get(f"/api/v1/performers/{PERFORMER}", headers=jane).status_code == 200
    assert site.client.get("/api/v1/productions", headers=jane).json() == []
    assert site.client.get(f"/api/v1/declarations/{KEY}", headers=jane).status_code == 403
    page = site.login("jane").get("/performers/bob-ray")
    assert page.status_code == 403 and "may not see" in page.text


def test_an_auditor_reads_and_never_writes(site: Site) -> None:
    auditor = site.token("otto-auditor")
    assert site.client.get("/api/v1/log/verify", headers=auditor).json()["ok"] is True
    assert site.client.get(f"/api/v1/declarations/{KEY}", headers=auditor).status_code == 200
    before = log_size(site)
    for path, body in (
        (f"/api/v1/declarations/{KEY}/approve", {}),
        (f"/api/v1/consents/{CONSENT}/revoke", {"note": "x"}),
        ("/api/v1/documents", {"text": declaration("a-1", "A")}),
        (f"/api/v1/declarations/{KEY}/decide", None),
    ):
        r = site.client.post(path, json=body, headers=auditor)
        assert r.status_code == 403, (path, r.text)
    assert log_size(site) == before


def test_a_read_token_cannot_write(site: Site) -> None:
    reader = site.token("ana-approver", ("read",))
    r = site.client.post(f"/api/v1/declarations/{KEY}/approve", json={}, headers=reader)
    assert r.status_code == 403 and "write scope" in r.json()["error"]


def test_forms_need_the_csrf_token(site: Site) -> None:
    browser = site.login("ana-approver")
    r = browser.post(f"/declarations/{KEY}/approve", data={"note": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert browser.get(f"/api/v1/declarations/{KEY}").json()["status"] == "awaiting_approval"
    r = browser.post(
        f"/declarations/{KEY}/approve", data={"csrf": csrf_of(browser)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert browser.get(f"/api/v1/declarations/{KEY}").json()["status"] == "cleared"


def test_the_session_cookie_is_secure_httponly_samesite(site: Site) -> None:
    r = site.client.post(
        "/login", data={"name": "jane", "password": PASSWORD}, follow_redirects=False
    )
    cookie = r.headers["set-cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert flag in cookie
    assert cookie.startswith("__Host-")


def test_logging_out_ends_the_session(site: Site) -> None:
    browser = site.login("jane")
    session = browser.cookies.get("__Host-reelproof")
    assert session and browser.get("/api/v1/me").status_code == 200
    browser.post("/logout", data={"csrf": csrf_of(browser)}, follow_redirects=False)
    # A copy of the cookie kept elsewhere is dead too: the session ended on the server.
    site.client.cookies.set("__Host-reelproof", session)
    assert site.client.get("/api/v1/me").status_code == 401
    site.client.cookies.clear()


def test_logins_are_rate_limited(site: Site) -> None:
    for _ in range(5):
        r = site.client.post("/login", data={"name": "jane", "password": "wrong password!"})
        assert r.status_code == 401
    r = site.client.post("/login", data={"name": "jane", "password": PASSWORD})
    assert r.status_code == 429 and "too many" in r.text


def test_a_login_from_another_site_is_refused(site: Site) -> None:
    r = site.client.post(
        "/login",
        data={"name": "jane", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_security_headers_on_every_answer(site: Site) -> None:
    for path in ("/login", "/api/health", "/openapi.json", "/static/style.css"):
        h = site.client.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
    assert "no-store" in site.client.get("/login").headers["cache-control"]


def test_secrets_are_stored_hashed_and_never_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = site.token("max-member")
    token = headers["Authorization"].split()[1]
    assert site.client.get("/api/v1/me", headers=headers).json()["user"] == "max-member"
    engine = sa.create_engine(site.url)
    with engine.connect() as conn:
        stored = " ".join(
            str(v)
            for t in ("users", "api_tokens", "web_sessions")
            for row in conn.execute(sa.text(f"SELECT * FROM {t}"))
            for v in row
        )
        entries = " ".join(r[0] for r in conn.execute(sa.text("SELECT body FROM log_entries")))
    engine.dispose()
    assert token not in stored and PASSWORD not in stored
    assert "$argon2id$" in stored
    assert token not in entries and PASSWORD not in entries and "argon2" not in entries
    assert token not in caplog.text and PASSWORD not in caplog.text


def test_user_text_is_escaped_in_pages(site: Site) -> None:
    hostile = '<script>alert("x")</script> {{ 7*7 }} [bold]b[/bold] :ghost:'
    member = site.token("max-member")
    r = site.client.post(
        "/api/v1/documents", json={"text": declaration("hostile-1", hostile)}, headers=member
    )
    assert r.status_code == 200, r.text
    browser = site.login("max-member")
    for path in (f"/declarations/{PRODUCTION}/hostile-1", f"/productions/{PRODUCTION}"):
        page = browser.get(path).text
        assert "<script>alert" not in page
    log = site.login("otto-auditor").get("/log").text
    assert "<script>alert" not in log


def test_bad_input_is_a_clear_error_and_stores_nothing(site: Site) -> None:
    member = site.token("max-member")
    before = log_size(site)
    # YAML documents (JSON is YAML): the first is valid, the second is not.
    text = "\n---\n".join(
        ("", declaration("ok-1", "Fine"), declaration("bad-1", "Bad", element="nope"))
    )
    r = site.client.post(
        "/api/v1/documents", json={"text": text, "name": "two.yaml"}, headers=member
    )
    assert r.status_code == 422, r.text
    assert "two.yaml" in r.json()["error"] and "element" in r.json()["error"]
    assert log_size(site) == before
    ok = site.client.get(f"/api/v1/declarations/{PRODUCTION}/ok-1", headers=member)
    assert ok.status_code == 404


def test_a_member_may_not_declare_for_another_production(site: Site) -> None:
    text = declaration("x-1", "X").replace(PRODUCTION, "other-production")
    r = site.client.post("/api/v1/documents", json={"text": text}, headers=site.token("max-member"))
    assert r.status_code == 403 and "other-production" in r.json()["error"]


def test_every_page_renders_for_an_admin(site: Site) -> None:
    browser = site.login("ada-admin")
    for path in (
        "/",
        f"/productions/{PRODUCTION}",
        "/declare",
        f"/declarations/{KEY}",
        "/queue",
        f"/performers/{PERFORMER}",
        "/log",
        "/standards",
        "/settings",
    ):
        r = browser.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert re.search(r"<h1>[^<]+</h1>", r.text), path
    assert "Verified" in browser.get("/log?verify=1").text


def test_the_declare_form_previews_then_stores(site: Site) -> None:
    browser = site.login("max-member")
    form = {
        "csrf": csrf_of(browser),
        "production": PRODUCTION,
        "id": "form-1",
        "title": "Sky replacement",
        "stage": "vfx",
        "phase": "final",
        "media": "series",
        "tool_name": "ExampleGen 3",
        "in_final_deliverable": "on",
        "element": "background",
        "prominence": "incidental",
    }
    preview = browser.post("/declare/preview", data=form, headers={"HX-Request": "true"})
    assert preview.status_code == 200 and "Outcome:" in preview.text
    assert "nothing is stored" in preview.text
    stored = browser.post("/declare", data=form, follow_redirects=False)
    assert stored.status_code == 303
    assert stored.headers["location"] == f"/declarations/{PRODUCTION}/form-1"
    assert "Outcome:" in browser.get(stored.headers["location"]).text


def test_a_page_without_login_goes_to_the_login_form(site: Site) -> None:
    r = site.client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/queue"
    assert site.client.get("/api/v1/queue").status_code == 401


def test_the_cli_creates_the_first_admin(db_url: str) -> None:
    with reelproof.open_store(db_url, create=True):
        pass
    args = ["user", "add", "root-admin", "--admin", "--password-stdin", "--db", db_url]
    r = runner.invoke(cli_app, args, input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    with reelproof.Store(db_url) as store:
        assert store.login("root-admin", PASSWORD) is not None
        assert any(g.role == "admin" for g in store.roles("root-admin"))
    weak = ["user", "add", "weak", "--password-stdin", "--db", db_url]
    short = runner.invoke(cli_app, weak, input="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output


def test_the_production_page_shows_assets_and_delivery_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's production: registered media, a blocked check, then a clear one."""
    from fastapi.testclient import TestClient

    from reelproof.interfaces.web.app import create_app
    from reelproof.services.demo import run_demo

    folder = tmp_path / "demo"
    for _step in run_demo(folder):
        pass
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(folder / ".reelproof" / "log-signing.key"))
    url = f"sqlite:///{folder / '.reelproof' / 'reelproof.db'}"
    with reelproof.Store(url) as store:  # the demo's init made this OS user its admin
        store.add_user("ada", PASSWORD, admin=True)
    app = create_app(url)
    client = TestClient(app, base_url="https://testserver")
    client.post("/login", data={"name": "ada", "password": PASSWORD})
    checks = client.get(f"/api/v1/productions/{PRODUCTION}/checks").json()
    assert [c["verdict"] for c in checks] == ["blocked", "clear"]
    assets = client.get(f"/api/v1/productions/{PRODUCTION}/assets").json()
    assert assets and all(a["sha256"] for a in assets)
    page = client.get(f"/productions/{PRODUCTION}").text
    assert "Delivery checks" in page and "blocked" in page and ">clear<" in page
    assert assets[0]["path"] in page
    app.state.store.close()


def test_the_standards_pages_show_rules_and_what_changed(site: Site) -> None:
    browser = site.login("sam-standards")
    packs = browser.get("/api/v1/standards").json()
    netflix = next(p for p in packs if p["id"] == "netflix-genai")
    ref = f"netflix-genai@{netflix['version']}"
    shown = browser.get(f"/api/v1/standards/{ref}").json()
    assert len(shown["rules"]) == netflix["rules"]
    nfx1 = next(r for r in shown["rules"] if r["id"] == "NFX-1")
    assert nfx1["outcome"] == "written_approval" and nfx1["verification"] == "V"
    page = browser.get(f"/standards/{ref}").text
    assert "NFX-1" in page and "When:" in page
    same = browser.get(f"/api/v1/standards/{ref}/diff/{ref}").json()
    assert same["added"] == same["removed"] == same["changed"] == []
    unknown = browser.get("/api/v1/standards/no-such-pack")
    assert unknown.status_code == 404 and "no standards pack" in unknown.json()["error"]


def test_out_of_range_log_positions_are_refused_not_crashed(site: Site) -> None:
    """Found by schemathesis: an index past 64 bits overflowed the database driver."""
    auditor = site.token("otto-auditor")
    for query in ("start=99999999999999999999", "limit=-1", "limit=100000"):
        r = site.client.get(f"/api/v1/log/entries?{query}", headers=auditor)
        assert r.status_code == 422, (query, r.text)
    page = site.login("otto-auditor").get("/log?start=99999999999999999999")
    assert page.status_code == 422
