"""HJ 212-2025: per-device SM4 keys (encrypted at rest) and device profiles (policy, identity)

Revision ID: 0010_hj2025_keys
Revises: 0006_hj212_commands
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_hj2025_keys"
down_revision = "0006_hj212_commands"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hj212_device_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_qn", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hj212_device_keys_mn", "hj212_device_keys", ["mn"])
    op.create_table(
        "hj212_device_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("encryption", sa.String(length=16), nullable=False),
        sa.Column("wire_format", sa.String(length=16), nullable=False),
        sa.Column("rotate_days", sa.Integer(), nullable=False),
        sa.Column("grace_hours", sa.Integer(), nullable=False),
        sa.Column("logger_id", sa.String(length=64), nullable=True),
        sa.Column("cpuid", sa.String(length=64), nullable=True),
        sa.Column("mac1", sa.String(length=32), nullable=True),
        sa.Column("mac2", sa.String(length=32), nullable=True),
        sa.Column("identity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mn"),
    )


def downgrade() -> None:
    op.drop_table("hj212_device_profiles")
    op.drop_index("ix_hj212_device_keys_mn", table_name="hj212_device_keys")
    op.drop_table("hj212_device_keys")
