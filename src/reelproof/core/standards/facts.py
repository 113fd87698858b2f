"""The facts a condition sees, as plain CEL-friendly data.

Dates are ISO-8601 strings (`"2026-02-01"`), so `production.principal_photography_start
>= "2026-07-01"` compares dates correctly; absent dates are `null`. Territories are
resolved with their groups (`FR` adds `EU` and `WORLD`).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Literal, TypeAlias

from reelproof.core.documents import AIUseDeclaration, Performer, Production, Talent
from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue
from reelproof.core.territories import resolve


def performer_fact(performer: Performer) -> JsonObject:
    """A Performer document as the `performer` fact of a talent entry (known: true)."""
    return {
        "id": performer.metadata.id,
        "known": True,
        **performer.spec.model_dump(mode="json"),
    }


def unknown_performer(performer_id: str) -> JsonObject:
    """The `performer` fact for a performer the registry does not know."""
    return {
        "id": performer_id,
        "known": False,
        "name": performer_id,
        "unions": [],
        "domicile": None,
        "deceased": False,
        "date_of_death": None,
        "minor": False,
        "representation": "none",
        "estate_contact": None,
    }


Via: TypeAlias = Literal["talent", "synthetic_performer", "real_person"]


def touched_talent(declaration: AIUseDeclaration) -> list[tuple[Talent, Via]]:
    """Every performer the use touches, as talent entries to match against consents.

    The declaration's own talent entries come first; then the performer whose recognizable
    feature a synthetic performer uses, and the registered real person the use references
    (`inputs.real_person`), each read as a new replica performance of them (a voice replica
    when the output is a voice) unless the same performer was already added that way.
    """
    spec = declaration.spec
    out: list[tuple[Talent, Via]] = [(t, "talent") for t in spec.talent]
    use = "voice_replica" if spec.output.element == "voice" else "replica_use"
    indirect: list[tuple[str | None, Via]] = [
        (spec.synthetic_performer.recognizable_feature_of, "synthetic_performer"),
        (spec.inputs.real_person, "real_person"),
    ]
    seen: set[str] = set()
    for performer_id, via in indirect:
        if performer_id is None or performer_id in seen:
            continue
        seen.add(performer_id)
        entry = Talent(performer=performer_id, use=use, alteration="new_performance")
        out.append((entry, via))
    return out


def no_consent() -> JsonObject:
    """The `consent` fact when nothing on record covers the use."""
    return {
        "covered": False,
        "id": None,
        "missing": ["no consent on record"],
        "valid": False,
        "invalid_reasons": [],
        "granted_by": None,
        "form": None,
        "compensation": None,
    }


def talent_without_registry(
    declaration: AIUseDeclaration, performers: Mapping[str, Performer] | None = None
) -> list[JsonObject]:
    """Talent facts for a declaration when no consent registry answers (pack tests).

    Every use is uncovered (finding `consent.none_on_record`); performers are unknown
    unless their documents are given.
    """
    out: list[JsonObject] = []
    for t, via in touched_talent(declaration):
        doc = (performers or {}).get(t.performer)
        out.append(
            {
                "performer_id": t.performer,
                "via": via,
                "use": t.use,
                "replica_type": t.replica_type,
                "alteration": t.alteration,
                "exception": t.exception,
                "performer": performer_fact(doc) if doc else unknown_performer(t.performer),
                "consent": no_consent(),
                "replica": {"id": None, "findings": [], "messages": []},
                "findings": [
                    {"code": "consent.none_on_record", "params": {"performer": t.performer}}
                ],
            }
        )
    return out


@lru_cache(maxsize=1024)
def _territories(codes: tuple[str, ...]) -> list[str]:
    return resolve(codes)  # shared between decisions: never mutated


def resolved_territories(declaration: AIUseDeclaration | None, production: Production) -> list[str]:
    """The declaration's territories, else the production's, with their groups."""
    codes = (declaration.spec.territories if declaration else None) or production.spec.territories
    return _territories(tuple(codes))


_PRODUCTIONS: OrderedDict[int, tuple[Production, JsonObject]] = OrderedDict()


def production_fact(production: Production) -> JsonObject:
    """The `production` fact (spec plus id); cached per Production object."""
    hit = _PRODUCTIONS.get(id(production))
    if hit is not None and hit[0] is production:
        return hit[1]
    fact = {**production.spec.model_dump(mode="json"), "id": production.metadata.id}
    _PRODUCTIONS[id(production)] = (production, fact)
    if len(_PRODUCTIONS) > 512:
        _PRODUCTIONS.popitem(last=False)
    return fact


def use_fact(declaration: AIUseDeclaration) -> JsonObject:
    """The `use` fact: the declaration's spec plus `id` and `production`."""
    fact = declaration.spec.model_dump(mode="json")
    fact["id"] = declaration.metadata.id
    fact["production"] = declaration.metadata.production
    return fact


def performers_of(talent: Sequence[JsonMapping]) -> list[JsonValue]:
    """The involved performers' facts, once each, in order of appearance."""
    seen: set[str] = set()
    out = []
    for t in talent:
        p = t["performer"]
        if p["id"] not in seen:
            seen.add(p["id"])
            out.append(p)
    return out


def build_facts(
    declaration: AIUseDeclaration,
    production: Production,
    talent: Sequence[JsonMapping],
    today: dt.date,
    findings: Sequence[JsonMapping] = (),
) -> JsonObject:
    """Every fact a rule may read: use, production, territories, talent, performers, today,
    and every talent entry's findings (each naming its performer), then `findings` given."""
    talent_list = talent if isinstance(talent, list) else list(talent)
    return {
        "use": use_fact(declaration),
        "production": production_fact(production),
        "territories": resolved_territories(declaration, production),
        "talent": talent_list,
        "performers": performers_of(talent_list),
        "today": today.isoformat(),
        "findings": [
            *({**f, "performer": t["performer_id"]} for t in talent_list for f in t["findings"]),
            *(dict(f) for f in findings),
        ],
    }
