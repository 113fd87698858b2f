"""Every bundled pack compiles, and its own tests pass (with the prefilter, and with CEL
alone deciding every rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelproof.adapters.packs import load_pack_tests, read_test_file
from reelproof.core.standards import Engine, load_pack_text, run_pack_tests
from reelproof.core.standards import engine as engine_mod

PACKS = sorted(
    p
    for p in (Path(__file__).resolve().parents[2] / "src/reelproof/packs").glob("*.yaml")
    if not p.name.endswith(".tests.yaml")
)


@pytest.mark.parametrize("path", PACKS, ids=[p.name for p in PACKS])
def test_pack_compiles_and_its_tests_pass(path: Path) -> None:
    pack = load_pack_text(path.read_text(), str(path))
    tests = load_pack_tests(pack)
    assert tests, f"{path.name} has no tests beside it"
    results = run_pack_tests(pack, tests, lambda n: read_test_file(pack, n))
    failures = [r.describe() for r in results if not r.passed]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", PACKS, ids=[p.name for p in PACKS])
def test_pack_tests_pass_with_cel_alone(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = load_pack_text(path.read_text(), str(path))
    original = Engine.__init__

    def cel_only(self: Engine, packs: object, **_: bool) -> None:
        original(self, packs, trust_prefilter=False, prefilter=False)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_mod.Engine, "__init__", cel_only)
    results = run_pack_tests(pack, load_pack_tests(pack), lambda n: read_test_file(pack, n))
    failures = [r.describe() for r in results if not r.passed]
    assert not failures, "\n".join(failures)


def test_netflix_pack_covers_the_catalogue() -> None:
    pack = load_pack_text(
        (PACKS[0].parent / "netflix-genai-2025.1.yaml").read_text(), "netflix-genai-2025.1.yaml"
    )
    ids = {r.id for r in pack.rules}
    expected = {f"NFX-{i}" for i in range(4)} | {f"NFX-P{i}" for i in range(1, 7)}
    expected |= {"NFX-D1", "NFX-D2", "NFX-C1", "NFX-C2", "NFX-T1", "NFX-T2", "NFX-E1", "NFX-E2"}
    expected |= {"NFX-S1", "NFX-S2", "NFX-S3", "NFX-V1", "NFX-V2", "NFX-F1", "NFX-F2", "NFX-F3"}
    expected |= {"NFX-TE1", "NFX-TE1a", "NFX-TE2", "NFX-TE3", "NFX-TE4", "NFX-M1", "NFX-M2a"}
    expected |= {"NFX-M2b", "NFX-M3", "NFX-M4", "NFX-M5", "NFX-M6a", "NFX-M6b"}
    assert expected <= ids
    assert pack.category == "studio" and pack.id == "netflix-genai"
    names = [t.name.split(":")[0] for t in load_pack_tests(pack)]
    for family in (
        "baseline",
        "principles",
        "data",
        "creative",
        "talent",
        "ethics",
        "security",
        "final-vs-temp",
        "talent-enhancement",
        "matrix",
    ):
        assert names.count(family) >= 3, family
