"""HJ 212-2025 over real TCP: a simulated logger encrypts its uploads, asks for a key (CN 1014),
gets an operator-forced rotation pushed, keeps sending through both rotations, heartbeats, re-sends
with RF=1 — and the lake holds every hour exactly once; no key or plaintext in any log."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ecoplan.devices import encode
from ecoplan.devices import simulator as sim
from ecoplan.devices.crypto import encrypt_packet
from ecoplan.devices.device_registry import add_device, events
from ecoplan.devices.gateway import GatewayConfig
from ecoplan.devices.keys import issue_key, key_report, set_profile, vault_for
from ecoplan.devices.runtime import open_gateway
from ecoplan.devices.sim2025 import SimLogger2025
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.workspace import Workspace, init_workspace

MN = "5A0000000000000000002025"


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    w = Workspace()
    import_bundled(w.engine, ("shanxi",))
    return w


async def _until(cond, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    t = 0.0
    while not cond():
        if t > seconds:
            return False
        await asyncio.sleep(0.05)
        t += 0.05
    return True


def test_encrypting_logger_through_key_rotation(ws: Workspace, caplog: pytest.LogCaptureFixture,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    series = sim.hourly_source(stations=1, hours=12)
    code = next(iter(series))
    add_device(ws.engine, MN, device_type="air", station_code=code, dialect="2025")
    set_profile(ws.engine, MN, encryption="required")
    vault = vault_for(ws)
    first, first_text = issue_key(ws.engine, vault, MN, origin="operator", actor="test")
    texts = [first_text]
    hours = [m for m in series[code] if any(v is not None for v in m.values.values())][:9]
    out: dict = {}

    async def go() -> None:
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0, registry_refresh=0.2))
        port = await rt.gateway.start()
        dev = SimLogger2025(MN, key=first_text.encode(), series=hours, kind="hour",
                            stats=sim.SimStats(), over_time=3, re_count=2, st="22")
        assert await sim.connect(dev, "127.0.0.1", port)
        ups = dev.uploads()
        for _ in range(3):
            assert await dev.send_reliably(*next(ups))
        assert await dev.heartbeat()
        # 1. the logger asks for a new key (CN 1014, under its key) and switches to it
        assert await dev.request_key()
        texts.append(dev.key.decode())
        for _ in range(3):
            assert await dev.send_reliably(*next(ups))
        # 2. an operator forces a rotation: the gateway pushes the new key under the old one
        loop = asyncio.get_running_loop()
        _, forced = await loop.run_in_executor(
            None, lambda: issue_key(ws.engine, vault, MN, origin="rotation", actor="test"))
        texts.append(forced)
        await asyncio.sleep(1.5)  # the gateway refreshes its key cache
        assert await dev.send_reliably(*next(ups))  # still under the old key: in grace
        assert await _until(lambda: dev.key_changes == 2)
        assert dev.key.decode() == forced
        for _ in range(2):
            assert await dev.send_reliably(*next(ups))
        # 3. an RF=1 re-send of an hour already stored (new QN): answered, not stored twice
        raw, expected = dev.build("2061", sim.cp_for(hours[0], "hour"))
        plain = encode.frame(encode.segment(
            qn=expected.split(b"QN=")[1][:17].decode(), st="22", cn="2061", pw="123456", mn=MN,
            flag=9, cp=sim.cp_for(hours[0], "hour")).replace(";Flag=9;", ";Flag=9;RF=1;"))
        resend = encrypt_packet(dev.key, plain.rstrip(b"\r\n")[6:-4])
        assert await dev.send_reliably(resend, expected)
        # 4. a plain upload from a device whose policy is `required`: refused, no 9014
        plain_raw = encode.frame(encode.segment(qn="20260701102318561", st="22", cn="2061",
                                                pw="123456", mn=MN, flag=9,
                                                cp=sim.cp_for(hours[1], "hour")))
        dev.transport.write(plain_raw)
        await asyncio.sleep(0.5)
        # 5. a packet under a wrong key: refused
        dev.transport.write(encrypt_packet(b"W" * 16, plain.rstrip(b"\r\n")[6:-4]))
        await asyncio.sleep(0.5)
        out["stats"] = rt.gateway.stats.as_dict()
        out["sec"] = rt.gateway.hj2025.stats.as_dict()
        out["live"] = rt.gateway.live.snapshot(MN)
        out["sim"] = dev.stats.as_dict()
        dev.transport.close()
        await rt.gateway.stop()
        await loop.run_in_executor(None, rt.close)

    asyncio.run(go())
    assert out["sim"]["unanswered"] == 0 and out["sim"]["bad_replies"] == 0
    sec, stats = out["sec"], out["stats"]
    assert sec["key_requests"] == 1 and sec["keys_issued"] == 1 and sec["keys_pushed"] == 2
    assert sec["plain_refused"] == 1 and sec["decrypt_failed"] == 1 and sec["heartbeats"] == 1
    assert sec["resends"] == 1
    assert stats["rejected"] == {"not-encrypted": 1, "decrypt-failed": 1}
    assert stats["encryption"] == sec  # the 2025 counters travel with the gateway statistics
    assert out["live"]["devices"][0]["online"] is True
    # every hour stored once, with the values sent (no loss, no duplicate)
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    mine = lake[lake.station_code == code]
    assert len(mine) == len(hours) and not mine.duplicated(["station_code", "timestamp"]).any()
    assert sorted(mine["timestamp"].dt.strftime("%Y-%m-%d %H:%M")) == sorted(
        m.time.strftime("%Y-%m-%d %H:%M") for m in hours)
    # key events: created, rotated (device request), rotated (operator), sent twice, delivered
    kinds = [e.kind for e in events(ws.engine, MN, 200)]
    assert kinds.count("key-rotated") == 2 and kinds.count("key-sent") == 2
    assert "key-created" in kinds and kinds.count("key-delivered") >= 2
    states = [k["state"] for k in key_report(ws.engine, MN)]
    assert states[0] == "active" and states[1:] == ["grace", "grace"]
    # no key and no plaintext data area in any log: events, Python logging, stdout/stderr
    logs = " ".join(str(e.detail) for e in events(ws.engine, None, 1000))
    logs += caplog.text + "".join(capfd.readouterr())
    for t in texts:
        assert t not in logs
    assert "DataTime=" not in logs and "a34004-Avg" not in logs


def test_expired_key_is_rotated_by_the_gateway(ws: Workspace) -> None:
    """A key past its rotation period (``rotate_days``) is replaced after the device's next
    encrypted packet: new key issued (origin ``expiry``), pushed with CN 1014 under the old
    key, the logger switches and goes on; platform requests of §6.4.4 CNs go out encrypted."""
    from sqlalchemy import update

    from ecoplan.devices.crypto import open_sealed, unseal
    from ecoplan.store.db import session_scope
    from ecoplan.store.hj212_keys_models import Hj212DeviceKey

    series = sim.hourly_source(stations=1, hours=6)
    code = next(iter(series))
    hours = [m for m in series[code] if any(v is not None for v in m.values.values())][:4]
    add_device(ws.engine, MN, device_type="air", station_code=code, dialect="2025")
    set_profile(ws.engine, MN, encryption="required", rotate_days=90)
    key, text = issue_key(ws.engine, vault_for(ws), MN, origin="operator", actor="test")
    with session_scope(ws.engine) as s:  # the key is 91 days old
        s.execute(update(Hj212DeviceKey).where(Hj212DeviceKey.id == key.id).values(
            created_at=key.created_at - timedelta(days=91),
            expires_at=key.created_at - timedelta(days=1)))
    out: dict = {}

    async def go() -> None:
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0, registry_refresh=0.2))
        port = await rt.gateway.start()
        dev = SimLogger2025(MN, key=text.encode(), series=hours, kind="hour",
                            stats=sim.SimStats(), over_time=3, re_count=2, st="22")
        assert await sim.connect(dev, "127.0.0.1", port)
        ups = dev.uploads()
        assert await dev.send_reliably(*next(ups))
        assert await _until(lambda: dev.key_changes == 1)
        for _ in range(3):
            assert await dev.send_reliably(*next(ups))
        sent = rt.gateway.hj2025.outbound(MN, "2061", encode.request_history(
            "2061", datetime(2019, 1, 1), datetime(2019, 1, 2), mn=MN, pw="123456",
            qn="20261206120000000", dialect="2025"))
        out["opened"] = open_sealed(unseal(sent), dev.key)
        out["plain_cmd"] = rt.gateway.hj2025.outbound(MN, "1012", b"##0000X\r\n")
        out["sec"] = rt.gateway.hj2025.stats.as_dict()
        dev.transport.close()
        await rt.gateway.stop()
        await asyncio.get_running_loop().run_in_executor(None, rt.close)

    asyncio.run(go())
    assert out["sec"]["keys_issued"] == 1 and out["sec"]["keys_pushed"] == 1
    assert out["opened"] is not None and b"CN=2061" in out["opened"]
    assert out["plain_cmd"] == b"##0000X\r\n"  # 1012 is not under encryption
    report = key_report(ws.engine, MN)
    assert [r["state"] for r in report] == ["active", "grace"]
    assert report[0]["origin"] == "expiry"
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert len(lake[lake.station_code == code]) == len(hours)
