"""Shared fixtures. Third-party corpora live in ../shared/corpora and are read, never copied."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("REELPROOF_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared third-party corpora; tests using them skip on a clone without ../shared."""
    if not CORPORA.is_dir():
        pytest.skip(f"third-party corpora not found at {CORPORA} (set REELPROOF_CORPORA)")
    return CORPORA


PG_ADMIN_URL = os.environ.get(
    "REELPROOF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_state: dict[str, str | None] = {}


def _pg_unavailable() -> str | None:
    """Why PostgreSQL can't be used here, or None when it can (checked once per session)."""
    if "reason" not in _pg_state:
        import sqlalchemy as sa

        try:
            engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means: skip, saying why
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
    return _pg_state["reason"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reelproof.db'}"
        return
    reason = _pg_unavailable()
    if reason:
        pytest.skip(reason)
    import secrets

    import sqlalchemy as sa

    schema_name = f"rp_test_{secrets.token_hex(6)}"
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema_name}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own folder with its own log key and trust list (the user's
    configuration directory); nothing leaks between tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(tmp_path / "keys" / "log-signing.key"))
    monkeypatch.delenv("REELPROOF_DB", raising=False)
