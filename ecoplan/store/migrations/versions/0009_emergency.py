"""heavy-pollution-weather emergency response: reduction lists, responses, inspections

Revision ID: 0009_emergency
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_emergency"
down_revision = "0001_initial"
branch_labels = ("emergency",)
depends_on = None


def _ts(name: str, nullable: bool = False, now: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.func.now() if now else None)


def upgrade() -> None:
    op.create_table(
        "emergency_measure_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        _ts("imported_at", now=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "emergency_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("emergency_measure_lists.id"),
                  nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("credit_code", sa.String(length=32), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("listed_grade", sa.String(length=16), nullable=True),
        sa.Column("production_line", sa.String(length=200), nullable=True),
        sa.Column("process", sa.String(length=200), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("limit_percent", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reduction", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emergency_measures_list_id", "emergency_measures", ["list_id"])
    op.create_index("ix_emergency_measures_credit_code", "emergency_measures", ["credit_code"])
    op.create_table(
        "emergency_grade_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("emergency_measure_lists.id"),
                  nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emergency_grade_rules_list_id", "emergency_grade_rules", ["list_id"])
    op.create_table(
        "emergency_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("created_at", now=True),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "emergency_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), sa.ForeignKey("emergency_responses.id"),
                  nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        _ts("effective_at"),
        _ts("planned_end", nullable=True),
        sa.Column("doc_no", sa.String(length=128), nullable=True),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("basis_detail", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _ts("recorded_at", now=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emergency_events_response_id", "emergency_events", ["response_id"])
    op.create_table(
        "emergency_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), sa.ForeignKey("emergency_responses.id"),
                  nullable=False),
        sa.Column("credit_code", sa.String(length=32), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=True),
        _ts("inspected_at"),
        sa.Column("complied", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        _ts("recorded_at", now=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emergency_inspections_response_id", "emergency_inspections",
                    ["response_id"])
    op.create_index("ix_emergency_inspections_credit_code", "emergency_inspections",
                    ["credit_code"])


def downgrade() -> None:
    for table in ("emergency_inspections", "emergency_events", "emergency_responses",
                  "emergency_grade_rules", "emergency_measures", "emergency_measure_lists"):
        op.drop_table(table)
