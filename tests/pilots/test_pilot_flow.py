"""A pilot end to end through the CLI: documents, effort, approvals, a survey imported from
CSV under pseudonyms, contribution records, friction per rule, and the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelproof.core.documents import parse_documents
from tests.helpers import EXAMPLE, cli, cli_json

ADMIN, OWNER, APPROVER = "admin@studio.example", "owner@studio.example", "counsel@studio.example"


def production(pid: str) -> str:
    return f"""apiVersion: reelproof/v1
kind: Production
metadata: {{id: {pid}}}
spec: {{title: {pid}, studio: netflix, unions: [wga], territories: [US]}}
"""


def declaration(pid: str, n: int, without: float, with_ai: float, key_creative: bool) -> str:
    prominence = "key_creative" if key_creative else "incidental"
    return f"""apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {{id: use-{n}, production: {pid}, declared_at: 2027-01-1{n}}}
spec:
  title: Set extension {n}
  stage: vfx
  phase: final
  tool: {{name: ExampleGen 3, vendor: ExampleCo, enterprise_agreement: true,
         trains_on_inputs: false, stores_inputs: false}}
  output: {{in_final_deliverable: true, element: setting, prominence: {prominence}}}
  effort:
    estimate_without_ai: {{hours: {without}, cost: 1000.0}}
    actual_with_ai: {{hours: {with_ai}, cost: 500.0}}
"""


PILOT = """apiVersion: reelproof/v1
kind: PilotProgramme
metadata: {id: trial}
spec:
  title: "Trial <script>alert(1)</script>"
  period: {from: 2027-01-01, to: 2027-06-30}
  productions: [pilot-a]
  comparison: [comp-a]
  standards: {netflix-genai: "2025.1"}
  targets: {hours_saved: 0.25}
---
apiVersion: reelproof/v1
kind: SatisfactionSurvey
metadata: {id: feel}
spec:
  title: How did it feel?
  pilot: trial
  roles: [writer, editor]
  questions:
    - {id: q1, type: likert, text: I kept creative control.}
    - {id: notes, type: free_text, text: Which rule got in the way?}
"""

HEADER = "respondent,role,production,q1,notes\n"
COMMENT = "NFX-1 held every shot for days"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REELPROOF_ACTOR", ADMIN)
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("init", db=db).exit_code == 0
    docs = [production("pilot-a"), production("comp-a"), PILOT]
    # Pilot: 10 hours each without AI, 5..9 with it: shares .5 .4 .3 .2 .1, mean 0.3.
    docs += [declaration("pilot-a", n, 10.0, 4.0 + n, n == 1) for n in range(1, 6)]
    # Comparison: 10 hours without, 9 with: 0.1 each.
    docs += [declaration("comp-a", n, 10.0, 9.0, False) for n in range(1, 6)]
    (tmp_path / "pilot.yaml").write_text("---\n".join(docs))
    applied = cli("apply", str(tmp_path / "pilot.yaml"), db=db)
    assert applied.exit_code == 0, applied.output
    assert cli("role", "grant", "approver", APPROVER, db=db).exit_code == 0
    assert cli("role", "grant", "standards_owner", OWNER, db=db).exit_code == 0
    answered = cli("approve", "pilot-a/use-1", "--by", APPROVER, "--conditions", "Credit", db=db)
    assert answered.exit_code == 0, answered.output
    return db


def test_a_declaration_without_effort_is_stored_as_before() -> None:
    decl = parse_documents(EXAMPLE, "x.yaml")[-1]
    assert "effort" not in decl.content()["spec"]


def test_efficiency_metrics_match_the_hand_computed_values(store: str) -> None:
    m = cli_json("pilot", "metrics", "trial", db=store)
    hours = next(s for s in m["metrics"] if s["metric"] == "hours_saved")
    assert hours["arms"]["pilot"]["mean"] == pytest.approx(0.3)
    assert hours["arms"]["comparison"]["mean"] == pytest.approx(0.1)
    assert hours["pilot_minus_comparison"]["mean"] == pytest.approx(0.2)
    assert hours["target"] == 0.25
    low, high = hours["arms"]["pilot"]["ci95"]
    assert 0.1 <= low < 0.3 < high <= 0.5
    cost = next(s for s in m["metrics"] if s["metric"] == "cost_saved")
    assert cost["arms"]["pilot"]["mean"] == pytest.approx(0.5)  # 1000 -> 500 each
    approved = next(s for s in m["metrics"] if s["metric"] == "cycle_time.decided_to_approved")
    assert approved["arms"]["pilot"] == {"n": 1, "mean": None, "too_few": True, "need": 5}
    rework = next(s for s in m["metrics"] if s["metric"] == "rework")
    assert rework["arms"]["pilot"]["mean"] == 0.0 and rework["arms"]["pilot"]["n"] == 5
    text = cli("pilot", "metrics", "trial", db=store).stdout
    assert "too few (n=1, need 5)" in text and "0.3 [" in text


def test_survey_import_is_all_or_nothing_and_pseudonymous(store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER.replace("notes", "nots") + "a@x,writer,pilot-a,4,\n")
    wrong = cli("survey", "import", str(bad), "--survey", "feel", db=store)
    assert wrong.exit_code == 2 and "bad.csv:1" in wrong.stderr and "nots" in wrong.stderr
    bad.write_text(HEADER + "a@x,writer,pilot-a,4,\nb@x,writer,pilot-a,9,\n")
    wrong = cli("survey", "import", str(bad), "--survey", "feel", db=store)
    assert wrong.exit_code == 2 and "bad.csv:3" in wrong.stderr and "q1" in wrong.stderr
    assert "from 1 to 5" in wrong.stderr and "Traceback" not in wrong.output
    bad.write_text("\ufeff" + HEADER + "a@x,writer,pilot-a,4,\nA@X ,editor,pilot-a,2,\n")
    twice = cli("survey", "import", str(bad), "--survey", "feel", db=store)
    assert twice.exit_code == 2 and "bad.csv:3" in twice.stderr and "line 2" in twice.stderr
    assert cli_json("get", "responses", db=store) == []  # nothing half-stored

    rows = [
        f"writer{i}@studio.example,writer,pilot-a,{v},\n" for i, v in enumerate([5, 4, 4, 3, 4])
    ]
    rows += [f"editor{i}@studio.example,editor,pilot-a,1,\n" for i in range(4)]
    rows[0] = rows[0].rstrip(",\n") + f",{COMMENT}\n"
    good = tmp_path / "responses.csv"
    good.write_text(HEADER + "".join(rows))
    done = cli_json("survey", "import", str(good), "--survey", "feel", db=store)
    assert done["responses"] == 9 and done["created"] == 9
    again = cli_json("survey", "import", str(good), "--survey", "feel", db=store)
    assert again["unchanged"] == 9  # the same people keep their pseudonyms
    stored = json.dumps(cli_json("get", "responses", db=store))
    assert "studio.example" not in stored and "writer0" not in stored
    assert b"writer0@studio.example" not in Path(store.removeprefix("sqlite:///")).read_bytes()

    m = cli_json("pilot", "metrics", "trial", db=store)
    groups = {g["group"]: g for g in m["satisfaction"]["groups"]["arm_and_role"]}
    assert groups["pilot/writer"]["mean"] == 4.0  # (5+4+4+3+4)/5
    assert groups["pilot/editor"] == {
        "group": "pilot/editor",
        "shown": False,
        "reason": "fewer than 5",
    }
    roles = {g["group"]: g for g in m["satisfaction"]["groups"]["role"]}
    assert roles["editor"]["shown"] is False
    text = cli("pilot", "metrics", "trial", db=store).stdout
    assert "pilot/editor\twithheld (fewer than 5 respondents)" in text
    assert COMMENT not in text

    owner = cli_json("standards", "feedback", "netflix-genai", db=store)
    assert owner["comments_shown"] is True  # the admin may read them
    nfx1 = next(r for r in owner["rules"] if r["rule"] == "NFX-1")
    assert nfx1["comments"] == [COMMENT]
    assert nfx1["answers"] == 1 and nfx1["with_conditions"] == 1 and nfx1["rejected"] == 0
    assert owner["rules"] == sorted(owner["rules"], key=lambda r: -r["friction"])
    assert any("standards diff" in s for s in owner["next_steps"])


def test_free_text_is_for_standards_owners_only(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "r.csv"
    csv.write_text(HEADER + f"w@x,writer,pilot-a,4,{COMMENT}\n")
    assert cli("survey", "import", str(csv), "--survey", "feel", db=store).exit_code == 0
    monkeypatch.setenv("REELPROOF_ACTOR", "someone@studio.example")
    other = cli_json("standards", "feedback", db=store)
    assert other["comments_shown"] is False
    assert COMMENT not in json.dumps(other)
    assert next(r for r in other["rules"] if r["rule"] == "NFX-1")["comments"] == 1
    assert "standards owners only" in cli("standards", "feedback", db=store).stdout
    monkeypatch.setenv("REELPROOF_ACTOR", OWNER)
    assert COMMENT in cli("standards", "feedback", db=store).stdout
    missing = cli("standards", "feedback", "no-such-pack", db=store)
    assert missing.exit_code == 2 and "no-such-pack" in missing.stderr


def test_contributions_and_the_reports(store: str, tmp_path: Path) -> None:
    added = cli(
        "contribution",
        "add",
        "shot-1",
        "--production",
        "pilot-a",
        "--subject",
        "asset",
        "--ref",
        "shot 1 set extension",
        "--department",
        "vfx",
        "--declaration",
        "use-1",
        "--human",
        "vfx artist:Ana Silva:60:final comp",
        "--ai",
        "ExampleGen 3:40:plate",
        db=store,
    )
    assert added.exit_code == 0, added.output
    script = cli(
        "contribution",
        "add",
        "ep1",
        "--production",
        "pilot-a",
        "--subject",
        "scene",
        "--ref",
        "episode 1 script",
        "--department",
        "writing",
        "--human",
        "writer:Sam <b>Writer</b>:100",
        db=store,
    )
    assert script.exit_code == 0, script.output
    shares = cli_json("contribution", "shares", db=store)
    assert shares["departments"] == {
        "vfx": {"records": 1.0, "human": 60.0, "ai": 40.0},
        "writing": {"records": 1.0, "human": 100.0, "ai": 0.0},
    }
    bad = cli(
        "contribution",
        "add",
        "x",
        "--production",
        "pilot-a",
        "--ref",
        "r",
        "--department",
        "vfx",
        "--human",
        "a:b:70",
        "--ai",
        "t:20",
        "--declaration",
        "use-1",
        db=store,
    )
    assert bad.exit_code == 2 and "add to 90" in bad.stderr
    undeclared = cli(
        "contribution",
        "add",
        "y",
        "--production",
        "pilot-a",
        "--ref",
        "r",
        "--department",
        "vfx",
        "--ai",
        "t:100",
        db=store,
    )
    assert undeclared.exit_code == 2 and "declaration" in undeclared.stderr
    unknown = cli(
        "contribution",
        "add",
        "z",
        "--production",
        "pilot-a",
        "--ref",
        "r",
        "--department",
        "vfx",
        "--ai",
        "t:100",
        "--declaration",
        "nope",
        db=store,
    )
    assert unknown.exit_code == 2 and "nope" in unknown.stderr

    out = tmp_path / "reports"
    files = cli_json("pilot", "report", "trial", "--out", str(out), db=store)
    assert [f["report"] for f in files] == ["pilot-report", "investors-summary"]
    html = (out / "pilot-report.html").read_text()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<svg" in html and "too few" in html
    assert all(Path(f["pdf"]).read_bytes().startswith(b"%PDF") for f in files)
    # Hours saved, totals by quarter: pilot uses save 10 - (4 + n) hours for n = 1..5.
    saved = files[1]["charts"]["hours_saved_by_quarter"]
    assert saved["categories"] == ["2027-Q1"]
    assert saved["series"] == {"pilot": [5.0 + 4 + 3 + 2 + 1], "comparison": [5 * 1.0]}
    risk = files[1]["charts"]["risk_by_quarter"]["series"]
    assert risk["blocked delivery checks"] == [0.0]
    creators = cli_json("pilot", "creators", "--out", str(out), db=store)
    page = Path(creators[0]["html"]).read_text()
    assert "Sam &lt;b&gt;Writer&lt;/b&gt;" in page and "not literary material" in page
    assert "ExampleGen 3" in page


def test_the_pilot_demo(tmp_path: Path) -> None:
    result = cli("demo", "--pilot", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    reports = tmp_path / "demo" / "reports"
    for name in ("pilot-report", "creators-report", "investors-summary"):
        assert (reports / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    html = (reports / "pilot-report.html").read_text()
    assert "withheld" in html  # the sound recordists are fewer than five
    assert "ci95" not in html and "95% interval" in html
    assert "rules by friction" in result.stdout.lower()


def test_the_bundled_example_applies_after_the_example_production(tmp_path: Path) -> None:
    from reelproof.services.demo import example_path

    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("init", db=db).exit_code == 0
    applied = cli("apply", str(example_path()), str(example_path("pilot-programme.yaml")), db=db)
    assert applied.exit_code == 0, applied.output
    [record] = cli_json("get", "contributions", db=db)
    assert record["metadata"]["id"] == "sh042-stadium-fall"
    m = cli_json("pilot", "metrics", "genai-pilot-2027q1", db=db)
    assert m["satisfaction"]["groups"]["arm"] == [
        {"group": "pilot", "shown": False, "reason": "fewer than 5"}
    ]


def test_effort_recorded_afterwards_keeps_the_approval(store: str, tmp_path: Path) -> None:
    records = "---\n".join(
        f"""apiVersion: reelproof/v1
kind: EffortRecord
metadata: {{id: use-1-shot-{n}}}
spec:
  production: pilot-a
  declaration: use-1
  asset: "{sha * 64}"
  estimate_without_ai: {{hours: 10.0}}
  actual_with_ai: {{hours: {hours}}}
"""
        for n, sha, hours in ((1, "a", 2.0), (2, "b", 4.0))
    )
    (tmp_path / "effort.yaml").write_text(records)
    applied = cli("apply", str(tmp_path / "effort.yaml"), db=store)
    assert applied.exit_code == 0, applied.output
    status = cli_json("status", "pilot-a", "--fail-on", "never", db=store)["declarations"]
    assert {r["declaration"]: r["status"] for r in status}["pilot-a/use-1"] == "cleared"
    m = cli_json("pilot", "metrics", "trial", db=store)
    hours = next(s for s in m["metrics"] if s["metric"] == "hours_saved")
    # use-1 is now 20 hours without AI and 6 with it (0.7), the rest as before.
    assert hours["arms"]["pilot"]["mean"] == pytest.approx((0.7 + 0.4 + 0.3 + 0.2 + 0.1) / 5)
    cost = next(s for s in m["metrics"] if s["metric"] == "cost_saved")
    assert cost["arms"]["pilot"]["n"] == 4  # the records give no cost: use-1 has none now
    half = tmp_path / "half.yaml"
    half.write_text(records.split("---\n")[0].replace("{hours: 10.0}", "{hours: 10.0, cost: 5.0}"))
    bad = cli("apply", str(half), db=store)
    assert bad.exit_code == 2 and "half.yaml" in bad.stderr and "cost" in bad.stderr
