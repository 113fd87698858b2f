"""what decisions read, and role records

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_reads",
        sa.Column("declaration", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("declaration", "kind", "key"),
    )
    op.create_index("ix_decision_reads_fact", "decision_reads", ["kind", "key"], unique=False)
    # Decisions made before reads were recorded count as reading everything, so the first
    # change of any kind re-decides them (and records what they really read).
    op.execute(
        "INSERT INTO decision_reads (declaration, kind, key) "
        "SELECT DISTINCT declaration, '*', '*' FROM decisions"
    )
    op.create_table(
        "roles",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("production", sa.String(length=200), nullable=False),
        sa.Column("for_performer", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_roles_who", "roles", ["who"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_roles_who", table_name="roles")
    op.drop_table("roles")
    op.drop_index("ix_decision_reads_fact", table_name="decision_reads")
    op.drop_table("decision_reads")
