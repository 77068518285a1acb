"""Random inspections (双随机、一公开) and inspection records.

* :class:`Inspector` — an enforcement officer of the inspector pool (执法人员名录库): unit
  (department/unit), law-enforcement certificate with its expiry.
* :class:`InspectorRecusal` — an inspector recused from an enterprise (回避). Append-only.
* :class:`InspectionDraw` — one random draw: the seed generated at draw time, the pools as
  they were (snapshots with their SHA-256), the configuration and the result. Append-only:
  anyone re-derives the result from the stored seed and pools (``ecoplan inspect draw --verify``).
* :class:`DrawPublication` — the moment a draw was published on the public pages.
* :class:`Inspection` — one inspection of one enterprise (the stable id); its content lives in
  :class:`InspectionVersion` rows (append-only; a correction is a new version) and its findings
  in :class:`InspectionFinding` rows (append-only; ``inspection_findings.id`` is the stable id a
  case is opened from).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class Inspector(Base):
    """An inspector of the pool (执法人员), identified by a code (e.g. the certificate number)."""

    __tablename__ = "inspection_inspectors"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(128))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    certificate_expires: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class InspectorRecusal(Base):
    """An inspector must not inspect an enterprise (回避: kinship, former employer …)."""

    __tablename__ = "inspection_recusals"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspector: Mapped[str] = mapped_column(String(64), index=True)
    enterprise: Mapped[str] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class InspectionDraw(Base):
    """One random draw with everything needed to re-derive it."""

    __tablename__ = "inspection_draws"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16), index=True)  # 2026Q4, 2026H2, 2026-11, 2026
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drawn_by: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    object_pool: Mapped[list[Any]] = mapped_column(JSON)
    inspector_pool: Mapped[list[Any]] = mapped_column(JSON)
    object_pool_hash: Mapped[str] = mapped_column(String(64))
    inspector_pool_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[list[Any]] = mapped_column(JSON)
    result_hash: Mapped[str] = mapped_column(String(64))
    publish_due: Mapped[date] = mapped_column(Date)


class DrawPublication(Base):
    """A draw published on the public pages (before its due date, by a user)."""

    __tablename__ = "inspection_draw_publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("inspection_draws.id"), unique=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(64))


class Inspection(Base):
    """One inspection of one enterprise (the stable id; content in versions)."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(String(18), index=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_draws.id"))
    kind: Mapped[str] = mapped_column(String(16), default="random")  # random|complaint|special|other
    department: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_uuid: Mapped[str | None] = mapped_column(String(64), unique=True)


class InspectionVersion(Base):
    """The content of an inspection as recorded (version 1) or corrected (2, 3 …)."""

    __tablename__ = "inspection_versions"
    __table_args__ = (UniqueConstraint("inspection_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    inspectors: Mapped[list[Any]] = mapped_column(JSON)
    place: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    checklist: Mapped[str] = mapped_column(String(32))
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence: Mapped[list[Any]] = mapped_column(JSON)
    representative: Mapped[str | None] = mapped_column(String(64))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmation_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InspectionFinding(Base):
    """A finding (问题) of one version of an inspection; its id is stable (a case refers to it)."""

    __tablename__ = "inspection_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("inspection_versions.id"), index=True)
    item: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    supersedes: Mapped[int | None] = mapped_column(Integer)


class InspectionRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a draw, recusal or inspection record."""


refuse_changes((InspectorRecusal, InspectionDraw, DrawPublication, Inspection,
                InspectionVersion, InspectionFinding), InspectionRecordsAreAppendOnly,
               "抽查结果、回避记录和检查记录只能追加，不能修改或删除；更正请录入新版本。",
               "Draws, recusals and inspection records are append-only; record a correction "
               "as a new version.")
