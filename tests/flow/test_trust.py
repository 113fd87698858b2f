"""Decisions people can rely on, walked as a production lives them: a revocation stops every
use it covered, an approval cannot clear what consent forbids, gates read the current decision,
and who may approve is a record in the store."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from reelproof.services import decisions, talent
from reelproof.services.context import Context
from tests.helpers import cli, cli_json
from tests.provenance.makers import png_bytes

# A UK/EU/US series: a SAG-AFTRA lead de-aged with AI and her cloned voice for the dubs, both
# under one consent.
SERIES = """\
apiVersion: reelproof/v1
kind: Production
metadata: {id: north-light}
spec:
  title: North Light
  studio: netflix
  unions: [sag_aftra_tv_theatrical, wga, dga, iatse]
  territories: [US, EU, GB]
  principal_photography_start: 2026-03-01
---
apiVersion: reelproof/v1
kind: Performer
metadata: {id: mara-quinn}
spec:
  name: Mara Quinn
  unions: [sag_aftra]
  domicile: US-CA
  representation: union
---
apiVersion: reelproof/v1
kind: Consent
metadata: {id: mara-deage}
spec:
  performer: mara-quinn
  granted_by: performer
  granted_at: 2026-03-10
  expires_at: 2030-12-31
  form: separate_signed
  description: De-ageing of Mara Quinn in the 1990s flashback scenes of episodes 2 and 5, and her
    cloned voice for the French and German dubs of those episodes.
  scope:
    uses: [digital_alteration, dubbing, voice_replica]
    replica_types: [employment_based]
    productions: [north-light]
    media: [series]
    territories: [WORLD]
  compensation: {basis: day_rate, amount: 2000, currency: USD}
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: deage-flashback, production: north-light, declared_by: vfx@studio.example}
spec:
  title: De-age Mara Quinn for the flashbacks
  stage: vfx
  phase: final
  tool: {name: AgeShift, vendor: VFXCo, enterprise_agreement: true, trains_on_inputs: false,
         stores_inputs: false}
  output: {in_final_deliverable: true, element: performance, prominence: key_creative,
           realistic_depiction: true}
  talent:
    - {performer: mara-quinn, use: digital_alteration, alteration: performance_change}
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: dub-fr-de, production: north-light, declared_by: loc@studio.example}
spec:
  title: Mara Quinn's cloned voice for the French and German dubs
  stage: localization
  phase: final
  tool: {name: VoiceClone, vendor: DubCo, enterprise_agreement: true, trains_on_inputs: false,
         stores_inputs: false}
  output: {in_final_deliverable: true, element: voice, prominence: key_creative}
  talent:
    - {performer: mara-quinn, use: dubbing, replica_type: employment_based, alteration: as_scripted}
"""
USES = ("north-light/deage-flashback", "north-light/dub-fr-de")
COUNSEL = "counsel@studio.example"


def _last_trigger(db: str, use: str) -> str:
    with Context.open(db).read() as conn:
        latest = decisions.latest_decision(conn, use)
    assert latest is not None
    return latest.trigger


def _status(db: str) -> dict[str, str]:
    return {r["declaration"]: r["status"] for r in cli_json("status", db=db)["declarations"]}


@pytest.fixture
def series_db(db_url: str, tmp_path: Path) -> str:
    assert cli("init", db=db_url).exit_code == 0
    (tmp_path / "series.yaml").write_text(SERIES)
    assert cli("apply", str(tmp_path / "series.yaml"), db=db_url).exit_code == 0
    assert cli("role", "grant", "approver", COUNSEL, db=db_url).exit_code == 0
    return db_url


def _sign(db: str, tmp_path: Path, use: str) -> Any:
    frame = tmp_path / f"{use.split('/')[1]}.png"
    if not frame.exists():
        frame.write_bytes(png_bytes())
    out = tmp_path / f"{frame.stem}-{len(list(tmp_path.glob('*.signed*')))}.signed.png"
    return cli("sign", str(frame), "--declaration", use, "--out", str(out), db=db)


def test_a_revoked_consent_stops_both_uses_until_a_new_one_is_approved(
    series_db: str, tmp_path: Path
) -> None:
    db = series_db
    assert cli_json("keys", "dev-ca", "--out", str(tmp_path / "ca"))["config"] is not None
    for use in USES:
        assert cli_json("approve", use, "--by", COUNSEL, db=db)["status"] == "cleared"
    assert _sign(db, tmp_path, USES[1]).exit_code == 0  # cleared: signed

    revoked = cli_json("consent", "revoke", "mara-deage", "--note", "withdrawn", db=db)
    assert sorted(revoked["needs_review"]) == sorted(USES)
    assert all(_status(db)[u] == "needs_review" for u in USES)
    for use in USES:
        refused = cli("approve", use, "--by", COUNSEL, db=db)
        assert refused.exit_code == 2 and "obligation is unmet" in refused.stderr
        assert "consent" in refused.stderr and "mara-deage was revoked" in refused.stderr
        signing = _sign(db, tmp_path, use)
        assert signing.exit_code == 2 and "refusing to sign" in signing.stderr

    # A new consent brings the decisions back, and asks for approval again.
    renewed = tmp_path / "renewed.yaml"
    renewed.write_text(
        SERIES.split("---\n")[2]
        .replace("{id: mara-deage}", "{id: mara-deage-2}")
        .replace("granted_at: 2026-03-10", f"granted_at: {dt.date.today()}")
    )
    assert cli("apply", str(renewed), db=db).exit_code == 0
    assert all(_last_trigger(db, u).startswith("Consent mara-deage-2 revision 1") for u in USES)
    for use in USES:
        decision = cli_json("decide", use, db=db)
        assert decision["blocking"] == []
        assert not [o for o in decision["obligations"] if o["status"] == "missing"]
        assert decision["status"] == "needs_review"  # the old approval answered another consent
        assert _sign(db, tmp_path, use).exit_code == 2
    for use in USES:
        assert cli_json("approve", use, "--by", COUNSEL, db=db)["status"] == "cleared"
    assert _sign(db, tmp_path, USES[0]).exit_code == 0
    assert cli_json("log", "verify", db=db)["ok"]


def test_revocations_dated_before_the_grant_or_in_the_future_are_refused(series_db: str) -> None:
    early = cli(
        "consent", "revoke", "mara-deage", "--at", "2026-01-01", "--note", "x", db=series_db
    )
    assert early.exit_code == 2 and "before consent mara-deage was granted" in early.stderr
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    future = cli("consent", "revoke", "mara-deage", "--at", later, "--note", "x", db=series_db)
    assert future.exit_code == 2 and "in the future" in future.stderr
    assert cli_json("consent", "show", "mara-deage", db=series_db)["state"] == "active"


def test_an_expiry_reaches_every_gate_without_a_sweep(series_db: str) -> None:
    ctx = Context.open(series_db)
    for use in USES:
        assert cli_json("approve", use, "--by", COUNSEL, db=series_db)["status"] == "cleared"
    # Years later the consent has expired; nobody ran `consent sweep`.
    ctx.clock = lambda: dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC)
    with ctx.read() as conn:
        statuses = [decisions.status_of(conn, u, ctx.clock().date()) for u in USES]
    assert [s.status for s in statuses] == ["needs_review", "needs_review"]
    assert all("changed on 2031-01-01" in s.reason for s in statuses)
    with ctx.write() as unit:  # what `sign` and every later gate read
        gate = decisions.current_status(unit, USES[0], "re-checked before signing")
    assert gate.status == "needs_review" and gate.decision is not None
    assert gate.decision.blocking and "expired" in gate.decision.blocking[0]["detail"]
    swept = talent.sweep_consents(ctx)
    assert [cid for cid, _ in swept] == ["mara-deage"]


def test_an_amended_consent_re_decides_the_uses_that_read_it(
    series_db: str, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(
        "apiVersion: reelproof/v1\nkind: Performer\nmetadata: {id: lee-park}\n"
        "spec: {name: Lee Park, unions: [sag_aftra], domicile: US-CA, representation: union}\n"
    )
    assert cli("apply", str(other), db=series_db).exit_code == 0
    moved = tmp_path / "moved.yaml"  # a clerical error: the consent was Lee's all along
    moved.write_text(
        SERIES.split("---\n")[2].replace("performer: mara-quinn", "performer: lee-park")
    )
    assert cli("apply", str(moved), db=series_db).exit_code == 0
    assert all(_last_trigger(series_db, u).startswith("Consent mara-deage rev") for u in USES)
    decision = cli_json("decide", USES[0], db=series_db)
    assert decision["blocking"] and "Consent:mara-deage" not in decision["reads"]


def test_an_approval_holds_while_nothing_it_approved_changes(
    series_db: str, tmp_path: Path
) -> None:
    from reelproof.adapters.packs import bundled_pack_files

    assert cli_json("approve", USES[1], "--by", COUNSEL, db=series_db)["status"] == "cleared"
    source = next(p for p in bundled_pack_files() if p.name.startswith("dga-"))
    retitled = tmp_path / "dga-2023.2.yaml"
    retitled.write_text(
        source.read_text()
        .replace('version: "2023.1"', 'version: "2023.2"', 1)
        .replace("title: ", "title: Revised ", 1)
    )
    impact = cli_json("standards", "impact", "--pack", str(retitled), db=series_db)
    assert {r["declaration"] for r in impact} == set(USES)  # both record the new version
    assert all(r["old_status"] == r["new_status"] for r in impact)
    published = cli_json("standards", "publish", str(retitled), db=series_db)
    redecided = {f"{d['production']}/{d['declaration']}" for d in published["redecided"]}
    assert redecided == set(USES)
    assert _status(series_db)[USES[1]] == "cleared"  # nothing the approval answered changed
    decision = cli_json("decide", USES[1], db=series_db)
    assert decision["standards"]["dga"] == "2023.2"
    assert decision["standards_digests"]["dga"].startswith("sha256:")
    assert decision["reelproof"]


def test_who_may_approve_is_a_record_in_the_store(series_db: str, tmp_path: Path) -> None:
    db = series_db
    intern = cli("approve", USES[0], "--by", "intern@studio.example", db=db)
    assert intern.exit_code == 2 and "does not hold the approver role" in intern.stderr
    # A configuration file cannot switch the check off, and a missing one named is an error.
    os.environ["REELPROOF_CONFIG"] = "/dev/null"
    try:
        again = cli("approve", USES[0], "--by", "intern@studio.example", db=db)
        assert again.exit_code == 2 and "does not hold the approver role" in again.stderr
        os.environ["REELPROOF_CONFIG"] = str(tmp_path / "misspelt.toml")
        missing = cli("status", db=db)
        assert missing.exit_code == 2 and "misspelt.toml" in missing.stderr
    finally:
        del os.environ["REELPROOF_CONFIG"]
    legacy = tmp_path / ".reelproof" / "config.toml"
    legacy.parent.mkdir(exist_ok=True)
    legacy.write_text('[roles]\napprovers = ["intern@studio.example"]\n')
    old = cli("approve", USES[0], "--by", "intern@studio.example", db=db)
    assert old.exit_code == 2 and "role grant" in old.stderr
    legacy.write_text('[identity]\nuser = "intern@studio.example"\n')
    # The intern is not an admin: they can neither grant roles nor answer for counsel.
    grant = cli("role", "grant", "approver", "intern@studio.example", db=db)
    assert grant.exit_code == 2 and "does not hold the admin role" in grant.stderr
    proxy = cli("approve", USES[0], "--by", COUNSEL, db=db)
    assert proxy.exit_code == 2 and "you are acting as intern@studio.example" in proxy.stderr
    legacy.write_text(f'[identity]\nuser = "{COUNSEL}"\n')
    own = cli_json("approve", USES[0], db=db)  # --by defaults to the acting identity
    assert own["status"] == "cleared"
    legacy.unlink()
    # Per-production approvers; revoked roles stop working; every change is logged.
    lee = cli("role", "grant", "approver", "lee@studio.example", "--production", "other", db=db)
    assert lee.exit_code == 0
    other = cli("approve", USES[1], "--by", "lee@studio.example", db=db)
    assert other.exit_code == 2 and "for production north-light" in other.stderr
    assert cli("role", "revoke", "approver", COUNSEL, db=db).exit_code == 0
    gone = cli("approve", USES[1], "--by", COUNSEL, db=db)
    assert gone.exit_code == 2 and "does not hold the approver role" in gone.stderr
    listed = {(r["role"], r["who"], r["production"]) for r in cli_json("role", "list", db=db)}
    assert ("approver", "lee@studio.example", "other") in listed
    assert not any(w == COUNSEL for _r, w, _p in listed)
    kinds = [e["kind"] for e in cli_json("log", "show", db=db)]
    assert kinds.count("role.granted") == 3 and kinds.count("role.revoked") == 1
    last = cli("role", "revoke", "admin", os.environ.get("REELPROOF_ACTOR", _me()), db=db)
    assert last.exit_code == 2 and "last admin" in last.stderr


def test_an_approvals_time_is_the_logs_time(series_db: str, tmp_path: Path) -> None:
    doc = tmp_path / "approval.yaml"
    doc.write_text(
        "apiVersion: reelproof/v1\nkind: Approval\nmetadata: {id: appr-old}\nspec:\n"
        f"  declaration: {USES[0]}\n  decision: approved\n  by: {COUNSEL}\n  at: 2001-01-01\n"
    )
    assert cli("apply", str(doc), db=series_db).exit_code == 0
    listed = cli_json("get", "approvals", db=series_db)[0]
    assert listed["at"].startswith(dt.date.today().isoformat())
    assert "stated date: 2001-01-01" in listed["note"]


def _me() -> str:
    from reelproof.services.context import default_actor

    return default_actor()
