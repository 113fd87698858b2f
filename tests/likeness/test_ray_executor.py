"""`scan --executor ray`: a private local Ray instance (2 CPUs, 127.0.0.1, no dashboard) finds
the same faces, matches and findings as the in-process pool on the same clip."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli, cli_json
from tests.likeness.media import DONOR, HOST, SWAPPED, clip, photo
from tests.likeness.test_likeness_flow import DOCS

pytestmark = pytest.mark.usefixtures("models")


def _store(tmp_path: Path, name: str) -> str:
    db = f"sqlite:///{tmp_path / name}"
    assert cli("init", db=db).exit_code == 0
    docs = tmp_path / "harbour.yaml"
    docs.write_text(DOCS)
    assert cli("apply", str(docs), db=db).exit_code == 0
    enrolled = cli_json("performer", "enroll", "ana-lima", "--face", str(photo(DONOR)), db=db)
    assert enrolled["added"]
    return db


def _scan(db: str, path: Path, *executor: str) -> dict[str, Any]:
    report: dict[str, Any] = cli_json(
        "scan", str(path), "--production", "harbour-s1", "--workers", "2", *executor, db=db
    )
    return report


def test_ray_finds_what_the_local_pool_finds(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the `cluster` extra is not installed (./setup.sh does)")
    # 10 s: cut into two time ranges, so the two Ray workers each scan one.
    swap = clip(
        tmp_path / "swap.mp4", [(photo(HOST), 3.0), (photo(SWAPPED), 1.0), (photo(HOST), 6.0)]
    )
    local = _scan(_store(tmp_path, "local.db"), swap, "--executor", "local")
    on_ray = _scan(_store(tmp_path, "ray.db"), swap, "--executor", "ray")
    [lf], [rf] = local["files"], on_ray["files"]
    assert not lf["cached"] and not rf["cached"]
    assert [m["performer"] for m in lf["matches"]] == ["ana-lima"]
    assert lf["unknown_faces"] > 0
    assert rf == lf  # the same faces, boxes, distances, timecodes and verdicts
    assert len(on_ray["findings"]) == len(local["findings"]) == 1
    assert {k: v for k, v in on_ray.items() if k != "findings"} == {
        k: v for k, v in local.items() if k != "findings"
    }


def test_ray_executor_needs_the_cluster_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert cli("init", db=db).exit_code == 0
    still = photo(HOST)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    result = cli("scan", str(still), "--executor", "ray", db=db)
    assert result.exit_code == 2
    assert "reelproof[cluster]" in result.output and "Traceback" not in result.output
    stray = cli("scan", str(still), "--ray-address", "127.0.0.1:6379", db=db)
    assert stray.exit_code == 2 and "--executor ray" in stray.output
