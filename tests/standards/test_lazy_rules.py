"""Stored packs compile their rules only when a decision selects them, and decide exactly as
packs compiled whole."""

from __future__ import annotations

from reelproof.core.standards import compile_pack, decide
from tests.standards.helpers import TODAY, declaration, pack_doc, production, rule

DOCS = [
    pack_doc(
        [rule("N-1", "use.phase == 'final'", "escalate")],
        "netflix",
        applies_when='production.studio == "netflix"',
    ),
    pack_doc([rule("E-1", "true", "prohibited")], "eu", applies_when='"EU" in territories'),
]


def test_only_selected_packs_compile_their_rules_and_the_decision_is_unchanged() -> None:
    lazy = [compile_pack(d, f"{d.metadata.id}.yaml", lazy_rules=True) for d in DOCS]
    eager = [compile_pack(d, f"{d.metadata.id}.yaml") for d in DOCS]
    prod, decl = production(), declaration()
    got = decide(decl, prod, [], lazy, TODAY)
    assert got.to_json() == decide(decl, prod, [], eager, TODAY).to_json()
    assert got.outcome == "escalate" and [r.id for r in got.rules] == ["N-1"]
    compiled = [p.id for p in lazy if "ruleset" in vars(p)]
    assert compiled == ["netflix"]  # the EU pack was not selected: its rules never compiled
    in_eu = production(territories=["FR"])
    assert decide(decl, in_eu, [], lazy, TODAY).outcome == "prohibited"
    assert [p.id for p in lazy if "ruleset" in vars(p)] == ["netflix", "eu"]
