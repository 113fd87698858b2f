"""Seeded generator of declarations, productions and talent facts for the benchmarks."""

from __future__ import annotations

import random
from typing import Any, get_args

from reelproof.core.documents import (
    AIUseDeclaration,
    AIUseDeclarationSpec,
    Inputs,
    Output,
    Production,
    Talent,
    TalentUse,
    allowed_values,
    parse_one,
)
from reelproof.core.standards import no_consent, unknown_performer

PHASES = list(allowed_values(AIUseDeclarationSpec, "phase"))
STAGES = list(allowed_values(AIUseDeclarationSpec, "stage"))
ELEMENTS = list(allowed_values(Output, "element"))
PROMINENCE = list(allowed_values(Output, "prominence"))
TRI = [True, False, "unknown"]
USES = list(get_args(TalentUse))
ALTERATIONS = list(allowed_values(Talent, "alteration"))
EXCEPTIONS = list(allowed_values(Talent, "exception"))
REFS = list(allowed_values(Inputs, "real_person_reference"))

PRODUCTIONS: list[dict[str, Any]] = [
    {
        "id": "stranger-tides-s1",
        "studio": "netflix",
        "unions": ["sag_aftra_tv_theatrical", "wga", "dga", "iatse"],
        "territories": ["US", "EU", "KR", "GB"],
        "principal_photography_start": "2026-02-01",
    },
    {
        "id": "harbour-lights",
        "studio": "netflix",
        "unions": ["sag_aftra_tv_theatrical"],
        "territories": ["WORLD"],
        "principal_photography_start": "2026-09-01",
    },
    {
        "id": "indie-feature",
        "studio": "custom:acme-pictures",
        "unions": [],
        "territories": ["US-CA", "FR"],
        "principal_photography_start": None,
    },
    {
        "id": "kdrama-co",
        "studio": "netflix",
        "unions": [],
        "territories": ["KR", "IN", "CN"],
        "principal_photography_start": "2025-11-01",
    },
]


def productions() -> list[Production]:
    out = []
    for p in PRODUCTIONS:
        spec = {k: v for k, v in p.items() if k != "id"}
        spec["title"] = p["id"].replace("-", " ").title()
        doc = parse_one(
            {
                "apiVersion": "reelproof/v1",
                "kind": "Production",
                "metadata": {"id": p["id"]},
                "spec": spec,
            }
        )
        assert isinstance(doc, Production)
        out.append(doc)
    return out


def _performer(performer_id: str) -> dict[str, Any]:
    """A performer's facts, fixed per id (as the registry would give them)."""
    prng = random.Random(performer_id)
    perf = unknown_performer(performer_id)
    perf.update(
        known=True,
        name=performer_id.replace("-", " ").title(),
        domicile=prng.choice(["US-CA", "US-NY", "GB", "FR", "KR", None]),
        deceased=prng.random() < 0.05,
        minor=prng.random() < 0.03,
        representation=prng.choice(["union", "counsel", "none"]),
    )
    if perf["deceased"]:
        perf["date_of_death"] = "2019-05-02"
    return perf


def _talent_fact(rng: random.Random, t: dict[str, Any]) -> dict[str, Any]:
    perf = _performer(t["performer"])
    consent = no_consent()
    if rng.random() < 0.6:
        valid = rng.random() < 0.85
        consent = {
            "covered": True,
            "id": f"c-{t['performer']}",
            "missing": [],
            "valid": valid,
            "invalid_reasons": [] if valid else ["consent is boilerplate"],
            "granted_by": "performer",
            "form": "separate_signed",
            "compensation": {"basis": "day_rate", "amount": 1450.0, "currency": "USD"},
        }
    return {
        "performer_id": t["performer"],
        "via": "talent",
        "use": t["use"],
        "replica_type": t["replica_type"],
        "alteration": t["alteration"],
        "exception": t["exception"],
        "performer": perf,
        "consent": consent,
        "replica": {"id": None, "findings": [], "messages": []},
        "findings": _findings(t["performer"], consent),
    }


def _findings(performer_id: str, consent: dict[str, Any]) -> list[dict[str, Any]]:
    """The finding facts the consent registry would give for this consent fact."""
    if not consent["covered"]:
        return [{"code": "consent.none_on_record", "params": {"performer": performer_id}}]
    if not consent["valid"]:
        return [
            {"code": "consent.form.boilerplate_under_union", "params": {"consent": consent["id"]}}
        ]
    return []


def declarations(
    n: int, seed: int = 20260914
) -> list[tuple[AIUseDeclaration, int, list[dict[str, Any]]]]:
    """n (declaration, production index, talent facts) triples, the same for a given seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        prod = rng.randrange(len(PRODUCTIONS))
        talent = []
        for k in range(rng.choice([0, 0, 0, 1, 1, 2])):
            talent.append(
                {
                    "performer": f"performer-{rng.randrange(12)}-{k}",
                    "use": rng.choice(USES),
                    "replica_type": rng.choice([None, "employment_based", "independently_created"]),
                    "alteration": rng.choice(ALTERATIONS),
                    "exception": rng.choice(EXCEPTIONS),
                }
            )
        final = rng.random() < 0.4
        spec = {
            "title": f"Use {i}",
            "stage": rng.choice(STAGES),
            "phase": "final" if final else rng.choice(PHASES),
            "tool": {
                "name": rng.choice(["ExampleGen 3", "VoiceForge", "PublicGen"]),
                "vendor": rng.choice([None, "ExampleCo"]),
                "enterprise_agreement": rng.random() < 0.5,
                "trains_on_inputs": rng.choice(TRI),
                "stores_inputs": rng.choice(TRI),
                "custom_pipeline": rng.random() < 0.1,
            },
            "inputs": {
                "studio_proprietary": rng.random() < 0.2,
                "personal_data": rng.random() < 0.1,
                "copyrighted_reference": rng.random() < 0.1,
                "real_person_reference": rng.choice(REFS) if rng.random() < 0.2 else "none",
                "training_or_finetune": rng.random() < 0.1,
                "training_data_cleared": rng.choice(TRI),
            },
            "output": {
                "in_final_deliverable": final,
                "element": rng.choice(ELEMENTS),
                "prominence": rng.choice(PROMINENCE),
                "realistic_depiction": rng.random() < 0.1,
                "advertisement": rng.random() < 0.05,
                "replaces_union_work": rng.random() < 0.05,
            },
            "talent": talent,
            "synthetic_performer": {
                "used": rng.random() < 0.05,
                "in_place_of_human": rng.random() < 0.03,
                "recognizable_feature_of": None,
            },
            "territories": rng.choice([[], [], [], ["US"], ["EU"]]),
        }
        doc = parse_one(
            {
                "apiVersion": "reelproof/v1",
                "kind": "AIUseDeclaration",
                "metadata": {"id": f"use-{i}", "production": PRODUCTIONS[prod]["id"]},
                "spec": spec,
            }
        )
        assert isinstance(doc, AIUseDeclaration)
        out.append((doc, prod, [_talent_fact(rng, t) for t in talent]))
    return out
