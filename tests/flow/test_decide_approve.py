"""Decisions on the example production, approvals of exact decisions, and re-review."""

from __future__ import annotations

from pathlib import Path

from reelproof.services.demo import example_path
from tests.helpers import cli, cli_json


def _status(db: str) -> dict[str, str]:
    return {
        r["declaration"].split("/")[1]: r["status"]
        for r in cli_json("status", db=db)["declarations"]
    }


def test_example_outcomes_are_what_a_studio_lawyer_expects(example_db: str) -> None:
    mood = cli_json("decide", "art-moodboard-001", db=example_db)
    assert mood["outcome"] == "inform" and mood["status"] == "cleared"
    assert {"NFX-0", "NFX-M1"} <= {r["id"] for r in mood["rules"]}

    double = cli_json("decide", "vfx-stadium-fall", db=example_db)
    assert double["outcome"] == "written_approval"
    assert double["status"] == "awaiting_approval"
    fired = {r["id"] for r in double["rules"]}
    assert {"NFX-1", "NFX-T1", "NFX-M4"} <= fired
    for key in (
        "declaration",
        "production",
        "outcome",
        "rules",
        "obligations",
        "standards",
        "log_index",
    ):
        assert key in double
    assert double["standards"]["netflix-genai"] == "2025.1"
    assert "sag-aftra-tv-2023" in double["standards"]  # photography starts 2026-02-01
    assert "sag-aftra-tv-2026" not in double["standards"]
    considered = {p["pack"]: p for p in double["packs"]}
    assert considered["sag-aftra-tv-2026"]["reason"] == (
        "does not apply: production.principal_photography_start is 2026-02-01, "
        "not on or after 2026-07-01"
    )
    rule = next(r for r in double["rules"] if r["id"] == "NFX-1")
    assert rule["pack"] == "netflix-genai" and rule["verification"] == "V"
    assert rule["source"].startswith("Netflix, Using Generative AI in Content Production")
    assert "Digital double of Jane Doe" in rule["message"]

    voice = cli_json("decide", "flashback-vance-voice", db=example_db)
    assert voice["outcome"] == "prohibited" and voice["status"] == "blocked"
    prohibited = {r["id"] for r in voice["rules"] if r["outcome"] == "prohibited"}
    assert prohibited & {"NY-50F-2025", "CA-1836-1"}
    consent = [o for o in voice["obligations"] if o["kind"] == "consent"]
    assert consent and all(o["status"] == "missing" for o in consent)
    assert any(
        "no consent on record for performer arthur-vance" in (o["detail"] or "") for o in consent
    )


def test_text_decision_reads_outcome_first(example_db: str) -> None:
    out = cli("decide", "vfx-stadium-fall", db=example_db).stdout
    assert out.splitlines()[0].endswith(
        "WRITTEN APPROVAL NEEDED: do not start until the studio approves in writing."
    )
    assert "Why" in out and "What to do" in out and "Standards considered" in out


def test_approval_clears_exact_decision_and_redecision_voids_it(
    example_db: str, tmp_path: Path
) -> None:
    approved = cli_json(
        "approve",
        "vfx-stadium-fall",
        "--by",
        "counsel@studio.example",
        "--conditions",
        "Credit line required",
        db=example_db,
    )
    assert approved["status"] == "cleared"
    assert _status(example_db)["vfx-stadium-fall"] == "cleared"
    # A new revision of the declaration is a new decision: the approval no longer clears it.
    text = (
        example_path()
        .read_text()
        .replace(
            "Digital double of Jane Doe for the stadium fall", "Digital double of Jane Doe, stadium"
        )
    )
    revised = tmp_path / "revised.yaml"
    revised.write_text(text)
    assert cli("apply", str(revised), db=example_db).exit_code == 0
    assert _status(example_db)["vfx-stadium-fall"] == "needs_review"
    rejected = cli_json(
        "reject",
        "stranger-tides-s1/vfx-stadium-fall",
        "--by",
        "counsel",
        "--note",
        "not this way",
        db=example_db,
    )
    assert rejected["status"] == "rejected"
    entries = cli_json("log", "show", db=example_db)
    kinds = [e["kind"] for e in entries]
    assert "approval.approved" in kinds and "approval.rejected" in kinds
    assert cli_json("log", "verify", db=example_db)["ok"]


def test_prohibited_and_informational_uses_cannot_be_approved(example_db: str) -> None:
    blocked = cli("approve", "flashback-vance-voice", "--by", "counsel", db=example_db)
    assert blocked.exit_code == 2
    assert "cannot be approved" in blocked.stderr
    inform = cli("approve", "art-moodboard-001", "--by", "counsel", db=example_db)
    assert inform.exit_code == 2 and "needs no written approval" in inform.stderr
    refuse = cli("reject", "art-moodboard-001", "--by", "counsel", db=example_db)
    assert refuse.exit_code == 2 and "needs no written approval or refusal" in refuse.stderr
    unknown = cli("approve", "nope", "--by", "counsel", db=example_db)
    assert unknown.exit_code == 2 and "no declaration with id 'nope'" in unknown.stderr


def test_approval_document(example_db: str, tmp_path: Path) -> None:
    doc = tmp_path / "approval.yaml"
    doc.write_text(
        "apiVersion: reelproof/v1\nkind: Approval\nmetadata: {id: appr-0042}\nspec:\n"
        "  declaration: stranger-tides-s1/vfx-stadium-fall\n  decision: approved\n"
        "  by: counsel@studio.example\n  at: 2026-09-20\n  conditions: Credit line.\n"
    )
    result = cli_json("apply", str(doc), db=example_db)
    assert result[0]["kind"] == "Approval" and result[0]["status"] == "approved"
    assert _status(example_db)["vfx-stadium-fall"] == "cleared"
    again = cli_json("apply", str(doc), db=example_db)
    assert again[0]["status"] == "unchanged"  # the same approval is recorded once
    kinds = [e["kind"] for e in cli_json("log", "show", db=example_db)]
    assert kinds.count("approval.approved") == 1
    doc.write_text(doc.read_text().replace("decision: approved", "decision: rejected"))
    clash = cli("apply", str(doc), db=example_db)
    assert clash.exit_code == 2 and "already recorded" in clash.stderr


def _pack_with_tests(source: Path, dest: Path, text: str) -> Path:
    """A pack file and, beside it, the bundled pack's test cases."""
    dest.write_text(text)
    tests = source.with_name(source.stem + ".tests.yaml")
    dest.with_name(dest.stem + ".tests.yaml").write_text(tests.read_text())
    return dest


def test_a_new_test_case_changes_neither_version_nor_decisions(
    example_db: str, tmp_path: Path
) -> None:
    from reelproof.adapters.packs import bundled_pack_files

    approved = cli_json(
        "approve", "vfx-stadium-fall", "--by", "counsel@studio.example", db=example_db
    )
    assert approved["status"] == "cleared"
    source = next(p for p in bundled_pack_files() if p.name.startswith("netflix-genai"))
    pack = _pack_with_tests(source, tmp_path / "netflix-genai-2025.1.yaml", source.read_text())
    tests = pack.with_name(pack.stem + ".tests.yaml")
    tests.write_text(
        tests.read_text()
        + '    - name: "baseline: a temp moodboard informs"\n'
        + "      declaration:\n        title: Temp moodboard\n        stage: pre_production\n"
        + "        phase: temp\n        tool: {name: Gen, enterprise_agreement: true,"
        + " trains_on_inputs: false, stores_inputs: false}\n"
        + "        output: {in_final_deliverable: false, element: ideation}\n"
        + "      expect: {outcome: inform, rules: [NFX-0], not_rules: [NFX-1]}\n"
    )
    tested = cli_json("standards", "test", str(pack), db=example_db)
    bundled = cli_json("standards", "test", "netflix-genai", db=example_db)[0]["tests"]
    assert tested[0]["tests"] == bundled + 1 and tested[0]["failed"] == []
    before = cli_json("log", "show", db=example_db)
    published = cli_json("standards", "publish", str(pack), db=example_db)
    assert published["packs"] == [{"id": "netflix-genai@2025.1", "status": "unchanged"}]
    assert published["redecided"] == []
    assert cli_json("log", "show", db=example_db) == before  # nothing to record
    assert _status(example_db)["vfx-stadium-fall"] == "cleared"
    inline = tmp_path / "inline.yaml"
    inline.write_text(source.read_text() + "  tests: []\n")
    refused = cli("standards", "publish", str(inline), db=example_db)
    assert refused.exit_code == 2 and "live beside it" in refused.stderr


def test_standards_commands(example_db: str, tmp_path: Path) -> None:
    packs = {p["id"]: p for p in cli_json("standards", "list", db=example_db)}
    assert {"netflix-genai", "sag-aftra-tv-2023", "eu-ai-act-art50", "california"} <= set(packs)
    tested = cli_json("standards", "test", "netflix-genai", db=example_db)
    assert tested[0]["tests"] >= 30 and tested[0]["failed"] == []
    # A candidate Netflix version that drops the final-deliverable rule and adds a ban.
    shown = cli_json("standards", "show", "netflix-genai", db=example_db)
    assert any(r["id"] == "NFX-1" for r in shown["rules_detail"])
    from reelproof.adapters.packs import bundled_pack_files

    source = next(p for p in bundled_pack_files() if p.name.startswith("netflix-genai"))
    text = source.read_text().replace('version: "2025.1"', 'version: "2026.1"', 1)
    text = text.replace("outcome: written_approval", "outcome: prohibited", 1)
    candidate = _pack_with_tests(source, tmp_path / "netflix-2026.1.yaml", text)
    diff = cli_json("standards", "diff", "netflix-genai@2025.1", str(candidate), db=example_db)
    assert diff["new_version"] == "2026.1" and diff["changed"]
    impact = cli_json("standards", "impact", "--pack", str(candidate), db=example_db)
    changed = {r["declaration"]: r for r in impact}
    assert changed, "a stricter rule must change some stored decision"
    stricter = [r for r in changed.values() if r["old_outcome"] != r["new_outcome"]]
    assert stricter and all(r["new_outcome"] == "prohibited" for r in stricter)
    # A pack failing its own tests is refused; a published version is immutable.
    failing = cli("standards", "publish", str(candidate), db=example_db)
    assert failing.exit_code == 2 and "fails" in failing.stderr
    retitled = source.read_text().replace("title: ", "title: Revised ", 1)
    same_version = _pack_with_tests(source, tmp_path / "netflix-retitled.yaml", retitled)
    refused = cli("standards", "publish", str(same_version), db=example_db)
    assert refused.exit_code == 2 and "already published with other content" in refused.stderr
    new_version = _pack_with_tests(
        source, tmp_path / "netflix-2025.2.yaml", retitled.replace('"2025.1"', '"2025.2"', 1)
    )
    published = cli_json("standards", "publish", str(new_version), db=example_db)
    assert published["packs"] == [{"id": "netflix-genai@2025.2", "status": "created"}]
    double = cli_json("decide", "vfx-stadium-fall", db=example_db)
    assert double["standards"]["netflix-genai"] == "2025.2"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("when: use.output.in_final_deliverable", "when: use.output.in_final", 1)
    )
    error = cli("standards", "test", str(bad), db=example_db)
    assert error.exit_code == 2 and str(bad) in error.stderr
