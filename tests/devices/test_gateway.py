"""The gateway over real TCP on 127.0.0.1: replies, split packets, duplicates, registry,
quarantine of unknown devices, reverse commands, limits and back-pressure."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import pytest

from ecoplan.devices import encode
from ecoplan.devices import simulator as sim
from ecoplan.devices.codec import decode
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.framer import Framer
from ecoplan.devices.gateway import CommandResult, Gateway, GatewayConfig
from ecoplan.devices.sinks import MeasurementSink
from tests.devices.conftest import HOST, ORACLE, Collected


async def _exchange(port: int, chunks: list[bytes], *, expect: int, timeout: float = 3.0,
                    pause: float = 0.0) -> list[bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    for c in chunks:
        writer.write(c)
        await writer.drain()
        if pause:
            await asyncio.sleep(pause)
    framer = Framer()
    got: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < deadline:
        try:
            data = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
        except TimeoutError:
            break
        if not data:
            break
        # replies only (ST=91): a clock check may also push a 1012 to a logger with an old QN
        got += [x for x in framer.feed(data) if isinstance(x, bytes) and b";ST=91;" in x]
    writer.close()
    return got


def _gateway(devices: dict[str, DeviceRecord] | None = None, **cfg: Any) -> tuple[Gateway, Collected]:
    out = Collected()
    sink = MeasurementSink(out, interval=0.05)
    return Gateway(GatewayConfig(host=HOST, port=0, **cfg), devices=devices or {}, sink=sink), out


def _approved(*mns: str, **kw: Any) -> dict[str, DeviceRecord]:
    return {m: DeviceRecord(mn=m, approved=True, device_type=kw.get("device_type", "air"),
                            station_code=kw.get("station_code", f"S{i}"),
                            crc_policy=kw.get("crc_policy", ("hj212",)))
            for i, m in enumerate(mns)}


def test_oracle_packets_replayed_byte_for_byte() -> None:
    """Every real packet sent as is; replies exactly as the protocol says (none on bad CRC)."""
    mns = {decode(p.raw, crc_policy=VARIANTS).packet.mn for p in ORACLE}

    async def main() -> tuple[list[bytes], Gateway]:
        gw, _ = _gateway(_approved(*{m for m in mns if m}))
        port = await gw.start()
        expected = [encode.reply_for(decode(p.raw).packet) for p in ORACLE if decode(p.raw).ok]
        n = sum(1 for e in expected if e is not None)
        got = await _exchange(port, [p.raw for p in ORACLE], expect=n)
        await gw.stop()
        gw.sink.close()
        return got, gw

    got, gw = asyncio.run(main())
    want = [r for p in ORACLE if (d := decode(p.raw)).ok and (r := encode.reply_for(d.packet))]
    assert got == want
    # the independent derived vector of the reference is among them
    assert (b"##0077QN=20210409112111947;ST=91;CN=9014;PW=123456;MN=DXCBZ000000005;Flag=4;"
            b"CP=&&&&EB01\r\n") in got
    assert gw.stats.rejected.get("crc-mismatch") == sum(p.expect == "bad" for p in ORACLE)
    assert gw.stats.rejected.get("crc-variant-refused") == sum(
        p.expect.startswith("modbus") for p in ORACLE)


def test_split_segments_duplicates_and_storage_once() -> None:
    mn = sim.device_mn(1)
    dev = sim.make_devices({"X": [sim.Measurement("X", datetime(2019, 1, 1, h), {"pm25": 10.0 + h,
                           "pm10": 20.0, "so2": None, "no2": 5.0, "o3": 50.0, "co": 0.5})
                           for h in range(3)]}, 1, first_index=1)[0]
    ups = list(dev.uploads())

    async def main() -> tuple[list[bytes], Gateway, Collected]:
        gw, out = _gateway(_approved(mn))
        port = await gw.start()
        stream = ups[0][0] + ups[1][0] + ups[1][0] + ups[2][0]  # packet 2 retransmitted
        chunks = [stream[i:i + 7] for i in range(0, len(stream), 7)]  # split everywhere
        got = await _exchange(port, chunks, expect=4)
        await gw.stop()
        gw.sink.close()
        return got, gw, out

    got, gw, out = asyncio.run(main())
    assert got == [ups[0][1], ups[1][1], ups[1][1], ups[2][1]]
    assert gw.stats.duplicates == 1
    assert out.rows == 3  # 3 station-hours, the retransmitted one stored once
    dataset, frame = out.frames[0]
    assert dataset == "air_hourly"
    assert list(frame["pm25"]) == [10.0, 11.0, 12.0]
    assert list(frame["timestamp"].dt.hour) == [0, 1, 2]  # the published hour-ending labels
    assert frame["so2"].isna().all()
    live = gw.live.snapshot(mn)["values"][mn]
    assert live["a34004"]["value"] == 12.0 and live["a34004"]["pollutant"] == "pm25"


def test_split_messages_each_part_answered_and_reassembled() -> None:
    mn = "88888880000137"
    parts = [encode.frame(
        f"QN=2018030310451300{i};ST=32;CN=2051;PW=123456;MN={mn};Flag=7;PNUM=2;PNO={i};"
        f"CP=&&DataTime=20180303104000;{c}-Avg=1.{i},{c}-Flag=N&&")
        for i, c in ((1, "w01018"), (2, "w21003"))]

    async def main() -> tuple[list[bytes], Gateway, Collected]:
        gw, out = _gateway(_approved(mn, device_type="water"))
        port = await gw.start()
        got = await _exchange(port, parts, expect=2)
        await gw.stop()
        gw.sink.close()
        return got, gw, out

    got, gw, out = asyncio.run(main())
    assert [decode(g).packet.qn for g in got] == ["20180303104513001", "20180303104513002"]
    assert gw.stats.splits_completed == 1 and gw.stats.rows == 2
    frame = out.frames[0][1]
    assert out.frames[0][0] == "water_samples"
    assert sorted(frame["parameter"]) == ["cod", "nh3_n"] and set(frame["unit"]) == {"mg/L"}


def test_wrong_password_refused_and_device_retransmits_after_overtime() -> None:
    series = sim.hourly_source(stations=1, hours=5)

    async def main() -> tuple[sim.SimulationResult, Gateway]:
        devs = sim.make_devices(series, 1, over_time=0.3, re_count=2, pw="999999")
        gw, out = _gateway(_approved(devs[0].mn))
        port = await gw.start()
        res = await sim.simulate(HOST, port, devs, count=2, rate=0)
        await gw.stop()
        gw.sink.close()
        assert out.rows == 0
        return res, gw

    res, gw = asyncio.run(main())
    s = res.as_dict()
    assert (s["sent"], s["answered"], s["retransmitted"], s["unanswered"]) == (6, 0, 4, 2)
    assert gw.stats.refused_password == 6


def test_reverse_commands_request_answer_data_result() -> None:
    series = sim.hourly_source(stations=1, hours=48)

    async def main() -> tuple[CommandResult, CommandResult, CommandResult, sim.SimDevice, Gateway, Collected]:
        devs = sim.make_devices(series, 1, over_time=2)
        d = devs[0]
        gw, out = _gateway(_approved(d.mn))
        port = await gw.start()
        await sim.connect(d, HOST, port)
        first = list(d.uploads())[0]
        assert await d.send_reliably(*first)  # the device says hello with one upload
        t = datetime(2026, 11, 28, 12, 0, 0)
        r1 = await gw.send_command(d.mn, "1012", {"SystemTime": t.strftime("%Y%m%d%H%M%S")})
        r2 = await gw.send_command(d.mn, "1062", {"RtdInterval": 60})
        begin = series[next(iter(series))][3].start
        end = series[next(iter(series))][5].start
        r3 = await gw.send_command(d.mn, "2061", {"BeginTime": begin.strftime("%Y%m%d%H%M%S"),
                                                  "EndTime": end.strftime("%Y%m%d%H%M%S")})
        d.transport.close()
        await gw.stop()
        gw.sink.close()
        return r1, r2, r3, d, gw, out

    r1, r2, r3, d, gw, out = asyncio.run(main())
    assert (r1.status, r1.qn_rtn, r1.exe_rtn) == ("ok", 1, 1)
    assert r2.status == "ok" and d.rtd_interval == 60
    assert r3.status == "ok" and len(r3.responses) == 3
    assert all(p.cn == "2061" and p.qn != r3.qn for p in r3.responses)  # matched by MN+CN+window
    assert out.rows == 4  # the hello hour and the 3 requested hours
    assert [c for c, _ in d.command_log] == ["1012", "1062", "2061"]


def test_command_to_absent_device_is_a_clear_error() -> None:
    from ecoplan.devices.gateway import DeviceNotConnected

    async def main() -> None:
        gw, _ = _gateway()
        await gw.start()
        try:
            with pytest.raises(DeviceNotConnected) as exc:
                await gw.send_command("NOPE", "1012", {})
            assert "NOPE" in exc.value.zh
        finally:
            await gw.stop()
            gw.sink.close()

    asyncio.run(main())


def test_rate_limit_slows_a_flooding_device_without_dropping_and_others_go_on() -> None:
    series = sim.hourly_source(stations=2, hours=200)

    async def main() -> tuple[float, int, Gateway, sim.SimulationResult]:
        devs = sim.make_devices(series, 2, over_time=5)
        gw, _ = _gateway(_approved(*(d.mn for d in devs)), max_packets_per_second=200, burst=20)
        port = await gw.start()
        # device 0 floods: 120 packets in one write, never reads its replies
        flood = b"".join(raw for raw, _ in list(devs[0].uploads())[:120])
        r, w = await asyncio.open_connection(HOST, port)
        w.write(flood)
        await w.drain()
        t0 = time.perf_counter()
        res = await sim.simulate(HOST, port, [devs[1]], count=20, rate=0)
        other = time.perf_counter() - t0
        for _ in range(200):  # the flood drains at the configured rate, nothing dropped
            if gw.stats.accepted >= 140:
                break
            await asyncio.sleep(0.05)
        w.close()
        await gw.stop()
        gw.sink.close()
        return other, gw.stats.accepted, gw, res

    other, accepted, gw, res = asyncio.run(main())
    assert res.stats.answered == 20
    assert gw.stats.rate_limited >= 1
    assert accepted == 120 + 20  # nothing dropped: reading paused, then resumed


def test_idle_connections_are_closed() -> None:
    async def main() -> Gateway:
        gw, _ = _gateway(idle_timeout=0.5)
        port = await gw.start()
        r, w = await asyncio.open_connection(HOST, port)
        data = await asyncio.wait_for(r.read(10), 5)  # EOF when the gateway closes us
        assert data == b""
        w.close()
        await gw.stop()
        gw.sink.close()
        return gw

    gw = asyncio.run(main())
    assert gw.stats.idle_closed == 1


def test_newest_connection_of_a_device_wins() -> None:
    mn = sim.device_mn(7)

    async def main() -> bool:
        gw, _ = _gateway(_approved(mn))
        port = await gw.start()
        pkt = encode.frame(f"QN=20261128120000001;ST=22;CN=9021;PW=123456;MN={mn};Flag=5;CP=&&&&")
        await _exchange(port, [pkt], expect=1)
        r, w = await asyncio.open_connection(HOST, port)
        w.write(pkt.replace(b"001;", b"002;").replace(pkt[-6:-2], b""))  # corrupt: no CRC
        w.write(encode.frame(f"QN=20261128120000003;ST=22;CN=9021;PW=123456;MN={mn};Flag=5;CP=&&&&"))
        await asyncio.wait_for(r.read(200), 3)
        newest = gw.by_mn[mn].transport.get_extra_info("sockname") == w.get_extra_info("peername")
        w.close()
        await gw.stop()
        gw.sink.close()
        return newest

    assert asyncio.run(main())


def test_time_calibration_request_gets_9013_then_1012() -> None:
    series = sim.hourly_source(stations=1, hours=3)

    async def main() -> sim.SimDevice:
        d = sim.make_devices(series, 1, over_time=2)[0]
        gw, _ = _gateway(_approved(d.mn))
        port = await gw.start()
        await sim.connect(d, HOST, port)
        notif = encode.frame(f"QN=20261128120000001;ST=22;CN=1013;PW=123456;MN={d.mn};Flag=5;CP=&&&&")
        fut = asyncio.get_running_loop().create_future()
        d.waiting[encode.reply_for(decode(notif).packet)] = fut
        d.transport.write(notif)
        await asyncio.wait_for(fut, 3)  # the 9013
        for _ in range(50):
            if d.command_log:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        d.transport.close()
        await gw.stop()
        gw.sink.close()
        return d

    d = asyncio.run(main())
    assert [c for c, _ in d.command_log] == ["1012"]
    assert len(d.command_log[0][1]["SystemTime"]) == 14


def test_clock_skew_pushes_1012_once() -> None:
    series = sim.hourly_source(stations=1, hours=3)

    async def main() -> tuple[sim.SimDevice, Gateway]:
        d = sim.make_devices(series, 1, over_time=2)[0]
        gw, _ = _gateway(_approved(d.mn))
        port = await gw.start()
        await sim.connect(d, HOST, port)
        m = series[next(iter(series))]
        for i, qn in enumerate(("20210101000000000", "20210101000001000")):  # a clock 5 years late
            assert await d.send_reliably(*d.build("2061", sim.cp_for(m[i], "hour"), qn=qn))
        for _ in range(60):
            if d.command_log:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        d.transport.close()
        await gw.stop()
        gw.sink.close()
        return d, gw

    d, gw = asyncio.run(main())
    assert [c for c, _ in d.command_log] == ["1012"]  # once, not per packet
    assert abs(d.clock_offset) < 5  # the logger clock now agrees with Beijing time


def test_minute_data_and_2005_dialect_devices() -> None:
    series = sim.hourly_source(stations=1, hours=3)

    async def main() -> tuple[sim.SimulationResult, Gateway, Collected]:
        devs = sim.make_devices(series, 1, kind="minute", dialect="2005", over_time=2)
        gw, out = _gateway(_approved(devs[0].mn))
        port = await gw.start()
        res = await sim.simulate(HOST, port, devs, count=6, rate=0)
        await gw.stop()
        gw.sink.close()
        return res, gw, out

    res, gw, out = asyncio.run(main())
    assert res.stats.answered == 6 and res.stats.bad_replies == 0  # 2005-style 9014 replies
    assert gw.stats.held == 0 and gw.stats.rows == out.rows == 30  # air minute → air_minute
    assert {d for d, _ in out.frames} == {"air_minute"}
    assert gw.live.snapshot()["devices"][0]["dialect"] == "2005"
