"""likeness: encrypted biometric references, the scan cache, likeness findings

Revision ID: 0003_likeness
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_likeness"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "biometric_refs",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref_id", sa.String(length=80), nullable=False),
        sa.Column("performer", sa.String(length=200), nullable=False),
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("enrolled_at", sa.String(length=40), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("ref_id"),
    )
    op.create_index("ix_biometric_refs_performer", "biometric_refs", ["performer"])
    op.create_table(
        "scan_cache",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("models", sa.String(length=300), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("scanned_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "models"),
    )
    op.create_table(
        "likeness_findings",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finding_id", sa.String(length=80), nullable=False),
        sa.Column("production", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("performer", sa.String(length=200), nullable=False),
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("segments", sa.Text(), nullable=False),
        sa.Column("found_at", sa.String(length=40), nullable=False),
        sa.Column("found_by", sa.String(length=200), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("finding_id"),
    )
    op.create_index("ix_likeness_findings_sha", "likeness_findings", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_likeness_findings_sha", table_name="likeness_findings")
    op.drop_table("likeness_findings")
    op.drop_table("scan_cache")
    op.drop_index("ix_biometric_refs_performer", table_name="biometric_refs")
    op.drop_table("biometric_refs")
