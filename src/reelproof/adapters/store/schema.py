"""Tables. Every state table has `pk`, its columns, and `log_index`: the audit-log entry
that recorded the row. The entry holds a digest over every other column, so an edit made
behind reelproof's back is found by `log verify`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row; writers lock it so that log indexes are handed out one transaction at a time.
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
)

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),  # canonical JSON (RFC 8785): the leaf's bytes
)

# Perfect Merkle subtrees: (level, idx) covers leaves [idx * 2**level, (idx + 1) * 2**level).
log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),  # the C2SP signed note, verbatim
    Column("created_at", String(40), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("key", String(300), nullable=False),  # id, or production/id for declarations
    Column("revision", Integer, nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON of the validated document
    Column("source", Text, nullable=False),  # file the revision came from
    Column("applied_at", String(40), nullable=False),
    Column("applied_by", String(200), nullable=False),
    Column("log_index", BigInteger),
    UniqueConstraint("kind", "key", "revision", name="uq_documents_revision"),
)
Index("ix_documents_kind_key", documents.c.kind, documents.c.key)

decisions = Table(
    "decisions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("declaration", String(300), nullable=False),  # production/id
    Column("declaration_revision", Integer, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("content", Text, nullable=False),  # the decision as JSON (without log_index)
    Column("trigger", String(200), nullable=False),  # why it was (re-)decided
    Column("decided_at", String(40), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_decisions_declaration", decisions.c.declaration, decisions.c.pk)

approvals = Table(
    "approvals",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("approval_id", String(200), nullable=False),
    Column("declaration", String(300), nullable=False),
    Column("decision_pk", Integer, nullable=False),  # the exact decision it answers
    Column("verdict", String(20), nullable=False),  # approved | rejected
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("conditions", Text),
    Column("note", Text),
    Column("log_index", BigInteger),
)
Index("ix_approvals_declaration", approvals.c.declaration)

# What each declaration's current decision read (kind, key): a change to one of them
# re-decides exactly these declarations. Derived from the decision's logged content ("reads").
decision_reads = Table(
    "decision_reads",
    metadata,
    Column("declaration", String(300), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("key", String(300), primary_key=True),
)
Index("ix_decision_reads_fact", decision_reads.c.kind, decision_reads.c.key)

# Who may do what: each grant and each revocation is its own logged row (never edited).
roles = Table(
    "roles",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("event", String(20), nullable=False),  # granted | revoked
    Column("role", String(40), nullable=False),
    Column("who", String(200), nullable=False),
    Column("production", String(200), nullable=False),  # "" for every production
    Column("for_performer", String(200), nullable=False),  # performer/agent/estate: whose
    Column("recorded_by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_roles_who", roles.c.who)

# Event-sourced changes to held things: consent revoked/expired, replica transferred, ...
events = Table(
    "events",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("subject_kind", String(40), nullable=False),
    Column("subject_id", String(300), nullable=False),
    Column("event", String(60), nullable=False),
    Column("at", String(40), nullable=False),
    Column("content", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_events_subject", events.c.subject_kind, events.c.subject_id)

assets = Table(
    "assets",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("production", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("path", Text, nullable=False),
    Column("provenance", Text, nullable=False),  # inspect result as JSON
    Column("registered_at", String(40), nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("log_index", BigInteger),
    UniqueConstraint("sha256", "production", name="uq_assets_sha_production"),
)

asset_links = Table(
    "asset_links",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("production", String(200), nullable=False),
    Column("declaration", String(300), nullable=False),
    Column("linked_at", String(40), nullable=False),
    Column("linked_by", String(200), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_asset_links_sha", asset_links.c.sha256)

# Biometric reference embeddings (special-category data): AES-GCM ciphertext only, the key is
# never in the database. Not a recorded table, since `performer forget --biometrics` deletes
# rows; the log entries of enrolment and deletion carry the ciphertext's digest instead.
biometric_refs = Table(
    "biometric_refs",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("ref_id", String(80), nullable=False, unique=True),
    Column("performer", String(200), nullable=False),
    Column("modality", String(10), nullable=False),  # face | voice
    Column("source_sha256", String(64), nullable=False),  # the reference photo or recording
    Column("model", String(300), nullable=False),
    Column("nonce", LargeBinary(12), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("enrolled_at", String(40), nullable=False),
    Column("enrolled_by", String(200), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_biometric_refs_performer", biometric_refs.c.performer)

# What a file holds (faces per sampled frame, voiced segments), by SHA-256 and model versions:
# a scan of the same bytes with the same models reads it back. Encrypted like references.
scan_cache = Table(
    "scan_cache",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("models", String(300), primary_key=True),
    Column("nonce", LargeBinary(12), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("scanned_at", String(40), nullable=False),
)

# A registered performer found in media that needs their consent; reviewed by a person
# (events `confirmed` / `dismissed` on subject LikenessFinding).
likeness_findings = Table(
    "likeness_findings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", String(80), nullable=False, unique=True),
    Column("production", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("path", Text, nullable=False),
    Column("performer", String(200), nullable=False),
    Column("modality", String(10), nullable=False),
    Column("classification", String(40), nullable=False),
    Column("segments", Text, nullable=False),  # JSON: timecodes, boxes, scores, threshold
    Column("found_at", String(40), nullable=False),
    Column("found_by", String(200), nullable=False),
    Column("log_index", BigInteger),
)
Index("ix_likeness_findings_sha", likeness_findings.c.sha256)

# Web accounts. Not recorded rows: a password hash or a session must never reach the log
# (the log says that a user or token was created, and by whom, as a plain entry).
users = Table(
    "users",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id, with its own salt and cost
    Column("email", String(320), nullable=False),  # "" when none
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)

# Bearer tokens for scripts: only the SHA-256 of the token is stored.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(40), primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("user_name", String(200), nullable=False),
    Column("scopes", String(200), nullable=False),  # space-separated: read write
    Column("created_at", String(40), nullable=False),
    Column("revoked", Integer, nullable=False),
)

# Browser sessions: the SHA-256 of the cookie's value, its user and when it ends.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_name", String(200), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

# Which notifications a person receives, one row per (user, event) they chose.
notification_prefs = Table(
    "notification_prefs",
    metadata,
    Column("user_name", String(200), primary_key=True),
    Column("event", String(40), primary_key=True),
    Column("enabled", Integer, nullable=False),
)

# Tables whose rows are recorded in the audit log (verify walks these).
RECORDED = {
    t.name: t
    for t in (
        documents,
        decisions,
        approvals,
        events,
        assets,
        asset_links,
        roles,
        likeness_findings,
    )
}
SIGNED_COLUMNS = {
    name: [c.name for c in t.columns if c.name not in ("pk", "log_index")]
    for name, t in RECORDED.items()
}
