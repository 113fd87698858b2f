"""Strictest wins, obligations accumulate, unverified rules are flagged, errors escalate."""

from __future__ import annotations

from reelproof.core.standards import Engine, decide, talent_without_registry

from .helpers import TODAY, declaration, pack, production, rule


def test_strictest_outcome_wins_across_packs() -> None:
    a = pack([rule("A-1", outcome="inform"), rule("A-2", outcome="written_approval")], "a")
    b = pack([rule("B-1", outcome="escalate")], "b")
    d = decide(declaration(), production(), [], [a, b], TODAY)
    assert d.outcome == "written_approval"
    assert [r.id for r in d.rules] == ["A-1", "A-2", "B-1"]
    assert d.standards == {"a": "1.0", "b": "1.0"}


def test_nothing_lowers_a_tier() -> None:
    p = pack([rule("A-1", outcome="prohibited"), rule("A-2", outcome="proceed")])
    assert decide(declaration(), production(), [], [p], TODAY).outcome == "prohibited"


def test_rules_that_do_not_fire_are_not_listed() -> None:
    p = pack([rule("A-1", "use.output.realistic_depiction", "prohibited"), rule("A-2")])
    d = decide(declaration(), production(), [], [p], TODAY)
    assert d.outcome == "inform" and d.rule_ids == ["A-2"]


def test_obligations_accumulate_and_deduplicate_with_their_rules() -> None:
    legal = {"kind": "legal_review"}
    label = {"kind": "label_visible", "party": "distributor", "detail": "on screen"}
    a = pack([rule("A-1", obligations=[legal]), rule("A-2", obligations=[legal, label])], "a")
    b = pack([rule("B-1", obligations=[label])], "b")
    d = decide(declaration(), production(), [], [a, b], TODAY)
    obs = [o.to_json() for o in d.obligations]
    assert obs == [
        {
            "kind": "legal_review",
            "party": None,
            "status": "required",
            "detail": None,
            "rules": ["A-1", "A-2"],
        },
        {
            "kind": "label_visible",
            "party": "distributor",
            "status": "required",
            "detail": "on screen",
            "rules": ["A-2", "B-1"],
        },
    ]


def test_citation_message_and_unverified_flag() -> None:
    p = pack([rule("U-1", verification="U", message="Check {{use.title}}.")])
    d = decide(declaration(title="Crowd"), production(), [], [p], TODAY)
    (r,) = d.to_json()["rules"]
    assert r["source"] == "Pub, Source (2025), 's1'"
    assert r["unverified"] is True and r["verification"] == "U"
    assert r["message"].startswith("Check Crowd.") and "Unverified" in r["message"]
    v = pack([rule("V-1")], "v")
    assert (
        "unverified"
        not in decide(declaration(), production(), [], [v], TODAY).to_json()["rules"][0]
    )


def test_evaluation_error_escalates_and_is_listed() -> None:
    p = pack([rule("E-1", 'production.principal_photography_start < "2026-07-01"', "proceed")])
    for trust in (True, False):
        d = Engine([p], trust_prefilter=trust).decide(declaration(), production(), [], TODAY)
        assert d.outcome == "escalate"
        (r,) = d.rules
        assert r.error and "could not be evaluated" in r.message


def test_no_applicable_pack_escalates() -> None:
    p = pack([rule("A-1", outcome="proceed")], applies_when='production.studio == "other"')
    d = decide(declaration(), production(), [], [p], TODAY)
    assert d.outcome == "escalate" and d.rules == () and d.standards == {}
    assert d.packs[0].applied is False and "netflix, not other" in d.packs[0].reason


def test_to_json_has_the_stable_keys_and_digest_ignores_log_index() -> None:
    p = pack([rule("A-1", outcome="escalate")])
    d = decide(declaration(), production(), [], [p], TODAY)
    body = d.to_json(log_index=42)
    assert list(body) == [
        "declaration",
        "production",
        "outcome",
        "tier_basis",
        "rules",
        "obligations",
        "standards",
        "packs",
        "log_index",
    ]
    assert body["declaration"] == "use-1" and body["production"] == "prod"
    assert body["log_index"] == 42
    again = decide(declaration(), production(), [], [p], TODAY)
    assert d.digest() == again.digest()
    other = decide(declaration(title="Other"), production(), [], [p], TODAY)
    assert other.digest() != d.digest()


def test_aggregate_rules() -> None:
    p = pack(
        [
            rule("P-1", "use.inputs.copyrighted_reference", "escalate"),
            rule("P-2", "use.inputs.personal_data", "escalate"),
            rule("ANY", if_any_fired=["P-1", "P-2"], outcome="escalate"),
            rule("NONE", if_none_fired=["P-1", "P-2"], outcome="inform"),
        ]
    )
    clean = decide(declaration(), production(), [], [p], TODAY)
    assert clean.rule_ids == ["NONE"]
    bad = decide(declaration(inputs={"personal_data": True}), production(), [], [p], TODAY)
    assert bad.rule_ids == ["P-2", "ANY"]


def test_trust_and_cel_modes_agree_on_talent_rules() -> None:
    p = pack(
        [
            rule(
                "T-1",
                't.use == "replica_use"',
                "written_approval",
                for_each="talent",
                obligations=[{"kind": "consent"}],
            ),
            rule("T-2", "talent.exists(x, !x.consent.covered)", "escalate"),
        ]
    )
    decl = declaration(talent=[{"performer": "jane", "use": "replica_use"}])
    talent = talent_without_registry(decl)
    a = Engine([p], trust_prefilter=True).decide(decl, production(), talent, TODAY)
    b = Engine([p], trust_prefilter=False).decide(decl, production(), talent, TODAY)
    assert a.to_json() == b.to_json()


def _basis(*rules: dict[str, object], **spec: object) -> tuple[str, str]:
    d = decide(declaration(), production(**spec), [], [pack(list(rules))], TODAY)  # type: ignore[arg-type]
    return d.outcome, d.tier_basis


def test_tier_basis_says_when_the_tier_comes_only_from_analogy_rules() -> None:
    by_analogy = rule("G-1", outcome="written_approval", verification="A")
    assert _basis(by_analogy) == ("written_approval", "analogy")
    # A rule read in its own source at a lower tier does not make the tier direct…
    assert _basis(by_analogy, rule("L-1", outcome="escalate")) == ("written_approval", "analogy")
    # …one at the same tier does, whatever its level.
    for level in ("V", "S", "U"):
        same = rule("L-1", outcome="written_approval", verification=level)
        assert _basis(by_analogy, same) == ("written_approval", "direct")
    # The strictest rule alone decides: an analogy rule below a direct one changes nothing.
    direct = rule("L-1", outcome="prohibited")
    assert _basis(by_analogy, direct) == ("prohibited", "direct")
    assert _basis(rule("L-0", "false")) == ("proceed", "none")


def test_an_analogy_rule_that_cannot_be_evaluated_escalates_directly() -> None:
    broken = rule(
        "G-1",
        'production.principal_photography_start >= "2026-07-01"',
        "inform",
        verification="A",
    )
    outcome, basis = _basis(broken)  # no start date: null >= string is an error
    assert (outcome, basis) == ("escalate", "direct")


def test_analogy_rules_are_marked_in_the_decision_json() -> None:
    p = pack([rule("G-1", verification="A"), rule("L-1", outcome="proceed")])
    body = decide(declaration(), production(), [], [p], TODAY).to_json()
    assert body["tier_basis"] == "analogy"
    marks = {r["id"]: (r["verification"], r.get("by_analogy")) for r in body["rules"]}
    assert marks == {"G-1": ("A", True), "L-1": ("V", None)}
