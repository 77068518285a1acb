"""Enforcement cases (案件), complaints (信访投诉) and environmental credit grades (企业环境信用).

Every table here is append-only (the shared guard :func:`~ecoplan.store.models.refuse_changes`):

* :class:`Case` — a case as opened (number, source, party, department); its progress is the
  sequence of :class:`CaseEvent` rows (stage transitions, joint-enforcement tasks, documents).
  The current stage of a case is the stage of its latest stage event.
* :class:`Complaint` — a complaint as taken in; :class:`ComplaintEvent` rows record dispatch,
  handling, reply, satisfaction, the duplicate link and the case opened from it.
* :class:`CreditGrade` — an environmental credit grade computed for an enterprise on a date,
  with the score and the rule hits behind it; a new evaluation is a new row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class Case(Base):
    """An enforcement case (行政处罚案件) as opened."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(200))
    enterprise: Mapped[str | None] = mapped_column(String(18), index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(64), index=True)
    facts: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class CaseEvent(Base):
    """One step of a case: a stage reached, a joint task assigned or done, a document issued."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))  # stage / task / task_done / document
    stage: Mapped[str | None] = mapped_column(String(16))
    on_date: Mapped[date] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(64))
    due: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class Complaint(Base):
    """A complaint or report from the public (信访投诉举报) as taken in."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(300))
    enterprise: Mapped[str | None] = mapped_column(String(18), index=True)
    content: Mapped[str] = mapped_column(Text)
    complainant: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(100))
    received_on: Mapped[date] = mapped_column(Date)
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class ComplaintEvent(Base):
    """A step of a complaint: dispatch, handling, reply, satisfaction, duplicate, case."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint", "complaint_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(Integer, ForeignKey("complaints.id"))
    kind: Mapped[str] = mapped_column(String(16))
    on_date: Mapped[date] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(64))
    due: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class CreditGrade(Base):
    """An environmental credit evaluation of one enterprise (企业环境信用评价结果)."""

    __tablename__ = "credit_grades"
    __table_args__ = (Index("ix_credit_grades_enterprise", "enterprise", "evaluated_on", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(String(18))
    evaluated_on: Mapped[date] = mapped_column(Date)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    score: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    grade: Mapped[str] = mapped_column(String(16))
    rules_version: Mapped[str] = mapped_column(String(64))
    hits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class CaseRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a case, complaint or credit record."""


refuse_changes((Case, CaseEvent, Complaint, ComplaintEvent, CreditGrade),
               CaseRecordsAreAppendOnly,
               "案件、投诉和信用评价记录只能追加，不能修改或删除；如需更正请追加新的记录。",
               "Case, complaint and credit records are append-only; add a new record to correct.")
