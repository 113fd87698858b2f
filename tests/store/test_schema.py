"""A new store's tables come straight from `schema` (no Alembic at `init`): they must be
exactly what the migrations build, on SQLite and PostgreSQL, and an older store must still be
upgraded by its migrations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from reelproof.adapters.store.db import SCHEMA_HEAD, Store, _alembic_config


def _described(store: Store) -> dict[str, Any]:
    """Every table as the database itself reports it: columns, keys, indexes, constraints."""
    with store.engine.connect() as conn:
        insp = sa.inspect(conn)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in insp.get_columns(table)
                ],
                "pk": insp.get_pk_constraint(table),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                ),
                "foreign": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in insp.get_foreign_keys(table)
                ),
                "checks": sorted(c["sqltext"] for c in insp.get_check_constraints(table)),
            }
            for table in sorted(insp.get_table_names())
        }


def _migrated(url: str, revision: str) -> Store:
    """A store built by the migrations alone, up to `revision`."""
    store = Store(url)
    cfg = _alembic_config()
    with store.engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return store


def _version(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_a_new_store_has_exactly_the_migrated_schema(db_url: str, tmp_path: Any) -> None:
    fresh = Store(db_url)
    fresh.migrate()
    assert fresh.is_current() and _version(fresh) == SCHEMA_HEAD
    described = _described(fresh)
    assert len(described) > 10 and "alembic_version" in described
    fresh.engine.dispose()
    other = f"sqlite:///{tmp_path / 'migrated.db'}" if db_url.startswith("sqlite") else None
    if other is None:  # PostgreSQL: the same schema emptied, then built by the migrations
        with fresh.engine.connect() as conn, conn.begin():
            for table in described:
                conn.execute(sa.text(f'DROP TABLE "{table}" CASCADE'))
        other = db_url
    migrated = _migrated(other, "head")
    assert _described(migrated) == described


def test_an_older_store_is_upgraded_by_its_migrations(db_url: str) -> None:
    old = _migrated(db_url, "0002")
    assert not old.is_current()
    store = Store(db_url)
    store.migrate()
    assert store.is_current() and _version(store) == SCHEMA_HEAD
    store.migrate()  # a current store: nothing to do, still current
    assert store.is_current()
