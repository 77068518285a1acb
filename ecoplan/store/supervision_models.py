"""Pollution-source supervision registry: enterprises, outlets, discharge permits, grades.

The registry records what the documents say and nothing more:

* :class:`Enterprise` — a discharging unit (排污单位), keyed by its 统一社会信用代码 (credit code).
* :class:`Outlet` — an outlet (排放口) of an enterprise, flue gas or waste water, with the HJ 212
  logger MN(s) whose packets fill ``online_monitoring`` for it.
* :class:`Permit` — a discharge permit (排污许可证) with its management class (重点/简化/登记);
  :class:`PermitLimit` — a concentration limit the PERMIT states for one outlet and pollutant,
  with the unit and the basis text as entered (e.g. "GB 16171-2012 表2"). No national limit
  table is built in: a limit exists only where a permit states one.
* :class:`PerformanceGrade` — a performance grade (绩效分级: 引领性/A/B/C/D) effective from a
  date under a document. Grades are append-only history: a new grade is a new row, the grade
  in force on a day is the latest one effective on or before it.
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
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes

#: outlet kinds: 废气 (flue gas) and 废水 (waste water)
OUTLET_KINDS = ("flue_gas", "waste_water")
#: permit management classes: 重点管理 / 简化管理 / 登记管理
MANAGEMENT_CLASSES = ("key", "simplified", "registration")
#: performance grades, best first (引领性 = "leading")
GRADES = ("leading", "A", "B", "C", "D")


class Enterprise(Base):
    """A discharging unit (排污单位) identified by its 统一社会信用代码."""

    __tablename__ = "sup_enterprises"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(64))
    key_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    permit_required: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class Outlet(Base):
    """An outlet (排放口) of an enterprise; ``mns`` are the HJ 212 logger MNs reporting it."""

    __tablename__ = "sup_outlets"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise: Mapped[str] = mapped_column(
        String(18), ForeignKey("sup_enterprises.credit_code"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    mns: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Permit(Base):
    """A discharge permit (排污许可证) as issued."""

    __tablename__ = "sup_permits"
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise: Mapped[str] = mapped_column(
        String(18), ForeignKey("sup_enterprises.credit_code"), index=True)
    issued: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    management_class: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class PermitLimit(Base):
    """A concentration limit a permit states for one outlet and pollutant (as entered)."""

    __tablename__ = "sup_permit_limits"
    __table_args__ = (UniqueConstraint("permit", "outlet", "parameter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    permit: Mapped[str] = mapped_column(String(64), ForeignKey("sup_permits.number"),
                                        index=True)
    outlet: Mapped[str] = mapped_column(String(64), ForeignKey("sup_outlets.code"))
    parameter: Mapped[str] = mapped_column(String(32))
    limit_value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str | None] = mapped_column(Text)


class PerformanceGrade(Base):
    """A performance grade (绩效分级) from a date, under a document. Append-only."""

    __tablename__ = "sup_performance_grades"
    __table_args__ = (Index("ix_sup_grades_enterprise", "enterprise", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(
        String(18), ForeignKey("sup_enterprises.credit_code"))
    grade: Mapped[str] = mapped_column(String(8))
    effective_from: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class GradesAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a recorded performance grade."""


refuse_changes((PerformanceGrade,), GradesAreAppendOnly,
               "绩效分级记录只能追加，不能修改或删除；如有变更请录入新的分级。",
               "Performance grades are append-only; record a change as a new grade.")
