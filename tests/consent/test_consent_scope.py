"""Property-based tests of scope matching: territories, dates, media, productions, uses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from reelproof.core.consent import TalentMatch, match_talent, scope_gaps
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import TalentUse
from reelproof.core.territories import EU_MEMBERS
from tests.consent.consent_docs import (
    LAW,
    PID,
    TODAY,
    declaration,
    performer,
    production,
    record,
    talent,
)

# Applied per test rather than as a profile, so other suites keep their own settings.
FAST = settings(deadline=None, max_examples=80)

USES = get_args(TalentUse)
MEDIA = ("series", "film", "trailer", "marketing", "game")
REPLICA_TYPES = ("employment_based", "independently_created", "background_actor")
COUNTRIES = sorted({*EU_MEMBERS, "US", "GB", "KR", "JP", "CN", "IN", "CH", "NO", "CA", "BR"})
SUBDIVISIONS = ("US-CA", "US-NY", "US-TN", "US-IL", "FR-IDF", "GB-ENG")
GRANTABLE = (*COUNTRIES, *SUBDIVISIONS, "EU", "WORLD")
WANTED = (*COUNTRIES, *SUBDIVISIONS)
PRODUCTIONS = (PID, "stranger-tides-s2", "harbour-lights", "pilot-x")


def expected_cover(granted: list[str], wanted: str) -> bool:
    """The group semantics the brief states, written independently of the code."""
    if wanted in granted or "WORLD" in granted:
        return True
    if wanted in EU_MEMBERS and "EU" in granted:
        return True
    country = wanted.split("-")[0]
    if "-" in wanted and country in granted:
        return True
    return "-" in wanted and country in EU_MEMBERS and "EU" in granted


def gaps_for(rec: ConsentRecord, **kw: Any) -> list[tuple[str, dict[str, Any]]]:
    """(code, params) of each scope gap: what packs match."""
    args: dict[str, Any] = {
        "production_id": PID,
        "medium": "series",
        "territories": ["US"],
        "today": TODAY,
    }
    args.update(kw)
    tal = args.pop("talent", talent())
    return [(g.code, dict(g.params)) for g in scope_gaps(rec, tal, **args)]


def territory_gap(territory: str, cid: str = "jane-doe-stadium-double") -> tuple[str, Any]:
    return ("consent.scope.territory_missing", {"consent": cid, "territory": territory})


CID = {"consent": "jane-doe-stadium-double"}


def codes(m: TalentMatch) -> list[tuple[str, dict[str, Any]]]:
    """(code, params) of the match's scope gaps."""
    return [(g.code, dict(g.params)) for g in m.gaps]


def match(rec: ConsentRecord, **decl: Any) -> Any:
    tal = decl.pop("talent", talent())
    today = decl.pop("today", TODAY)
    return match_talent(
        tal, declaration([tal], **decl), production(), performer(), [rec], today, law=LAW
    )


# --- territories --------------------------------------------------------------------------


@FAST
@given(
    granted=st.lists(st.sampled_from(GRANTABLE), min_size=0, max_size=5, unique=True),
    wanted=st.lists(st.sampled_from(WANTED), min_size=1, max_size=6, unique=True),
)
def test_every_territory_of_the_use_must_be_covered(granted: list[str], wanted: list[str]) -> None:
    rec = record(territories=granted)
    gaps = gaps_for(rec, territories=wanted)
    not_covered = [w for w in wanted if not expected_cover(granted, w)]
    assert gaps == [territory_gap(w) for w in not_covered]
    m = match(rec, territories=wanted)
    assert m.covered == (not not_covered)


@FAST
@given(member=st.sampled_from(sorted(EU_MEMBERS)))
def test_eu_covers_each_member_but_not_us(member: str) -> None:
    rec = record(territories=["EU"])
    assert gaps_for(rec, territories=[member]) == []
    assert gaps_for(rec, territories=["US"]) == [territory_gap("US")]
    assert not match(rec, territories=[member, "US"]).covered
    assert match(rec, territories=[member]).covered


@FAST
@given(wanted=st.lists(st.sampled_from((*WANTED, "EU", "WORLD")), min_size=1, unique=True))
def test_world_covers_everything(wanted: list[str]) -> None:
    assert gaps_for(record(territories=["WORLD"]), territories=wanted) == []


@FAST
@given(state=st.sampled_from(("US-CA", "US-NY", "US-TN", "US-IL")))
def test_us_covers_its_states_but_a_state_does_not_cover_the_us(state: str) -> None:
    assert gaps_for(record(territories=["US"]), territories=[state]) == []
    assert gaps_for(record(territories=[state]), territories=["US"]) != []


def test_a_group_wanted_needs_the_group_granted() -> None:
    rec = record(territories=["FR", "DE"])
    assert gaps_for(rec, territories=["EU"]) == [territory_gap("EU")]
    assert gaps_for(record(territories=["EU"]), territories=["WORLD"]) == [territory_gap("WORLD")]


def test_use_territories_default_to_the_production() -> None:
    rec = record(territories=["US", "EU", "GB"])  # the production also lists KR
    m = match(rec)
    assert m.missing == ("consent jane-doe-stadium-double does not cover territory KR",)
    assert m.to_fact()["findings"] == [{"code": c, "params": p} for c, p in [territory_gap("KR")]]
    assert match(rec, territories=["US", "FR"]).covered


# --- dates --------------------------------------------------------------------------------

DAYS = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2029, 12, 31))


@FAST
@given(
    granted_at=DAYS,
    length=st.one_of(st.none(), st.integers(min_value=0, max_value=1500)),
    revoked_at=st.one_of(st.none(), DAYS),
    today=DAYS,
)
def test_term_and_revocation(
    granted_at: dt.date, length: int | None, revoked_at: dt.date | None, today: dt.date
) -> None:
    expires_at = None if length is None else granted_at + dt.timedelta(days=length)
    rec = record(granted_at=granted_at, expires_at=expires_at, revoked_at=revoked_at)
    in_term = granted_at <= today and (expires_at is None or today <= expires_at)
    revoked = revoked_at is not None and revoked_at <= today
    m = match(rec, today=today)
    assert m.covered == (in_term and not revoked)
    assert (rec.state(today) == "active") == (in_term and not revoked)
    if revoked:
        assert rec.state(today) == "revoked"
    elif today < granted_at:
        assert rec.state(today) == "not_yet_valid"
    elif not in_term:
        assert rec.state(today) == "expired"


def test_term_boundaries_are_inclusive() -> None:
    rec = record(granted_at=dt.date(2026, 3, 1), expires_at=dt.date(2027, 12, 31))
    assert match(rec, today=dt.date(2026, 3, 1)).covered
    assert match(rec, today=dt.date(2027, 12, 31)).covered
    before = match(rec, today=dt.date(2026, 2, 28))
    after = match(rec, today=dt.date(2028, 1, 1))
    assert codes(before) == [("consent.term.not_yet_in_force", {**CID, "from": "2026-03-01"})]
    assert codes(after) == [("consent.term.expired", {**CID, "on": "2027-12-31"})]
    assert before.missing == ("consent jane-doe-stadium-double is not in force until 2026-03-01",)


def test_revocation_takes_effect_on_its_day() -> None:
    rec = record(revoked_at=TODAY, revocation_note="performer withdrew by letter")
    assert rec.state(TODAY - dt.timedelta(days=1)) == "active"
    assert rec.state(TODAY) == "revoked"
    assert match(rec, today=TODAY - dt.timedelta(days=1)).covered
    m = match(rec)
    assert not m.covered
    assert codes(m) == [("consent.term.revoked", {**CID, "on": "2026-09-14"})]
    assert m.missing == (
        "consent jane-doe-stadium-double was revoked on 2026-09-14 "
        "(note: performer withdrew by letter)",
    )


# --- media, productions, uses, replica types ------------------------------------------------


@FAST
@given(
    granted=st.lists(st.sampled_from(MEDIA), unique=True),
    medium=st.sampled_from(MEDIA),
)
def test_media(granted: list[str], medium: str) -> None:
    rec = record(media=granted)
    m = match(rec, media=medium)
    assert m.covered == (medium in granted)
    if medium not in granted:
        assert codes(m) == [("consent.scope.medium_missing", {**CID, "medium": medium})]


def test_no_media_granted_covers_no_medium() -> None:
    for medium in MEDIA:
        assert not match(record(media=[]), media=medium).covered


@FAST
@given(granted=st.lists(st.sampled_from(PRODUCTIONS), unique=True))
def test_productions(granted: list[str]) -> None:
    rec = record(productions=granted)
    m = match(rec)
    assert m.covered == (PID in granted)
    if PID not in granted:
        assert codes(m) == [("consent.scope.production_missing", {**CID, "production": PID})]


def test_empty_productions_cover_nothing() -> None:
    m = match(record(productions=[]))
    assert codes(m) == [("consent.scope.production_missing", {**CID, "production": PID})]
    assert m.missing == (f"consent jane-doe-stadium-double does not cover production {PID}",)


@FAST
@given(
    granted=st.lists(st.sampled_from(USES), min_size=1, unique=True),
    use=st.sampled_from(USES),
)
def test_uses_are_separate(granted: list[str], use: str) -> None:
    tal = talent(use=use)
    m = match(record(uses=granted), talent=tal)
    assert m.covered == (use in granted)


def test_creating_a_replica_does_not_cover_using_it() -> None:
    rec = record(uses=["replica_creation"])
    m = match(rec, talent=talent(use="replica_use"))
    assert codes(m) == [("consent.scope.use_missing", {**CID, "use": "replica_use"})]
    rec = record(uses=["replica_use"])
    assert not match(rec, talent=talent(use="replica_creation")).covered


@FAST
@given(
    granted=st.lists(st.sampled_from(REPLICA_TYPES), unique=True),
    wanted=st.one_of(st.none(), st.sampled_from(REPLICA_TYPES)),
)
def test_replica_types(granted: list[str], wanted: str | None) -> None:
    m = match(record(replica_types=granted), talent=talent(replica_type=wanted))
    assert m.covered == (wanted is None or wanted in granted)


# --- choosing the closest consent -----------------------------------------------------------

SCOPES = st.fixed_dictionaries(
    {
        "uses": st.lists(st.sampled_from(USES), min_size=1, max_size=3, unique=True),
        "media": st.lists(st.sampled_from(MEDIA), max_size=2, unique=True),
        "territories": st.lists(st.sampled_from(GRANTABLE), max_size=3, unique=True),
        "productions": st.lists(st.sampled_from(PRODUCTIONS), max_size=2, unique=True),
        "expires_at": st.one_of(st.none(), DAYS),
    }
)


@FAST
@given(scopes=st.lists(SCOPES, min_size=1, max_size=4))
def test_closest_consent_has_fewest_gaps(scopes: list[dict[str, Any]]) -> None:
    records = [
        record(id=f"c-{i}", granted_at=dt.date(2024, 1, 1), **s) for i, s in enumerate(scopes)
    ]
    tal = talent(use="replica_use")
    decl = declaration([tal])
    m = match_talent(tal, decl, production(), performer(), records, TODAY, law=LAW)
    all_gaps = {
        r.id: gaps_for(r, territories=["US", "EU", "KR", "GB"], talent=tal) for r in records
    }
    fewest = min(len(g) for g in all_gaps.values())
    assert m.consent is not None
    assert len(m.missing) == fewest
    assert [(g.code, dict(g.params)) for g in m.gaps] == all_gaps[m.consent.id]
    assert m.covered == (fewest == 0)


def test_consents_of_other_performers_are_ignored() -> None:
    tal = talent("arthur-vance")
    m = match_talent(tal, declaration([tal]), production(), None, [record()], TODAY, law=LAW)
    assert m.consent is None
    assert m.missing == ("no consent on record for performer arthur-vance",)
    assert [(g.code, g.params) for g in m.gaps] == [
        ("consent.none_on_record", {"performer": "arthur-vance"})
    ]


@FAST
@given(scopes=st.lists(SCOPES, max_size=3))
def test_fact_is_plain_json(scopes: list[dict[str, Any]]) -> None:
    records = [
        record(id=f"c-{i}", granted_at=dt.date(2024, 1, 1), **s) for i, s in enumerate(scopes)
    ]
    tal = talent()
    m = match_talent(tal, declaration([tal]), production(), performer(), records, TODAY, law=LAW)
    fact = m.to_fact()
    assert json.loads(json.dumps(fact)) == fact
    assert fact["consent"]["covered"] == (
        not fact["consent"]["missing"] and fact["consent"]["valid"] and bool(records)
    )
