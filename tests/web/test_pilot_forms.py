"""The pilot forms over a real store: a survey answered once under a pseudonym and counted
by `pilot metrics`, and contribution records from the production page counted by
`contribution shares`."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import cli_json
from tests.web.conftest import PRODUCTION, SURVEY, SURVEY_TEXT, WAITING, Site, csrf_of

READERS = ("ada-admin", "max-member", "ana-approver", "otto-auditor", "sam-standards")
PILOT = f"""apiVersion: reelproof/v1
kind: PilotProgramme
metadata: {{id: trial}}
spec:
  title: Trial
  period: {{from: 2020-01-01, to: 2099-12-31}}
  productions: [{PRODUCTION}]
  comparison: []
  standards: {{netflix-genai: "2025.1"}}
---
"""
HOSTILE = "<script>alert(1)</script>"


def responses(site: Site) -> list[str]:
    return [r.id for r in site.client.app.state.store.documents("SurveyResponse")]


def satisfaction_arm(site: Site) -> dict[str, object]:
    metrics = cli_json("pilot", "metrics", "trial", db=site.url)
    (pilot,) = [g for g in metrics["satisfaction"]["groups"]["arm"] if g["group"] == "pilot"]
    return dict(pilot)


def answer(c: TestClient, control: str, notes: str = "", again: str = "") -> int:
    form = {"csrf": csrf_of(c), "role": "vfx", "production": PRODUCTION, "q-control": control}
    form |= {"q-notes": notes, "q-again": again}
    r = c.post(f"/surveys/{SURVEY}", data=form, follow_redirects=False)
    return r.status_code


def test_a_survey_form_is_answered_once_and_counted_under_pseudonyms(site: Site) -> None:
    site.client.app.state.store.apply_text(
        PILOT + SURVEY_TEXT.replace("  roles:", "  pilot: trial\n  roles:"), "pilot.yaml"
    )
    first = site.login("ada-admin")
    html = first.get(f"/surveys/{SURVEY}").text
    # The form asks exactly what the survey defines: its roles, its scales, its free text.
    assert 'name="q-again" value="7"' in html and 'name="q-again" value="8"' not in html
    assert 'name="q-control" value="5"' in html and '<textarea id="q-notes"' in html
    assert '<option value="editor">' in html and '<option value="director">' not in html
    # Without the CSRF token nothing is stored.
    r = first.post(
        f"/surveys/{SURVEY}",
        data={"role": "vfx", "production": PRODUCTION, "q-control": "5"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and responses(site) == []
    assert answer(first, "5", notes=f"NFX-1 {HOSTILE}", again="7") == 303
    assert "Thank you" in first.get(f"/surveys/{SURVEY}?done=1").text
    # A second answer is refused, and the first stays as it was.
    assert answer(first, "1") == 409
    (stored,) = site.client.app.state.store.documents("SurveyResponse")
    assert stored.content["spec"]["answers"] == {
        "control": 5,
        "again": 7,
        "notes": f"NFX-1 {HOSTILE}",
    }
    # Stored under a pseudonym, exactly as `survey import` would store the name.
    assert re.fullmatch(rf"{SURVEY}\.p-[0-9a-f]{{16}}", stored.id)
    assert "ada-admin" not in str(stored.content)
    for name, control in zip(READERS[1:4], ("4", "3", "4"), strict=True):
        assert answer(site.login(name), control) == 303
    # Four respondents: the group is withheld.
    assert satisfaction_arm(site)["shown"] is False
    over_api = site.client.post(
        f"/api/v1/surveys/{SURVEY}/responses",
        json={"role": "vfx", "production": PRODUCTION, "answers": {"control": 4}},
        headers=site.token("sam-standards"),
    )
    assert over_api.status_code == 201, over_api.text
    # Five: shown; each person's mean (ada: 5 and 7-of-7 = 5) gives (5+4+3+4+4)/5.
    arm = satisfaction_arm(site)
    assert arm["shown"] is True and arm["mean"] == 4.0 and arm["n"] == 5
    again = site.client.post(
        f"/api/v1/surveys/{SURVEY}/responses",
        json={"role": "vfx", "production": PRODUCTION, "answers": {"control": 1}},
        headers=site.token("sam-standards"),
    )
    assert again.status_code == 409 and "already answered" in again.json()["error"]
    assert len(responses(site)) == 5


def test_a_bad_survey_answer_names_its_field_and_stores_nothing(site: Site) -> None:
    c = site.login("max-member")
    assert answer(c, "9") == 422
    bad_role = {"role": "director", "production": PRODUCTION, "answers": {"control": 3}}
    r = site.client.post(
        f"/api/v1/surveys/{SURVEY}/responses", json=bad_role, headers=site.token("max-member")
    )
    assert r.status_code == 422 and "role" in r.json()["error"]
    assert responses(site) == []
    # Someone who does not work on the production cannot move its numbers.
    assert answer(site.login("jane"), "5") == 403


def contribution_form(c: TestClient, **extra: str) -> dict[str, str]:
    return {
        "csrf": csrf_of(c),
        "id": "shot-12",
        "subject": "scene",
        "ref": f"Stadium fall {HOSTILE}",
        "department": "vfx",
        "declaration": WAITING,
        "human_role_0": "compositor",
        "human_name_0": f"Ann {HOSTILE}",
        "human_share_0": "60",
        "human_did_0": "comp and grade",
        "ai_tool_0": "ExampleGen 3",
        "ai_share_0": "40",
        **extra,
    }


def test_a_contribution_from_the_production_page_feeds_the_shares(site: Site) -> None:
    member = site.login("max-member")
    page = member.get(f"/productions/{PRODUCTION}").text
    assert f'action="/productions/{PRODUCTION}/contributions"' in page
    url = f"/productions/{PRODUCTION}/contributions"
    no_csrf = contribution_form(member, csrf="")
    assert member.post(url, data=no_csrf, follow_redirects=False).status_code == 403
    wrong = contribution_form(member, ai_share_0="30")  # 90 in all
    r = member.post(url, data=wrong, follow_redirects=False)
    assert r.status_code == 422 and "add to 90" in r.text
    r = member.post(url, data=contribution_form(member, ai_share_0="forty"))
    assert r.status_code == 422 and "ai_share_0" in r.text
    assert site.client.app.state.store.documents("Contribution") == []

    r = member.post(url, data=contribution_form(member), follow_redirects=False)
    assert r.status_code == 303, r.text
    shares = cli_json("contribution", "shares", "--production", PRODUCTION, db=site.url)
    assert shares["departments"]["vfx"] == {"records": 1.0, "human": 60.0, "ai": 40.0}
    (stored,) = site.client.app.state.store.documents("Contribution")
    assert stored.content["spec"]["declaration"] == WAITING
    assert stored.content["spec"]["humans"][0]["did"] == "comp and grade"
    # User text is shown as text: the credit line holds it escaped, never as markup.
    page = member.get(f"/productions/{PRODUCTION}").text
    assert HOSTILE not in page and "Ann &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "60.0%" in page and "40.0%" in page
    api = site.client.get(
        f"/api/v1/productions/{PRODUCTION}/contributions", headers=site.token("otto-auditor")
    ).json()
    assert api["items"][0]["id"] == "shot-12" and api["records"] == 1


def test_performers_and_auditors_cannot_record_contributions(site: Site) -> None:
    body = {
        "id": "x",
        "ref": "shot 1",
        "department": "vfx",
        "humans": [{"role": "editor", "name": "Bo", "share": 100}],
    }
    url = f"/api/v1/productions/{PRODUCTION}/contributions"
    for name in ("otto-auditor", "jane"):
        r = site.client.post(url, json=body, headers=site.token(name))
        assert r.status_code == 403, (name, r.text)
        c = site.login(name)
        r = c.post(f"/productions/{PRODUCTION}/contributions", data=contribution_form(c))
        assert r.status_code == 403, name
    assert site.client.app.state.store.documents("Contribution") == []
    ok = site.client.post(url, json=body, headers=site.token("ada-admin"))
    assert ok.status_code == 200 and ok.json()["status"] == "created"
