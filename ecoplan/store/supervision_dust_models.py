"""Dust spraying tables: sites (a dust monitor ↔ its spray controllers and thresholds), the
controller's persisted state per site, and the append-only action log.

A site's ``controllers`` is a list of ``{"mn": …, "on": {"cn": …, "params": {…}}, "off": {…},
"alarm": {…} | null}``: HJ 212 has no standard spray command, so the command that switches a
controller is configured per vendor (docs/dust-control.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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


class DustSite(Base):
    """A dust-prone point (堆场、装卸、破碎、施工工地 …) with its monitor and sprayers."""

    __tablename__ = "dust_sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(String(128))
    enterprise: Mapped[str | None] = mapped_column(String(128))
    monitor_mn: Mapped[str] = mapped_column(String(64), index=True)
    parameter: Mapped[str] = mapped_column(String(8), default="pm10")
    upper: Mapped[float] = mapped_column(Float)
    lower: Mapped[float] = mapped_column(Float)
    start_after: Mapped[int] = mapped_column(Integer, default=1)
    min_run_s: Mapped[float] = mapped_column(Float, default=0)
    min_pause_s: Mapped[float] = mapped_column(Float, default=0)
    max_run_s: Mapped[float | None] = mapped_column(Float)
    gap_s: Mapped[float | None] = mapped_column(Float)
    alarm_on_start: Mapped[bool] = mapped_column(Boolean, default=True)
    controllers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DustControlState(Base):
    """The rule's state of one site (so a restarted controller neither starts twice nor forgets
    that the sprayers run) and the last reading it used."""

    __tablename__ = "dust_control_state"
    site_id: Mapped[int] = mapped_column(ForeignKey("dust_sites.id"), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DustAction(Base):
    """Append-only: one start / stop / alarm, the values that caused it and the commands queued."""

    __tablename__ = "dust_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    parameter: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    command_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(64))


class DustActionsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a logged dust action."""


refuse_changes((DustAction,), DustActionsAreAppendOnly,
               "扬尘喷淋动作日志只能追加，不能修改或删除。",
               "The dust spraying action log is append-only; entries cannot be changed or deleted.")
