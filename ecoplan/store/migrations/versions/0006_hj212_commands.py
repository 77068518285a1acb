"""HJ 212 command queue: platform → device commands asked for by operators

Revision ID: 0006_hj212_commands
Revises: 0003_hj212
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_hj212_commands"
down_revision = "0003_hj212"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hj212_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("cn", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("qn", sa.String(length=24), nullable=True),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("qn_rtn", sa.Integer(), nullable=True),
        sa.Column("exe_rtn", sa.Integer(), nullable=True),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hj212_commands_mn", "hj212_commands", ["mn"])
    op.create_index("ix_hj212_commands_status", "hj212_commands", ["status"])


def downgrade() -> None:
    op.drop_index("ix_hj212_commands_status", table_name="hj212_commands")
    op.drop_index("ix_hj212_commands_mn", table_name="hj212_commands")
    op.drop_table("hj212_commands")
