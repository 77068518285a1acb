"""enforcement cases, complaints and environmental credit grades (append-only)

Revision ID: 0011_cases
Revises: 0001_initial
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_cases"
down_revision = "0001_initial"
branch_labels = ("cases",)
depends_on = None


def _ts(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=True),
        sa.Column("enterprise", sa.String(18), nullable=True, index=True),
        sa.Column("party_name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64), nullable=False, index=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("recorded_at"),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True, index=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("town", sa.String(64), nullable=True),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("enterprise", sa.String(18), nullable=True, index=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("complainant", sa.String(100), nullable=True),
        sa.Column("contact", sa.String(100), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=True, index=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        _ts("recorded_at"),
    )
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("recorded_at"),
    )
    op.create_index("ix_complaint_events_complaint", "complaint_events", ["complaint_id", "id"])
    op.create_table(
        "credit_grades",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise", sa.String(18), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("score", sa.Numeric(8, 2), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("recorded_at"),
    )
    op.create_index("ix_credit_grades_enterprise", "credit_grades",
                    ["enterprise", "evaluated_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_credit_grades_enterprise", "credit_grades")
    op.drop_table("credit_grades")
    op.drop_index("ix_complaint_events_complaint", "complaint_events")
    op.drop_table("complaint_events")
    op.drop_table("complaints")
    op.drop_index("ix_case_events_case", "case_events")
    op.drop_table("case_events")
    op.drop_table("cases")
