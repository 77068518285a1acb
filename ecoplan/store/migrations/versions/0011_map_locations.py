"""map: coordinates of sites whose registry has none (enterprises, drinking-water sources,
dust sites, devices)

Revision ID: 0011_map_locations
Revises: 0001_initial
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_map_locations"
down_revision = "0001_initial"
branch_labels = ("map",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "map_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "code"),
    )


def downgrade() -> None:
    op.drop_table("map_locations")
