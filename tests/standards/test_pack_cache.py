"""The compiled-pack cache: a later process reads the rules an earlier one compiled, decides
exactly as if it had compiled them, and never uses a file that is damaged or was compiled from
any other pack than the one in the store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reelproof.adapters.packs import bundled_pack_files
from reelproof.adapters.store import documents as stored
from reelproof.core.documents import AIUseDeclaration, StandardsPack, parse_one
from reelproof.core.json_types import JsonObject
from reelproof.core.standards import frozen, load_pack_text
from reelproof.core.standards import pack as pack_module
from reelproof.services import decisions
from reelproof.services import documents as docsvc
from reelproof.services import standards as stdsvc
from reelproof.services.context import Context
from reelproof.services.demo import example_path
from reelproof.services.init import init_store

USE = "stranger-tides-s1/art-moodboard-001"


def _init(folder: Path) -> Context:
    folder.mkdir(exist_ok=True)
    ctx = Context.open(f"sqlite:///{folder / 'reelproof.db'}")
    ctx.key_path = folder / "log.key"
    init_store(ctx)
    return ctx


def _store(tmp_path: Path) -> Context:
    """A store holding the example production, and an empty cache."""
    ctx = _init(tmp_path)
    assert _files()  # init kept the bundled packs it compiled
    sources = docsvc.collect_sources([str(example_path())])
    docsvc.apply_documents(ctx, docsvc.parse_sources(sources))
    shutil.rmtree(os.environ["XDG_CACHE_HOME"])
    return ctx


def _decide_in_new_process(ctx: Context) -> JsonObject:
    """The decision as a fresh process makes it: nothing compiled in memory yet."""
    decisions._compiled.clear()
    with ctx.read() as conn:
        decl = stored.require(conn, "AIUseDeclaration", USE)
        assert isinstance(decl, AIUseDeclaration)
        return decisions.evaluate(conn, decl, ctx.clock().date()).to_json()


def _files() -> list[Path]:
    """The compiled-pack files in this test's cache folder (conftest gives each its own)."""
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "reelproof").glob("packs-*/*.rules"))


def _counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    real: Callable[..., Any] = pack_module._compile_rules

    def counting(doc: StandardsPack, where: Any) -> Any:
        compiled.append(doc.metadata.id)
        return real(doc, where)

    monkeypatch.setattr(pack_module, "_compile_rules", counting)
    return compiled


def test_a_later_process_reads_the_rules_and_decides_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _store(tmp_path)
    compiled = _counting_compiles(monkeypatch)
    first = _decide_in_new_process(ctx)
    selected = len(first["standards_digests"])
    assert len(compiled) == selected > 3  # only the packs the decision selected
    assert len(_files()) == selected
    compiled.clear()
    assert _decide_in_new_process(ctx) == first
    assert compiled == []  # every selected pack came from the cache


def test_a_damaged_cache_file_is_ignored_and_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _store(tmp_path)
    first = _decide_in_new_process(ctx)
    files = _files()
    good = {f: f.read_bytes() for f in files}
    damaged = files[0].read_bytes()
    middle = len(damaged) // 2
    files[0].write_bytes(damaged[:middle] + bytes([damaged[middle] ^ 0xFF]) + damaged[middle + 1 :])
    files[1].write_bytes(b"")
    files[2].write_bytes(b"not a compiled pack at all")
    compiled = _counting_compiles(monkeypatch)
    assert _decide_in_new_process(ctx) == first
    assert len(compiled) == 3  # exactly the three damaged ones compiled again
    assert {f: f.read_bytes() for f in _files()} == good  # and rewritten whole


def test_a_changed_pack_is_compiled_again_never_read_from_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _store(tmp_path)
    first = _decide_in_new_process(ctx)
    assert first["outcome"] != "prohibited"
    netflix = next(p for p in bundled_pack_files() if p.name.startswith("netflix-genai"))
    data = yaml.safe_load(netflix.read_text())
    data["spec"]["version"] += "-edited"
    data["spec"]["rules"][0]["outcome"] = "prohibited"  # NFX-0 fires for every use
    data["spec"]["rules"][0]["when"] = "true"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    edited = load_pack_text(text, "netflix-edited.yaml")
    before = set(_files())
    compiled = _counting_compiles(monkeypatch)
    with ctx.write() as unit:  # publishing re-decides the use: the new version is compiled
        stdsvc.publish_packs(unit, [edited], "edited", run_tests=False)
    second = _decide_in_new_process(ctx)
    assert second["outcome"] == "prohibited"
    assert compiled == ["netflix-genai"]  # the new version only, once; the rest from the cache
    (new_file,) = set(_files()) - before
    # An old file put in the new one's place (a stale or swapped cache) is refused too.
    new_file.write_bytes(sorted(before)[0].read_bytes())
    compiled.clear()
    assert _decide_in_new_process(ctx) == second
    assert compiled == ["netflix-genai"]


@pytest.mark.parametrize("path", bundled_pack_files(), ids=lambda p: p.name)
def test_every_bundled_pack_thaws_to_the_same_rules(path: Path) -> None:
    pack = load_pack_text(path.read_text(encoding="utf-8"), str(path))
    data = frozen.freeze(pack.doc, pack.ruleset)
    thawed = frozen.thaw(pack.doc, data)
    assert [r.rule for r in thawed.rules] == list(pack.doc.spec.rules)
    assert all(a.rule is b for a, b in zip(thawed.rules, pack.doc.spec.rules, strict=True))
    for a, b in zip(thawed.rules, pack.rules, strict=True):
        assert (a.node, a.exact, a.prefilter_off, a.citation) == (
            b.node,
            b.exact,
            b.prefilter_off,
            b.citation,
        )
        assert a.message.parts == b.message.parts and a.program.source == b.program.source
        assert [o.template for o in a.obligations] == [o.template for o in b.obligations]
    other = parse_one({**pack.doc.content(), "metadata": {"id": "someone-else"}}, "x.yaml")
    assert isinstance(other, StandardsPack)
    with pytest.raises(frozen.Unusable):
        frozen.thaw(other, data)  # compiled from another pack: refused


def test_a_second_init_compiles_no_bundled_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _counting_compiles(monkeypatch)
    _init(tmp_path / "first")
    assert len(compiled) == len(bundled_pack_files())
    compiled.clear()
    ctx = _init(tmp_path / "second")  # the same bundled files: every pack from the cache
    assert compiled == []
    with ctx.read() as conn:
        assert len(decisions.stored_packs(conn)) == len(bundled_pack_files())
