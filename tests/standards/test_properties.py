"""Properties: adding a rule never lowers the outcome; the prefilter agrees with CEL."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelproof.adapters.packs import bundled_pack_files
from reelproof.core.documents import AIUseDeclaration, Talent, TalentUse, allowed_values, parse_one
from reelproof.core.standards import (
    RANK,
    Engine,
    build_facts,
    cel_backend,
    decide,
    load_pack_text,
    no_consent,
)
from reelproof.core.standards.facts import unknown_performer
from reelproof.core.standards.schema import RULE_SCOPE, TALENT_RULE_SCOPE

from .helpers import TODAY, pack, production, rule

TRI = st.sampled_from([True, False, "unknown"])
USES = list(get_args(TalentUse))
ALTERATIONS = list(allowed_values(Talent, "alteration"))

talent_spec = st.fixed_dictionaries(
    {
        "performer": st.sampled_from(["jane", "bob", "ann"]),
        "use": st.sampled_from(USES),
        "replica_type": st.sampled_from(
            [None, "employment_based", "independently_created", "background_actor"]
        ),
        "alteration": st.sampled_from(ALTERATIONS),
        "exception": st.sampled_from(["none", "safety", "unrecognizable"]),
    }
)
decl_spec = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["Crowd", "Nude scene double", "Sign"]),
        "description": st.sampled_from(["", "a sexual scene", "background"]),
        "stage": st.sampled_from(["development", "vfx", "sound", "marketing"]),
        "phase": st.sampled_from(["ideation", "previs", "temp", "final"]),
        "media": st.sampled_from(["series", "film", "trailer", "marketing", "game"]),
        "tool": st.fixed_dictionaries(
            {
                "name": st.just("Gen"),
                "vendor": st.sampled_from([None, "Co", ""]),
                "enterprise_agreement": st.booleans(),
                "trains_on_inputs": TRI,
                "stores_inputs": TRI,
                "custom_pipeline": st.booleans(),
            }
        ),
        "inputs": st.fixed_dictionaries(
            {
                "studio_proprietary": st.booleans(),
                "personal_data": st.booleans(),
                "copyrighted_reference": st.booleans(),
                "real_person_reference": st.sampled_from(
                    ["none", "public_figure", "private_person", "deceased_person"]
                ),
                "training_or_finetune": st.booleans(),
                "training_data_cleared": TRI,
            }
        ),
        "output": st.builds(
            # What an advertisement promotes; a non-advertisement must leave it unknown.
            lambda out, promotes: {
                **out,
                "promotes": promotes if out["advertisement"] else "unknown",
            },
            st.fixed_dictionaries(
                {
                    "in_final_deliverable": st.booleans(),
                    "element": st.sampled_from(
                        [
                            "ideation",
                            "background",
                            "prop_text",
                            "key_visual",
                            "performance",
                            "voice",
                            "script_text",
                            "setting",
                        ]
                    ),
                    "prominence": st.sampled_from(["incidental", "story_relevant", "key_creative"]),
                    "realistic_depiction": st.booleans(),
                    "advertisement": st.booleans(),
                    "replaces_union_work": st.booleans(),
                }
            ),
            st.sampled_from(["production", "third_party", "unknown"]),
        ),
        "talent": st.lists(talent_spec, max_size=2),
        "synthetic_performer": st.fixed_dictionaries(
            {
                "used": st.booleans(),
                "in_place_of_human": st.booleans(),
                "recognizable_feature_of": st.sampled_from([None, "jane"]),
            }
        ),
        "territories": st.sampled_from([[], ["US"], ["FR"], ["US-CA", "KR"], ["CN", "IN"]]),
    }
)
consent = st.one_of(
    st.just(no_consent()),
    st.builds(
        lambda valid, missing: {
            "covered": True,
            "id": "c-1",
            "missing": missing,
            "valid": valid,
            "invalid_reasons": [] if valid else ["consent is boilerplate"],
            "granted_by": "performer",
            "form": "separate_signed",
            "compensation": {"basis": "day_rate", "amount": 100.0, "currency": "USD"},
        },
        st.booleans(),
        st.sampled_from([[], ["no consent covers 'dubbing' in territory EU"]]),
    ),
)
finding = st.sampled_from(
    [
        {"code": "replica.transferred_without_consent", "params": {"replica": "r-1"}},
        {"code": "replica.production_not_permitted", "params": {"replica": "r-1"}},
        {"code": "consent.scope.production_missing", "params": {"consent": "c-1"}},
        {"code": "consent.description.not_specific", "params": {"laws": ["US-CA"]}},
        {"code": "consent.description.not_specific", "params": {"laws": ["US-NY", "US-IL"]}},
    ]
)
performer = st.builds(
    lambda pid, dom, dead, minor: {
        **unknown_performer(pid),
        "known": True,
        "domicile": dom,
        "deceased": dead,
        "date_of_death": "2000-01-01" if dead else None,
        "minor": minor,
    },
    st.sampled_from(["jane", "bob"]),
    st.sampled_from([None, "US-CA", "US-NY", "US-TN", "US-IL", "GB"]),
    st.booleans(),
    st.booleans(),
)
prod_spec = st.fixed_dictionaries(
    {
        "studio": st.sampled_from(["netflix", "custom:acme"]),
        "unions": st.sampled_from([[], ["sag_aftra_tv_theatrical"], ["wga", "dga", "iatse"]]),
        "territories": st.sampled_from([["US"], ["WORLD"], ["FR", "KR"]]),
        "principal_photography_start": st.sampled_from([None, "2026-02-01", "2027-09-01"]),
        "strike_in_progress": st.booleans(),
    }
)


def _declaration(spec: dict[str, Any]) -> AIUseDeclaration:
    doc = parse_one(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": "u", "production": "prod"},
            "spec": spec,
        }
    )
    assert isinstance(doc, AIUseDeclaration)
    return doc


def _talent(decl: AIUseDeclaration, data: st.DataObject) -> list[dict[str, Any]]:
    out = []
    for t in decl.spec.talent:
        perf = data.draw(performer)
        perf["id"] = t.performer
        out.append(
            {
                "performer_id": t.performer,
                "via": "talent",
                "use": t.use,
                "replica_type": t.replica_type,
                "alteration": t.alteration,
                "exception": t.exception,
                "performer": perf,
                "consent": data.draw(consent),
                "replica": {"id": None, "findings": [], "messages": []},
                "findings": data.draw(st.lists(finding, max_size=2)),
            }
        )
    return out


CONDITIONS = [
    "true",
    "use.output.in_final_deliverable",
    "use.inputs.personal_data",
    "!use.tool.enterprise_agreement",
    'use.phase == "final"',
    "size(use.talent) > 0",
    "use.output.realistic_depiction || use.inputs.copyrighted_reference",
]
rule_st = st.tuples(st.sampled_from(CONDITIONS), st.sampled_from(list(RANK)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rule_st, min_size=0, max_size=6), rule_st, decl_spec)
def test_adding_a_rule_never_lowers_the_outcome(
    rules: list[tuple[str, str]], extra: tuple[str, str], spec: dict[str, Any]
) -> None:
    base = [rule(f"R-{i}", w, o) for i, (w, o) in enumerate(rules)]
    before = pack(base) if base else None
    after = pack([*base, rule("NEW", extra[0], extra[1])])
    decl = _declaration(spec)
    prod = production()
    a = decide(decl, prod, [], [before] if before else [], TODAY)
    b = decide(decl, prod, [], [after], TODAY)
    if before is not None:
        assert RANK[b.outcome] >= RANK[a.outcome]
    assert {r.id for r in a.rules} <= {r.id for r in b.rules}


PACKS = [load_pack_text(p.read_text(), str(p)) for p in bundled_pack_files()]
ENGINE = Engine(PACKS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decl_spec, prod_spec, st.sampled_from(["2025-09-01", "2026-09-14", "2027-12-10"]), st.data())
def test_prefilter_agrees_with_cel_on_every_bundled_rule(
    spec: dict[str, Any], pspec: dict[str, Any], today: str, data: st.DataObject
) -> None:
    decl = _declaration(spec)
    prod = production(**pspec)
    facts = build_facts(decl, prod, _talent(decl, data), dt.date.fromisoformat(today))
    act = cel_backend.activation(RULE_SCOPE, facts)
    scopes = [{**facts, "t": t} for t in facts["talent"]]
    acts = [cel_backend.activation(TALENT_RULE_SCOPE, s) for s in scopes]
    for p in PACKS:
        plan = ENGINE._plans[id(p)]
        general = dict(plan.general(facts))
        per_talent = [
            dict(plan.per_talent(facts, s["t"])) if plan.per_talent else {} for s in scopes
        ]
        for i, r in enumerate(p.rules):
            if r.aggregate:
                continue
            if r.per_talent:
                cases = [
                    (s, a, per_talent[k].get(i, 0))
                    for k, (s, a) in enumerate(zip(scopes, acts, strict=True))
                ]
            else:
                cases = [(facts, act, general.get(i, 0))]
            for scope, activation, fused in cases:
                single = r.guard(scope)
                assert fused == single, (p.id, r.id, "pack filter and rule guard differ")
                cel = r.program.run(activation)
                if single >= 0:
                    assert cel is bool(single), (p.id, r.id, single, cel)
                elif plan.exact[i]:
                    assert not isinstance(cel, bool), (p.id, r.id, "exact prefilter said unknown")
