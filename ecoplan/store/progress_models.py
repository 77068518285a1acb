"""Department-reported progress: key-project progress, task status, indicator values.

Every report is an immutable row; what happens to it afterwards (submitted → reviewed →
approved | rejected) is a chain of immutable :class:`ProgressEvent` rows. Nothing here is ever
updated or deleted: a correction is a new submission, and the state of a report is the last
event of its chain. Only approved reports feed assessments (:mod:`ecoplan.assess.progress`).

Plan entities are referred to by the plan code plus the project number / task key / indicator
key of the plan file, so that re-loading a plan never orphans the reports made against it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Index,
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

#: the workflow states, in order
STATES = ("submitted", "reviewed", "approved", "rejected")
#: the kinds of report, as stored in ``progress_events.record_kind``
RECORD_KINDS = ("project", "task", "indicator")
#: values of a project's / task's reported status
PROJECT_STATUSES = ("not_started", "in_progress", "completed", "suspended", "cancelled")


class ProjectProgress(Base):
    """A department's progress report on one key project (重点工程进展填报), as of a date."""

    __tablename__ = "project_progress"
    __table_args__ = (Index("ix_project_progress_subject", "plan_code", "project_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(64))
    project_number: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    percent_complete: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    invested_wan_yuan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(16))
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reporter: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())


class TaskProgress(Base):
    """A department's status report on one plan task (任务落实情况), as of a date."""

    __tablename__ = "task_progress"
    __table_args__ = (Index("ix_task_progress_subject", "plan_code", "task_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(64))
    task_key: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    percent_complete: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reporter: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())


class IndicatorReport(Base):
    """A department-reported value of a plan indicator for one year (部门填报指标值).

    ``value`` holds a number (exact, as typed); ``value_text`` a qualitative value
    (e.g. "完成" / "基本消除") for indicators whose target is not a number.
    """

    __tablename__ = "indicator_reports"
    __table_args__ = (Index("ix_indicator_reports_subject", "plan_code", "indicator_key", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(64))
    indicator_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    value_text: Mapped[str | None] = mapped_column(String(256))
    unit: Mapped[str | None] = mapped_column(String(32))
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reporter: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())


class ProgressEvent(Base):
    """One step of a report's workflow (append-only): who moved it to which state, when, why."""

    __tablename__ = "progress_events"
    __table_args__ = (Index("ix_progress_events_record", "record_kind", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubjectOwner(Base):
    """A department responsible for a plan project, task or indicator (责任部门). Created from
    the plan on ``plan load`` (``source="plan"``) and editable afterwards (``"manual"``,
    ``ecoplan departments assign``); a manual assignment is never overwritten by a reload."""

    __tablename__ = "subject_owners"
    __table_args__ = (
        UniqueConstraint("plan_code", "kind", "subject", "department", name="uq_subject_owners"),
        Index("ix_subject_owners_subject", "plan_code", "kind", "subject"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class ProgressRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a progress report or workflow event."""


_IMMUTABLE = (ProjectProgress, TaskProgress, IndicatorReport, ProgressEvent)


refuse_changes(_IMMUTABLE, ProgressRecordsAreAppendOnly,
               "进展填报及其审核记录只能追加，不能修改或删除；如需更正请重新填报。",
               "Progress reports and their workflow history are append-only; submit a "
               "correction as a new report.")


__all__ = [
    "PROJECT_STATUSES",
    "RECORD_KINDS",
    "STATES",
    "IndicatorReport",
    "ProgressEvent",
    "ProgressRecordsAreAppendOnly",
    "SubjectOwner",
    "ProjectProgress",
    "TaskProgress",
]
