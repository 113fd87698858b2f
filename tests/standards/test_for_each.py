"""for_each: talent — one firing per performer, consent obligations covered or missing."""

from __future__ import annotations

from reelproof.core.standards import decide, talent_without_registry

from .helpers import TODAY, declaration, pack, production, rule

CONSENT_RULE = rule(
    "TE-1",
    't.use in ["replica_use", "voice_replica"]',
    "written_approval",
    for_each="talent",
    message="Consent of {{t.performer.name}} for {{t.use}}",
    obligations=[{"kind": "consent"}, {"kind": "compensation", "detail": "day rate"}],
)


def _decl() -> object:
    return declaration(
        talent=[
            {"performer": "jane-doe", "use": "replica_use"},
            {"performer": "arthur-vance", "use": "voice_replica"},
            {"performer": "extra-1", "use": "digital_alteration", "alteration": "customary_post"},
        ]
    )


def test_one_firing_per_matching_performer_with_missing_consent() -> None:
    decl = _decl()
    talent = talent_without_registry(decl)  # type: ignore[arg-type]
    d = decide(decl, production(), talent, [pack([CONSENT_RULE])], TODAY)  # type: ignore[arg-type]
    assert [(r.id, r.performer) for r in d.rules] == [
        ("TE-1", "jane-doe"),
        ("TE-1", "arthur-vance"),
    ]
    assert d.rules[0].message == "Consent of jane-doe for replica_use"
    consent = [o for o in d.obligations if o.kind == "consent"]
    assert [(o.party, o.status, o.detail) for o in consent] == [
        ("performer:jane-doe", "missing", "no consent on record"),
        ("performer:arthur-vance", "missing", "no consent on record"),
    ]
    comp = [o for o in d.obligations if o.kind == "compensation"]
    assert [(o.party, o.status) for o in comp] == [
        ("performer:jane-doe", "required"),
        ("performer:arthur-vance", "required"),
    ]


def test_covered_and_invalid_consents() -> None:
    decl = _decl()
    talent = talent_without_registry(decl)  # type: ignore[arg-type]
    talent[0]["consent"] = {
        **talent[0]["consent"],
        "covered": True,
        "valid": True,
        "id": "jane-double",
        "missing": [],
    }
    talent[1]["consent"] = {
        **talent[1]["consent"],
        "covered": True,
        "valid": False,
        "id": "vance-old",
        "missing": [],
        "invalid_reasons": ["consent expired on 2025-12-31"],
    }
    talent[0]["performer"]["name"] = "Jane Doe"
    d = decide(decl, production(), talent, [pack([CONSENT_RULE])], TODAY)  # type: ignore[arg-type]
    consent = [o for o in d.obligations if o.kind == "consent"]
    assert [(o.party, o.status, o.detail) for o in consent] == [
        ("performer:jane-doe", "covered", "covered by consent jane-double"),
        ("performer:arthur-vance", "missing", "consent expired on 2025-12-31"),
    ]
    assert d.rules[0].message == "Consent of Jane Doe for replica_use"


def test_missing_scope_elements_are_named_in_the_detail() -> None:
    decl = declaration(talent=[{"performer": "jane", "use": "digital_alteration"}])
    talent = talent_without_registry(decl)
    talent[0]["consent"]["missing"] = ["no consent covers 'digital_alteration' in territory EU"]
    r = rule(
        "A",
        "true",
        "written_approval",
        for_each="talent",
        obligations=[{"kind": "consent", "detail": "alteration consent"}],
    )
    d = decide(decl, production(), talent, [pack([r])], TODAY)
    (o,) = d.obligations
    assert o.detail == "alteration consent: no consent covers 'digital_alteration' in territory EU"
    assert o.rules == ("A",)


def test_no_talent_skips_talent_rules() -> None:
    d = decide(declaration(), production(), [], [pack([CONSENT_RULE, rule("B")])], TODAY)
    assert d.rule_ids == ["B"]


def test_talent_without_registry_shape() -> None:
    decl = declaration(talent=[{"performer": "jane", "use": "training"}])
    (t,) = talent_without_registry(decl)
    assert t["performer"]["known"] is False and t["performer"]["id"] == "jane"
    assert t["consent"]["covered"] is False and t["consent"]["missing"] == ["no consent on record"]
    assert set(t) == {
        "performer_id",
        "via",
        "use",
        "replica_type",
        "alteration",
        "exception",
        "performer",
        "consent",
        "replica",
        "findings",
    }
    assert t["findings"] == [{"code": "consent.none_on_record", "params": {"performer": "jane"}}]
