"""Territory groups: resolution for rules, coverage for consents."""

from __future__ import annotations

from reelproof.core.territories import COUNTRIES, EU_MEMBERS, covers, resolve


def test_resolve_adds_groups() -> None:
    assert resolve(["FR"]) == ["EU", "FR", "WORLD"]
    assert resolve(["US-CA"]) == ["US", "US-CA", "WORLD"]
    assert resolve(["GB"]) == ["GB", "WORLD"]
    assert set(resolve(["EU"])) == {"EU", "WORLD", *EU_MEMBERS}
    world = resolve(["WORLD"])
    assert "EU" in world and "KR" in world and "FR" in world and len(world) == len(COUNTRIES) + 2


def test_covers() -> None:
    assert covers(["EU"], "FR") and covers(["WORLD"], "KR") and covers(["US"], "US-CA")
    assert covers(["FR"], "FR-75") and covers(["EU"], "DE-BY")
    assert not covers(["FR"], "EU") and not covers(["EU"], "US") and not covers(["US-CA"], "US")
    assert not covers(["EU"], "WORLD") and covers(sorted(EU_MEMBERS), "EU")
