"""department progress reports (projects, tasks, indicator values) and their workflow

Revision ID: 0004_progress
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_progress"
down_revision = "0001_initial"
branch_labels = ("progress",)
depends_on = None


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    """Columns every kind of report has (evidence, who reported, when)."""
    return [
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "project_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=64), nullable=False),
        sa.Column("project_number", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("percent_complete", sa.Numeric(5, 2), nullable=False),
        sa.Column("invested_wan_yuan", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        *_common(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_project_progress_subject", "project_progress",
                    ["plan_code", "project_number"])
    op.create_table(
        "task_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=64), nullable=False),
        sa.Column("task_key", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("percent_complete", sa.Numeric(5, 2), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_progress_subject", "task_progress", ["plan_code", "task_key"])
    op.create_table(
        "indicator_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=64), nullable=False),
        sa.Column("indicator_key", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(18, 6), nullable=True),
        sa.Column("value_text", sa.String(length=256), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_indicator_reports_subject", "indicator_reports",
                    ["plan_code", "indicator_key", "year"])
    op.create_table(
        "progress_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_progress_events_record", "progress_events", ["record_kind", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_progress_events_record", table_name="progress_events")
    op.drop_table("progress_events")
    op.drop_index("ix_indicator_reports_subject", table_name="indicator_reports")
    op.drop_table("indicator_reports")
    op.drop_index("ix_task_progress_subject", table_name="task_progress")
    op.drop_table("task_progress")
    op.drop_index("ix_project_progress_subject", table_name="project_progress")
    op.drop_table("project_progress")
