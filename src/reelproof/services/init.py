"""`reelproof init`: the store, the log's signing key, and the bundled standards."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from reelproof.adapters import trust
from reelproof.adapters.keys import create_key_file, load_key_file
from reelproof.adapters.store import meta
from reelproof.core.errors import ReelproofError
from reelproof.services import roles
from reelproof.services.context import Context
from reelproof.services.standards import load_bundled


@dataclass(frozen=True)
class InitResult:
    """What `init` made or found: the store, the key, the log's origin, the packs loaded."""

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
        origin = meta.get(conn, "log_origin")
        created = False
        if origin is None:
            origin = f"reelproof.local/log/{secrets.token_hex(8)}"
            if not ctx.key_path.exists():
                create_key_file(ctx.key_path)
                created = True
            key = load_key_file(ctx.key_path, origin)
            meta.put(conn, "log_origin", origin)
            meta.put(conn, "log_vkey", key.vkey)
        key = load_key_file(ctx.key_path, origin)
        stored_vkey = meta.get(conn, "log_vkey")
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
    return InitResult(ctx.store.display_url(), str(ctx.key_path), created, origin, key.vkey, packs)
