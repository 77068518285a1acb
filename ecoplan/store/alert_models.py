"""Alert tables (告警): every alert, its events (opened, escalated, acknowledged, commented,
resolved), every delivery attempt and every read mark are appended and never changed
(``refuse_changes``); the state of an alert is computed from its events. ``alert_contacts``
holds the e-mail address and mobile number of a user for the delivery channels.

One open alert per rule and subject: a new alert of the same rule and subject gets the next
``occurrence`` and the unique key (rule_id, subject, occurrence) makes a second concurrent
opening fail instead of duplicating.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes

#: event kinds of an alert
EVENT_KINDS = ("opened", "escalated", "acknowledged", "commented", "resolved")


class AlertContact(Base):
    """Where a user is reached outside the platform (e-mail, mobile for robot @-mentions)."""

    __tablename__ = "alert_contacts"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Alert(Base):
    """One alert of one rule about one subject (an outlet, a device, a station …)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_id", "subject", "occurrence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_type: Mapped[str] = mapped_column(String(48), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    occurrence: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertEvent(Base):
    """Something that happened to an alert; ``targets`` are the (channel, address) pairs the
    event is delivered to (opened, escalated)."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str | None] = mapped_column(Text)
    targets: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AlertDelivery(Base):
    """One delivery attempt of an event to one target, with its outcome."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_event", "event_id", "channel", "target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id"))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(254))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertRead(Base):
    """A user has seen an alert in the notification centre."""

    __tablename__ = "alert_reads"
    __table_args__ = (UniqueConstraint("alert_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertLogIsAppendOnly(EcoplanError):
    """Raised when code tries to change or delete an alert, event, attempt or read mark."""


refuse_changes((Alert, AlertEvent, AlertDelivery, AlertRead), AlertLogIsAppendOnly,
               "告警记录只能追加，不能修改或删除。",
               "The alert log is append-only; entries cannot be changed or deleted.")
