"""responsible departments of the plan's projects, tasks and indicators (editable)

Revision ID: 0010_workflow_owners
Revises: 0004_progress
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_workflow_owners"
down_revision = "0004_progress"
branch_labels = ("workflow_owners",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_code", "kind", "subject", "department",
                            name="uq_subject_owners"),
    )
    op.create_index("ix_subject_owners_subject", "subject_owners",
                    ["plan_code", "kind", "subject"])


def downgrade() -> None:
    op.drop_index("ix_subject_owners_subject", table_name="subject_owners")
    op.drop_table("subject_owners")
