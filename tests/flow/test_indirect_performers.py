"""Performers a use names indirectly (a synthetic performer's feature source, the registered
real person it references) are matched against consents: `covered` or `missing`, never just
`required`, from `apply` through `decide` to `performer show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import cli, cli_json

SYNTHETIC = """\
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: villain-jawline, production: stranger-tides-s1}
spec:
  title: Villain with Jane Doe's jawline
  stage: vfx
  phase: final
  tool:
    {name: SynthActor, enterprise_agreement: true, trains_on_inputs: false, stores_inputs: false}
  inputs: {real_person_reference: public_figure}
  output: {in_final_deliverable: true, element: character_design, prominence: story_relevant}
  synthetic_performer: {used: true, recognizable_feature_of: jane-doe}
"""

RADIO = """\
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: archive-radio, production: stranger-tides-s1}
spec:
  title: Arthur Vance's voice on the archive radio
  stage: sound
  phase: final
  tool:
    {name: VoiceForge, enterprise_agreement: true, trains_on_inputs: false, stores_inputs: false}
  inputs: {real_person_reference: REFERENCE, real_person: arthur-vance}
  output: {in_final_deliverable: true, element: voice, prominence: story_relevant}
"""

ESTATE_CONSENT = """\
apiVersion: reelproof/v1
kind: Consent
metadata: {id: vance-estate-radio}
spec:
  performer: arthur-vance
  granted_by: estate
  granted_at: 2026-03-01
  form: separate_signed
  description: Arthur Vance's synthetic voice for the archive radio broadcast, episode 3.
  scope:
    uses: [voice_replica]
    productions: [stranger-tides-s1]
    media: [series]
    territories: [WORLD]
  compensation: {basis: flat, amount: 5000, currency: USD}
"""


def _consent_obligations(decision: dict[str, Any], performer: str) -> list[dict[str, Any]]:
    return [
        o
        for o in decision["obligations"]
        if o["kind"] == "consent" and o["party"] == f"performer:{performer}"
    ]


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_synthetic_performers_feature_source_is_matched(example_db: str, tmp_path: Path) -> None:
    decision = cli_json("decide", _file(tmp_path, "syn.yaml", SYNTHETIC), db=example_db)
    assert "SAG23-SYN-2.consented" in [r["id"] for r in decision["rules"]]
    assert "SAG23-SYN-2" not in [r["id"] for r in decision["rules"]]
    obligations = _consent_obligations(decision, "jane-doe")
    assert obligations and {o["status"] for o in obligations} == {"covered"}
    assert all("covered by consent jane-doe-stadium-double" in o["detail"] for o in obligations)

    # The same use in a film: Jane's consent covers only the series.
    other = SYNTHETIC.replace("  stage: vfx\n", "  stage: vfx\n  media: film\n")
    decision = cli_json("decide", _file(tmp_path, "syn-film.yaml", other), db=example_db)
    assert "SAG23-SYN-2" in [r["id"] for r in decision["rules"]]
    obligations = _consent_obligations(decision, "jane-doe")
    assert obligations and {o["status"] for o in obligations} == {"missing"}
    assert all(
        "consent jane-doe-stadium-double does not cover the medium 'film'" in o["detail"]
        for o in obligations
    )


def test_registered_real_person_is_matched_then_covered(example_db: str, tmp_path: Path) -> None:
    radio = _file(tmp_path, "radio.yaml", RADIO.replace("REFERENCE", "deceased_person"))
    assert cli("apply", radio, db=example_db).exit_code == 0
    decision = cli_json("decide", "archive-radio", db=example_db)
    obligations = _consent_obligations(decision, "arthur-vance")
    assert obligations and {o["status"] for o in obligations} == {"missing"}
    assert all(
        "no consent on record for performer arthur-vance" in o["detail"] for o in obligations
    )

    consent = _file(tmp_path, "estate.yaml", ESTATE_CONSENT)
    assert cli("apply", consent, db=example_db).exit_code == 0
    decision = cli_json("decide", radio, db=example_db)
    obligations = _consent_obligations(decision, "arthur-vance")
    assert obligations and {o["status"] for o in obligations} == {"covered"}

    view = cli_json("performer", "show", "arthur-vance", db=example_db)
    (use,) = [u for u in view["uses"] if u["declaration"].endswith("archive-radio")]
    assert use["via"] == "real_person" and use["use"] == "voice_replica"
    assert use["covered"] is True and use["consent"] == "vance-estate-radio"


def test_a_named_real_person_needs_a_reference_kind(example_db: str, tmp_path: Path) -> None:
    bad = _file(tmp_path, "bad.yaml", RADIO.replace("REFERENCE", "none"))
    result = cli("apply", bad, db=example_db)
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "spec.inputs" in result.output
    assert "real_person_reference cannot be 'none'" in result.output
    assert "Traceback" not in result.output
    assert "archive-radio" not in cli("get", "AIUseDeclaration", db=example_db).output
