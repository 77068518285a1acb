"""The one interface the rest of ecoplan uses to manage HJ 212 devices.

The web pages, supervision (dust control) and the CLI list, register, edit and approve devices,
read the held packets and the event log, queue, read and cancel reverse commands and read the
live values through these functions — never through the gateway's internals or SQL of their own.
Measurements never pass here: the gateway hands them to ingestion (``ingest_frame``) through
:mod:`ecoplan.devices.sinks`, the same door as files.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from ecoplan.devices.codec import decode
from ecoplan.devices.command_queue import (
    DEFAULT_EXPIRES_IN,
    STATUS_TEXT,
    SUPPORTED_CNS,
    CommandError,
    QueuedCommand,
    cancel,
    enqueue,
    get,
    list_commands,
    validate,
)
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import (
    DeviceRecord,
    DeviceRegistryError,
    add_device,
    edit_device,
    events,
    held_counts,
    load_devices,
)
from ecoplan.devices.live_state import read_snapshot
from ecoplan.devices.runtime import _why_zh, check_packets, release_held
from ecoplan.standards.hj212_factors import device_types
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212DeviceEvent, Hj212HeldPacket
from ecoplan.store.workspace import Workspace

__all__ = [
    "STATUS_TEXT", "SUPPORTED_CNS", "CommandError", "DeviceRecord", "DeviceRegistryError",
    "QueuedCommand", "add_device", "approve_device", "cancel_command", "check_packets",
    "device_events", "device_presence", "edit_device", "get_command", "held_counts", "held_hint", "held_summary",
    "latest_held", "list_commands", "list_devices", "live_snapshot", "queue_command",
    "rejection_counts", "release_held", "target_reason_zh", "validate_command",
]

# -- devices ---------------------------------------------------------------------------------


def list_devices(engine: Engine) -> dict[str, DeviceRecord]:
    """Every registered device by MN."""
    return load_devices(engine)


def approve_device(ws: Workspace, mn: str, *, device_type: str | None, station_code: str | None,
                   enterprise: str | None, name: str | None = None, password: str | None = None,
                   actor: str) -> dict[str, Any]:
    """Approve a device (registering it first when unknown, with the password its held packets
    carry) and release its held packets into the lake."""
    before = load_devices(ws.engine).get(mn)
    if before is not None:
        rec = edit_device(ws.engine, mn, approved=True, device_type=device_type,
                          station_code=station_code, enterprise=enterprise, name=name,
                          actor=actor)
    else:
        password = password or held_hint(ws.engine, mn)["password"]
        rec = add_device(ws.engine, mn, device_type=device_type or "other",
                         station_code=station_code, enterprise=enterprise, name=name,
                         password=password or "123456", approved=True, actor=actor)
    released = release_held(ws, mn)
    return {"before": before.as_dict() if before is not None else None, "device": rec.as_dict(),
            "released": released}


def device_events(engine: Engine, mn: str | None = None, limit: int = 100
                  ) -> list[Hj212DeviceEvent]:
    """The append-only device event log, newest first."""
    return events(engine, mn, limit)


def rejection_counts(engine: Engine) -> dict[str, int]:
    """Refused packets (bad packet or wrong password) per MN."""
    with session_scope(engine) as s:
        rows = s.execute(select(Hj212DeviceEvent.mn, func.count(Hj212DeviceEvent.id))
                         .where(Hj212DeviceEvent.kind.in_(("rejected", "wrong-password")))
                         .group_by(Hj212DeviceEvent.mn)).all()
    return {mn: int(n) for mn, n in rows}


# -- held packets ----------------------------------------------------------------------------


def held_summary(engine: Engine) -> dict[str, dict[str, Any]]:
    """Per MN: how many packets are held and the first and last time one arrived."""
    h = Hj212HeldPacket
    with session_scope(engine) as s:
        rows = s.execute(select(h.mn, func.count(h.id), func.min(h.received_at),
                                func.max(h.received_at))
                         .where(h.released.is_(False)).group_by(h.mn)).all()
    return {mn: {"held": int(n), "held_first": first, "held_last": last}
            for mn, n, first, last in rows}


def latest_held(engine: Engine, mn: str, limit: int) -> list[Hj212HeldPacket]:
    """The device's newest unreleased held packets (without loading all of them)."""
    h = Hj212HeldPacket
    with session_scope(engine) as s:
        return list(s.scalars(select(h).where(h.mn == mn, h.released.is_(False))
                              .order_by(h.id.desc()).limit(limit)))


def held_hint(engine: Engine, mn: str) -> dict[str, str | None]:
    """What the device's latest held packet says about it: the PW it sends (to register it with,
    so its next packets are not refused) and the device type its system code ST suggests."""
    for h in latest_held(engine, mn, 5):
        p = decode(h.raw, crc_policy=VARIANTS).packet
        if p is not None:
            kind = next((k for k, v in device_types().items() if v.st and v.st == p.st), None)
            return {"password": p.pw or None, "device_type": kind}
    return {"password": None, "device_type": None}


def target_reason_zh(why: str) -> str:
    """Why an upload has no lake dataset (:func:`~ecoplan.devices.records.lake_target`), in
    Chinese."""
    return _why_zh(why)


# -- reverse commands ------------------------------------------------------------------------


def queue_command(ws: Workspace | Engine, mn: str, cn: str,
                  params: Mapping[str, object] | None = None, *, requested_by: str,
                  expires_in: float = DEFAULT_EXPIRES_IN) -> int:
    """Queue a reverse command for a device (validated now; sent by a gateway worker)."""
    return enqueue(ws, mn, cn, params, requested_by=requested_by, expires_in=expires_in)


def validate_command(cn: str, params: Mapping[str, object] | None) -> dict[str, str]:
    """The parameters of command ``cn`` checked and normalised (raises :class:`CommandError`)."""
    return validate(cn, params)


def get_command(ws: Workspace | Engine, command_id: int) -> QueuedCommand:
    return get(ws, command_id)


def cancel_command(ws: Workspace | Engine, command_id: int, *, by: str = "cli") -> QueuedCommand:
    """Cancel a command that has not been sent yet."""
    return cancel(ws, command_id, by=by)


# -- live values -----------------------------------------------------------------------------


def live_snapshot(home: Path) -> dict[str, Any] | None:
    """The newest values the running gateway workers published (merged over workers)."""
    return read_snapshot(home)



def device_presence(home: Path, now: datetime, silent_after: timedelta) -> dict[str, dict[str, Any]]:
    """Per MN seen by the gateway: ``last_seen`` and whether it is ``online`` (connected and a
    packet within ``silent_after`` of ``now``; naive local times as the gateway writes them)."""
    snap = read_snapshot(home) or {}
    out: dict[str, dict[str, Any]] = {}
    for d in snap.get("devices", []):
        try:
            seen = datetime.fromisoformat(str(d.get("last_seen")))
        except ValueError:
            continue
        if seen.tzinfo is not None:
            seen = seen.replace(tzinfo=None)
        online = bool(d.get("connected", True)) and d.get("online", True) is not False \
            and now - seen <= silent_after
        out[str(d["mn"])] = {"last_seen": seen, "online": online}
    return out
