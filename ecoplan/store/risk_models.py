"""Environmental-risk registries: risk enterprises with their HJ 941-2018 grading inputs,
emergency plans with filing (备案) and drills, emergency supplies, the expert team, and the
key construction-land plots behind plan indicator 14.

Every registry row carries a WGS84 location (``longitude``/``latitude``, degrees) for the map.
Gradings, plan versions and drills are append-only (a change is a new row); supplies, experts
and plots are edited in place, every change written to the audit log by the caller.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class RiskEnterprise(Base):
    """An enterprise handling hazardous or heavy-metal substances (涉危涉重企业)."""

    __tablename__ = "risk_enterprises"
    credit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(128))
    hazardous: Mapped[bool] = mapped_column(Boolean, default=True)
    heavy_metals: Mapped[bool] = mapped_column(Boolean, default=False)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)


class RiskGrading(Base):
    """The HJ 941-2018 inputs of one route (air/water) at one assessment. Append-only."""

    __tablename__ = "risk_gradings"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(String(32), ForeignKey("risk_enterprises.credit_code"),
                                            index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    route: Mapped[str] = mapped_column(String(8))
    q_value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    m_score: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    e_type: Mapped[str] = mapped_column(String(4))
    document: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EmergencyPlanFiling(Base):
    """One filed version of an enterprise's emergency plan (突发环境事件应急预案备案). Append-only."""

    __tablename__ = "risk_plan_filings"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(String(32), ForeignKey("risk_enterprises.credit_code"),
                                            index=True)
    version: Mapped[str] = mapped_column(String(32))
    filing_number: Mapped[str] = mapped_column(String(64))
    filed_on: Mapped[date] = mapped_column(Date)
    review_due: Mapped[date] = mapped_column(Date)
    risk_level: Mapped[str | None] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EmergencyDrill(Base):
    """A drill held under a filed plan, with its record. Append-only."""

    __tablename__ = "risk_drills"
    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("risk_plan_filings.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    scenario: Mapped[str] = mapped_column(Text)
    participants: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EmergencySupply(Base):
    """An emergency supply stock (应急物资): what, how much, where, whose, until when."""

    __tablename__ = "risk_supplies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(128))
    expires_on: Mapped[date | None] = mapped_column(Date)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class EmergencyExpert(Base):
    """A member of the environmental-emergency expert team (环境应急专家库)."""

    __tablename__ = "risk_experts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    speciality: Mapped[str] = mapped_column(String(128))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class LandPlot(Base):
    """A construction-land plot under soil supervision (地块), for plan indicator 14."""

    __tablename__ = "risk_land_plots"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(64))
    former_use: Mapped[str | None] = mapped_column(String(128))
    planned_use: Mapped[str] = mapped_column(String(16))  # GB 50137-2011 class, e.g. R2, A33, M1
    survey_state: Mapped[str] = mapped_column(String(16), default="none")
    survey_on: Mapped[date | None] = mapped_column(Date)
    control_state: Mapped[str] = mapped_column(String(16), default="none")
    control_done_on: Mapped[date | None] = mapped_column(Date)
    delisted_on: Mapped[date | None] = mapped_column(Date)
    reused_on: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(128))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class RiskRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a grading, a filed plan or a drill."""


refuse_changes((RiskGrading, EmergencyPlanFiling, EmergencyDrill), RiskRecordsAreAppendOnly,
               "风险分级、预案备案和演练记录只能追加，不能修改或删除；如有变更请录入新记录。",
               "Risk gradings, plan filings and drills are append-only; record a change as a new row.")
