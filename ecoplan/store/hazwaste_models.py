"""Hazardous-waste registry: producers and operators (产废单位、经营单位), operating licences,
annual management plans, the waste ledger (generation, stocktakes, self-utilisation/disposal) and
transfer manifests (转移联单) with the quantity at each hand-over.

Units carry a WGS84 location. Ledger entries and manifest hand-overs are append-only (a correction
is a new entry with a note); they keep the file and row they were imported from.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes

UNIT_ROLES = ("producer", "operator", "both")
#: ledger kinds: generated (产生), stock (库存盘点: quantity on site on the date),
#: self_disposed (自行利用/处置)
LEDGER_KINDS = ("generated", "stock", "self_disposed")
#: manifest hand-overs: the producer ships, the carrier takes over, the receiver receives
HANDOVER_STAGES = ("shipped", "carried", "received")


class HwUnit(Base):
    """A hazardous-waste producer or operator, keyed by its 统一社会信用代码."""

    __tablename__ = "hw_units"
    credit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(128))
    key_supervision: Mapped[bool] = mapped_column(Boolean, default=False)
    storage_capacity_t: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    storage_limit_days: Mapped[int] = mapped_column(Integer, default=365)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class HwLicence(Base):
    """A hazardous-waste operating licence (危险废物经营许可证) with the categories/codes it covers."""

    __tablename__ = "hw_licences"
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("hw_units.credit_code"), index=True)
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list)
    capacity_t: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    issued: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)


class HwPlan(Base):
    """An annual management plan line (危险废物管理计划): planned quantity of one waste code."""

    __tablename__ = "hw_plans"
    __table_args__ = (UniqueConstraint("unit", "year", "waste_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("hw_units.credit_code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    waste_code: Mapped[str] = mapped_column(String(16))
    planned_t: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    filed_on: Mapped[date | None] = mapped_column(Date)


class HwLedgerEntry(Base):
    """A ledger entry of a unit: generated, stocktake or self-utilised/disposed. Append-only."""

    __tablename__ = "hw_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("hw_units.credit_code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    waste_code: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    quantity_t: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    note: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HwManifest(Base):
    """A transfer manifest (危险废物转移联单): producer → carrier → receiver for one waste code."""

    __tablename__ = "hw_manifests"
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    waste_code: Mapped[str] = mapped_column(String(16))
    producer: Mapped[str] = mapped_column(String(32), ForeignKey("hw_units.credit_code"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(200))
    receiver: Mapped[str] = mapped_column(String(32), index=True)
    disposal_method: Mapped[str | None] = mapped_column(String(64))
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)


class HwHandover(Base):
    """The quantity at one hand-over of a manifest (shipped / carried / received). Append-only."""

    __tablename__ = "hw_handovers"
    __table_args__ = (UniqueConstraint("manifest", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest: Mapped[str] = mapped_column(String(64), ForeignKey("hw_manifests.number"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    quantity_t: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HazwasteRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a ledger entry or a hand-over."""


refuse_changes((HwLedgerEntry, HwHandover), HazwasteRecordsAreAppendOnly,
               "危险废物台账和联单交接记录只能追加，不能修改或删除；更正请录入新记录并说明。",
               "Hazardous-waste ledger entries and hand-overs are append-only; record a "
               "correction as a new entry with a note.")
