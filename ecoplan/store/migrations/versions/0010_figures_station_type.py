"""air stations: HJ 664 station type (城市评价点/区域点/背景点/对照点/路边交通点/污染监控点/县城评价点)

Revision ID: 0010_figures_station_type
Revises: 0001_initial
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_figures_station_type"
down_revision = "0001_initial"
branch_labels = ("figures",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("station_type", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("station_type")
