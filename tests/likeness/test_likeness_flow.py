"""The issue's done-when flow, through the CLI: enrol from one photo, a face-swap clip is a
finding with timecodes that blocks its use, a covering consent clears it, another person
does not match, a cloned voice line is found; forget and revocation delete the references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelproof.services import likeness as likeness_service
from reelproof.services.context import Context
from tests.helpers import cli, cli_json
from tests.likeness.media import DONOR, HOST, SWAPPED, clip, concat_wav, photo, say

DOCS = """\
apiVersion: reelproof/v1
kind: Production
metadata: {id: harbour-s1}
spec:
  title: Harbour, season 1
  studio: netflix
  unions: [sag_aftra_tv_theatrical]
  territories: [US]
---
apiVersion: reelproof/v1
kind: Performer
metadata: {id: ana-lima}
spec: {name: Ana Lima, unions: [sag_aftra], domicile: US-CA, representation: union}
---
apiVersion: reelproof/v1
kind: Consent
metadata: {id: ana-lima-scan}
spec:
  performer: ana-lima
  granted_at: 2026-01-10
  form: separate_signed
  description: Face and voice references kept for likeness scanning of Harbour season 1.
  scope:
    uses: [biometric_enrollment]
    productions: [harbour-s1]
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: crowd-2, production: harbour-s1, declared_by: vfx@studio.example}
spec:
  title: Crowd extension, episode 2
  stage: vfx
  phase: final
  tool: {name: ExampleGen 3, enterprise_agreement: true, trains_on_inputs: false,
         stores_inputs: false}
  output: {in_final_deliverable: true, element: background, prominence: incidental}
"""

pytestmark = pytest.mark.usefixtures("models")

COVERING = """\
apiVersion: reelproof/v1
kind: Consent
metadata: {id: ana-lima-double}
spec:
  performer: ana-lima
  granted_at: 2026-01-10
  form: separate_signed
  description: Digital double for the harbour jump, episode 2 scene 14, as scripted.
  scope:
    uses: [replica_use]
    productions: [harbour-s1]
"""


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> str:
    assert cli("init", db=db_url).exit_code == 0
    docs = tmp_path / "harbour.yaml"
    docs.write_text(DOCS)
    assert cli("apply", str(docs), db=db_url).exit_code == 0
    return db_url


def test_face_swap_is_a_blocking_finding_until_consented(store: str, tmp_path: Path) -> None:
    enrolled = cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    assert [a["modality"] for a in enrolled["added"]] == ["face"]
    # Someone else's footage with a 1-second face-swapped shot of Ana inserted at 3 s.
    swap = clip(
        tmp_path / "swap.mp4", [(photo(HOST), 3.0), (photo(SWAPPED), 1.0), (photo(HOST), 2.0)]
    )
    _register(store, swap)
    report = cli_json("scan", str(swap), "--production", "harbour-s1", db=store)
    [scanned] = report["files"]
    [match] = [m for m in scanned["matches"] if m["performer"] == "ana-lima"]
    assert match["modality"] == "face"
    assert 2.9 <= match["start"] <= 3.1 and 3.4 <= match["end"] <= 4.1, match
    assert match["score"] <= match["threshold"] == 0.5
    assert match["timecode"].startswith("00:00:0")
    assert scanned["unknown_faces"] > 0  # the host's own face, matched to nobody
    [fid] = report["findings"]
    # The finding blocks the declaration whose asset it is in, and shows for the performer.
    decided = cli_json("decide", "harbour-s1/crowd-2", db=store)
    assert "LIK-1" in {r["id"] for r in decided["rules"]}
    blocking = _blocking(store, scanned["sha256"])
    assert [f["id"] for f in blocking[scanned["sha256"]]] == [fid]
    shown = cli_json("performer", "show", "ana-lima", db=store)
    assert [f["id"] for f in shown["likeness_findings"]] == [fid]
    assert shown["biometrics"][0]["modality"] == "face"
    assert "embedding" not in json.dumps(shown["biometrics"])
    listed = cli("finding", "list", "--production", "harbour-s1", db=store)
    assert listed.exit_code == 0 and fid in listed.stdout and "open" in listed.stdout
    assert "00:00:03" in listed.stdout and "(unknown)" in listed.stdout
    # A reviewer confirms: the use is now prohibited; the scan again finds nothing new (cached).
    confirmed = cli_json("finding", "confirm", fid, "--reason", "swap of Ana", db=store)
    assert confirmed[0]["status"] == "confirmed"
    status = cli_json("decide", "harbour-s1/crowd-2", db=store)
    assert status["outcome"] == "prohibited"
    again = cli_json("scan", str(swap), "--production", "harbour-s1", db=store)
    assert again["files"][0]["cached"] and again["findings"] == []
    # The same clip under a covering consent, in another production's store: no finding.
    cover = tmp_path / "cover.yaml"
    cover.write_text(COVERING)
    assert cli("apply", str(cover), db=store).exit_code == 0
    clean = tmp_path / "swap-covered.mp4"
    clean.write_bytes(swap.read_bytes() + b"")  # same bytes: same cache entry
    covered = cli_json("scan", str(clean), "--production", "harbour-s1", db=store)
    verdict = covered["files"][0]["matches"][0]["verdicts"]["harbour-s1"]
    assert not verdict["finding"] and "ana-lima-double" in verdict["reason"]


def _register(db: str, media: Path) -> None:
    """Register a clip as an asset of the crowd-extension use, as a VFX vendor would."""
    args = ["asset", "add", str(media), "--production", "harbour-s1", "--declaration", "crowd-2"]
    added = cli(*args, db=db)
    assert added.exit_code == 0, added.output


def _blocking(db: str, sha: str) -> dict[str, list[dict[str, object]]]:
    ctx = Context.open(db)
    with ctx.read() as conn:
        return likeness_service.blocking_findings(conn, [sha])


def test_another_person_does_not_match(store: str, tmp_path: Path) -> None:
    cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    other = clip(tmp_path / "messi.mp4", [(photo("messi5.jpg"), 2.0), (photo(HOST), 2.0)])
    report = cli_json("scan", str(other), "--production", "harbour-s1", db=store)
    assert report["files"][0]["faces"] >= 4
    assert report["files"][0]["matches"] == [] and report["findings"] == []


def test_cloned_voice_line_is_found(store: str, tmp_path: Path) -> None:
    refs = [
        say(tmp_path / f"ref{i}.wav", "en-us+m3", text)
        for i, text in enumerate(
            [
                "The harbour lights were out when the ferry came in that night.",
                "I told you twice already, nobody leaves the island before the storm.",
            ]
        )
    ]
    enrol = ["performer", "enroll", "ana-lima", *(a for r in refs for a in ("--voice", str(r)))]
    assert len(cli_json(*enrol, db=store)["added"]) == 2
    other = say(tmp_path / "other.wav", "en-gb+f4", "Where were you when the lighthouse went dark?")
    cloned = say(
        tmp_path / "clone.wav", "en-us+m3", "Give me the keys and walk away from the dock."
    )
    track = concat_wav(tmp_path / "dialogue.wav", [other, cloned])
    report = cli_json("scan", str(track), "--production", "harbour-s1", db=store)
    [f] = report["files"]
    hits = [m for m in f["matches"] if m["performer"] == "ana-lima"]
    assert hits and all(m["modality"] == "voice" for m in hits)
    assert min(m["start"] for m in hits) > 2.0  # the second line, not the first speaker's
    assert f["unknown_voices"] >= 1
    assert len(report["findings"]) == 1


def test_forget_and_revocation_delete_references(store: str, tmp_path: Path) -> None:
    cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    assert cli_json("performer", "forget", "ana-lima", "--biometrics", db=store)["deleted"]
    assert cli_json("performer", "show", "ana-lima", db=store)["biometrics"] == []
    cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    revoked = cli("consent", "revoke", "ana-lima-scan", "--note", "withdrawn", db=store)
    assert revoked.exit_code == 0, revoked.output
    assert cli_json("performer", "show", "ana-lima", db=store)["biometrics"] == []
    kinds = [e["kind"] for e in cli_json("log", "show", db=store)]
    assert kinds.count("biometric.enrolled") == 2 and kinds.count("biometric.forgotten") == 2
    # Without the consent, enrolment is refused.
    refused = cli("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    assert refused.exit_code == 2 and "biometric_enrollment" in refused.output
    assert cli("log", "verify", db=store).exit_code == 0


def test_the_models_are_detector_plugins(tmp_path: Path) -> None:
    import reelproof

    (faces,) = reelproof.detect(photo(DONOR), detectors=["faces"])
    assert faces.detector == "faces" and "dlib-bin" in faces.version
    [face] = faces.detections
    assert (face.kind, face.label) == ("face", "face") and 0.5 < face.score <= 1.0
    line = say(tmp_path / "line.wav", "en-us+m3", "Give me the keys and walk away from the dock.")
    (voices,) = reelproof.detect(line, detectors=["voices"])
    assert voices.detections and all(d.kind == "voice" for d in voices.detections)
    assert voices.detections[0].start_s is not None and voices.detections[0].start_s < 1.0


def test_scanned_swap_blocks_the_delivery_check_and_a_rescan_resumes(
    store: str, tmp_path: Path
) -> None:
    cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=store)
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    swap = clip(delivery / "swap.mp4", [(photo(HOST), 2.0), (photo(SWAPPED), 1.0)])
    _register(store, swap)
    first = cli_json("scan", str(delivery), "--production", "harbour-s1", db=store)
    assert [f["cached"] for f in first["files"]] == [False] and len(first["findings"]) == 1
    reads = [e for e in cli_json("log", "show", db=store) if e["kind"] == "biometric.read"]
    assert reads and reads[-1]["subject"]["id"] == "ana-lima"

    # The real finding, not one written for the test, blocks the check of the delivery.
    checked = cli(
        "check", str(delivery), "--production", "harbour-s1", "--format", "json", db=store
    )
    assert checked.exit_code == 1, checked.output
    issues = json.loads(checked.stdout)["issues"]
    [blocking] = [i for i in issues if i["rule"] == "likeness-finding-open"]
    assert "ana-lima" in blocking["message"] and blocking["location"] == "swap.mp4"

    # A second clip lands in the folder: the rescan computes only that one.
    clip(delivery / "other.mp4", [(photo("messi5.jpg"), 1.0)])
    again = cli_json("scan", str(delivery), "--production", "harbour-s1", db=store)
    cached = {Path(f["path"]).name: f["cached"] for f in again["files"]}
    assert cached == {"swap.mp4": True, "other.mp4": False}
    assert again["findings"] == []  # the open finding is not raised twice
