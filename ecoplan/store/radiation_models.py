"""Radiation-source registry: user units, their radiation-safety licences (辐射安全许可证),
sealed sources, the sources' life events, radiation workers and their training certificates.

Units and sources carry a WGS84 location. Life events and certificates are append-only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes

#: life events of a source: 购买 转让 使用 退役 送贮/收贮 返回生产单位
SOURCE_EVENTS = ("purchase", "transfer", "use", "retirement", "storage", "return")
#: events after which a source is no longer held by the county's unit
CLOSING_EVENTS = ("transfer", "storage", "return")


class RadUnit(Base):
    """A unit using radioactive sources or ray devices (核技术利用单位)."""

    __tablename__ = "rad_units"
    credit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(128))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class RadLicence(Base):
    """A radiation-safety licence (辐射安全许可证) with its scope (种类和范围) and validity."""

    __tablename__ = "rad_licences"
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("rad_units.credit_code"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    issued: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)


class RadSource(Base):
    """A sealed source (放射源) identified by its national serial number (放射源编码)."""

    __tablename__ = "rad_sources"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("rad_units.credit_code"), index=True)
    nuclide: Mapped[str] = mapped_column(String(16))
    activity_bq: Mapped[float] = mapped_column(Float)
    reference_date: Mapped[date] = mapped_column(Date)
    working_life_years: Mapped[float | None] = mapped_column(Float)
    purpose: Mapped[str | None] = mapped_column(String(128))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class RadSourceEvent(Base):
    """One life event of a source. Append-only."""

    __tablename__ = "rad_source_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), ForeignKey("rad_sources.serial"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    counterparty: Mapped[str | None] = mapped_column(String(200))
    document: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RadWorker(Base):
    """A radiation worker (辐射工作人员) of a unit."""

    __tablename__ = "rad_workers"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), ForeignKey("rad_units.credit_code"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[int] = mapped_column(Integer, default=1)


class RadCertificate(Base):
    """A radiation-safety training certificate (辐射安全与防护培训/考核合格证明). Append-only."""

    __tablename__ = "rad_certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("rad_workers.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issued: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RadiationRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a source event or a certificate."""


refuse_changes((RadSourceEvent, RadCertificate), RadiationRecordsAreAppendOnly,
               "放射源全过程记录和培训证书只能追加，不能修改或删除。",
               "Source life events and training certificates are append-only.")
