"""The HJ 212 device registry: which MN is which logger, its password, type, dialect, CRC policy.

The tables are in :mod:`ecoplan.store.hj212_models`; this module reads them into an in-memory
snapshot the gateway consults per packet (refreshed when an operator edits a device) and holds
the operator actions behind ``ecoplan devices``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from ecoplan.devices.crc import VARIANTS
from ecoplan.errors import ValidationError
from ecoplan.standards.hj212_factors import device_types
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212Device, Hj212DeviceEvent, Hj212HeldPacket

DIALECT_CHOICES = ("auto", "2005", "2017", "2025")


class DeviceRegistryError(ValidationError):
    """A device registry action is invalid (unknown MN, bad CRC policy …)."""


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    mn: str
    password: str = "123456"
    device_type: str = "other"
    dialect: str = "auto"
    crc_policy: tuple[str, ...] = ("hj212",)
    station_code: str | None = None
    enterprise: str | None = None
    name: str | None = None
    approved: bool = False
    code_map: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"mn": self.mn, "device_type": self.device_type, "dialect": self.dialect,
                "crc_policy": "+".join(self.crc_policy), "station_code": self.station_code,
                "enterprise": self.enterprise, "name": self.name, "approved": self.approved,
                "code_map": dict(self.code_map), "units": dict(self.units)}


def parse_crc_policy(text: str) -> tuple[str, ...]:
    """``hj212``, ``hj212+modbus``, ``hj212+modbus+modbus-swapped`` or ``any``."""
    if text.strip() == "any":
        return VARIANTS
    parts = tuple(p.strip() for p in text.replace(",", "+").split("+") if p.strip())
    bad = [p for p in parts if p not in VARIANTS]
    if not parts or bad:
        raise DeviceRegistryError(
            f"CRC 策略无效：{text!r}（可选 hj212、modbus、modbus-swapped，用 + 连接，或 any）",
            f"invalid CRC policy {text!r} (use hj212, modbus, modbus-swapped joined by +, or any)",
        )
    return parts


def _record(d: Hj212Device) -> DeviceRecord:
    return DeviceRecord(mn=d.mn, password=d.password, device_type=d.device_type,
                        dialect=d.dialect, crc_policy=parse_crc_policy(d.crc_policy),
                        station_code=d.station_code, enterprise=d.enterprise, name=d.name,
                        approved=d.approved, code_map=dict(d.code_map or {}),
                        units=dict(d.units or {}))


def load_devices(engine: Engine) -> dict[str, DeviceRecord]:
    with session_scope(engine) as s:
        return {d.mn: _record(d) for d in s.scalars(select(Hj212Device))}


def registry_version(engine: Engine) -> tuple[Any, int]:
    """A cheap fingerprint that changes whenever a device is added or edited."""
    with session_scope(engine) as s:
        row = s.execute(select(func.max(Hj212Device.updated_at), func.count(Hj212Device.id))).one()
        return row[0], int(row[1])


def _validate(device_type: str | None, dialect: str | None, crc_policy: str | None) -> None:
    if device_type is not None and device_type not in device_types():
        raise DeviceRegistryError(
            f"设备类型无效：{device_type}（可选 {'、'.join(device_types())}）",
            f"invalid device type {device_type} (one of {', '.join(device_types())})")
    if dialect is not None and dialect not in DIALECT_CHOICES:
        raise DeviceRegistryError(f"协议版本无效：{dialect}（可选 {'、'.join(DIALECT_CHOICES)}）",
                                  f"invalid dialect {dialect} (one of {', '.join(DIALECT_CHOICES)})")
    if crc_policy is not None:
        parse_crc_policy(crc_policy)


def add_device(engine: Engine, mn: str, *, password: str = "123456", device_type: str = "other",
               dialect: str = "auto", crc_policy: str = "hj212", station_code: str | None = None,
               enterprise: str | None = None, name: str | None = None, approved: bool = True,
               actor: str = "cli") -> DeviceRecord:
    """Register a device (approved by default when an operator adds it)."""
    _validate(device_type, dialect, crc_policy)
    if not mn or len(mn) > 64:
        raise DeviceRegistryError("MN 为空或超过 64 个字符", "MN is empty or longer than 64 characters")
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        if s.scalar(select(Hj212Device).where(Hj212Device.mn == mn)) is not None:
            raise DeviceRegistryError(f"设备 {mn} 已登记，请用 devices edit 修改",
                                      f"device {mn} is already registered; use `devices edit`")
        d = Hj212Device(mn=mn, password=password, device_type=device_type, dialect=dialect,
                        crc_policy="+".join(parse_crc_policy(crc_policy)),
                        station_code=station_code, enterprise=enterprise, name=name,
                        approved=approved, code_map={}, units={}, created_at=now, updated_at=now)
        s.add(d)
        s.add(Hj212DeviceEvent(mn=mn, kind="registered", actor=actor,
                               detail=_record(d).as_dict()))
        return _record(d)


def edit_device(engine: Engine, mn: str, *, actor: str = "cli", **changes: Any) -> DeviceRecord:
    """Change fields of a registered device; the before/after goes to the event log."""
    changes = {k: v for k, v in changes.items() if v is not None}
    _validate(changes.get("device_type"), changes.get("dialect"), changes.get("crc_policy"))
    if "crc_policy" in changes:
        changes["crc_policy"] = "+".join(parse_crc_policy(changes["crc_policy"]))
    allowed = {"password", "device_type", "dialect", "crc_policy", "station_code", "enterprise",
               "name", "approved", "code_map", "units"}
    unknown = set(changes) - allowed
    if unknown:
        raise DeviceRegistryError(f"不能修改字段：{', '.join(sorted(unknown))}",
                                  f"cannot edit fields: {', '.join(sorted(unknown))}")
    with session_scope(engine) as s:
        d = s.scalar(select(Hj212Device).where(Hj212Device.mn == mn))
        if d is None:
            raise DeviceRegistryError(f"设备 {mn} 未登记", f"device {mn} is not registered")
        before = _record(d).as_dict()
        for k, v in changes.items():
            setattr(d, k, v)
        d.updated_at = datetime.now(UTC)
        after = _record(d).as_dict()
        s.add(Hj212DeviceEvent(mn=mn, kind="edited", actor=actor,
                               detail={"before": before, "after": after}))
        return _record(d)


def held_packets(engine: Engine, mn: str | None = None, *, released: bool = False) -> list[Hj212HeldPacket]:
    with session_scope(engine) as s:
        q = select(Hj212HeldPacket).where(Hj212HeldPacket.released == released)
        if mn:
            q = q.where(Hj212HeldPacket.mn == mn)
        return list(s.scalars(q.order_by(Hj212HeldPacket.id)))


def held_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        rows = s.execute(select(Hj212HeldPacket.mn, func.count(Hj212HeldPacket.id))
                         .where(Hj212HeldPacket.released.is_(False))
                         .group_by(Hj212HeldPacket.mn)).all()
        return {mn: int(n) for mn, n in rows}


def mark_released(engine: Engine, ids: Iterable[int], batch: str | None) -> None:
    ids = list(ids)
    if not ids:
        return
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        for h in s.scalars(select(Hj212HeldPacket).where(Hj212HeldPacket.id.in_(ids))):
            h.released = True
            h.released_at = now
            h.batch = batch


def events(engine: Engine, mn: str | None = None, limit: int = 100) -> list[Hj212DeviceEvent]:
    with session_scope(engine) as s:
        q = select(Hj212DeviceEvent)
        if mn:
            q = q.where(Hj212DeviceEvent.mn == mn)
        return list(s.scalars(q.order_by(Hj212DeviceEvent.id.desc()).limit(limit)))
