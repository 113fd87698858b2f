"""The delivery gate as a user lives it: register media, check the cut, fix, check again."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from reelproof import verify
from reelproof.adapters.devca import DevCA
from reelproof.adapters.store import likeness as likeness_store
from reelproof.services.context import Context
from reelproof.services.demo import example_path
from tests.delivery.cuts import convert_cut, signed_png, write_cut
from tests.helpers import cli, cli_json

P = "stranger-tides-s1"
DOUBLE = f"{P}/vfx-stadium-fall"
SHOT = "01:00:02:00-01:00:03:00"  # record in/out of the generated shot in the cut


def _release(db: str, tmp_path: Path, dates: str) -> None:
    """Re-apply the example production with release dates per territory."""
    release = f"  release_dates: {dates}\n"
    text = re.sub(r"  release_dates: .*\n", release, example_path().read_text())
    doc = tmp_path / "production.yaml"
    doc.write_text(text.split("\n---\n")[0] + "\n")
    result = cli("apply", str(doc), db=db)
    assert result.exit_code == 0, result.output


@pytest.fixture
def delivery(example_db: str, dev_ca: DevCA, tmp_path: Path) -> tuple[str, Path, Path]:
    root = tmp_path / "delivery"
    signed_png(dev_ca, root / "shots" / "double.png", "trainedAlgorithmicMedia", (200, 10, 10))
    signed_png(dev_ca, root / "plates" / "plate.png", "digitalCapture", (10, 10, 200))
    cut = write_cut(
        tmp_path / "cut.otio",
        [("plate", "plates/plate.png", 48), ("sh010-double", "shots/double.png", 24)],
    )
    added = cli_json(
        "asset",
        "add",
        str(root / "shots" / "double.png"),
        "--production",
        P,
        "--declaration",
        DOUBLE,
        db=example_db,
    )
    assert added[0]["classification"] == "ai_generated"
    return example_db, root, cut


def _check(db: str, root: Path, cut: Path, fmt: str = "json", *extra: str) -> tuple[int, str]:
    result = cli(
        "check",
        str(root),
        "--production",
        P,
        "--timeline",
        str(cut),
        "--format",
        fmt,
        *extra,
        db=db,
    )
    assert result.exit_code in (0, 1), result.output + result.stderr
    return result.exit_code, result.stdout


def test_uncleared_shot_blocks_in_every_format_then_clears(
    delivery: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, root, cut = delivery
    _release(db, tmp_path, "{US: 2026-06-01, EU: 2026-09-01, KR: 2026-09-01, GB: 2026-06-01}")
    code, out = _check(db, root, cut)
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "blocked"
    [uncleared] = [i for i in data["issues"] if i["rule"] == "uncleared-ai-material"]
    assert uncleared["record"] == SHOT and uncleared["location"] == "shots/double.png"
    assert "awaiting_approval" in uncleared["message"]
    assert data["timeline"]["seconds_by_classification"] == {"ai_generated": 1.0, "human": 2.0}
    assert data["inspected"] == 1  # the plate was new; the registered shot was not re-read

    code, text = _check(db, root, cut, "text")
    assert code == 1 and "BLOCKED" in text and f"uncleared-ai-material [{SHOT}]" in text
    code, xml = _check(db, root, cut, "junit")
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='shots/double.png']/failure")
    assert failure is not None and SHOT in (failure.text or "")
    code, sarif = _check(db, root, cut, "sarif")
    results = json.loads(sarif)["runs"][0]["results"]
    hit = [r for r in results if r["ruleId"] == "uncleared-ai-material"]
    assert hit[0]["level"] == "error" and hit[0]["properties"]["record"] == SHOT

    assert cli("approve", DOUBLE, "--by", "counsel", db=db).exit_code == 0
    code, out = _check(db, root, cut)
    rules = {i["rule"] for i in json.loads(out)["issues"] if i["level"] == "error"}
    assert code == 1 and rules == {"disclosure-missing"}  # EU and KR labels at release

    recorded = cli(
        "contribution", "add", "sh042", "--production", P, "--subject", "asset",
        "--ref", "sh042 stadium fall", "--department", "vfx", "--declaration", "vfx-stadium-fall",
        "--human", "vfx artist:Ana Silva:60", "--ai", "ExampleDouble:40", db=db,
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    shown = cli_json("disclose", P, "--out", str(tmp_path / "disc"), db=db)
    assert {lb["territory"] for lb in shown["labels"]} == {"EU", "KR"}
    assert any("Generated with AI" in line for line in shown["credits"])
    assert shown["credits"][-1] == (
        "asset sh042 stadium fall (vfx): vfx artist: Ana Silva; with AI tools ExampleDouble "
        "under declaration vfx-stadium-fall"
    )
    page = (tmp_path / "disc" / "disclosure.html").read_text()
    assert "Digital double of Jane Doe" in page
    manifest = json.loads((tmp_path / "disc" / "master-manifest.json").read_text())
    assert [i["instance_id"] for i in manifest["ingredients"]] == [
        f"sha256:{shown['master_ingredients'][0]['sha256']}"
    ]
    code, out = _check(db, root, cut)
    assert code == 0 and json.loads(out)["verdict"] == "clear", out

    _report_shows_the_store(db, tmp_path / "report")
    log = cli_json("log", "show", db=db)
    checks = [e for e in log if e["kind"] == "delivery.checked"]
    assert [c["subject"]["verdict"] for c in checks] == ["blocked"] * 5 + ["clear"]
    assert checks[-1]["subject"]["timeline_sha256"] == json.loads(out)["timeline"]["sha256"]


@pytest.mark.parametrize(
    ("suffix", "record"),
    # The FCPXML writer drops the sequence's start timecode, so its cut starts at zero.
    [(".aaf", SHOT), (".fcpxml", "00:00:02:00-00:00:03:00")],
)
def test_fcpxml_and_aaf_cuts_block_the_uncleared_shot(
    delivery: tuple[str, Path, Path], suffix: str, record: str
) -> None:
    db, root, cut = delivery
    code, out = _check(db, root, convert_cut(cut, suffix))
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "blocked"
    [uncleared] = [i for i in data["issues"] if i["rule"] == "uncleared-ai-material"]
    assert uncleared["record"] == record and uncleared["location"] == "shots/double.png"
    assert not [i for i in data["issues"] if i["rule"] == "unmapped-clip"]
    assert data["timeline"]["seconds_by_classification"] == {"ai_generated": 1.0, "human": 2.0}


def test_law_in_force_at_each_release_date(
    delivery: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, _root, _cut = delivery
    assert cli("approve", DOUBLE, "--by", "counsel", db=db).exit_code == 0
    _release(db, tmp_path, "{US: 2026-06-01, EU: 2026-07-01, KR: 2025-12-01, GB: 2026-06-01}")
    before = cli_json("disclose", P, "--out", str(tmp_path / "a"), db=db)
    assert before["labels"] == []  # released before Art. 50 and Korea's Act applied
    _release(db, tmp_path, "{US: 2026-06-01, EU: 2026-08-03, KR: 2025-12-01, GB: 2026-06-01}")
    after = cli_json("disclose", P, "--out", str(tmp_path / "b"), db=db)
    [eu] = after["labels"]
    assert eu["territory"] == "EU" and eu["released"] == "2026-08-03"
    assert any("50(4)" in why for why in eu["why"])


def test_temporary_material_unmapped_clips_and_findings_block(
    delivery: tuple[str, Path, Path], dev_ca: DevCA, tmp_path: Path
) -> None:
    db, root, _cut = delivery
    mood = signed_png(dev_ca, root / "shots" / "mood.png", "trainedAlgorithmicMedia", (9, 9, 9))
    cli_json(
        "asset", "add", str(mood), "--production", P, "--declaration", "art-moodboard-001", db=db
    )
    plate_sha = cli_json("inspect", str(root / "plates" / "plate.png"))[0]["sha256"]
    cut = write_cut(
        tmp_path / "cut2.otio",
        [("mood", None, 12), ("by-sha", None, 12), ("lost", "elsewhere/x.mov", 12)],
        **{"by-sha": {"reelproof": {"sha256": plate_sha}}},
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text("mood: shots/mood.png\n")
    code, out = _check(db, root, cut, "json", "--mapping", str(mapping))
    issues = json.loads(out)["issues"]
    temp = [i for i in issues if i["rule"] == "temporary-material"]
    assert code == 1 and temp[0]["record"] == "01:00:00:00-01:00:00:12"
    [lost] = [i for i in issues if i["rule"] == "unmapped-clip"]
    assert lost["location"] == "lost" and "elsewhere/x.mov" in lost["message"]
    assert not any(i["location"] == "plates/plate.png" and i["level"] == "error" for i in issues)

    ctx = Context.open(db)
    with ctx.write() as unit:  # a finding as the likeness scan records it
        unit.log.record_row(
            likeness_store.findings_t,
            {
                "finding_id": "lf-test",
                "production": P,
                "sha256": plate_sha,
                "path": "plates/plate.png",
                "performer": "jane-doe",
                "modality": "face",
                "classification": "unknown",
                "segments": "[]",
                "found_at": unit.log.time,
                "found_by": unit.actor,
            },
            kind="likeness.finding",
            subject={"kind": likeness_store.FINDING_KIND, "id": "lf-test"},
        )
    code, out = _check(db, root, cut, "json", "--mapping", str(mapping))
    [finding] = [i for i in json.loads(out)["issues"] if i["rule"] == "likeness-finding-open"]
    assert finding["record"] == "01:00:00:12-01:00:01:00" and "jane-doe" in finding["message"]


def test_bad_input_exits_2(delivery: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, root, cut = delivery
    (tmp_path / "cut.mov").write_bytes(b"not a timeline")
    listed = tmp_path / "list.yaml"
    listed.write_text("- plate\n- shots/double.png\n")
    cases = [
        (["--timeline", str(tmp_path / "nope.otio")], "no such timeline file"),
        (["--timeline", str(tmp_path / "cut.mov")], "unknown timeline type"),
        (["--timeline", str(cut), "--rate", "25"], "--rate applies to EDL files only"),
        (["--timeline", str(cut), "--format", "html"], "unknown output format"),
        (["--timeline", str(cut), "--mapping", str(listed)], "expected a mapping"),
    ]
    for extra, message in cases:
        result = cli("check", str(root), "--production", P, *extra, db=db)
        assert result.exit_code == 2 and message in result.stderr, (extra, result.stderr)
    assert cli("check", str(root), "--production", "nope", db=db).exit_code == 2


def _report_shows_the_store(db: str, out: Path) -> None:
    """The report's charts carry the store's numbers and its proofs verify offline."""
    built = cli_json("report", P, "--out", str(out), db=db)
    charts = built["charts"]
    cut = charts["cut_running_time"]
    assert dict(zip(cut["categories"], cut["series"]["seconds"], strict=True)) == {
        "ai_generated": 1.0,
        "human": 2.0,
    }
    stage = charts["material_by_stage"]
    assert stage["series"]["ai_generated"][stage["categories"].index("vfx")] == 1
    assert charts["approval_cycle_days"]["categories"] == ["vfx-stadium-fall (approved)"]
    assert charts["consents_expiring"]["categories"] == ["jane-doe-stadium-double"]
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 5 and "Running time of the locked cut" in html
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")

    proofs = json.loads((out / "proofs.json").read_text())
    vkey = cli("log", "key", db=db).stdout.split()[-1]
    note = verify.verify_note(proofs["checkpoint"], [verify.parse_vkey(vkey)])
    checkpoint = verify.parse_checkpoint(note.body)
    assert len(proofs["entries"]) == built["entries_proved"] > 10
    for e in proofs["entries"]:
        leaf = verify.leaf_hash(e["body"].encode())
        proof = verify.parse_proof("".join(f"{line}\n" for line in e["proof"]))
        verify.verify_inclusion(leaf, e["index"], checkpoint.size, proof, checkpoint.root)
    tampered = proofs["entries"][0]["body"].replace("stranger", "Stranger")
    with pytest.raises(verify.VerificationError):
        verify.verify_inclusion(
            verify.leaf_hash(tampered.encode()),
            proofs["entries"][0]["index"],
            checkpoint.size,
            verify.parse_proof("".join(f"{line}\n" for line in proofs["entries"][0]["proof"])),
            checkpoint.root,
        )


def test_a_withdrawn_declaration_clears_nothing(
    delivery: tuple[str, Path, Path], tmp_path: Path
) -> None:
    """Withdrawing the only declaration of a cleared shot puts the shot back to uncleared, and
    a file of unknown provenance it covered is unknown again."""
    db, root, cut = delivery
    mystery = root / "shots" / "mystery.bin"
    mystery.write_bytes(b"no provenance at all")
    added = cli_json(
        "asset", "add", str(mystery), "--production", P, "--declaration", DOUBLE, db=db
    )
    assert added[0]["classification"] == "unknown"
    assert cli("approve", DOUBLE, "--by", "counsel", db=db).exit_code == 0
    assert cli("disclose", P, "--out", str(tmp_path / "disc"), db=db).exit_code == 0
    code, out = _check(db, root, cut)
    assert code == 0 and json.loads(out)["verdict"] == "clear", out

    withdrawn = cli("declaration", "withdraw", DOUBLE, "--reason", "declared by mistake", db=db)
    assert withdrawn.exit_code == 0, withdrawn.output
    code, out = _check(db, root, cut)
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "blocked", out
    [uncleared] = [i for i in data["issues"] if i["rule"] == "uncleared-ai-material"]
    assert uncleared["record"] == SHOT and "withdrawn" in uncleared["message"]
    unknown = [i["location"] for i in data["issues"] if i["rule"] == "unknown-provenance"]
    assert unknown == ["shots/mystery.bin"], data["issues"]
    code, text = _check(db, root, cut, "text")
    assert code == 1 and "BLOCKED" in text and f"uncleared-ai-material [{SHOT}]" in text
