"""risk sources, hazardous waste, radiation sources (issue 17)

Revision ID: 0011_risk_waste_radiation
Revises: 0001_initial
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_risk_waste_radiation"
down_revision = "0001_initial"
branch_labels = ("risk_waste_radiation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hw_units",
        sa.Column("credit_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("key_supervision", sa.Boolean(), nullable=False),
        sa.Column("storage_capacity_t", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("storage_limit_days", sa.Integer(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("credit_code"),
    )
    op.create_table(
        "rad_units",
        sa.Column("credit_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("credit_code"),
    )
    op.create_table(
        "risk_enterprises",
        sa.Column("credit_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("hazardous", sa.Boolean(), nullable=False),
        sa.Column("heavy_metals", sa.Boolean(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("credit_code"),
    )
    op.create_table(
        "risk_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("speciality", sa.String(length=128), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "risk_land_plots",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("former_use", sa.String(length=128), nullable=True),
        sa.Column("planned_use", sa.String(length=16), nullable=False),
        sa.Column("survey_state", sa.String(length=16), nullable=False),
        sa.Column("survey_on", sa.Date(), nullable=True),
        sa.Column("control_state", sa.String(length=16), nullable=False),
        sa.Column("control_done_on", sa.Date(), nullable=True),
        sa.Column("delisted_on", sa.Date(), nullable=True),
        sa.Column("reused_on", sa.Date(), nullable=True),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "risk_supplies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "hw_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("waste_code", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("quantity_t", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["hw_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_hw_ledger_unit"), "hw_ledger", ["unit"], unique=False)
    op.create_table(
        "hw_licences",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("capacity_t", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["hw_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_hw_licences_unit"), "hw_licences", ["unit"], unique=False)
    op.create_table(
        "hw_manifests",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("waste_code", sa.String(length=16), nullable=False),
        sa.Column("producer", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=True),
        sa.Column("receiver", sa.String(length=32), nullable=False),
        sa.Column("disposal_method", sa.String(length=64), nullable=True),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["producer"],
            ["hw_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_hw_manifests_producer"), "hw_manifests", ["producer"], unique=False)
    op.create_index(op.f("ix_hw_manifests_receiver"), "hw_manifests", ["receiver"], unique=False)
    op.create_table(
        "hw_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("waste_code", sa.String(length=16), nullable=False),
        sa.Column("planned_t", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["hw_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit", "year", "waste_code"),
    )
    op.create_index(op.f("ix_hw_plans_unit"), "hw_plans", ["unit"], unique=False)
    op.create_table(
        "rad_licences",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["rad_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_rad_licences_unit"), "rad_licences", ["unit"], unique=False)
    op.create_table(
        "rad_sources",
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("working_life_years", sa.Float(), nullable=True),
        sa.Column("purpose", sa.String(length=128), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["rad_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("serial"),
    )
    op.create_index(op.f("ix_rad_sources_unit"), "rad_sources", ["unit"], unique=False)
    op.create_table(
        "rad_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("post", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit"],
            ["rad_units.credit_code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_rad_workers_unit"), "rad_workers", ["unit"], unique=False)
    op.create_table(
        "risk_gradings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=32), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("route", sa.String(length=8), nullable=False),
        sa.Column("q_value", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("m_score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("e_type", sa.String(length=4), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise"],
            ["risk_enterprises.credit_code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_risk_gradings_enterprise"), "risk_gradings", ["enterprise"], unique=False
    )
    op.create_table(
        "risk_plan_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("filing_number", sa.String(length=64), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("risk_level", sa.String(length=16), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise"],
            ["risk_enterprises.credit_code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_risk_plan_filings_enterprise"), "risk_plan_filings", ["enterprise"], unique=False
    )
    op.create_table(
        "hw_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("quantity_t", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["manifest"],
            ["hw_manifests.number"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("manifest", "stage"),
    )
    op.create_index(op.f("ix_hw_handovers_manifest"), "hw_handovers", ["manifest"], unique=False)
    op.create_table(
        "rad_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["rad_workers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_rad_certificates_worker_id"), "rad_certificates", ["worker_id"], unique=False
    )
    op.create_table(
        "rad_source_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["serial"],
            ["rad_sources.serial"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_rad_source_events_serial"), "rad_source_events", ["serial"], unique=False
    )
    op.create_table(
        "risk_drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("record", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["risk_plan_filings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_risk_drills_filing_id"), "risk_drills", ["filing_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_risk_drills_filing_id"), table_name="risk_drills")
    op.drop_table("risk_drills")
    op.drop_index(op.f("ix_rad_source_events_serial"), table_name="rad_source_events")
    op.drop_table("rad_source_events")
    op.drop_index(op.f("ix_rad_certificates_worker_id"), table_name="rad_certificates")
    op.drop_table("rad_certificates")
    op.drop_index(op.f("ix_hw_handovers_manifest"), table_name="hw_handovers")
    op.drop_table("hw_handovers")
    op.drop_index(op.f("ix_risk_plan_filings_enterprise"), table_name="risk_plan_filings")
    op.drop_table("risk_plan_filings")
    op.drop_index(op.f("ix_risk_gradings_enterprise"), table_name="risk_gradings")
    op.drop_table("risk_gradings")
    op.drop_index(op.f("ix_rad_workers_unit"), table_name="rad_workers")
    op.drop_table("rad_workers")
    op.drop_index(op.f("ix_rad_sources_unit"), table_name="rad_sources")
    op.drop_table("rad_sources")
    op.drop_index(op.f("ix_rad_licences_unit"), table_name="rad_licences")
    op.drop_table("rad_licences")
    op.drop_index(op.f("ix_hw_plans_unit"), table_name="hw_plans")
    op.drop_table("hw_plans")
    op.drop_index(op.f("ix_hw_manifests_receiver"), table_name="hw_manifests")
    op.drop_index(op.f("ix_hw_manifests_producer"), table_name="hw_manifests")
    op.drop_table("hw_manifests")
    op.drop_index(op.f("ix_hw_licences_unit"), table_name="hw_licences")
    op.drop_table("hw_licences")
    op.drop_index(op.f("ix_hw_ledger_unit"), table_name="hw_ledger")
    op.drop_table("hw_ledger")
    op.drop_table("risk_supplies")
    op.drop_table("risk_land_plots")
    op.drop_table("risk_experts")
    op.drop_table("risk_enterprises")
    op.drop_table("rad_units")
    op.drop_table("hw_units")
