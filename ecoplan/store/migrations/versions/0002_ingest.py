"""Ingestion: quality-flag history and correction supersessions

Revision ID: 0002_ingest
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ingest"
down_revision = "0001_initial"
branch_labels = ("ingest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("site_code", sa.String(length=32), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=False), nullable=False),
        sa.Column("parameter", sa.String(length=32), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["ingest_batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ingest_flags_batch_id", "ingest_flags", ["batch_id"])
    op.create_index("ix_ingest_flags_value", "ingest_flags", ["dataset", "site_code", "timestamp"])
    op.create_table(
        "ingest_supersessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_batch_id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["ingest_batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ingest_supersessions_batch_id", "ingest_supersessions", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_ingest_supersessions_batch_id", table_name="ingest_supersessions")
    op.drop_table("ingest_supersessions")
    op.drop_index("ix_ingest_flags_value", table_name="ingest_flags")
    op.drop_index("ix_ingest_flags_batch_id", table_name="ingest_flags")
    op.drop_table("ingest_flags")
