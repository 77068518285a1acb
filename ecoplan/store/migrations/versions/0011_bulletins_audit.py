"""scheduled bulletins and the daily data audit (append-only)

Revision ID: 0011_bulletins_audit
Revises: 0002_ingest
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_bulletins_audit"
down_revision = "0002_ingest"
branch_labels = ("bulletins_audit",)
depends_on = None


def _at() -> sa.Column:
    return sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("audited_days", sa.Integer(), nullable=False),
        sa.Column("total_days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bulletin_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), sa.ForeignKey("bulletins.id"), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulletin_events_bulletin_id", "bulletin_events", ["bulletin_id"])
    op.create_table(
        "audit_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("site_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=False), nullable=False),
        sa.Column("parameter", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_decisions_day", "audit_decisions", ["dataset", "site_code", "day"])
    op.create_table(
        "audit_day_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("site_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_day_events_day", "audit_day_events", ["dataset", "site_code", "day"])


def downgrade() -> None:
    op.drop_index("ix_audit_day_events_day", table_name="audit_day_events")
    op.drop_table("audit_day_events")
    op.drop_index("ix_audit_decisions_day", table_name="audit_decisions")
    op.drop_table("audit_decisions")
    op.drop_index("ix_bulletin_events_bulletin_id", table_name="bulletin_events")
    op.drop_table("bulletin_events")
    op.drop_table("bulletins")
