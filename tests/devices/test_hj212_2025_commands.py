"""HJ 212-2025 commands over real TCP: 9015 heartbeat → 9013 and online state; 2013 raw data and
2052/2062/2111 into their lake datasets (an RF=1 re-send stored once); 1001 identity through the
command queue and MN assignment (1002 queued); ST 44/45 devices registrable."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.devices import command_queue as cq
from ecoplan.devices import encode
from ecoplan.devices import simulator as sim
from ecoplan.devices.device_registry import add_device, events
from ecoplan.devices.gateway import GatewayConfig
from ecoplan.devices.keys import get_profile
from ecoplan.devices.runtime import open_gateway
from ecoplan.devices.sim2025 import SimLogger2025
from ecoplan.store.workspace import Workspace, init_workspace

MN = "5A0000000000000000004401"
RAW_CP = ("DataTime=20260701100000;SampleTime=20260701093000;CompleteTime=20260701095500;"
          "SampleType=1;a24088-Avg=12.5,a24088-Flag=N;a25002-Avg=0.8,a25002-Flag=N")


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    return Workspace()


def test_2025_commands_end_to_end(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    add_device(ws.engine, MN, device_type="power", dialect="2025")  # ST 44
    add_device(ws.engine, "5A0000000000000000004501", device_type="process")  # ST 45
    out: dict = {}

    async def go() -> None:
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
        rt.gateway.command_queue.poll_interval = 0.1
        port = await rt.gateway.start()
        dev = SimLogger2025(MN, key=None, series=[], stats=sim.SimStats(), over_time=3,
                            re_count=1, st="44", cpuid="CPU-0x1F2E3D4C", mac="00:1A:2B:3C:4D:5E")
        assert await sim.connect(dev, "127.0.0.1", port)
        assert await dev.heartbeat()
        out["live"] = rt.gateway.live.snapshot(MN)["devices"][0]
        for cn, cp in (("2013", RAW_CP),
                       ("2111", "DataTime=20260701100000;a01901-Avg=230.5,a01901-Flag=N"),
                       ("2052", "DataTime=20260701100000;e70201-Avg=12,e70201-Flag=N"),
                       ("2062", "DataTime=20260701100000;e70201-Avg=13,e70201-Min=1,"
                                "e70201-Max=20,e70201-Flag=N")):
            assert await dev.send_reliably(*dev.build(cn, cp))
        # the same raw data re-sent (补传, RF=1, new QN): answered, counted, stored once
        raw, expected = dev.build("2013", RAW_CP)
        raw = raw.replace(b";Flag=9;", b";Flag=9;RF=1;")
        raw = encode.frame(raw.rstrip(b"\r\n")[6:-4])
        assert await dev.send_reliably(raw, expected)
        loop = asyncio.get_running_loop()
        cid = await loop.run_in_executor(
            None, lambda: cq.enqueue(ws, MN, "1001", requested_by="test"))
        for _ in range(100):
            cmd = await loop.run_in_executor(None, lambda: cq.get(ws, cid))
            if cmd.finished:
                break
            await asyncio.sleep(0.1)
        out["cmd"] = cmd.status
        await asyncio.sleep(0.3)
        out["sec"] = rt.gateway.hj2025.stats.as_dict()
        dev.transport.close()
        await rt.gateway.stop()
        await loop.run_in_executor(None, rt.close)

    asyncio.run(go())
    assert out["live"]["online"] is True and out["live"]["last_heartbeat"]
    assert out["sec"]["heartbeats"] == 1 and out["sec"]["resends"] == 1
    assert out["cmd"] == "ok" and out["sec"]["identities"] == 1
    raw = ws.lake.read_arrow("hj212_raw").to_pandas().sort_values("code")
    assert len(raw) == 2 and raw["mn"].tolist() == [MN, MN]
    assert raw["code"].tolist() == ["a24088", "a25002"] and raw["value"].tolist() == [12.5, 0.8]
    assert raw["sample_time"].dt.strftime("%H:%M").tolist() == ["09:30", "09:30"]
    assert raw["complete_time"].dt.strftime("%H:%M").tolist() == ["09:55", "09:55"]
    assert raw["sample_type"].tolist() == ["1", "1"] and raw["flag"].isna().all()
    d25 = ws.lake.read_arrow("hj212_data_2025").to_pandas().sort_values("cn")
    assert d25["cn"].tolist() == ["2052", "2062", "2111"]
    assert d25["value"].tolist() == [12.0, 13.0, 230.5] and d25["max"].tolist()[1] == 20.0
    prof = get_profile(ws.engine, MN)
    assert prof.cpuid == "CPU-0x1F2E3D4C" and prof.mac1 == "00:1A:2B:3C:4D:5E"
    assert "identity" in [e.kind for e in events(ws.engine, MN)]
    capsys.readouterr()
    assert main(["devices", "identity", MN, "--assign-mn", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert len(res["assigned_mn"]) == 24
    queued = cq.get(ws, res["command_id"])
    assert queued.cn == "1002" and queued.params == {"NewMN": res["assigned_mn"]}
    from ecoplan.devices.device_registry import load_devices

    assigned = load_devices(ws.engine)[res["assigned_mn"]]  # registered like the old MN
    assert assigned.device_type == "power" and assigned.dialect == "2025"
