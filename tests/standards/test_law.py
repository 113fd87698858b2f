"""Legal parameters are pack data: typed, versioned, shown, diffed, and read by the consent
checks, so a changed parameter is a new pack version that impact and publish re-decide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from reelproof.core.consent import compensation_owed, match_talent
from reelproof.core.errors import DocumentError
from reelproof.core.law import legal_parameters
from reelproof.core.standards import CompiledPack, diff_packs, load_pack_text
from tests.consent.consent_docs import (
    BUNDLED,
    TODAY,
    declaration,
    performer,
    production,
    record,
    talent,
)
from tests.helpers import cli, cli_json

CA_FILE = Path(__file__).resolve().parents[2] / "src/reelproof/packs/california-2025.1.yaml"
CA_TEXT = CA_FILE.read_text()
SAG23_FILE = CA_FILE.with_name("sag-aftra-tv-2023.1.yaml")
VAGUE = "Any and all uses of the performer's likeness in all media now known or hereafter."


def ca(version: str = "2025.2", **replace: str) -> str:
    """The California pack as a new version, with `old: new` text replacements."""
    text = CA_TEXT.replace('version: "2025.1"', f'version: "{version}"')
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


LATER_LAW = {"      in_force: 2025-01-01": "      in_force: 2027-01-01"}


def ca_pack(**replace: str) -> CompiledPack:
    return load_pack_text(ca(**replace), "california-2025.2.yaml")


def test_a_changed_parameter_is_diffed_key_by_key_and_no_rule_changes() -> None:
    old = load_pack_text(CA_TEXT, str(CA_FILE))
    new = ca_pack(**LATER_LAW, **{"years: 70}": "years: 75}"})
    d = diff_packs(old, new)
    assert d.pack_fields == (
        "parameters.description_law.in_force",
        "parameters.post_mortem.years",
    )
    assert d.added == d.removed == d.changed == ()
    assert not d.empty


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("      applies_by: use_date", "      applies_by: by_use", "applies_by"),
        ("      verdict: ", "      verdit: ", "verdit"),
        ("[separate_signed, initialed_clause]", "[separate_signed, handshake]", "counsel_forms"),
    ],
)
def test_parameters_are_typed_and_checked_at_load(old: str, new: str, expected: str) -> None:
    with pytest.raises(DocumentError) as exc:
        ca_pack(**{old: new})
    msg = str(exc.value)
    assert "california-2025.2.yaml" in msg and "spec.parameters.description_law" in msg
    assert expected in msg


def _ca_vague(law_packs: list[CompiledPack], today: dt.date = TODAY) -> Any:
    tal = talent(alteration="new_performance")
    return match_talent(
        tal,
        declaration([tal]),
        production(),
        performer(representation="none"),
        [record(description=VAGUE)],
        today,
        law=legal_parameters(law_packs, today),
    )


def test_the_consent_checks_read_the_version_in_force() -> None:
    later = ca_pack(**LATER_LAW)
    bundled_ca = [p for p in BUNDLED if p.id == "california"]
    assert [f.code for f in _ca_vague(bundled_ca).defects] == ["consent.description.not_specific"]
    # 2025.2 is the newer version in force: its later in_force makes the clause valid today.
    assert _ca_vague([*bundled_ca, later]).valid
    # A version not yet in force is not read.
    future = ca_pack(**LATER_LAW, **{"effective_from: 2025-01-01": "effective_from: 2030-01-01"})
    assert not _ca_vague([*bundled_ca, future]).valid
    # Without the California pack there is no California description law to apply.
    assert _ca_vague([p for p in BUNDLED if p.id != "california"]).valid


def test_union_contract_editions_come_from_the_union_packs() -> None:
    kid = performer(minor=True)
    prod = production(principal_photography_start=dt.date(2026, 8, 1))
    tal = talent()

    def reason(packs: list[CompiledPack]) -> str:
        m = match_talent(
            tal,
            declaration([tal]),
            prod,
            kid,
            [record()],
            TODAY,
            law=legal_parameters(packs, TODAY),
        )
        return m.invalid_reasons[0]

    assert reason(BUNDLED).startswith("SAG-AFTRA 2026 TV/Theatrical Agreement (SAG26-5")
    without_2026 = [p for p in BUNDLED if p.id != "sag-aftra-tv-2026"]
    assert reason(without_2026).startswith("Contract law on minors")


def test_pay_floors_come_from_the_union_edition_in_force() -> None:
    tal = talent(use="replica_use", alteration="new_performance")
    prod = production()

    def owed(packs: list[CompiledPack]) -> list[str]:
        law = legal_parameters(packs, TODAY)
        m = match_talent(tal, declaration([tal]), prod, performer(), [], TODAY, law=law)
        return compensation_owed(m, prod, law)

    assert owed(BUNDLED) == [
        "SAG-AFTRA 2023 EBDR floor (SAG23-EBDR-3): pay for the days the performer would have "
        "worked, at the performer's day rate or scale, whichever is higher",
        "residuals as if the performer had performed in person (SAG-AFTRA 2023, SAG23-EBDR-3)",
    ]
    sag23 = SAG23_FILE.read_text().replace('version: "2023.1"', 'version: "2023.2"')
    sag23 = sag23.replace("day rate or scale, whichever is higher", "scale plus 10%")
    changed = load_pack_text(sag23, "sag-aftra-tv-2023.2.yaml")
    assert owed([*BUNDLED, changed])[0].endswith("at the performer's scale plus 10%")
    assert owed([p for p in BUNDLED if not p.id.startswith("sag-aftra-tv")]) == []


# --- across commands: show, diff, impact, publish -------------------------------------------

PEOPLE = f"""\
apiVersion: reelproof/v1
kind: Production
metadata: {{id: harbour-s1}}
spec: {{title: Harbour, studio: netflix, unions: [], territories: [US]}}
---
apiVersion: reelproof/v1
kind: Performer
metadata: {{id: ana-lima}}
spec: {{name: Ana Lima, domicile: US-CA, representation: none}}
---
apiVersion: reelproof/v1
kind: Consent
metadata: {{id: ana-blanket}}
spec:
  performer: ana-lima
  granted_at: 2026-03-01
  description: {VAGUE}
  scope:
    uses: [replica_use]
    replica_types: [employment_based]
    productions: [harbour-s1]
    media: [series]
    territories: [WORLD]
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {{id: ana-double, production: harbour-s1}}
spec:
  title: Ana Lima's double in a new scene
  stage: vfx
  phase: final
  tool: {{name: ExampleDouble}}
  output: {{in_final_deliverable: true, element: performance}}
  talent:
    - {{performer: ana-lima, use: replica_use, replica_type: employment_based,
        alteration: new_performance}}
"""


def _rules(decision: dict[str, Any]) -> list[str]:
    return [r["id"] for r in decision["rules"]]


def test_a_parameter_change_is_shown_diffed_and_re_decided(db_url: str, tmp_path: Path) -> None:
    assert cli("init", db=db_url).exit_code == 0
    people = tmp_path / "people.yaml"
    people.write_text(PEOPLE)
    assert cli("apply", str(people), db=db_url).exit_code == 0
    assert "CA-2602-1" in _rules(cli_json("decide", "ana-double", db=db_url))

    shown = cli_json("standards", "show", "california", db=db_url)
    assert shown["parameters"]["parameters.description_law.in_force"] == "2025-01-01"
    text = cli("standards", "show", "california", db=db_url).output
    assert "parameters.post_mortem.years = 70" in text

    new = tmp_path / "california-2025.2.yaml"
    new.write_text(ca(**LATER_LAW))
    diff = cli_json("standards", "diff", "california@2025.1", str(new), db=db_url)
    assert diff["pack_fields"] == ["parameters.description_law.in_force"]
    assert diff["changed"] == []

    impact = cli_json("standards", "impact", "--pack", str(new), db=db_url)
    (row,) = [r for r in impact if r["declaration"] == "harbour-s1/ana-double"]
    assert "california:CA-2602-1" in row["rules_removed"]

    assert cli("standards", "publish", str(new), db=db_url).exit_code == 0
    decision = cli_json("decide", "ana-double", db=db_url)
    assert "CA-2602-1" not in _rules(decision)
    assert decision["standards"]["california"] == "2025.2"
    assert cli_json("standards", "show", "california", db=db_url)["version"] == "2025.2"
