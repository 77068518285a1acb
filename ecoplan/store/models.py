"""Metadata tables (SQLAlchemy 2, typed). Schema changes go through Alembic migrations.

Measurements do not live here: they are in the Parquet lake (:mod:`ecoplan.store.lake`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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
    event,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ecoplan.errors import EcoplanError


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# ---------------------------------------------------------------- monitoring sites
class Station(Base):
    """An air-quality station (国控/省控/县控/微型站)."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(64))
    county: Mapped[str | None] = mapped_column(String(64))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    network_level: Mapped[str] = mapped_column(String(16), default="national")
    county_town: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: HJ 664-2013 point type (urban, county, regional, background, reference, traffic, source,
    #: other — ecoplan/standards/data/air_station_types.yaml); None = inferred from the name.
    station_type: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)


class WaterSection(Base):
    """A surface-water monitoring section (断面)."""

    __tablename__ = "water_sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    river: Mapped[str | None] = mapped_column(String(64))
    waterbody: Mapped[str] = mapped_column(String(16), default="river")
    level: Mapped[str | None] = mapped_column(String(16))
    target_profile: Mapped[str | None] = mapped_column(String(64))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class DrinkingWaterSource(Base):
    """A centralised drinking-water source (集中式饮用水水源地)."""

    __tablename__ = "drinking_water_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="groundwater")
    county: Mapped[str | None] = mapped_column(String(64))
    target_class: Mapped[int | None] = mapped_column(Integer)


class GroundwaterPoint(Base):
    """A groundwater monitoring point (地下水监测点位)."""

    __tablename__ = "groundwater_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    county: Mapped[str | None] = mapped_column(String(64))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    target_class: Mapped[int | None] = mapped_column(Integer)


class SiteAlias(Base):
    """Another spelling of a site's name (e.g. 磁窑河 / 磁密河) — one row per alias."""

    __tablename__ = "site_aliases"
    __table_args__ = (UniqueConstraint("kind", "alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(32))
    alias: Mapped[str] = mapped_column(String(128))


# ---------------------------------------------------------------- plan entities
class PlanRecord(Base):
    """A loaded plan file (the authoritative content stays in its YAML; this indexes it)."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    region_name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str | None] = mapped_column(String(12))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    baseline_year: Mapped[int] = mapped_column(Integer)
    source_file: Mapped[str | None] = mapped_column(String(512))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IndicatorRecord(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(256))
    name_en: Mapped[str | None] = mapped_column(String(256))
    unit: Mapped[str | None] = mapped_column(String(32))
    attribute: Mapped[str] = mapped_column(String(16))
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    measurement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KeyProjectRecord(Base):
    __tablename__ = "key_projects"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    content: Mapped[str] = mapped_column(Text)
    investment_wan_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    lead_departments: Mapped[list[Any]] = mapped_column(JSON, default=list)


class TaskRecord(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    chapter: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(128))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MunicipalTarget(Base):
    """A target handed down by the city that prevails over the plan's (kept as history)."""

    __tablename__ = "municipal_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    indicator_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    effective_date: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(256))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# ---------------------------------------------------------------- people and audit
class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))


class Role(Base):
    """admin, analyst, department, leader (anonymous public access needs no row)."""

    __tablename__ = "roles"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description_zh: Mapped[str] = mapped_column(String(256))
    description_en: Mapped[str] = mapped_column(String(256))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # per-account lockout with back-off and the optional TOTP second factor (0010_security)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class ApiToken(Base):
    """An API token; only its hash is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only audit log: who did what, when, with the value before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # hash chain (0010_security): the previous row's hash and this row's (ecoplan.web.audit)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


def refuse_changes(classes: tuple[type, ...], error: type[EcoplanError], zh: str, en: str) -> None:
    """Make the rows of ``classes`` append-only: a flush that changes or deletes one raises
    ``error(zh, en)`` (the one mechanism behind every append-only log of the platform)."""

    @event.listens_for(Session, "before_flush")
    def _refuse(session: Session, _ctx: object, _instances: object) -> None:
        for obj in list(session.dirty) + list(session.deleted):
            if isinstance(obj, classes) and (obj in session.deleted or session.is_modified(obj)):
                raise error(zh, en)


class AuditLogIsAppendOnly(EcoplanError):
    """Raised when code tries to change or delete an audit entry."""


refuse_changes((AuditEntry,), AuditLogIsAppendOnly,
               "审计日志只能追加，不能修改或删除。",
               "The audit log is append-only; entries cannot be changed or deleted.")


# ---------------------------------------------------------------- ingestion bookkeeping
class IngestBatch(Base):
    """One load of one file into the lake (the file-hash ledger that makes loads idempotent)."""

    __tablename__ = "ingest_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(32))
    source_file: Mapped[str] = mapped_column(String(1024))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    kind: Mapped[str] = mapped_column(String(16), default="load")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_superseded: Mapped[int] = mapped_column(Integer, default=0)
    lake_files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)


class QuarantinedRow(Base):
    """A rejected row kept for review, with where it came from and why."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(1024))
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
