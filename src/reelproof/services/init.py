"""`reelproof init`: the store, the log's signing key, and the bundled standards."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from reelproof.adapters import trust
from reelproof.adapters.keys import create_key_file, load_key_file
from reelproof.adapters.store import schema
from reelproof.core.errors import ReelproofError
from reelproof.services import roles
from reelproof.services.context import Context
from reelproof.services.standards import load_bundled


@dataclass(frozen=True)
class InitResult:
    db: str
    key_path: str
    key_created: bool
    origin: str
    vkey: str
    packs: list[str]


def init_store(ctx: Context) -> InitResult:
    """Idempotent: an existing store is upgraded, an existing key is kept."""
    ctx.store.migrate()
    with ctx.store.write() as conn:
        origin = conn.execute(
            sa.select(schema.meta.c.value).where(schema.meta.c.key == "log_origin")
        ).scalar()
        created = False
        if origin is None:
            origin = f"reelproof.local/log/{secrets.token_hex(8)}"
            if not ctx.key_path.exists():
                create_key_file(ctx.key_path)
                created = True
            key = load_key_file(ctx.key_path, origin)
            conn.execute(
                schema.meta.insert(),
                [{"key": "log_origin", "value": origin}, {"key": "log_vkey", "value": key.vkey}],
            )
        key = load_key_file(ctx.key_path, str(origin))
        stored_vkey = conn.execute(
            sa.select(schema.meta.c.value).where(schema.meta.c.key == "log_vkey")
        ).scalar()
        if stored_vkey != key.vkey:
            raise ReelproofError(
                f"{ctx.key_path}: this key does not match the store's audit-log key "
                f"({stored_vkey}); point REELPROOF_LOG_KEY at the right key file"
            )
    # The machine that made the key pins it for its own user: `log verify` here then checks the
    # log against this key, never against the copy stored in the database.
    trust.add(key.vkey)
    with ctx.write() as unit:
        loaded = load_bundled(unit)
        if not any(g.role == "admin" for g in roles.held(unit.conn)):
            roles.grant(unit, "admin", unit.actor, bootstrap=True)
    packs = [f"{p.key} ({p.status})" for p in loaded.packs]
    return InitResult(
        ctx.store.display_url(), str(ctx.key_path), created, str(origin), key.vkey, packs
    )
