"""Hostile documents, a fixed corpus (`hostile/EXPECTED.tsv`): each ends in exit 2 with the
file and what was expected, never a traceback, and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, cli, cli_json

HOSTILE = Path(__file__).parent / "hostile"
CASES = [
    line.split("\t")
    for line in (HOSTILE / "EXPECTED.tsv").read_text().splitlines()
    if line and not line.startswith("#")
]


def test_every_corpus_file_is_listed() -> None:
    listed = {name for name, _expect in CASES}
    assert listed == {p.name for p in HOSTILE.iterdir() if p.name != "EXPECTED.tsv"}
    assert len(CASES) == 42


@pytest.fixture
def store(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'reelproof.db'}"
    assert cli("init", db=db).exit_code == 0
    return db


def _log_size(db: str) -> int:
    return len(cli_json("log", "show", db=db))


@pytest.mark.parametrize(("name", "expect"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_refused_cleanly(store: str, name: str, expect: str) -> None:
    before = _log_size(store)
    path = HOSTILE / name
    result = cli("apply", str(path), db=store)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}"), result.stderr
    assert expect in result.stderr
    assert "Traceback" not in result.output
    assert _log_size(store) == before  # nothing stored, nothing logged
    # the same error, as JSON on stderr, for scripts
    as_json = cli("apply", str(path), "--format", "json", db=store)
    assert as_json.exit_code == 2
    error = json.loads(as_json.stderr)["error"]
    assert error["file"] == str(path) and expect in error["message"]


def test_a_bad_second_file_stores_nothing_of_the_first(db_url: str, tmp_path: Path) -> None:
    store = db_url
    assert cli("init", db=store).exit_code == 0
    good = tmp_path / "good.yaml"
    good.write_text(EXAMPLE)
    before = _log_size(store)
    result = cli("apply", str(good), str(HOSTILE / "talent-missing-performer.yaml"), db=store)
    assert result.exit_code == 2
    assert "talent-missing-performer.yaml:" in result.stderr
    assert _log_size(store) == before
    assert cli_json("get", "productions", db=store) == []
