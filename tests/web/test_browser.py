"""End-to-end flows in a real headless Chromium (Debian's `chromium`, driven by Playwright
through `executable_path`) against the app served by uvicorn on a loopback port.

Skipped, saying why, only on a machine without Chromium and outside CI; in CI a missing
browser fails. With REELPROOF_SCREENSHOTS=DIR the flows save the main pages there (that is
how docs/screenshots/ is made).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from reelproof.verify import verify_bundle
from tests.web.conftest import CONSENT, PASSWORD, PERFORMER, PRODUCTION, WAITING, Site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
assert CHROMIUM, "CI must have chromium: setup.sh installs it"
playwright = pytest.importorskip("playwright.sync_api")
SHOTS = os.environ.get("REELPROOF_SCREENSHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(site: Site) -> Iterator[str]:
    """The site's app under uvicorn on 127.0.0.1 (a secure context for the Secure cookie)."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
        assert thread.is_alive(), "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:  # Any: Playwright's Browser
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def shot(page: Any, name: str) -> None:
    """Save a screenshot of the page when REELPROOF_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def login(browser: Any, base: str, name: str) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return page


def test_declare_then_decision_then_approve(served: str, browser: Any) -> None:
    page = login(browser, served, "max-member")
    shot(page, "dashboard")
    page.get_by_role("link", name="Declare").first.click()
    page.get_by_label("Declaration id").fill("crowd-browser-1")
    page.get_by_label("Title").fill("Crowd extension <b>stadium</b>")
    page.get_by_label("Stage").select_option("vfx")
    page.get_by_label("Tool", exact=True).fill("ExampleGen 3")
    page.get_by_label("Appears in the final deliverable").check()
    page.get_by_label("Prominence").select_option("story_relevant")
    preview = page.locator("#preview")
    playwright.expect(preview).to_contain_text("written approval", timeout=10_000)
    playwright.expect(preview).to_contain_text("nothing is stored")
    shot(page, "declare")
    page.get_by_role("button", name="Declare").click()
    page.wait_for_url(f"{served}/declarations/{PRODUCTION}/crowd-browser-1")
    playwright.expect(page.locator("h1")).to_have_text(f"{PRODUCTION}/crowd-browser-1")
    playwright.expect(page.locator(".decision")).to_contain_text("awaiting approval")
    shot(page, "decision")
    page.context.close()

    approver = login(browser, served, "ana-approver")
    approver.get_by_role("link", name="Approvals").click()
    card = approver.locator("section.card", has_text="crowd-browser-1")
    card.get_by_label("Conditions").fill("label the episode")
    shot(approver, "queue")
    card.get_by_role("button", name="Approve").click()  # HTMX: the card is replaced in place
    answered = approver.locator(".answered", has_text="crowd-browser-1")
    playwright.expect(answered).to_contain_text("approved")
    playwright.expect(answered).to_contain_text("cleared")
    assert approver.url == f"{served}/queue"
    approver.goto(f"{served}/declarations/{PRODUCTION}/crowd-browser-1")
    playwright.expect(approver.locator(".decision")).to_contain_text("cleared")
    approver.context.close()


def test_performer_revokes_consent_and_the_use_goes_back_to_review(
    site: Site, served: str, browser: Any
) -> None:
    store = site.client.app.state.store.as_actor("ana-approver")
    store.approve(f"{PRODUCTION}/{WAITING}", by="ana-approver")
    page = login(browser, served, "jane")
    page.get_by_role("link", name="My likeness").click()
    page.wait_for_url(f"{served}/performers/{PERFORMER}")
    row = page.locator("tr", has_text=WAITING)
    playwright.expect(row).to_contain_text("cleared")
    shot(page, "performer")
    page.get_by_label("Why I withdraw this consent").fill("I no longer agree")
    page.get_by_role("button", name=f"Revoke consent {CONSENT}").click()
    playwright.expect(page.locator(".notice")).to_contain_text("back in review")
    playwright.expect(page.locator("tr", has_text=WAITING)).to_contain_text("needs review")
    playwright.expect(page.locator("article", has_text=CONSENT)).to_contain_text("revoked")
    page.context.close()


def test_auditor_verifies_and_downloads_the_bundle(
    site: Site, served: str, browser: Any, tmp_path: Path
) -> None:
    page = login(browser, served, "otto-auditor")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("link", name="Verify the whole log").click()
    playwright.expect(page.locator("#verify-report")).to_contain_text("Verified")
    shot(page, "audit-log")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the offline bundle").click()
    saved = tmp_path / "bundle.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        z.extractall(tmp_path)
    # The auditor trusts the key they were handed, not the copy inside the bundle.
    pinned = site.client.app.state.store.log_key()
    report = verify_bundle(tmp_path / "bundle", trusted_vkey=pinned)
    assert report.authenticated and report.size == len(site.client.app.state.store.log_entries())
    page.context.close()
