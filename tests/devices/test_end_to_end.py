"""End to end on loopback: workspace (database + lake), gateway, simulated loggers replaying the
real 2019 Shanxi hours, the ingestion path, quarantine of an unknown device and its release."""

from __future__ import annotations

import asyncio
import csv
import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.devices import encode
from ecoplan.devices import simulator as sim
from ecoplan.devices.device_registry import add_device, held_packets
from ecoplan.devices.gateway import GatewayConfig
from ecoplan.devices.runtime import open_gateway
from ecoplan.ingest.flags import flag_history
from ecoplan.ingest.registry import import_bundled
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace, init_workspace

HOURS = 5


def _published(station: str, hours: int) -> list[dict[str, str]]:
    out = []
    with gzip.open(sample_path("realdata", "shanxi_hourly_2019.csv.gz"), "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["station_code"] == station:
                out.append(row)
                if len(out) == hours:
                    break
    return out


POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")


def _measured(codes: list[str]) -> int:
    """Published hours with at least one value (an hour with none sends an empty upload)."""
    return sum(any(r[p] for p in POLLUTANTS) for c in codes for r in _published(c, HOURS))


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    w = Workspace()
    import_bundled(w.engine, ("shanxi",))
    return w


def _run(ws: Workspace, devices: list[sim.SimDevice], extra: list[bytes] = ()) -> dict:
    async def go() -> dict:
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
        assert rt.storage_error is None
        port = await rt.gateway.start()
        res = await sim.simulate("127.0.0.1", port, devices, count=HOURS, rate=0)
        if extra:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            for raw in extra:
                w.write(raw)
            await w.drain()
            await asyncio.wait_for(r.read(4096), 5)
            w.close()
        await rt.gateway.stop()
        await asyncio.get_running_loop().run_in_executor(None, rt.close)
        return {"sim": res.as_dict(), "gw": rt.gateway.stats.as_dict(),
                "sink": rt.sink.stats}

    return asyncio.run(go())


def test_gateway_simulator_lake_quarantine_release(ws: Workspace, capsys) -> None:
    series = sim.hourly_source(stations=3, hours=HOURS)
    codes = sorted(series)
    devs = sim.make_devices(series, 3, over_time=5)
    for i in range(2):  # two registered stations; the third logger is unknown
        add_device(ws.engine, devs[i].mn, device_type="air", station_code=codes[i])
    flagged = encode.frame(
        f"QN=20261128120000001;ST=22;CN=2061;PW=123456;MN={devs[0].mn};Flag=5;"
        "CP=&&DataTime=20190301000000;a34004-Avg=33,a34004-Flag=D;a34002-Avg=50,a34002-Flag=N&&")
    out = _run(ws, devs, [flagged])
    assert out["sim"]["answered"] == 3 * HOURS and out["sim"]["retransmitted"] == 0
    assert out["sink"].failures == 0, out["sink"].last_error

    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert len(lake) == _measured(codes[:2]) + 1
    for code in codes[:2]:
        got = lake[(lake.station_code == code) & (lake.timestamp.dt.month == 1)].sort_values("timestamp")
        pub = [r for r in _published(code, HOURS) if any(r[p] for p in POLLUTANTS)]
        assert [t.strftime("%Y-%m-%d %H:%M") for t in got["timestamp"]] == [r["timestamp"] for r in pub]
        for p in POLLUTANTS:
            assert got[p].fillna(-1).tolist() == [float(r[p] or -1) for r in pub]
    # the D-flagged PM2.5 value is stored as sent, with its HJ 212 flag, and in the flag history
    march = lake[lake.timestamp.dt.month == 3]
    assert march["pm25"].tolist() == [33.0] and march["pm10"].tolist() == [50.0]
    assert march["pm25_flag"].tolist() == ["hj212:D"] and march["pm10_flag"].isna().all()
    assert lake[lake.timestamp.dt.month == 1][[f"{p}_flag" for p in POLLUTANTS]].isna().all().all()
    hist = flag_history(ws.engine, "air_hourly", codes[0], datetime(2019, 3, 1, 1))
    assert [(h["parameter"], h["flag"]) for h in hist] == [("pm25", "hj212:D")]
    assert "instrument fault" in hist[0]["reason"]

    held = held_packets(ws.engine)
    assert len([h for h in held if h.mn == devs[2].mn]) == HOURS
    assert not [h for h in held if h.mn == devs[0].mn]  # a flagged value holds nothing back

    # the operator approves the unknown logger: its held hours are loaded, nothing lost
    code = main(["devices", "approve", devs[2].mn, "--type", "air", "--station", codes[2], "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0 and res["released"]["released"] == HOURS
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert len(lake[lake.station_code == codes[2]]) == _measured(codes[2:])

    # the same measurements again (new connections, new QNs): the lake does not change
    again = sim.make_devices(series, 3, over_time=5)
    _run(ws, again)
    assert len(ws.lake.read_arrow("air_hourly")) == _measured(codes) + 1

    code = main(["devices", "list", "--json"])
    listed = {d["mn"]: d for d in json.loads(capsys.readouterr().out)}
    assert listed[devs[2].mn]["approved"] and listed[devs[2].mn]["held_packets"] == 0
