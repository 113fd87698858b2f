"""Alembic environment: always run programmatically by reelproof with a live connection."""

from __future__ import annotations

from alembic import context

from reelproof.adapters.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic` command
    raise RuntimeError("run migrations through `reelproof init`, which passes a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
