"""HJ 212 device registry tables: devices, their append-only event log, and held packets.

A held packet is the raw bytes of an upload from a device that is not (yet) registered and
approved: it was answered per the protocol and kept here until an operator approves the device
(``ecoplan devices approve MN``), which then loads it — onboarding a new logger loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes


class Hj212Device(Base):
    """A data logger (数采仪) identified by its MN."""

    __tablename__ = "hj212_devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), unique=True)
    # The protocol sends PW in clear text and the platform must put it in its own commands, so
    # the value itself is kept (it authenticates nothing on an untrusted network — §11).
    password: Mapped[str] = mapped_column(String(64), default="123456")
    device_type: Mapped[str] = mapped_column(String(16), default="other")
    dialect: Mapped[str] = mapped_column(String(8), default="auto")
    crc_policy: Mapped[str] = mapped_column(String(64), default="hj212")
    station_code: Mapped[str | None] = mapped_column(String(32))
    enterprise: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(128))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    code_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Hj212DeviceEvent(Base):
    """Append-only log of what happened with a device (registered, approved, refused, …)."""

    __tablename__ = "hj212_device_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    mn: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), default="gateway")
    peer: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Hj212HeldPacket(Base):
    """A raw packet of an unknown or unapproved device, held until the device is approved."""

    __tablename__ = "hj212_held_packets"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mn: Mapped[str] = mapped_column(String(64), index=True)
    cn: Mapped[str | None] = mapped_column(String(8))
    qn: Mapped[str | None] = mapped_column(String(24))
    peer: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DeviceEventsAreAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a device event."""


refuse_changes((Hj212DeviceEvent,), DeviceEventsAreAppendOnly,
               "设备事件日志只能追加，不能修改或删除。",
               "The device event log is append-only; entries cannot be changed or deleted.")


class Hj212Command(Base):
    """A platform → device command asked for by an operator (``ecoplan devices command``, the
    web) and carried out by the gateway worker the device is connected to.

    The row holds the current state; every status change is also appended to the device event
    log (``hj212_device_events``, kinds ``command-…``). Status: ``queued`` → ``sent`` → ``ok`` /
    ``rejected`` / ``failed`` / ``no-answer`` / ``timeout``; or ``not-connected`` (no gateway
    worker had the device connected before ``expires_at``), ``expired`` (no gateway claimed it, or
    the worker stopped before the outcome), ``cancelled`` (withdrawn while still queued).
    """

    __tablename__ = "hj212_commands"
    id: Mapped[int] = mapped_column(primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), index=True)
    cn: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    qn: Mapped[str | None] = mapped_column(String(24))
    worker: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    qn_rtn: Mapped[int | None] = mapped_column(Integer)
    exe_rtn: Mapped[int | None] = mapped_column(Integer)
    responses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
