"""Territory codes and their groups, so rules can ask `"EU" in territories` of a production
that lists `FR`, and consents granted for `EU` cover a use in `FR`.

Codes are ISO 3166-1 alpha-2 (`FR`), ISO 3166-2 subdivisions (`US-CA`) and the groups `EU`
(the member states) and `WORLD` (everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

EU = "EU"
WORLD = "WORLD"

# EU member states (ISO 3166-1; Greece is GR here, not the EU's own "EL").
_EU_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBERS: frozenset[str] = frozenset(_EU_CODES.split())

# Every ISO 3166-1 alpha-2 country code, so that a production distributed to WORLD is
# distributed to each country a law pack may name.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES: frozenset[str] = frozenset(_ISO_CODES.split())


def country_of(code: str) -> str | None:
    """The country of a country or subdivision code; None for the groups EU and WORLD."""
    if code in (EU, WORLD):
        return None
    return code.split("-", 1)[0]


def _expand(code: str) -> set[str]:
    if code == WORLD:
        return {WORLD, EU, *EU_MEMBERS, *COUNTRIES}
    if code == EU:
        return {WORLD, EU, *EU_MEMBERS}
    out = {code, WORLD}
    country = country_of(code)
    if country is not None:
        out.add(country)
        if country in EU_MEMBERS:
            out.add(EU)
    return out


def resolve(codes: Iterable[str]) -> list[str]:
    """Codes plus every group they belong to, and every member of a group they name.

    `FR` adds `EU`; `US-CA` adds `US`; everything adds `WORLD`. A listed group also adds its
    members (`EU` adds `FR` ...; `WORLD` adds every country), because distributing to a group
    is distributing to each of its members. The result is sorted, without duplicates.
    """
    out: set[str] = set()
    for code in codes:
        out |= _expand(code)
    return sorted(out)


def covers(granted: Sequence[str], wanted: str) -> bool:
    """Whether territories granted (e.g. by a consent) include the wanted territory.

    `EU` covers `FR`, `WORLD` covers everything, `US` covers `US-CA`; a group is covered only
    by itself, `WORLD`, or (for `EU`) every member state.
    """
    have = set(granted)
    if wanted in have or WORLD in have:
        return True
    if wanted == WORLD:
        return False
    if wanted == EU:
        return have >= EU_MEMBERS
    country = country_of(wanted)
    if country is None:
        return False
    if country in have:
        return True
    return country in EU_MEMBERS and EU in have
