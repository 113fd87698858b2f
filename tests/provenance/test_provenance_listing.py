"""Folders: every entry is inspected or listed (FIFOs, link loops, dangling links, unreadable
files), and a failure recorded on an ingredient is cleared only by the same assertion."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import reelproof
from reelproof.adapters.c2pa_reader import _ingredient_report
from reelproof.core.provenance import C2paState
from tests.helpers import cli_json
from tests.provenance.makers import png_bytes


def test_special_entries_are_listed_and_the_rest_inspected(tmp_path: Path) -> None:
    (tmp_path / "good.png").write_bytes(png_bytes())
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone.png")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    locked = tmp_path / "locked.png"
    locked.write_bytes(png_bytes())
    locked.chmod(0)
    reports = {Path(r["path"]).name: r for r in cli_json("inspect", str(tmp_path))}
    assert reports["good.png"]["c2pa"]["state"] == "no_manifest"
    why = {n: r["reasons"][0] for n, r in reports.items() if r["c2pa"]["state"] == "error"}
    assert "FIFO" in why["pipe"]
    assert "dangling symbolic link" in why["dangling"]
    assert "loop" in why["loop-a"] and "loop" in why["loop-b"]
    if os.geteuid() != 0:  # root reads anything
        assert "permission denied" in why["locked.png"]
    else:
        assert reports["locked.png"]["c2pa"]["state"] == "no_manifest"


URL = "self#jumbf=/c2pa/urn:m:1/c2pa.assertions/c2pa.actions.v2"
OTHER = "self#jumbf=/c2pa/urn:m:1/c2pa.assertions/c2pa.hash.data"


@pytest.mark.parametrize(("success_url", "cleared"), [(URL, True), (OTHER, False)])
def test_ingredient_failure_cleared_only_by_the_same_assertion(
    success_url: str, cleared: bool
) -> None:
    ing = {
        "title": "plate.png",
        "relationship": "componentOf",
        "label": "c2pa.ingredient.v3",
        "active_manifest": "urn:m:1",
        "validation_results": {
            "activeManifest": {"failure": [{"code": "assertion.hashedURI.mismatch", "url": URL}]}
        },
    }
    delta = {"success": [{"code": "assertion.hashedURI.match", "url": success_url}]}
    report, _notes = _ingredient_report(
        "urn:owner", ing, {("urn:owner", "c2pa.ingredient.v3"): delta}, {"urn:m:1": {}}
    )
    assert (report.state is not C2paState.INVALID) is cleared
    assert ("assertion.hashedURI.mismatch" in report.codes) is not cleared


def test_a_relative_path_is_read_from_the_callers_folder_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validator workers stay warm between calls; each keeps the folder it started in."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "frame.png").write_bytes(png_bytes(rgb=(len(folder.name), 0, 0)))
    monkeypatch.chdir(first)
    reelproof.inspect("frame.png")  # starts (or reuses) the workers here
    monkeypatch.chdir(second)
    (report,) = reelproof.inspect("frame.png")
    assert report.c2pa_state == "no_manifest", report.reasons
    assert report.sha256 == hashlib.sha256((second / "frame.png").read_bytes()).hexdigest()
