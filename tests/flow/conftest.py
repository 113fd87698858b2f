"""A store holding the bundled example production, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelproof.services.demo import example_path
from tests.helpers import cli


@pytest.fixture
def example_db(db_url: str, tmp_path: Path) -> str:
    assert cli("init", db=db_url).exit_code == 0
    example = tmp_path / "stranger-tides.yaml"
    example.write_text(example_path().read_text())
    result = cli("apply", str(example), db=db_url)
    assert result.exit_code == 0, result.output
    for approver in ("counsel", "counsel@studio.example"):  # init made this user the admin
        assert cli("role", "grant", "approver", approver, db=db_url).exit_code == 0
    return db_url
