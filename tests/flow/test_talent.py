"""Talent rights end to end: performer view, revocation cascade, replicas as held things."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import cli, cli_json

REPLICA = """\
apiVersion: reelproof/v1
kind: DigitalReplica
metadata: {id: jane-doe-body-scan-2026}
spec:
  performer: jane-doe
  replica_type: employment_based
  modality: [face, body]
  created_under: jane-doe-stadium-double
  created_at: 2026-03-04
  custodian: ExampleVFX
  owner: Example Studio
  productions: [stranger-tides-s1]
  delete_by: DELETE_BY
  access: [vfx.sup@studio.example]
"""


def _use(view: dict, declaration: str) -> dict:
    return next(u for u in view["uses"] if u["declaration"].endswith(declaration))


def test_performer_show_answers_where_which_consent_what_owed(example_db: str) -> None:
    view = cli_json("performer", "show", "jane-doe", db=example_db)
    use = _use(view, "vfx-stadium-fall")
    assert use["consent"] == "jane-doe-stadium-double" and use["covered"] is True
    assert use["status"] == "awaiting_approval"
    assert any("day rate USD 1450" in line for line in use["owed"])
    text = cli("performer", "show", "jane-doe", db=example_db).stdout
    assert "covered by jane-doe-stadium-double" in text and "owed: day rate USD 1450" in text


def test_revocation_flips_use_to_needs_review_and_log_says_why(example_db: str) -> None:
    assert cli("approve", "vfx-stadium-fall", "--by", "counsel", db=example_db).exit_code == 0
    result = cli_json(
        "consent",
        "revoke",
        "jane-doe-stadium-double",
        "--at",
        "2026-10-01",
        "--note",
        "performer withdrew",
        db=example_db,
    )
    assert result["needs_review"] == ["stranger-tides-s1/vfx-stadium-fall"]
    status = {
        r["declaration"]: r["status"] for r in cli_json("status", db=example_db)["declarations"]
    }
    assert status["stranger-tides-s1/vfx-stadium-fall"] == "needs_review"
    entries = cli_json("log", "show", db=example_db)
    revoked = next(e for e in entries if e["kind"] == "consent.revoked")
    assert revoked["subject"] == {"kind": "Consent", "id": "jane-doe-stadium-double"}
    decision = cli_json("decide", "vfx-stadium-fall", db=example_db)
    gaps = [
        o["detail"]
        for o in decision["obligations"]
        if o["kind"] == "consent" and o["status"] == "missing"
    ]
    assert any("was revoked on 2026-10-01" in (g or "") for g in gaps)
    view = cli_json("performer", "show", "jane-doe", db=example_db)
    use = _use(view, "vfx-stadium-fall")
    assert use["covered"] is False and use["status"] == "needs_review"
    assert any(
        d["trigger"].startswith("consent jane-doe-stadium-double revoked") for d in use["decisions"]
    )
    assert [a["current"] for a in use["approvals"]] == [False]
    consent = cli_json("consent", "show", "jane-doe-stadium-double", db=example_db)
    assert consent["state"] == "revoked"
    assert [e["event"] for e in consent["events"]] == ["granted", "revoked"]
    assert consent["events"][1]["note"] == "performer withdrew"
    again = cli("consent", "revoke", "jane-doe-stadium-double", "--note", "x", db=example_db)
    assert again.exit_code == 2 and "already revoked" in again.stderr
    assert cli_json("log", "verify", db=example_db)["ok"]


def test_decision_names_missing_consent_element(example_db: str, tmp_path: Path) -> None:
    doc = tmp_path / "dub.yaml"
    doc.write_text(
        "apiVersion: reelproof/v1\nkind: AIUseDeclaration\n"
        "metadata: {id: dub-fr, production: stranger-tides-s1}\n"
        "spec:\n  title: French dub with Jane Doe's voice\n  stage: localization\n"
        "  phase: final\n  tool: {name: VoiceForge}\n"
        "  output: {in_final_deliverable: true, element: voice}\n"
        "  talent:\n    - {performer: jane-doe, use: dubbing, replica_type: employment_based}\n"
    )
    decision = cli_json("decide", str(doc), db=example_db)
    details = " | ".join(
        o["detail"] or "" for o in decision["obligations"] if o["kind"] == "consent"
    )
    assert "consent jane-doe-stadium-double does not cover the use 'dubbing'" in details


def test_replica_transfer_and_retention_show_up(example_db: str, tmp_path: Path) -> None:
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    doc = tmp_path / "replica.yaml"
    doc.write_text(REPLICA.replace("DELETE_BY", past))
    assert cli("apply", str(doc), db=example_db).exit_code == 0
    moved = cli_json(
        "replica",
        "transfer",
        "jane-doe-body-scan-2026",
        "--to-custodian",
        "OtherVFX",
        "--no-performer-consent",
        "--note",
        "vendor change",
        db=example_db,
    )
    assert moved["log_index"] is not None
    view = cli_json("performer", "show", "jane-doe", db=example_db)
    replica = view["replicas"][0]
    assert replica["custodian"] == "OtherVFX" and replica["past_retention"] is True
    findings = " | ".join(_use(view, "vfx-stadium-fall")["replica_findings"])
    assert "was due to be destroyed by" in findings and "transfer" in findings
    decision = cli_json("decide", "vfx-stadium-fall", db=example_db)
    assert any("SAG26-12" in r["id"] or "EBDR" in r["id"] for r in decision["rules"])
    sweep = cli_json("replica", "sweep", db=example_db)
    assert [r["id"] for r in sweep] == ["jane-doe-body-scan-2026"]
    assert (
        cli_json(
            "replica",
            "grant",
            "jane-doe-body-scan-2026",
            "--who",
            "editor@x",
            "--by",
            "vfx.sup",
            db=example_db,
        )["log_index"]
        is not None
    )
    assert (
        "editor@x"
        in cli_json("replica", "show", "jane-doe-body-scan-2026", db=example_db)["access"]
    )
    assert cli("replica", "destroy", "jane-doe-body-scan-2026", db=example_db).exit_code == 0
    assert cli_json("replica", "sweep", db=example_db) == []


def test_expiry_is_swept_once(example_db: str, tmp_path: Path) -> None:
    doc = tmp_path / "old-consent.yaml"
    doc.write_text(
        "apiVersion: reelproof/v1\nkind: Consent\nmetadata: {id: jane-old}\nspec:\n"
        "  performer: jane-doe\n  granted_at: 2025-01-01\n  expires_at: 2025-06-30\n"
        "  description: Voice replica for the 2025 teaser narration, as recorded on 2025-01-05.\n"
        "  scope: {uses: [voice_replica], productions: [stranger-tides-s1], media: [trailer]}\n"
    )
    assert cli("apply", str(doc), db=example_db).exit_code == 0
    first = cli_json("consent", "sweep", db=example_db)
    assert [r["consent"] for r in first] == ["jane-old"]
    assert cli_json("consent", "sweep", db=example_db) == []
    listed = {c["id"]: c["state"] for c in cli_json("consent", "list", db=example_db)}
    assert listed["jane-old"] == "expired"


def test_revocation_needs_review_even_without_an_earlier_approval(example_db: str) -> None:
    result = cli_json(
        "consent", "revoke", "jane-doe-stadium-double", "--note", "withdrawn", db=example_db
    )
    assert result["needs_review"] == ["stranger-tides-s1/vfx-stadium-fall"]
    status = {r["declaration"]: r for r in cli_json("status", db=example_db)["declarations"]}
    row = status["stranger-tides-s1/vfx-stadium-fall"]
    assert row["status"] == "needs_review"
    assert "consent jane-doe-stadium-double revoked" in row["reason"]


def test_readers_without_the_signing_key_still_see_expiry(
    example_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "old-consent.yaml"
    doc.write_text(
        "apiVersion: reelproof/v1\nkind: Consent\nmetadata: {id: jane-old}\nspec:\n"
        "  performer: jane-doe\n  granted_at: 2025-01-01\n  expires_at: 2025-06-30\n"
        "  description: Voice replica for the 2025 teaser narration, as recorded on 2025-01-05.\n"
        "  scope: {uses: [voice_replica], productions: [stranger-tides-s1], media: [trailer]}\n"
    )
    assert cli("apply", str(doc), db=example_db).exit_code == 0
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(tmp_path / "no-such.key"))  # an auditor
    listed = {c["id"]: c["state"] for c in cli_json("consent", "list", db=example_db)}
    assert listed["jane-old"] == "expired"
    view = cli_json("performer", "show", "jane-doe", db=example_db)
    assert {c["id"] for c in view["consents"]} >= {"jane-old"}
    write = cli("consent", "sweep", db=example_db)
    assert write.exit_code == 2 and "signing key is missing" in write.stderr


def test_approvals_are_listed_with_whether_they_still_apply(example_db: str) -> None:
    assert (
        cli(
            "approve",
            "vfx-stadium-fall",
            "--by",
            "counsel",
            "--conditions",
            "Credit line",
            db=example_db,
        ).exit_code
        == 0
    )
    listed = cli_json("get", "approvals", db=example_db)
    assert [(a["verdict"], a["conditions"], a["current"]) for a in listed] == [
        ("approved", "Credit line", True)
    ]
    cli("consent", "revoke", "jane-doe-stadium-double", "--note", "withdrawn", db=example_db)
    assert cli_json("get", "approvals", "vfx-stadium-fall", db=example_db)[0]["current"] is False
