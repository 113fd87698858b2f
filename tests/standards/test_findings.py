"""Packs match finding codes, never message text: refused at load time, and proven by
rewording every message of real consent matches without changing a decision."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from reelproof.core.consent import match_declaration
from reelproof.core.documents import Talent
from reelproof.core.errors import DocumentError
from reelproof.core.findings import CODES
from reelproof.core.replicas import ReplicaTransfer
from reelproof.core.standards import Decision, decide
from tests.consent.consent_docs import (
    BUNDLED,
    LAW,
    TODAY,
    declaration,
    performer,
    production,
    record,
    replica,
    talent,
)

from .helpers import pack, rule

VAGUE = "Any and all uses of the performer's likeness in all media now known or hereafter."


def _refused(when: str, *, for_each: bool = True) -> str:
    extra: dict[str, Any] = {"for_each": "talent"} if for_each else {}
    with pytest.raises(DocumentError) as exc:
        pack([rule("R-1", when, **extra)])
    return str(exc.value)


@pytest.mark.parametrize(
    "when",
    [
        't.consent.invalid_reasons.exists(r, r.contains("California Labor Code §927"))',
        't.consent.missing.exists(m, m.startsWith("consent"))',
        't.replica.messages.exists(m, m.endsWith("cannot be used"))',
        't.consent.missing.exists(m, matches(m, "production"))',
        't.consent.missing.exists(m, m == "no consent on record")',
        '"no consent on record" in t.consent.missing',
        't.consent.invalid_reasons[0] != ""',
        'talent.exists(x, x.consent.missing.exists(m, m.contains("territory")))',
    ],
)
def test_a_condition_reading_message_text_is_refused_at_load(when: str) -> None:
    msg = _refused(when, for_each=not when.startswith("talent"))
    assert "rule R-1" in msg and "is message text for people" in msg
    assert "match a finding's code" in msg


def test_size_of_a_message_list_is_allowed() -> None:
    pack([rule("R-1", "size(t.consent.missing) > 0", for_each="talent")])


def test_a_misspelt_finding_code_is_refused_at_load() -> None:
    msg = _refused('t.findings.exists(f, f.code == "consent.scope.production_mising")')
    assert 'never "consent.scope.production_mising"' in msg


def test_codes_and_parameters_are_what_conditions_match() -> None:
    pack(
        [
            rule(
                "R-1",
                't.findings.exists(f, f.code == "consent.description.not_specific" '
                '&& "US-CA" in f.params.laws)',
                for_each="talent",
            ),
            rule("R-2", 'findings.exists(f, f.code in ["replica.destroyed"] && f.performer != "")'),
        ]
    )


def test_bundled_conditions_read_message_lists_only_through_size() -> None:
    # Beside the load-time check (every bundled pack loaded above passed it): the only use
    # of a message list in a bundled condition is counting it.
    used = re.compile(r"(\S*)\.(missing|invalid_reasons|messages)\b")
    for p in BUNDLED:
        for r in p.rules:
            for m in used.finditer(r.rule.when):
                assert m.group(1).startswith("size("), (p.id, r.id, m.group(0))


# --- rewording every message changes no decision --------------------------------------------


def _reword(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(facts)
    for t in out:
        t["consent"]["missing"] = [f"reworded {i}" for i, _ in enumerate(t["consent"]["missing"])]
        reasons = t["consent"]["invalid_reasons"]
        t["consent"]["invalid_reasons"] = [f"reworded {i}" for i, _ in enumerate(reasons)]
        t["replica"]["messages"] = ["reworded" for _ in t["replica"]["messages"]]
    return out


def _decide(tal: Talent, **kw: Any) -> tuple[Decision, Decision]:
    prod = kw.pop("prod", production())
    who = kw.pop("who", performer())
    decl = declaration([tal])
    facts = [
        m.to_fact()
        for m in match_declaration(decl, prod, [who], kw.pop("consents"), TODAY, **kw, law=LAW)
    ]
    return (
        decide(decl, prod, facts, BUNDLED, TODAY),
        decide(decl, prod, _reword(facts), BUNDLED, TODAY),
    )


SCENARIOS: dict[str, tuple[dict[str, Any], str]] = {
    "California §927 vague clause": (
        {
            "consents": [record(description=VAGUE)],
            "who": performer(representation="none"),
            "tal": talent(alteration="new_performance"),
        },
        "CA-2602-1",
    ),
    "New York §5-302 vague clause": (
        {
            "consents": [record(description=VAGUE, form="initialed_clause")],
            "who": performer(domicile="US-NY", representation="counsel"),
            "tal": talent(alteration="new_performance"),
        },
        "NY-5302",
    ),
    "Illinois HB 4762 vague clause": (
        {
            "consents": [record(description=VAGUE)],
            "who": performer(domicile="US-IL", representation="none"),
            "tal": talent(alteration="new_performance"),
        },
        "IL-4762",
    ),
    "consent for another production": (
        {"consents": [record(productions=["other-show"])], "tal": talent()},
        "SAG23-EBDR-5",
    ),
    "replica transferred without consent (2026 terms)": (
        {
            "consents": [record()],
            "tal": talent(),
            "prod": production(principal_photography_start=dt.date(2026, 8, 1)),
            "replicas": [
                replica(transfers=[ReplicaTransfer(dt.date(2026, 9, 1), to_custodian="OtherVFX")])
            ],
        },
        "SAG26-12",
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_rewording_every_message_changes_no_decision(name: str) -> None:
    kw, expected_rule = dict(SCENARIOS[name][0]), SCENARIOS[name][1]
    original, reworded = _decide(kw.pop("tal"), **kw)
    assert expected_rule in original.rule_ids
    assert reworded.outcome == original.outcome
    assert reworded.rule_ids == original.rule_ids
    assert [(o.kind, o.party, o.status) for o in reworded.obligations] == [
        (o.kind, o.party, o.status) for o in original.obligations
    ]


def test_every_code_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/consent-matching.md").read_text()
    assert [c for c in CODES if f"`{c}`" not in doc] == []
