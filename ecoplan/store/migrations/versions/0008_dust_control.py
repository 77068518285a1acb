"""Dust spraying: sites, controller state, append-only action log

Revision ID: 0008_dust_control
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_dust_control"
down_revision = "0001_initial"
branch_labels = ("dust_control",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dust_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("enterprise", sa.String(length=128), nullable=True),
        sa.Column("monitor_mn", sa.String(length=64), nullable=False),
        sa.Column("parameter", sa.String(length=8), nullable=False),
        sa.Column("upper", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=False),
        sa.Column("start_after", sa.Integer(), nullable=False),
        sa.Column("min_run_s", sa.Float(), nullable=False),
        sa.Column("min_pause_s", sa.Float(), nullable=False),
        sa.Column("max_run_s", sa.Float(), nullable=True),
        sa.Column("gap_s", sa.Float(), nullable=True),
        sa.Column("alarm_on_start", sa.Boolean(), nullable=False),
        sa.Column("controllers", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_dust_sites_monitor_mn", "dust_sites", ["monitor_mn"])
    op.create_table(
        "dust_control_state",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["dust_sites.id"]),
        sa.PrimaryKeyConstraint("site_id"),
    )
    op.create_table(
        "dust_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("parameter", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("command_ids", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dust_actions_site_code", "dust_actions", ["site_code"])


def downgrade() -> None:
    op.drop_index("ix_dust_actions_site_code", table_name="dust_actions")
    op.drop_table("dust_actions")
    op.drop_table("dust_control_state")
    op.drop_index("ix_dust_sites_monitor_mn", table_name="dust_sites")
    op.drop_table("dust_sites")
