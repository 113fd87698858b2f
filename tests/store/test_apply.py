"""`init`, `apply`, `get` on SQLite and PostgreSQL: revisions, no half-stored files."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import EXAMPLE, cli, cli_json


def _init(db: str) -> None:
    result = cli("init", db=db)
    assert result.exit_code == 0, result.output


def test_init_creates_private_key(db_url: str, tmp_path: Path) -> None:
    _init(db_url)
    key = tmp_path / "keys" / "log-signing.key"
    assert key.stat().st_mode & 0o777 == 0o600
    again = cli_json("init", db=db_url)
    assert again["key_created"] is False  # idempotent


def test_apply_is_idempotent_and_keeps_revisions(db_url: str, tmp_path: Path) -> None:
    _init(db_url)
    f = tmp_path / "prod.yaml"
    f.write_text(EXAMPLE)
    first = cli_json("apply", str(f), db=db_url)
    assert [d["status"] for d in first] == ["created"] * 4
    second = cli_json("apply", str(f), db=db_url)
    assert [d["status"] for d in second] == ["unchanged"] * 4
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, season one"))
    third = cli_json("apply", str(f), db=db_url)
    assert third[0] == {**third[0], "status": "revised", "revision": 2}
    history = cli_json("get", "production", "harbour-s1", "--history", db=db_url)
    assert [h["revision"] for h in history] == [1, 2]
    old = cli_json("get", "production", "harbour-s1", "--revision", "1", db=db_url)
    assert old["spec"]["title"] == "Harbour, season 1"
    new = cli_json("get", "production", "harbour-s1", db=db_url)
    assert new["spec"]["title"] == "Harbour, season one"
    decls = cli_json("get", "declarations", db=db_url)
    assert [d["metadata"]["id"] for d in decls] == ["moodboard-1"]


def test_bad_file_stores_nothing(db_url: str, tmp_path: Path) -> None:
    _init(db_url)
    log_before = cli_json("log", "show", db=db_url)
    good = tmp_path / "good.yaml"
    good.write_text(EXAMPLE)
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.replace("phase: ideation", "phase: idea"))
    result = cli("apply", str(good), str(bad), db=db_url)
    assert result.exit_code == 2
    assert f"{bad}:42: spec.phase" in result.stderr
    assert "Traceback" not in result.output
    assert cli_json("get", "production", db=db_url) == []
    assert cli_json("log", "show", db=db_url) == log_before


def test_missing_reference_is_rejected(db_url: str, tmp_path: Path) -> None:
    _init(db_url)
    f = tmp_path / "consent.yaml"
    f.write_text(EXAMPLE.split("---\n")[2])  # a consent whose performer is unknown
    result = cli("apply", str(f), db=db_url)
    assert result.exit_code == 2
    assert "Performer 'ana-lima'" in result.stderr
    assert cli_json("get", "consent", db=db_url) == []


def test_commands_before_init_explain_what_to_do(tmp_path: Path) -> None:
    result = cli("get", "production")
    assert result.exit_code == 2
    assert "reelproof init" in result.stderr


def test_get_unknown_kind_and_id(db_url: str) -> None:
    _init(db_url)
    assert "unknown kind" in cli("get", "movie", db=db_url).stderr
    missing = cli("get", "production", "nope", db=db_url)
    assert missing.exit_code == 2 and "no Production with id 'nope'" in missing.stderr


def test_bad_db_url_is_a_clear_error() -> None:
    result = cli("get", "production", "--db", "mysql+nothing://x")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
