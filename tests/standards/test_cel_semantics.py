"""One CEL semantics: where the prefilter cannot give CEL's answer exactly, CEL decides.

The rules here are a studio's own pack, written in the test, with conditions whose plain
Python reading would differ from CEL's (integer division, `in` on a map, an int compared
with a double, a NUL inside a string, null ordered against a string). The decisions must be
CEL's, rule by rule, with the prefilter trusted or not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reelproof.core.standards import (
    Engine,
    agreement,
    build_facts,
    cel_backend,
    load_pack_text,
    prefilter,
    talent_without_registry,
)
from reelproof.core.standards import expr as x
from reelproof.core.standards.schema import RULE_SCOPE, TALENT_RULE_SCOPE
from tests.helpers import EXAMPLE, cli, cli_json

from .helpers import TODAY, declaration, production

STUDIO_PACK = """\
apiVersion: reelproof/v1
kind: StandardsPack
metadata: {id: harbour-house-rules}
spec:
  title: Harbour house rules
  version: "1.0"
  effective_from: 2025-01-01
  category: studio
  applies_when: production.studio == "netflix"
  sources: [{id: hr, title: House rules, publisher: Harbour Films}]
  rules:
    - {id: HH-DIV, title: integer division, when: "size(use.title) / 4 == 6",
       outcome: escalate, message: "'{{use.title}}'", source: {ref: hr}, verification: V}
    - {id: HH-DIV-NOT, title: integer division, when: "size(use.title) / 4 == 7",
       outcome: escalate, message: "'{{use.title}}'", source: {ref: hr}, verification: V}
    - {id: HH-MAP, title: in on a map, when: 'use.phase in {"final": 1, "temp": 2}',
       outcome: inform, message: "'{{use.title}}'", source: {ref: hr}, verification: V}
    - {id: HH-NUL, title: a NUL in a string, when: 'use.title == "Crowd"',
       outcome: inform, message: "'{{use.title}}'", source: {ref: hr}, verification: V}
    - {id: HH-NULL, title: null ordered, when: 'use.tool.vendor < "m"',
       outcome: inform, message: "'{{use.title}}'", source: {ref: hr}, verification: V}
    - {id: HH-PAY, title: an int against a double, for_each: talent,
       when: "t.consent.compensation.amount == 9007199254740993",
       outcome: written_approval, message: "{{t.performer_id}}", source: {ref: hr},
       verification: V}
"""


def _talent(amount: float) -> list[dict[str, Any]]:
    talent = talent_without_registry(declaration(talent=[{"performer": "jane", "use": "dubbing"}]))
    talent[0]["consent"] = {
        **talent[0]["consent"],
        "compensation": {"basis": "flat_fee", "amount": amount, "currency": "USD"},
    }
    return talent


def _cel_fired(pack: Any, facts: dict[str, Any]) -> dict[str, bool | str]:
    """Each rule's answer from the CEL library itself (per talent entry for for_each)."""
    out: dict[str, bool | str] = {}
    for r in pack.rules:
        if r.per_talent:
            for t in facts["talent"]:
                act = cel_backend.activation(TALENT_RULE_SCOPE, {**facts, "t": t})
                out[r.id] = r.program.run(act)
        else:
            out[r.id] = r.program.run(cel_backend.activation(RULE_SCOPE, facts))
    return out


@pytest.mark.parametrize(
    ("title", "vendor", "amount"),
    [
        ("Moodboards for the harbour", "Acme", 9007199254740992.0),
        ("Crowd\x00 scene extension", None, 1450.0),
        ("Crowd", "zeta", 1450.0),
    ],
)
def test_a_studio_rule_the_prefilter_cannot_translate_is_decided_by_cel(
    title: str, vendor: str | None, amount: float
) -> None:
    pack = load_pack_text(STUDIO_PACK, "studio/harbour.yaml")
    for rid in ("HH-DIV", "HH-DIV-NOT", "HH-MAP"):
        assert not pack.rule(rid).exact  # arithmetic and map literals are not translated
    decl = declaration(
        title=title,
        tool={"name": "G", "vendor": vendor},
        talent=[{"performer": "jane", "use": "dubbing"}],
    )
    talent = _talent(amount)
    facts = build_facts(decl, production(), talent, TODAY)
    cel = _cel_fired(pack, facts)
    expected = {rid: isinstance(v, str) for rid, v in cel.items() if v is not False}
    for trust in (True, False):
        d = Engine([pack], trust_prefilter=trust).decide(decl, production(), talent, TODAY)
        assert {r.id: r.error is not None for r in d.rules} == expected, trust
    d = Engine([pack]).decide(decl, production(), talent, TODAY)
    got = {r.id: r for r in d.rules}
    if title.startswith("Moodboards"):
        # 26 / 4 is 6 in CEL (6.5 in Python); the amount is 2**53 as a double, which CEL
        # compares with the int 2**53 + 1 as doubles: equal.
        assert "HH-DIV" in got and "HH-DIV-NOT" not in got
        assert got["HH-PAY"].outcome == "written_approval"
    if "\x00" in title:
        # cel-expr-python cuts a fact string at its first NUL: CEL's answer is the decision
        assert cel["HH-NUL"] is True and "HH-NUL" in got
        # a null vendor ordered against a string is a CEL error: a person must look
        assert got["HH-NULL"].error is not None and got["HH-NULL"].outcome == "escalate"
    if title == "Crowd":
        assert "HH-NUL" in got and "HH-NULL" not in got and "HH-PAY" not in got
    assert "HH-MAP" in got  # the declaration's phase is "final"


def test_a_translation_that_differs_from_cel_is_switched_off_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fault put into the translation: startsWith ignoring case, where CEL does not.
    monkeypatch.setitem(
        prefilter._STRING_TESTS, "startsWith", lambda a, b: a.lower().startswith(b.lower())
    )
    text = STUDIO_PACK.replace('use.title == "Crowd"', 'use.tool.vendor.startsWith("NoCase")')
    pack = load_pack_text(text, "studio/harbour.yaml")
    rule = pack.rule("HH-NUL")
    assert rule.prefilter_off is not None
    assert "the prefilter gave True where CEL gave False" in rule.prefilter_off
    assert not rule.exact and rule.guard({}) == -1
    decl = declaration(tool={"name": "G", "vendor": "NOCASE Ltd"})
    d = Engine([pack]).decide(decl, production(), [], TODAY)
    assert "HH-NUL" not in {r.id for r in d.rules}  # CEL's answer, not the faulty one
    other = pack.rule("HH-DIV")
    assert other.prefilter_off is None  # one bad translation does not switch off the others


def test_disagreement_names_the_facts_it_found() -> None:
    src = "size(use.title) == 2"
    node = x.parse(src)
    program = cel_backend.Program(src, RULE_SCOPE)
    guard, exact = prefilter.compile_guard(node)
    assert exact and agreement.disagreement(node, program, guard, RULE_SCOPE) is None

    def utf8_bytes(s: Any) -> int:  # a plausible wrong translation: size() as UTF-8 bytes
        title = s.get("use", {}).get("title")
        if not isinstance(title, str) or "\x00" in title:
            return -1
        return int(len(title.encode()) == 2)

    found = agreement.disagreement(node, program, utf8_bytes, RULE_SCOPE)
    assert found is not None and "where CEL gave" in found
    assert any(ord(c) > 127 for c in found)  # the facts it names hold a non-ASCII title


def test_a_studio_pack_published_through_the_cli_is_decided_by_cel(
    db_url: str, tmp_path: Path
) -> None:
    assert cli("init", db=db_url).exit_code == 0
    docs = tmp_path / "harbour.yaml"
    docs.write_text(EXAMPLE)
    assert cli("apply", str(docs), db=db_url).exit_code == 0
    pack_file = tmp_path / "harbour-house-rules.yaml"
    pack_file.write_text(STUDIO_PACK)
    published = cli("standards", "publish", str(pack_file), "--format", "json", db=db_url)
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout)["packs"][0]["id"] == "harbour-house-rules@1.0"
    decided = cli_json("decide", "moodboard-1", db=db_url)
    ours = {r["id"]: r for r in decided["rules"] if r["pack"] == "harbour-house-rules"}
    assert "HH-DIV" in ours and "HH-DIV-NOT" not in ours  # "Moodboards for the harbour": 26 / 4
    assert decided["outcome"] in ("escalate", "written_approval", "prohibited")
    assert decided["standards"]["harbour-house-rules"] == "1.0"
