"""Tables of the scheduled bulletins (环境质量月报/年报) and of the daily data audit (数据审核).

* ``bulletins`` — one generated bulletin (kind, period, file, digest); its life is the append-only
  ``bulletin_events`` log (generated → approved → published); the row itself never changes.
* ``audit_decisions`` — an auditor's decision on one value (site, hour, parameter): valid or
  invalid with a reason code of ``standards/data/audit_reasons.yaml``; appended, never changed
  (the latest decision for a value is the one in force).
* ``audit_day_events`` — a site-day's lock (with the auditor's name) and re-openings (with a
  reason); appended, never changed. A day is audited while its latest event is ``lock``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class Bulletin(Base):
    """One generated bulletin file (a draft until an approval event)."""

    __tablename__ = "bulletins"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))          # air | water | both
    period: Mapped[str] = mapped_column(String(8))        # 2025-12 or 2025
    file: Mapped[str] = mapped_column(String(400))
    digest: Mapped[str] = mapped_column(String(64))
    audited_days: Mapped[int] = mapped_column(Integer, default=0)
    total_days: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BulletinEvent(Base):
    """generated / approved / published: the append-only life of a bulletin."""

    __tablename__ = "bulletin_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditDecision(Base):
    """An auditor's decision on one value of one site and hour."""

    __tablename__ = "audit_decisions"
    __table_args__ = (Index("ix_audit_decisions_day", "dataset", "site_code", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(32))
    site_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    parameter: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))     # valid | invalid
    reason_code: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditDayEvent(Base):
    """A site-day locked (audited) or re-opened (with a reason)."""

    __tablename__ = "audit_day_events"
    __table_args__ = (Index("ix_audit_day_events_day", "dataset", "site_code", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(32))
    site_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(8))        # lock | reopen
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditRecordsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete an audit decision, day event or bulletin."""


refuse_changes((Bulletin, BulletinEvent, AuditDecision, AuditDayEvent), AuditRecordsAreAppendOnly,
               "公报与数据审核记录只能追加，不能修改或删除。",
               "Bulletin and data-audit records are append-only; they cannot be changed or deleted.")
