"""HJ 212 device registry: devices, append-only device events, held packets of unknown devices

Revision ID: 0003_hj212
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_hj212"
down_revision = "0001_initial"
branch_labels = ("hj212",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hj212_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("password", sa.String(length=64), nullable=False),
        sa.Column("device_type", sa.String(length=16), nullable=False),
        sa.Column("dialect", sa.String(length=8), nullable=False),
        sa.Column("crc_policy", sa.String(length=64), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=True),
        sa.Column("enterprise", sa.String(length=128), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("code_map", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mn"),
    )
    op.create_table(
        "hj212_device_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hj212_device_events_mn", "hj212_device_events", ["mn"])
    op.create_table(
        "hj212_held_packets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("cn", sa.String(length=8), nullable=True),
        sa.Column("qn", sa.String(length=24), nullable=True),
        sa.Column("peer", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hj212_held_packets_mn", "hj212_held_packets", ["mn"])


def downgrade() -> None:
    op.drop_index("ix_hj212_held_packets_mn", table_name="hj212_held_packets")
    op.drop_table("hj212_held_packets")
    op.drop_index("ix_hj212_device_events_mn", table_name="hj212_device_events")
    op.drop_table("hj212_device_events")
    op.drop_table("hj212_devices")
