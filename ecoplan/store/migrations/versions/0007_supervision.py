"""pollution-source supervision registry: enterprises, outlets, permits, limits, grades

Revision ID: 0007_supervision
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_supervision"
down_revision = "0001_initial"
branch_labels = ("supervision",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sup_enterprises",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("key_enterprise", sa.Boolean(), nullable=False),
        sa.Column("permit_required", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("credit_code"),
    )
    op.create_table(
        "sup_outlets",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("enterprise", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mns", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise"], ["sup_enterprises.credit_code"]),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_sup_outlets_enterprise", "sup_outlets", ["enterprise"])
    op.create_table(
        "sup_permits",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("enterprise", sa.String(length=18), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("management_class", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise"], ["sup_enterprises.credit_code"]),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_sup_permits_enterprise", "sup_permits", ["enterprise"])
    op.create_table(
        "sup_permit_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit", sa.String(length=64), nullable=False),
        sa.Column("outlet", sa.String(length=64), nullable=False),
        sa.Column("parameter", sa.String(length=32), nullable=False),
        sa.Column("limit_value", sa.Numeric(14, 4), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["permit"], ["sup_permits.number"]),
        sa.ForeignKeyConstraint(["outlet"], ["sup_outlets.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("permit", "outlet", "parameter"),
    )
    op.create_index("ix_sup_permit_limits_permit", "sup_permit_limits", ["permit"])
    op.create_table(
        "sup_performance_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=18), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["enterprise"], ["sup_enterprises.credit_code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sup_grades_enterprise", "sup_performance_grades",
                    ["enterprise", "effective_from"])


def downgrade() -> None:
    op.drop_table("sup_performance_grades")
    op.drop_table("sup_permit_limits")
    op.drop_table("sup_permits")
    op.drop_table("sup_outlets")
    op.drop_table("sup_enterprises")
