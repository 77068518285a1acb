"""Heavy-pollution-weather emergency response tables (重污染天气应急响应).

* ``emergency_measure_lists`` / ``emergency_measures`` / ``emergency_grade_rules`` — the
  emergency reduction list (应急减排清单, "一厂一策") as imported from the county's workbook: each
  import is a new list version that takes effect on its ``valid_from`` day; nothing is edited.
* ``emergency_responses`` / ``emergency_events`` — a response and its append-only lifecycle
  (issued → upgraded/downgraded → lifted).
* ``emergency_inspections`` — append-only on-site inspection records of departments.
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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class EmergencyMeasureList(Base):
    """One imported version of the emergency reduction list."""

    __tablename__ = "emergency_measure_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    source_file: Mapped[str | None] = mapped_column(String(500))
    imported_by: Mapped[str] = mapped_column(String(64), default="cli")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class EmergencyMeasure(Base):
    """A measure of one enterprise / site / production line at one warning level."""

    __tablename__ = "emergency_measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_measure_lists.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    subject_kind: Mapped[str] = mapped_column(String(16))  # enterprise | site
    credit_code: Mapped[str] = mapped_column(String(32), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    listed_grade: Mapped[str | None] = mapped_column(String(16))
    production_line: Mapped[str | None] = mapped_column(String(200))
    process: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))  # yellow | orange | red
    measure: Mapped[str] = mapped_column(String(32))  # halt | limit | stagger_transport | …
    limit_percent: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    reduction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EmergencyGradeRule(Base):
    """County configuration: how an enterprise of a performance grade is treated at a level."""

    __tablename__ = "emergency_grade_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_measure_lists.id"), index=True)
    grade: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(16))  # exempt | voluntary | as_listed
    basis: Mapped[str | None] = mapped_column(Text)


class EmergencyResponse(Base):
    """One heavy-pollution response; its state is the fold of its events."""

    __tablename__ = "emergency_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    area: Mapped[str] = mapped_column(String(64), default="交城县")


class EmergencyEvent(Base):
    """Append-only: issued / upgraded / downgraded / extended / lifted."""

    __tablename__ = "emergency_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("emergency_responses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(8))
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    doc_no: Mapped[str | None] = mapped_column(String(128))
    basis: Mapped[str] = mapped_column(String(16), default="manual")  # forecast | manual
    basis_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64), default="cli")
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class EmergencyInspection(Base):
    """Append-only: an on-site check of whether an enterprise carried out its measures."""

    __tablename__ = "emergency_inspections"
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("emergency_responses.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(32), index=True)
    subject_name: Mapped[str | None] = mapped_column(String(200))
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    complied: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    department: Mapped[str] = mapped_column(String(128))
    inspector: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class EmergencyRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete an emergency event, inspection or list."""


_APPEND_ONLY = (EmergencyEvent, EmergencyInspection, EmergencyMeasure, EmergencyMeasureList,
                EmergencyGradeRule, EmergencyResponse)


refuse_changes(_APPEND_ONLY, EmergencyRecordsAreAppendOnly,
               "应急响应事件、检查记录和减排清单只能追加，不能修改或删除。",
               "Emergency events, inspections and reduction lists are append-only; "
               "they cannot be changed or deleted.")
