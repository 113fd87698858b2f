"""`reelproof demo` runs the whole flow from an empty folder and every step succeeds."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli, cli_json


def test_demo_runs_the_whole_flow(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = cli_json("demo", str(folder))
    assert result["ok"] is True
    titles = [s["title"] for s in result["steps"]]
    assert len(titles) == 13
    assert all(s["ok"] for s in result["steps"])
    checks = [s for s in result["steps"] if "verdict" in s]
    assert [c["verdict"] for c in checks] == ["blocked", "clear"]  # blocked, approved, clear
    assert any(i["rule"] == "uncleared-ai-material" and i["record"] for i in checks[0]["issues"])
    assert (folder / "report" / "report.html").exists()
    assert (folder / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (folder / "stadium-double-frame.signed.png").exists()
    assert (folder / "audit-bundle" / "entries.jsonl").exists()
    again = cli("demo", str(folder))
    assert again.exit_code == 2 and "already holds a reelproof store" in again.stderr


def test_default_demo_folder_is_fresh_each_time(tmp_path: Path) -> None:
    assert cli_json("demo")["ok"] is True
    assert cli_json("demo")["ok"] is True  # the README command can be run twice
    assert (tmp_path / "reelproof-demo" / ".reelproof").is_dir()
    assert (tmp_path / "reelproof-demo-2" / ".reelproof").is_dir()
