"""Citations tell the truth: the generic studio baseline applies Netflix's guidance by analogy.

A studio without its own pack gets the generic baseline. Its rules say "by analogy" (level A)
beside them, and the decision's headline says when the tier rests on nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, cli_json

DOCS = """\
apiVersion: reelproof/v1
kind: Production
metadata: {id: PROD}
spec:
  title: Quay Street
  studio: STUDIO
  territories: [GB]
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: key-art, production: PROD}
spec:
  title: Generated key art for the title sequence
  stage: post_production
  phase: final
  media: series
  tool: {name: G, enterprise_agreement: true, trains_on_inputs: false, stores_inputs: false}
  output: {in_final_deliverable: true, element: key_visual, prominence: key_creative}
"""
ANALOGY_HEADLINE = "this tier comes only from rules applied by analogy"


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    assert cli("init", db=db_url).exit_code == 0
    for prod, studio in (("quay-street", "custom:small-indie"), ("quay-netflix", "netflix")):
        path = tmp_path / f"{prod}.yaml"
        path.write_text(DOCS.replace("PROD", prod).replace("STUDIO", studio))
        result = cli("apply", str(path), db=db_url)
        assert result.exit_code == 0, result.output
    assert cli("role", "grant", "approver", "counsel", db=db_url).exit_code == 0
    return db_url


def test_generic_baseline_decision_says_its_tier_comes_only_from_analogy(db: str) -> None:
    decision = cli_json("decide", "quay-street/key-art", db=db)
    assert decision["outcome"] == "written_approval"
    assert decision["tier_basis"] == "analogy"
    studio_and_unions = {k: v for k, v in decision["standards"].items() if k != "likeness-review"}
    assert studio_and_unions == {"generic-studio-genai": "2025.1"}
    generic = [r for r in decision["rules"] if r["pack"] == "generic-studio-genai"]
    assert {"GEN-1", "GEN-P4"} <= {r["id"] for r in generic}
    assert all(r["verification"] == "A" and r["by_analogy"] is True for r in generic)
    assert all(r["source"].startswith("Netflix, Using Generative AI") for r in generic)

    text = cli("decide", "quay-street/key-art", db=db).stdout
    first, second, third = text.splitlines()[:3]
    assert first.endswith(
        "WRITTEN APPROVAL NEEDED: do not start until the studio approves in writing."
    )
    assert second.startswith("  set by GEN-1 (generic-studio-genai)")  # the deciding rules
    assert ANALOGY_HEADLINE in third
    assert "GEN-1 (generic-studio-genai)  (by analogy)" in text
    assert "(verification A)" in text

    # Once approved, the headline still says what the tier rested on.
    assert cli("approve", "quay-street/key-art", "--by", "counsel", db=db).exit_code == 0
    text = cli("decide", "quay-street/key-art", db=db).stdout
    assert text.splitlines()[0].split("  ", 1)[1].startswith("CLEARED")
    assert ANALOGY_HEADLINE in text


def test_a_studio_with_its_own_pack_decides_directly(db: str) -> None:
    decision = cli_json("decide", "quay-netflix/key-art", db=db)
    assert decision["outcome"] == "written_approval"
    assert decision["tier_basis"] == "direct"
    assert "generic-studio-genai" not in decision["standards"]
    assert not any(r.get("by_analogy") for r in decision["rules"])
    text = cli("decide", "quay-netflix/key-art", db=db).stdout
    assert ANALOGY_HEADLINE not in text and "(by analogy)" not in text


def test_standards_show_marks_every_generic_rule_by_analogy(db: str) -> None:
    shown = cli_json("standards", "show", "generic-studio-genai", db=db)
    assert {r["verification"] for r in shown["rules_detail"]} == {"A"}
    text = cli("standards", "show", "generic-studio-genai", db=db).stdout
    assert text.count("[A] (by analogy)") == len(shown["rules_detail"])
    netflix = cli("standards", "show", "netflix-genai", db=db).stdout
    assert "(by analogy)" not in netflix
