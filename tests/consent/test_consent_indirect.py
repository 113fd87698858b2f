"""Every performer a use touches is matched: talent entries, the synthetic performer's
recognizable-feature source and the registered real person the use references."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reelproof.core.consent import match_declaration, touched_performers
from reelproof.core.documents import AIUseDeclaration, parse_one
from reelproof.core.errors import DocumentError
from reelproof.core.standards import decide
from tests.consent.consent_docs import (
    BUNDLED,
    LAW,
    PID,
    TODAY,
    arthur,
    performer,
    production,
    record,
)


def use(**spec: Any) -> AIUseDeclaration:
    base: dict[str, Any] = {
        "title": "Synthetic villain",
        "stage": "vfx",
        "phase": "final",
        "tool": {"name": "SynthActor"},
        "output": {"in_final_deliverable": True, "element": "character_design"},
    }
    base.update(spec)
    doc = parse_one(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": "villain", "production": PID},
            "spec": base,
        }
    )
    assert isinstance(doc, AIUseDeclaration)
    return doc


SYNTHETIC = {"synthetic_performer": {"used": True, "recognizable_feature_of": "jane-doe"}}
REAL = {"inputs": {"real_person_reference": "deceased_person", "real_person": "arthur-vance"}}


def test_indirect_performers_are_matched_after_the_talent_entries() -> None:
    decl = use(
        talent=[{"performer": "jane-doe", "use": "replica_creation"}],
        **SYNTHETIC,
        **REAL,
    )
    matches = match_declaration(
        decl, production(), [performer(), arthur()], [record()], TODAY, law=LAW
    )
    assert [(m.talent.performer, m.via, m.talent.use) for m in matches] == [
        ("jane-doe", "talent", "replica_creation"),
        ("jane-doe", "synthetic_performer", "replica_use"),
        ("arthur-vance", "real_person", "replica_use"),
    ]
    assert touched_performers(decl) == ["jane-doe", "arthur-vance"]
    jane, arthur_match = matches[1], matches[2]
    assert jane.covered and jane.consent is not None
    assert not arthur_match.covered
    assert arthur_match.to_fact()["findings"] == [
        {"code": "consent.none_on_record", "params": {"performer": "arthur-vance"}}
    ]


def test_a_voice_output_is_matched_as_a_voice_replica() -> None:
    decl = use(output={"in_final_deliverable": True, "element": "voice"}, **REAL)
    (m,) = match_declaration(decl, production(), [arthur()], [], TODAY, law=LAW)
    assert (m.via, m.talent.use, m.talent.alteration) == (
        "real_person",
        "voice_replica",
        "new_performance",
    )


def test_one_performer_named_both_ways_is_matched_once() -> None:
    decl = use(
        synthetic_performer={"used": True, "recognizable_feature_of": "arthur-vance"}, **REAL
    )
    assert [
        m.via for m in match_declaration(decl, production(), [arthur()], [], TODAY, law=LAW)
    ] == ["synthetic_performer"]


def test_a_named_real_person_needs_a_reference_kind() -> None:
    with pytest.raises(DocumentError) as exc:
        use(inputs={"real_person": "arthur-vance"})
    assert "spec.inputs" in str(exc.value) and "real_person_reference" in str(exc.value)


@pytest.mark.parametrize(
    ("name", "spec", "consents"),
    [
        ("synthetic source, consented", SYNTHETIC, [record()]),
        ("synthetic source, no consent", SYNTHETIC, []),
        ("synthetic source, consent for another production", SYNTHETIC, [record(productions=[])]),
        ("real person, no consent", REAL, []),
        ("both", {**SYNTHETIC, **REAL}, [record()]),
    ],
)
def test_consent_obligations_of_indirect_performers_are_never_just_required(
    name: str, spec: dict[str, Any], consents: list[Any]
) -> None:
    decl = use(**spec)
    prod = production()
    talent = [
        m.to_fact()
        for m in match_declaration(decl, prod, [performer(), arthur()], consents, TODAY, law=LAW)
    ]
    decision = decide(decl, prod, talent, BUNDLED, dt.date(2026, 9, 14))
    consent = [o for o in decision.obligations if o.kind == "consent"]
    assert consent, name
    for o in consent:
        assert o.status in ("covered", "missing"), (name, o)
        if o.status == "missing":
            assert o.detail and ("consent" in o.detail), (name, o)
    by_party = {o.party: o.status for o in consent}
    jane_covered = bool(consents) and consents[0].consent.spec.scope.productions == [PID]
    if "synthetic_performer" in spec:
        assert by_party["performer:jane-doe"] == ("covered" if jane_covered else "missing")
    if "inputs" in spec:
        assert by_party["performer:arthur-vance"] == "missing"
