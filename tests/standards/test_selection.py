"""Pack selection: studio, union contract dates, territories, domiciles, effective dates,
versions and fallback packs — each with a reason a person can read."""

from __future__ import annotations

import datetime as dt

from reelproof.core.standards import decide, select_packs

from .helpers import TODAY, declaration, pack, production, rule

NETFLIX = pack(
    [rule("N-1")], "netflix", category="studio", applies_when='production.studio == "netflix"'
)
GENERIC = pack([rule("G-1")], "generic", category="studio", fallback=True)
SAG23 = pack(
    [rule("S-1")],
    "sag-2023",
    category="union",
    applies_when='"sag_aftra_tv_theatrical" in production.unions && '
    'production.principal_photography_start < "2026-07-01"',
)
SAG26 = pack(
    [rule("S-2")],
    "sag-2026",
    category="union",
    applies_when='"sag_aftra_tv_theatrical" in production.unions && '
    'production.principal_photography_start >= "2026-07-01"',
    applies_reason="works under SAG-AFTRA; photography starts "
    "{{production.principal_photography_start}}, on or after 2026-07-01",
)
EU = pack(
    [rule("E-1")],
    "eu-ai-act",
    category="law",
    applies_when='"EU" in territories',
    effective_from="2026-08-02",
)
CA = pack(
    [rule("C-1")],
    "california",
    category="law",
    applies_when='performers.exists(p, p.domicile == "US-CA")',
)
ALL = [NETFLIX, GENERIC, SAG23, SAG26, EU, CA]


def _applied(sel: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {s.pack: s.reason for s in sel if s.applied}


def test_studio_pack_and_fallback() -> None:
    sel = select_packs(ALL, production(), [], TODAY)
    applied = _applied(sel)
    assert "netflix" in applied and "generic" not in applied
    assert applied["netflix"] == "production.studio is netflix"
    generic = next(s for s in sel if s.pack == "generic")
    assert generic.reason == "fallback not needed: netflix applies"
    other = _applied(select_packs(ALL, production(studio="custom:acme"), [], TODAY))
    assert "netflix" not in other and other["generic"].startswith("fallback: no other studio pack")


def test_union_contract_by_principal_photography_date() -> None:
    early = production(unions=["sag_aftra_tv_theatrical"], principal_photography_start="2026-02-01")
    applied = _applied(select_packs(ALL, early, [], TODAY))
    assert "sag-2023" in applied and "sag-2026" not in applied
    assert applied["sag-2023"] == (
        "production.unions include sag_aftra_tv_theatrical and "
        "production.principal_photography_start is 2026-02-01, before 2026-07-01"
    )
    late = production(unions=["sag_aftra_tv_theatrical"], principal_photography_start="2026-08-01")
    sel = select_packs(ALL, late, [], TODAY)
    applied = _applied(sel)
    assert "sag-2026" in applied and "sag-2023" not in applied
    assert applied["sag-2026"] == (
        "works under SAG-AFTRA; photography starts 2026-08-01, on or after 2026-07-01"
    )
    sag23 = next(s for s in sel if s.pack == "sag-2023")
    assert "not before 2026-07-01" in sag23.reason
    none = _applied(select_packs(ALL, production(), [], TODAY))
    assert "sag-2023" not in none and "sag-2026" not in none


def test_missing_date_applies_to_be_safe() -> None:
    prod = production(unions=["sag_aftra_tv_theatrical"])
    sel = select_packs(ALL, prod, [], TODAY)
    applied = _applied(sel)
    assert "could not be evaluated" in applied["sag-2023"]
    assert "could not be evaluated" in applied["sag-2026"]


def test_territory_groups() -> None:
    assert "eu-ai-act" in _applied(select_packs(ALL, production(territories=["FR"]), [], TODAY))
    assert "eu-ai-act" in _applied(select_packs(ALL, production(territories=["WORLD"]), [], TODAY))
    sel = select_packs(ALL, production(territories=["US", "KR"]), [], TODAY)
    assert "eu-ai-act" not in _applied(sel)
    eu = next(s for s in sel if s.pack == "eu-ai-act")
    assert eu.reason == "does not apply: territories do not include EU"
    # a declaration's own territories narrow the production's
    narrowed = select_packs(
        ALL, production(territories=["FR", "US"]), [], TODAY, territories=["US"]
    )
    assert "eu-ai-act" not in _applied(narrowed)


def test_effective_dates() -> None:
    sel = select_packs(ALL, production(territories=["FR"]), [], dt.date(2026, 8, 1))
    eu = next(s for s in sel if s.pack == "eu-ai-act")
    assert not eu.applied and eu.reason == "not yet in force: effective from 2026-08-02"
    old = pack([rule("O-1")], "old", effective_until="2025-12-31")
    (s,) = select_packs([old], production(), [], TODAY)
    assert not s.applied and s.reason == "no longer in force: effective until 2025-12-31"


def test_performer_domicile() -> None:
    ca = {"id": "jane", "domicile": "US-CA"}
    assert "california" in _applied(select_packs(ALL, production(), [ca], TODAY))
    ny = {"id": "bob", "domicile": "US-NY"}
    assert "california" not in _applied(select_packs(ALL, production(), [ny], TODAY))


def test_newest_effective_version_applies() -> None:
    v1 = pack([rule("X-1", outcome="inform")], "x", version="2025.1")
    v2 = pack([rule("X-1", outcome="escalate")], "x", version="2025.2")
    v10 = pack(
        [rule("X-1", outcome="prohibited")], "x", version="2025.10", effective_from="2027-01-01"
    )
    sel = select_packs([v1, v10, v2], production(), [], TODAY)
    by_version = {s.version: s for s in sel}
    assert by_version["2025.2"].applied
    assert by_version["2025.1"].reason == "superseded by version 2025.2"
    assert by_version["2025.10"].reason == "not yet in force: effective from 2027-01-01"
    d = decide(declaration(), production(), [], [v1, v10, v2], TODAY)
    assert d.outcome == "escalate" and d.standards == {"x": "2025.2"}
    later = decide(declaration(), production(), [], [v1, v10, v2], dt.date(2027, 1, 2))
    assert later.outcome == "prohibited" and later.standards == {"x": "2025.10"}


def test_decision_lists_packs_considered() -> None:
    d = decide(declaration(), production(territories=["FR"]), [], ALL, TODAY)
    considered = {p["pack"]: p for p in d.to_json()["packs"]}
    assert set(considered) == {
        "netflix",
        "generic",
        "sag-2023",
        "sag-2026",
        "eu-ai-act",
        "california",
    }
    assert considered["eu-ai-act"]["applied"] is True
    assert d.standards == {"netflix": "1.0", "eu-ai-act": "1.0"}
