"""The HJ 212 command queue: operator API, atomic claims by gateway workers, and the full flow
through a real gateway and a simulated logger over TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import update

from ecoplan.devices import command_queue as cq
from ecoplan.devices import simulator as sim
from ecoplan.devices.device_registry import add_device, events, load_devices
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.sinks import MeasurementSink
from ecoplan.store import db
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212Command
from tests.devices.conftest import HOST, Collected

MN = "88888880000001"


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    eng = db.make_engine(db_url)
    add_device(eng, MN, device_type="air", station_code="S1")
    yield eng
    eng.dispose()


def _age(engine, cid: int, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Move a command's deadline into the past (as if it had waited ``seconds``)."""
    with session_scope(engine) as s:
        s.execute(update(Hj212Command).where(Hj212Command.id == cid)
                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=seconds)))


def test_enqueue_list_get_cancel_and_events(engine) -> None:  # type: ignore[no-untyped-def]
    a = cq.enqueue(engine, MN, "2061", {"BeginTime": "20261128000000",
                                        "EndTime": datetime(2026, 11, 28, 3)}, requested_by="ops")
    b = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    got = cq.get(engine, a)
    assert (got.mn, got.cn, got.status, got.requested_by) == (MN, "2061", "queued", "ops")
    assert got.params == {"BeginTime": "20261128000000", "EndTime": "20261128030000"}
    assert got.requested_at.tzinfo is not None and got.expires_at > got.requested_at
    assert [c.id for c in cq.list_commands(engine)] == [b, a]
    assert [c.id for c in cq.list_commands(engine, mn=MN, status="queued")] == [b, a]
    assert cq.list_commands(engine, mn="OTHER") == []
    done = cq.cancel(engine, b, by="ops")
    assert done.status == "cancelled" and done.finished_at is not None and done.finished
    with pytest.raises(cq.CommandError) as exc:
        cq.cancel(engine, b)
    assert "cancelled" in exc.value.en and "取消" in exc.value.zh
    with pytest.raises(cq.CommandError, match="no command with id 999"):
        cq.get(engine, 999)
    kinds = [e.kind for e in events(engine, MN)]
    assert kinds[:3] == ["command-cancelled", "command-queued", "command-queued"]
    d = cq.get(engine, a).as_dict()
    assert d["status_zh"] == "排队中，等待网关" and d["name_en"] == "get hour history"


@pytest.mark.parametrize(("cn", "params", "en"), [
    ("9999", {}, "unsupported command code CN=9999"),
    ("2061", {"BeginTime": "20261128000000"}, "needs EndTime"),
    ("2061", {"BeginTime": "2026-11-28", "EndTime": "20261128000000"}, "must be a time"),
    ("2061", {"BeginTime": "20261128050000", "EndTime": "20261128000000"}, "is after end"),
    ("1062", {"RtdInterval": 10}, "10 is outside 30–3600"),
    ("1062", {"RtdInterval": "abc"}, "must be an integer"),
    ("1064", {"MinInterval": 7}, "7 is not one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30"),
    ("1012", {"Foo": 1}, "takes no parameter Foo"),
    ("1012", {"PolId": "a01;x"}, "has a separator"),
    ("1000", {"OverTime": 100, "ReCount": 3}, "100 is outside 1–99"),
    ("3021", {"喷淋": "1"}, "takes no parameter 喷淋"),
    ("3021", {"SprayCtrl": "1;2"}, "has a separator"),
])
def test_bad_requests_are_refused_with_a_reason(cn: str, params: dict[str, object], en: str) -> None:
    with pytest.raises(cq.CommandError) as exc:
        cq.validate(cn, params)
    assert en in exc.value.en
    assert exc.value.zh != exc.value.en


def test_defaults_and_supported_set() -> None:
    assert {"1012", "1062", "1064", "2061", "2031", "2051"} <= set(cq.SUPPORTED_CNS)
    assert cq.validate("1064", {"MinInterval": "15"}) == {"MinInterval": "15"}
    wire = cq.wire_params("1012", cq.validate("1012", None))
    assert len(wire["SystemTime"]) == 14  # filled with the Beijing time when it is sent
    assert cq.explain_qn_rtn(3) == ("PW 错误", "wrong password (PW)")
    assert cq.explain_exe_rtn(100) == ("没有数据", "no data")
    # 3021: parameters are the field machine vendor's (e.g. a spray controller's switch)
    assert cq.validate("3021", {"SprayCtrl": 1, "PolId": "a34002"}) == {"SprayCtrl": "1",
                                                                         "PolId": "a34002"}


def test_unregistered_device_and_requester(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(cq.CommandError, match="not registered"):
        cq.enqueue(engine, "NOPE", "1012", {}, requested_by="ops")
    with pytest.raises(cq.CommandError, match="requested_by"):
        cq.enqueue(engine, MN, "1012", {}, requested_by="")


def test_two_workers_never_both_claim(engine) -> None:  # type: ignore[no-untyped-def]
    ids = [cq.enqueue(engine, MN, "1062", {"RtdInterval": 60 + i}, requested_by="ops")
           for i in range(5)]
    w1 = cq.CommandQueue(engine, worker="w1")
    w2 = cq.CommandQueue(engine, worker="w2")
    got1 = w1.claim([MN])
    got2 = w2.claim([MN])
    assert [c.id for c in got1] == ids and got2 == []
    assert all(c.status == "sent" and c.worker == "w1" for c in got1)
    # the same row cannot be finished twice either
    res = SimpleNamespace(status="ok", qn="20261128120000000", attempts=1, qn_rtn=1, exe_rtn=1,
                          responses=[])
    assert w1.finish(got1[0], res) is True
    assert w2.finish(got1[0], res) is False
    row = cq.get(engine, ids[0])
    assert (row.status, row.qn_rtn, row.exe_rtn, row.attempts) == ("ok", 1, 1, 1)


def test_unclaimed_commands_become_not_connected_or_expired(engine) -> None:  # type: ignore[no-untyped-def]
    a = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    b = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    w = cq.CommandQueue(engine, worker="w1")
    assert w.expire_unclaimed([]) == 0  # not yet due
    _age(engine, a, 1)
    assert w.expire_unclaimed([MN]) == 0  # connected here: it will be claimed, not expired
    assert w.expire_unclaimed([]) == 1
    assert cq.get(engine, a).status == "not-connected"
    _age(engine, b, cq.EXPIRY_GRACE + 5)  # no gateway at all: a reader marks it expired
    row = cq.get(engine, b)
    assert row.status == "expired" and "gateway" in (row.reason or "")


# ---------------------------------------------------------------------------- through the gateway


def _gateway(engine: Any, worker: str) -> tuple[Gateway, Collected]:
    out = Collected()
    gw = Gateway(GatewayConfig(host=HOST, port=0), registry_loader=lambda: load_devices(engine),
                 sink=MeasurementSink(out, interval=0.05))
    gw.command_queue = cq.CommandQueue(engine, worker=worker, poll_interval=0.1, over_time=2.0,
                                       re_count=1)
    return gw, out


async def _until_finished(engine: Any, ids: list[int], timeout: float = 30.0) -> list[cq.QueuedCommand]:
    deadline = time.monotonic() + timeout
    while True:
        rows = [await asyncio.to_thread(cq.get, engine, i) for i in ids]
        if all(r.finished for r in rows) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)


def test_queued_commands_carried_out_by_the_worker_holding_the_device(engine) -> None:  # type: ignore[no-untyped-def]
    series = sim.hourly_source(stations=1, hours=48)
    d = sim.make_devices(series, 1, over_time=2)[0]
    add_device(engine, d.mn, device_type="air", station_code="S0")
    hours = series[next(iter(series))]
    begin, end = hours[3].start, hours[5].start

    async def main() -> tuple[list[cq.QueuedCommand], Collected, Collected]:
        gw1, out1 = _gateway(engine, "w1")
        gw2, out2 = _gateway(engine, "w2")
        await gw1.start()
        port2 = await gw2.start()
        try:
            assert await sim.connect(d, HOST, port2)  # the device is on worker 2 only
            first = next(iter(d.uploads()))
            assert await d.send_reliably(*first)
            ids = [
                await asyncio.to_thread(cq.enqueue, engine, d.mn, "1012", {}, requested_by="t"),
                await asyncio.to_thread(cq.enqueue, engine, d.mn, "1062", {"RtdInterval": 60},
                                        requested_by="t"),
                await asyncio.to_thread(cq.enqueue, engine, d.mn, "2061",
                                        {"BeginTime": begin, "EndTime": end}, requested_by="t"),
                await asyncio.to_thread(cq.enqueue, engine, d.mn, "3011", {"PolId": "a34004"},
                                        requested_by="t"),
                await asyncio.to_thread(cq.enqueue, engine, MN, "1012", {}, requested_by="t",
                                        expires_in=0.3),
            ]
            rows = await _until_finished(engine, ids)
        finally:
            if d.transport is not None:
                d.transport.close()
            await gw1.stop()
            await gw2.stop()
            gw1.sink.close()
            gw2.sink.close()
        return rows, out1, out2

    (r1012, r1062, r2061, r3011, absent), out1, out2 = asyncio.run(main())
    assert (r1012.status, r1012.qn_rtn, r1012.exe_rtn, r1012.worker) == ("ok", 1, 1, "w2")
    assert len(r1012.qn or "") == 17 and r1012.attempts == 1
    assert r1062.status == "ok" and d.rtd_interval == 60
    assert r2061.status == "ok" and len(r2061.responses) == 3
    assert [r["params"]["DataTime"][:10] for r in r2061.responses] == [
        h.start.strftime("%Y%m%d%H") for h in hours[3:6]]
    assert (r3011.status, r3011.qn_rtn) == ("rejected", 8)  # the logger does not know 3011
    assert "QnRtn=8" in (r3011.reason or "")
    assert absent.status == "not-connected" and absent.worker is None
    # each command went to the device exactly once, in the order queued
    assert [c for c, _ in d.command_log] == ["1012", "1062", "2061", "3011"]
    assert len(d.command_log[0][1]["SystemTime"]) == 14
    # the hours sent back are normal uploads: stored through the ordinary path, by worker 2
    assert out2.rows == 4 and out1.rows == 0
    kinds = [e.kind for e in events(engine, d.mn, limit=500) if e.kind.startswith("command-")]
    assert kinds.count("command-queued") == 4 and kinds.count("command-sent") == 4
    assert kinds.count("command-ok") == 3 and kinds.count("command-rejected") == 1


def test_cli_command_wait_list_and_cancel(capsys: pytest.CaptureFixture[str]) -> None:
    from ecoplan.cli import main
    from ecoplan.store.workspace import Workspace

    assert main(["init"]) == 0
    ws = Workspace()
    series = sim.hourly_source(stations=1, hours=24)
    d = sim.make_devices(series, 1, over_time=2)[0]
    assert main(["devices", "add", d.mn, "--type", "air", "--station", "S0"]) == 0
    assert main(["devices", "add", MN, "--type", "air", "--station", "S1"]) == 0
    capsys.readouterr()
    ready = threading.Event()
    stop = threading.Event()

    def serve() -> None:
        async def run() -> None:
            gw, _ = _gateway(ws.engine, "cli-test")
            port = await gw.start()
            assert await sim.connect(d, HOST, port)
            assert await d.send_reliably(*next(iter(d.uploads())))
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            d.transport.close()  # type: ignore[union-attr]
            await gw.stop()
            gw.sink.close()

        asyncio.run(run())

    t = threading.Thread(target=serve)
    t.start()
    try:
        assert ready.wait(20)
        assert main(["devices", "command", d.mn, "--rtd-interval", "120", "--wait", "20",
                     "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["status"], out["qn_rtn"], out["exe_rtn"]) == ("ok", 1, 1)
        assert out["exe_rtn_zh"] == "执行成功" and d.rtd_interval == 120
        assert main(["--lang", "en", "devices", "command", d.mn, "3013", "--wait", "20"]) == 1
        text = capsys.readouterr().out
        assert "rejected" in text and "QnRtn" in text and "wrong CN" in text
    finally:
        stop.set()
        t.join(30)
    # a device that is not connected: queued, listed, cancelled
    assert main(["devices", "command", MN, "--hours", "20261128000000", "20261128030000",
                 "--json"]) == 0
    queued = json.loads(capsys.readouterr().out)
    assert queued["status"] == "queued" and queued["cn"] == "2061"
    assert main(["devices", "commands", "--status", "queued", "--json"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == [queued["id"]]
    assert main(["devices", "cancel", str(queued["id"])]) == 0
    assert main(["devices", "commands", "--mn", d.mn]) == 0
    table = capsys.readouterr().out
    assert "1062" in table and "3013" in table
    assert main(["devices", "command", MN, "1062", "-p", "RtdInterval=5"]) == 1
    assert "30–3600" in capsys.readouterr().err
    assert main(["devices", "command", MN]) == 1
    assert "--calibrate-time" in capsys.readouterr().err


def test_requeue_and_lost_workers(engine) -> None:  # type: ignore[no-untyped-def]
    a = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    w1 = cq.CommandQueue(engine, worker="w1")
    (cmd,) = w1.claim([MN])
    assert w1.requeue(cmd) is True  # the device moved before its turn: back in the queue
    row = cq.get(engine, a)
    assert (row.status, row.worker, row.sent_at) == ("queued", None, None)
    (cmd,) = cq.CommandQueue(engine, worker="w2").claim([MN])
    assert cmd.worker == "w2"
    with session_scope(engine) as s:  # worker w2 dies; an hour later a reader gives up on it
        s.execute(update(Hj212Command).where(Hj212Command.id == a).values(
            sent_at=datetime.now(UTC) - timedelta(seconds=cq.STALE_SENT + 1)))
    row = cq.get(engine, a)
    assert row.status == "expired" and "never recorded" in (row.reason or "")


@pytest.mark.slow
def test_gateway_processes_sharing_the_port_send_once(capsys: pytest.CaptureFixture[str],
                                                      workspace_home: Path) -> None:
    """``ecoplan gateway --workers 2`` (two processes, SO_REUSEPORT): the device is connected
    to one of them; ``devices command --wait`` gets the outcome; the logger receives it once."""
    from ecoplan.cli import main

    assert main(["init"]) == 0
    series = sim.hourly_source(stations=1, hours=24)
    d = sim.make_devices(series, 1, over_time=2)[0]
    assert main(["devices", "add", d.mn, "--type", "air", "--station", "S0"]) == 0
    capsys.readouterr()
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = int(s.getsockname()[1])
    env = dict(os.environ, ECOPLAN_HOME=str(workspace_home))
    proc = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "gateway", "--port", str(port),
                             "--duration", "18", "--workers", "2", "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    connected = threading.Event()
    stop = threading.Event()

    def device() -> None:
        async def run() -> None:
            assert await sim.connect(d, HOST, port, retries=200)
            assert await d.send_reliably(*next(iter(d.uploads())))
            connected.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            d.transport.close()  # type: ignore[union-attr]

        asyncio.run(run())

    t = threading.Thread(target=device)
    t.start()
    try:
        assert connected.wait(60)
        assert main(["devices", "command", d.mn, "--min-interval", "5", "--wait", "20",
                     "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
    finally:
        stop.set()
        t.join(30)
        proc.communicate(timeout=90)
    assert (out["status"], out["qn_rtn"], out["exe_rtn"]) == ("ok", 1, 1)
    assert d.min_interval == 5 and [c for c, _ in d.command_log] == ["1064"]
    assert proc.returncode == 0


def test_command_demo_step(capsys: pytest.CaptureFixture[str]) -> None:
    from ecoplan.cli import main
    from ecoplan.demo.devices import run_command_demo
    from ecoplan.store.workspace import Workspace

    assert main(["init"]) == 0
    said: list[str] = []
    out = run_command_demo(Workspace(), say=lambda zh, en: said.append(en))
    assert [(c["cn"], c["status"]) for c in out["commands"]] == [
        ("1012", "ok"), ("1062", "ok"), ("2061", "ok")]
    assert len(out["commands"][2]["responses"]) == 3 and len(said) == 3
