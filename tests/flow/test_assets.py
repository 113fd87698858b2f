"""Assets and signing over the store: registration, consistency flags, cleared-only signing."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import cli, cli_json
from tests.provenance.makers import png_bytes, png_itxt_xmp, xmp_packet


def _png(path: Path, data: bytes | None = None) -> Path:
    path.write_bytes(data or png_bytes())
    return path


def test_inspect_without_a_store(tmp_path: Path) -> None:
    plain = _png(tmp_path / "plain.png")
    tagged = _png(
        tmp_path / "tagged.mp3",  # the extension lies; the content decides
        png_bytes(extra_chunks=[png_itxt_xmp(xmp_packet("trainedAlgorithmicMedia"))]),
    )
    reports = cli_json("inspect", str(tmp_path))
    by_name = {Path(r["path"]).name: r for r in reports}
    assert by_name["plain.png"]["c2pa"]["state"] == "no_manifest"
    assert by_name["plain.png"]["classification"] == "unknown"  # never counted as human
    assert by_name["tagged.mp3"]["media_type"] == "image/png"
    assert by_name["tagged.mp3"]["classification"] == "ai_generated"
    assert set(by_name["plain.png"]) >= {
        "path",
        "sha256",
        "media_type",
        "c2pa",
        "digital_source_types",
        "classification",
        "reasons",
    }
    assert plain.exists() and tagged.exists()
    missing = cli("inspect", str(tmp_path / "nope.png"))
    assert missing.exit_code == 2 and "nope.png" in missing.stderr


def test_undeclared_ai_and_temp_material_in_delivery_are_flagged(
    example_db: str, tmp_path: Path
) -> None:
    ai = _png(
        tmp_path / "crowd.png",
        png_bytes(extra_chunks=[png_itxt_xmp(xmp_packet("trainedAlgorithmicMedia"))]),
    )
    added = cli_json("asset", "add", str(ai), "--production", "stranger-tides-s1", db=example_db)
    assert added[0]["status"] == "registered"
    assert any("no declaration covers it" in f for f in added[0]["flags"])
    linked = cli_json(
        "asset",
        "add",
        str(ai),
        "--production",
        "stranger-tides-s1",
        "--declaration",
        "art-moodboard-001",
        "--delivery",
        db=example_db,
    )
    assert linked[0]["declaration"] == "stranger-tides-s1/art-moodboard-001"
    assert any("not meant for the final deliverable" in f for f in linked[0]["flags"])
    listed = cli_json("asset", "list", "stranger-tides-s1", db=example_db)
    assert listed[0]["declarations"] == ["stranger-tides-s1/art-moodboard-001"]
    entries = [e["kind"] for e in cli_json("log", "show", db=example_db)]
    assert {"asset.registered", "asset.linked", "asset.delivered"} <= set(entries)
    assert cli_json("log", "verify", db=example_db)["ok"]


def test_sign_only_cleared_uses_and_read_back_trusted(example_db: str, tmp_path: Path) -> None:
    ca = cli_json("keys", "dev-ca", "--out", str(tmp_path / "ca"))
    assert ca["config"] is not None
    src = _png(tmp_path / "double.png")
    refused = cli("sign", str(src), "--declaration", "vfx-stadium-fall", db=example_db)
    assert refused.exit_code == 2 and "refusing to sign" in refused.stderr
    assert not (tmp_path / "double.signed.png").exists()
    assert cli("approve", "vfx-stadium-fall", "--by", "counsel", db=example_db).exit_code == 0
    signed = cli_json("sign", str(src), "--declaration", "vfx-stadium-fall", db=example_db)
    report = signed["inspect"]
    assert report["c2pa"]["state"] == "trusted"
    assert report["classification"] == "ai_generated"
    assert signed["assertion"]["declaration"] == "stranger-tides-s1/vfx-stadium-fall"
    assert signed["assertion"]["approval"]["by"] == "counsel"
    listed = cli_json("asset", "list", "stranger-tides-s1", db=example_db)
    assert any(a["declarations"] == ["stranger-tides-s1/vfx-stadium-fall"] for a in listed)
    again = cli("sign", str(src), "--declaration", "vfx-stadium-fall", db=example_db)
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_asset_add_lists_what_it_cannot_register(example_db: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "good.png").write_bytes(png_bytes())
    os.mkfifo(media / "pipe")
    result = cli("asset", "add", str(media), "--production", "stranger-tides-s1", db=example_db)
    assert result.exit_code == 0, result.output
    assert "good.png" in result.stdout
    assert "not registered" in result.stderr and "FIFO" in result.stderr
