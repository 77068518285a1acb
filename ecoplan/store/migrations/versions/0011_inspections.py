"""random inspections (双随机、一公开): inspector pool, recusals, draws; inspection records

Revision ID: 0011_inspections
Revises: 0010_workflow_owners
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_inspections"
down_revision = "0010_workflow_owners"
branch_labels = ("inspections",)
depends_on = None


def _ts(name: str, nullable: bool = False, now: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.func.now() if now else None)


def upgrade() -> None:
    op.create_table(
        "inspection_inspectors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("certificate_no", sa.String(64), nullable=True),
        sa.Column("certificate_expires", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at", now=True),
    )
    op.create_table(
        "inspection_recusals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspector", sa.String(64), nullable=False),
        sa.Column("enterprise", sa.String(18), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        _ts("recorded_at", now=True),
    )
    op.create_index("ix_inspection_recusals_inspector", "inspection_recusals", ["inspector"])
    op.create_table(
        "inspection_draws",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        _ts("drawn_at"),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("algorithm", sa.String(32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("object_pool", sa.JSON(), nullable=False),
        sa.Column("inspector_pool", sa.JSON(), nullable=False),
        sa.Column("object_pool_hash", sa.String(64), nullable=False),
        sa.Column("inspector_pool_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("result_hash", sa.String(64), nullable=False),
        sa.Column("publish_due", sa.Date(), nullable=False),
    )
    op.create_index("ix_inspection_draws_period", "inspection_draws", ["period"])
    op.create_table(
        "inspection_draw_publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draw_id", sa.Integer(), sa.ForeignKey("inspection_draws.id"), nullable=False,
                  unique=True),
        _ts("published_at"),
        sa.Column("published_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise", sa.String(18), nullable=False),
        sa.Column("draw_id", sa.Integer(), sa.ForeignKey("inspection_draws.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("department", sa.String(128), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.Column("client_uuid", sa.String(64), nullable=True, unique=True),
    )
    op.create_index("ix_inspections_enterprise", "inspections", ["enterprise"])
    op.create_table(
        "inspection_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("inspected_at"),
        sa.Column("inspectors", sa.JSON(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("checklist", sa.String(32), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("representative", sa.String(64), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("confirmation_note", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        _ts("recorded_at"),
        sa.UniqueConstraint("inspection_id", "version"),
    )
    op.create_index("ix_inspection_versions_inspection_id", "inspection_versions",
                    ["inspection_id"])
    op.create_table(
        "inspection_findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspections.id"),
                  nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("inspection_versions.id"),
                  nullable=False),
        sa.Column("item", sa.String(32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
    )
    op.create_index("ix_inspection_findings_inspection_id", "inspection_findings",
                    ["inspection_id"])
    op.create_index("ix_inspection_findings_version_id", "inspection_findings", ["version_id"])


def downgrade() -> None:
    for name in ("inspection_findings", "inspection_versions", "inspections",
                 "inspection_draw_publications", "inspection_draws", "inspection_recusals",
                 "inspection_inspectors"):
        op.drop_table(name)
