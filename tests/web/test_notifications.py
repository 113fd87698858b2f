"""E-mail notifications against a real SMTP server (aiosmtpd) started on a loopback port:
who gets what, and each person's choice of what they receive."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest

from tests.web.conftest import CONSENT, PRODUCTION, Site, csrf_of

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    """What the SMTP server received: (recipients, subject) per message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), str(msg["Subject"])))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [subject for rcpts, subject in self.messages if address in rcpts]


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Inbox()
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("REELPROOF_SMTP", f"127.0.0.1:{port}")
    monkeypatch.setenv("REELPROOF_SMTP_FROM", "reelproof@studio.example")
    yield box
    controller.stop()


def declaration(id_: str) -> str:
    return (
        "apiVersion: reelproof/v1\nkind: AIUseDeclaration\n"
        f"metadata: {{id: {id_}, production: {PRODUCTION}}}\n"
        "spec:\n  title: Crowd\n  stage: vfx\n  phase: final\n  tool: {name: ExampleGen 3}\n"
        "  output: {in_final_deliverable: true, element: background, "
        "prominence: story_relevant}\n"
    )


def test_approvers_are_told_and_each_chooses(site: Site, inbox: Inbox) -> None:
    member = site.token("max-member")
    r = site.client.post("/api/v1/documents", json={"text": declaration("n-1")}, headers=member)
    assert r.status_code == 200 and r.json()[0]["decisions"][0]["status"] == "awaiting_approval"
    ana = "ana-approver@studio.example"
    assert inbox.to(ana) == [f"[reelproof] approval requested: {PRODUCTION}/n-1"]
    assert inbox.to("max-member@studio.example") == []  # not an approver
    assert inbox.to("jane@studio.example") == []

    # Ana turns approval requests off on her settings page; the next one skips her.
    browser = site.login("ana-approver")
    r = browser.post(
        "/settings/notifications",
        data={"csrf": csrf_of(browser), "consent_revoked": "on"},
    )
    assert r.status_code == 200
    prefs = browser.get("/api/v1/me/notifications").json()
    assert prefs == {"approval_requested": False, "consent_revoked": True}
    site.client.post("/api/v1/documents", json={"text": declaration("n-2")}, headers=member)
    assert len(inbox.to(ana)) == 1
    assert any("n-2" in s for s in inbox.to("ada-admin@studio.example"))


def test_a_revocation_tells_the_performer_and_the_approvers(site: Site, inbox: Inbox) -> None:
    r = site.client.post(
        f"/api/v1/consents/{CONSENT}/revoke", json={"note": "withdrawn"}, headers=site.token("jane")
    )
    assert r.status_code == 200
    subject = f"[reelproof] consent {CONSENT} revoked"
    assert inbox.to("jane@studio.example") == [subject]
    assert inbox.to("ana-approver@studio.example") == [subject]
    assert inbox.to("otto-auditor@studio.example") == []


def test_a_mail_server_that_is_down_never_undoes_the_change(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("REELPROOF_SMTP", f"127.0.0.1:{dead}")
    member = site.token("max-member")
    r = site.client.post("/api/v1/documents", json={"text": declaration("n-3")}, headers=member)
    assert r.status_code == 200
    stored = site.client.get(f"/api/v1/declarations/{PRODUCTION}/n-3", headers=member)
    assert stored.json()["status"] == "awaiting_approval"
