"""Dust spraying end to end: sites in the database (SQLite and PostgreSQL), a real HJ 212
gateway on 127.0.0.1 with a simulated dust monitor sending rising then falling PM10 and a
simulated spray controller answering 9011/9012, the controller pass reading the gateway's live
snapshot file and queuing ON then OFF through the command queue."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecoplan.demo.dust import SprayControllerSim, realtime_pm10, run_dust_demo
from ecoplan.devices import command_queue as cq
from ecoplan.devices import simulator as sim
from ecoplan.devices.device_registry import add_device, load_devices
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.live_state import read_snapshot
from ecoplan.devices.sinks import MeasurementSink
from ecoplan.store import db
from ecoplan.store.db import session_scope
from ecoplan.store.supervision_dust_models import DustAction, DustActionsAreAppendOnly
from ecoplan.supervision import dust_service as ds
from tests.devices.conftest import HOST, Collected

MONITOR = "DUST0000000001"
SPRAYER = "SPRAY000000001"
ON = {"SprayCtrl": "1"}
OFF = {"SprayCtrl": "0"}


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    eng = db.make_engine(db_url)
    add_device(eng, MONITOR, device_type="dust", station_code="DUST1")
    add_device(eng, SPRAYER, device_type="other")
    yield eng
    eng.dispose()


def test_sites_add_edit_list_and_bad_input(engine) -> None:  # type: ignore[no-untyped-def]
    site = ds.add_site(engine, "YD-1", MONITOR, [ds.controller_config(SPRAYER)],
                       name="料场 1", upper=150, lower=100)
    assert (site["upper"], site["lower"], site["start_after"], site["gap_s"]) == (150, 100, 2, 600)
    assert site["controllers"][0]["on"] == {"cn": "3021", "params": {"SprayCtrl": "1"}}
    ds.add_site(engine, "YD-2", MONITOR, [], parameter="tsp")
    got = ds.edit_site(engine, "YD-1", lower=90, start_after=1)
    assert (got["lower"], got["start_after"], got["name"]) == (90, 1, "料场 1")
    assert [s["code"] for s in ds.list_sites(engine)] == ["YD-1", "YD-2"]
    assert ds.list_sites(engine)[1]["upper"] == 300  # the tsp default
    with pytest.raises(ds.DustSiteError, match="already exists"):
        ds.add_site(engine, "YD-1", MONITOR, [])
    with pytest.raises(ds.DustSiteError, match="must be below upper"):
        ds.edit_site(engine, "YD-1", lower=500)
    with pytest.raises(ds.DustSiteError, match="no dust site with code NOPE"):
        ds.edit_site(engine, "NOPE", lower=1)
    with pytest.raises(ds.DustSiteError, match="has a separator"):
        ds.add_site(engine, "YD-3", MONITOR,
                    [ds.controller_config(SPRAYER, on={"SprayCtrl": "1;x"})])
    with pytest.raises(Exception, match="unsupported dust parameter"):
        ds.add_site(engine, "YD-4", MONITOR, [], parameter="so2")
    assert ds.list_sites(engine)[0]["lower"] == 90  # a refused edit changed nothing


def _snapshot(mn: str, value: float, at: datetime, flag: str = "N") -> dict[str, Any]:
    return {"values": {mn: {"a34002": {"value": value, "kind": "Rtd", "flag": flag, "cn": "2011",
                                       "data_time": at.isoformat(), "received_at": at.isoformat()}}}}


def test_pass_persists_state_logs_and_handles_gaps(engine) -> None:  # type: ignore[no-untyped-def]
    ds.add_site(engine, "YD-1", MONITOR, [ds.controller_config(SPRAYER, alarm={"AlarmCtrl": "1"})],
                upper=150, lower=100, start_after=1, min_run_s=0, gap_s=300)
    t0 = datetime(2026, 11, 28, 9, 0)
    assert ds.control_pass(engine, None, snapshot=_snapshot(MONITOR, 80, t0), now=t0) == []
    acts = ds.control_pass(engine, None, snapshot=_snapshot(MONITOR, 180, t0 + timedelta(minutes=1)),
                           now=t0 + timedelta(minutes=1))
    assert [(a["action"], a["reason"]) for a in acts] == [("on", "upper"), ("alarm", "upper")]
    on_cmd, alarm_cmd = (cq.get(engine, a["command_ids"][0]) for a in acts)
    assert (on_cmd.mn, on_cmd.cn, on_cmd.params) == (SPRAYER, "3021", ON)
    assert alarm_cmd.params == {"AlarmCtrl": "1"} and on_cmd.requested_by == "dust-control:YD-1"
    assert acts[0]["detail"]["reading"]["value"] == 180
    # the same snapshot again (a restarted controller): nothing new, no second start
    assert ds.control_pass(engine, None, snapshot=_snapshot(MONITOR, 180, t0 + timedelta(minutes=1)),
                           now=t0 + timedelta(minutes=2)) == []
    assert ds.list_sites(engine)[0]["spraying"] is True
    # the gateway stops: no new data for more than 5 min → stop + 数据中断
    acts = ds.control_pass(engine, None, snapshot=None, now=t0 + timedelta(minutes=7))
    assert [(a["action"], a["reason"]) for a in acts] == [("off", "gap"), ("alarm", "gap")]
    assert cq.get(engine, acts[0]["command_ids"][0]).params == OFF
    assert "数据中断" in acts[1]["reason_zh"]
    log = ds.action_log(engine, site="YD-1")
    assert [a["action"] for a in log] == ["alarm", "off", "alarm", "on"]
    with pytest.raises(DustActionsAreAppendOnly), session_scope(engine) as s:
        row = s.get(DustAction, log[0]["id"])
        row.value = 2.0  # an edited entry is refused
        s.flush()
    assert ds.action_log(engine, site="YD-1")[0]["value"] is None


def test_unregistered_controller_is_logged_not_fatal(engine) -> None:  # type: ignore[no-untyped-def]
    ds.add_site(engine, "YD-9", MONITOR, [ds.controller_config("NOT-REGISTERED")],
                upper=150, lower=100, start_after=1)
    t0 = datetime(2026, 11, 28, 9, 0)
    acts = ds.control_pass(engine, None, snapshot=_snapshot(MONITOR, 300, t0), now=t0)
    assert acts[0]["action"] == "on" and acts[0]["command_ids"] == []
    assert "not registered" in acts[0]["detail"]["errors"][0]["en"]


def test_gateway_monitor_and_spray_controller_end_to_end(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ds.add_site(engine, "YD-1", MONITOR, [ds.controller_config(SPRAYER, on=ON, off=OFF)],
                upper=150, lower=100, start_after=1, min_run_s=0, min_pause_s=0)
    home = tmp_path / "home"
    home.mkdir()
    stats = sim.SimStats()
    monitor = sim.SimDevice(MONITOR, st="39", series=[], stats=stats, over_time=2)
    sprayer = SprayControllerSim(SPRAYER, over_time=2)

    async def main() -> list[list[dict[str, Any]]]:
        out = Collected()
        gw = Gateway(GatewayConfig(host=HOST, port=0, live_snapshot_home=home,
                                   live_snapshot_interval=0.0),
                     registry_loader=lambda: load_devices(engine),
                     sink=MeasurementSink(out, interval=0.05))
        gw.command_queue = cq.CommandQueue(engine, worker="dust-test", poll_interval=0.1,
                                           over_time=2.0, re_count=1)
        port = await gw.start()
        passes = []
        try:
            assert await sim.connect(monitor, HOST, port)
            assert await sim.connect(sprayer, HOST, port)
            assert await sprayer.send_reliably(*sprayer.build("2011", "DataTime="
                                                              f"{datetime.now():%Y%m%d%H%M%S}"))
            for value in (60.0, 180.0, 130.0, 90.0):  # rising, then falling PM10
                assert await monitor.send_reliably(*realtime_pm10(monitor, value))
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:  # the gateway rewrites its snapshot
                    snap = await asyncio.to_thread(read_snapshot, home)
                    got = (snap or {}).get("values", {}).get(MONITOR, {}).get("a34002")
                    if got and got["value"] == value:
                        break
                    await asyncio.sleep(0.1)
                passes.append(await asyncio.to_thread(ds.control_pass, engine, home))
                ids = [i for a in passes[-1] for i in a["command_ids"]]
                deadline = time.monotonic() + 15
                while ids and time.monotonic() < deadline:
                    rows = [await asyncio.to_thread(cq.get, engine, i) for i in ids]
                    if all(r.finished for r in rows):
                        break
                    await asyncio.sleep(0.1)
        finally:
            for d in (monitor, sprayer):
                if d.transport is not None:
                    d.transport.close()
            await gw.stop()
            gw.sink.close()
        return passes

    passes = asyncio.run(main())
    assert [[(a["action"], a["reason"]) for a in p] for p in passes] == [
        [], [("on", "upper"), ("alarm", "upper")], [], [("off", "lower")]]
    assert sprayer.command_log == [("3021", ON), ("3021", OFF)]
    assert sprayer.spraying is False
    on_id = passes[1][0]["command_ids"][0]
    off_id = passes[3][0]["command_ids"][0]
    for cid in (on_id, off_id):
        row = cq.get(engine, cid)
        assert (row.status, row.qn_rtn, row.exe_rtn, row.worker) == ("ok", 1, 1, "dust-test")
    log = ds.action_log(engine, site="YD-1")
    assert [(a["action"], a["command_ids"]) for a in log] == [
        ("off", [off_id]), ("alarm", []), ("on", [on_id])]
    assert log[2]["value"] == 180 and log[2]["detail"]["reading"]["cn"] == "2011"


def test_a_spray_command_not_executed_raises_an_alarm(engine) -> None:  # type: ignore[no-untyped-def]
    ds.add_site(engine, "YD-1", MONITOR, [ds.controller_config(SPRAYER)],
                upper=150, lower=100, start_after=1, alarm_on_start=False)
    t0 = datetime(2026, 11, 28, 9, 0)
    (on,) = ds.control_pass(engine, None, snapshot=_snapshot(MONITOR, 200, t0), now=t0)
    # still queued (no gateway yet): nothing to say
    assert ds.control_pass(engine, None, snapshot=None, now=t0 + timedelta(seconds=30)) == []
    cq.cancel(engine, on["command_ids"][0], by="operator")  # never reaches the sprayer
    (alarm,) = ds.control_pass(engine, None, snapshot=None, now=t0 + timedelta(seconds=60))
    assert (alarm["action"], alarm["reason"]) == ("alarm", "command")
    assert f"{SPRAYER} (cancelled)" in alarm["reason_en"] and "启动" in alarm["reason_zh"]
    assert alarm["detail"]["failed_commands"][0]["id"] == on["command_ids"][0]
    # reported once
    assert ds.control_pass(engine, None, snapshot=None, now=t0 + timedelta(seconds=90)) == []


def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    from ecoplan.cli import main
    from ecoplan.store.workspace import Workspace

    assert main(["init"]) == 0
    said: list[str] = []
    out = run_dust_demo(Workspace(), say=lambda zh, en: said.append(en))
    assert [(a["action"], a["reason"]) for a in out["actions"]] == [
        ("on", "upper"), ("alarm", "upper"), ("off", "lower")]
    assert out["sprayer_commands"] == [{"cn": "3021", "params": ON}, {"cn": "3021", "params": OFF}]
    assert out["spraying"] is False and len(said) == 4 and "spraying started" in said[1]
