"""The gateway's fast paths give exactly what the general code gives, and its batching loses
nothing: the two-bytes-per-step CRC, the split-based CP and header parsing, the column-wise lake
batch with its content hash, and the flush of buffered rows when the gateway shuts down."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.devices import simulator as sim
from ecoplan.devices.codec import Packet, _parse_cp, _parse_cp_detailed, decode
from ecoplan.devices.crc import _H, _T, crc_hj212, crc_hj212_py
from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.records import (
    AIR_POLLUTANTS,
    AIR_UNITS,
    COLUMNS,
    DeviceContext,
    rows_of,
    unit_factor,
)
from ecoplan.devices.sinks import MeasurementSink, dataset_batch

HOST = "127.0.0.1"


def _crc_bytewise(data: bytes) -> int:
    """Appendix A, one byte per step (the definition the pair table must reproduce)."""
    if not data:
        return 0xFFFF
    s = 0xFF
    for b in data[:-1]:
        s = _H[s ^ b]
    return _T[s ^ data[-1]]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_pair_table_crc_equals_bytewise_definition(data: bytes) -> None:
    assert crc_hj212_py(data) == _crc_bytewise(data)  # the pure-Python reference, always
    assert crc_hj212_py(bytearray(data)) == _crc_bytewise(data)
    assert crc_hj212(data) == _crc_bytewise(data)  # the active one (C when built)


def _blank() -> Packet:
    return Packet(raw=b"", segment=b"", declared_length=0, length_ok=True, crc_sent="",
                  crc_variant="hj212")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aw01-=;,.\t AvgFlN/")), max_size=80))
def test_cp_fast_path_equals_detailed_parser(cp: str) -> None:
    fast, slow = _blank(), _blank()
    _parse_cp(fast, cp)
    _parse_cp_detailed(slow, cp)
    assert {c: f.fields for c, f in fast.factors.items()} == {
        c: f.fields for c, f in slow.factors.items()}
    assert fast.params == slow.params
    assert fast.warnings == slow.warnings


def test_header_fast_path_keeps_the_tolerated_spellings() -> None:
    seg = "qn=20261128120000001; ST=22;CN=2011;,PW=123456;MN=AB12;FLAG=5;CP=&&a34004-Rtd=1&&"
    from ecoplan.devices.encode import frame

    p = decode(frame(seg)).packet
    assert p is not None
    assert (p.qn, p.st, p.cn, p.pw, p.mn, p.flag) == ("20261128120000001", "22", "2011",
                                                      "123456", "AB12", 5)
    assert {w.code for w in p.warnings} >= {"header-case"}


def _wide_reference(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The straightforward per-row construction the column-wise one replaced."""
    i = {c: n for n, c in enumerate(COLUMNS)}
    wide: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in rows:
        pol = r[i["pollutant"]]
        if pol not in AIR_UNITS:
            continue
        f = unit_factor(r[i["unit"]], AIR_UNITS[pol])
        v = r[i["avg"]] if r[i["avg"]] is not None else r[i["rtd"]]
        if f is None or v is None:
            continue
        rec = wide.setdefault((r[i["station_code"]], r[i["data_time"]]), {
            "station_code": r[i["station_code"]],
            "timestamp": r[i["data_time"]] + timedelta(hours=1)})
        rec[pol] = v * f
    frame = pd.DataFrame.from_records(list(wide.values()),
                                      columns=["station_code", "timestamp", *AIR_POLLUTANTS])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def _rows(hours: int, stations: int = 3) -> list[tuple[Any, ...]]:
    series = sim.hourly_source(stations=stations, hours=hours)
    devs = sim.make_devices(series, stations)
    out: list[tuple[Any, ...]] = []
    for k, d in enumerate(devs):
        ctx = DeviceContext("air", f"S{k}", units={"a21005": "mg/m³", "a34004": "ng/m³"}
                            if k == 1 else None)
        for raw, _ in d.uploads():
            rows, _problems = rows_of(decode(raw).packet, ctx, datetime(2026, 11, 28))
            out += rows
    return out


def test_column_wise_batch_equals_per_row_frame_and_hash_ignores_order() -> None:
    rows = _rows(hours=12)
    frame, digest = dataset_batch("air_hourly", rows)
    pd.testing.assert_frame_equal(frame, _wide_reference(rows))
    assert len(frame) >= 30 and frame["pm25"].notna().any()
    again, digest2 = dataset_batch("air_hourly", list(reversed(rows)))
    assert digest2 == digest
    changed = [r if n else (*r[:COLUMNS.index("avg")], (r[COLUMNS.index("avg")] or 0) + 1,
                            *r[COLUMNS.index("avg") + 1:]) for n, r in enumerate(rows)]
    assert dataset_batch("air_hourly", changed)[1] != digest
    empty, _ = dataset_batch("air_hourly", [])
    assert list(empty.columns) == ["station_code", "timestamp", *AIR_POLLUTANTS] and empty.empty


class _Collect:
    def __init__(self, fail_first: int = 0) -> None:
        self.frames: list[pd.DataFrame] = []
        self.fail_first = fail_first
        self.calls = 0

    def __call__(self, dataset: str, frame: Any, source: str, source_hash: str) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise OSError("lake temporarily unavailable")
        self.frames.append(frame)


def test_buffered_rows_are_flushed_when_the_gateway_shuts_down() -> None:
    """A long flush interval: nothing is written while running, everything at shutdown —
    each upload once, even a retransmitted one, and after a failed write at shutdown."""
    series = sim.hourly_source(stations=2, hours=10)
    devs = sim.make_devices(series, 2)
    devices = {d.mn: DeviceRecord(mn=d.mn, approved=True, device_type="air",
                                  station_code=f"S{k}") for k, d in enumerate(devs)}
    out = _Collect(fail_first=1)
    sink = MeasurementSink(out, interval=3600.0)

    expected_hours = sum(1 for d in devs for raw, _ in list(d.uploads())[:8]
                         if decode(raw).packet.factors)

    async def main() -> int:
        gw = Gateway(GatewayConfig(host=HOST, port=0), devices=devices, sink=sink)
        port = await gw.start()
        answered = 0
        for d in devs:
            reader, writer = await asyncio.open_connection(HOST, port)
            ups = list(d.uploads())[:8]
            for raw, expected in [*ups, ups[3]]:  # the 4th hour retransmitted
                writer.write(raw)
                line = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
                answered += line == expected
            writer.close()
        await gw.stop()
        assert out.calls == 0 and sink.unwritten > 0  # still buffered
        return answered

    answered = asyncio.run(main())
    sink.close(retry_delay=0.01)
    assert answered == 18
    assert out.calls == 2 and sink.unwritten == 0 and sink.stats.failures == 1
    frame = pd.concat(out.frames)
    assert len(frame) == expected_hours >= 14
    assert not frame.duplicated(["station_code", "timestamp"]).any()


_CODES = ["a34004", "a34002", "a21026", "a21004", "a05024", "a21005", "a01001", "a99999"]
_SUFFIXES = ["Avg", "Rtd", "Min", "Max", "Flag", "SampleTime", "Xyz"]
_VALUES = ["", "1.5", "317", "abc", "nan", "inf", "-3", "N", "D", "n"]
_UNITS: list[dict[str, str] | None] = [None, {"a34004": "ng/m³"}, {"a21005": "μg/m³"},
                                       {"a21026": "g/m³"}]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(_SUFFIXES),
                          st.sampled_from(_VALUES)), max_size=12),
       st.sampled_from(["20190101000000", "20190101250000", ""]),
       st.sampled_from(_UNITS))
def test_air_fast_path_equals_general_rows(items: list[tuple[str, str, str]], data_time: str,
                                           units: dict[str, str] | None) -> None:
    """The gateway's station-hour fast path stores exactly what the general rows would, and
    gives way (None) whenever the general path is needed: a value flagged other than N (stored
    there with its flag) or anything that holds the packet."""
    from ecoplan.devices.encode import frame
    from ecoplan.devices.records import VALID_FLAGS, air_hour_record
    from ecoplan.devices.sinks import air_frame, dataset_frame

    cp = ";".join([f"DataTime={data_time}", *(f"{c}-{s}={v}" for c, s, v in items)])
    p = decode(frame(f"QN=20261128120000001;ST=22;CN=2061;PW=123456;MN=AB12;Flag=5;CP=&&{cp}&&")
               ).packet
    assert p is not None
    ctx = DeviceContext("air", "S1", units=units)
    rows, problems = rows_of(p, ctx, datetime(2026, 11, 28))
    i = {c: n for n, c in enumerate(COLUMNS)}
    general = bool(problems) or any(r[i["flag"]] not in VALID_FLAGS for r in rows) or any(
        r[i["pollutant"]] in AIR_UNITS
        and unit_factor(r[i["unit"]], AIR_UNITS[r[i["pollutant"]]]) is None for r in rows)
    fast = air_hour_record(p, ctx)
    if fast is None:
        assert general
        return
    assert not general
    record, n = fast
    assert n == len(rows)
    pd.testing.assert_frame_equal(air_frame([record]), dataset_frame("air_hourly", rows))


def test_one_packet_per_read_is_rate_limited_and_answered_like_the_framer_path() -> None:
    """The gateway's one-whole-packet path (no framer) charges the token bucket as the framer
    path does: a logger over the rate is slowed down (reading paused), nothing is dropped, and
    every upload gets its exact 9014."""
    series = sim.hourly_source(stations=1, hours=40)
    dev = sim.make_devices(series, 1)[0]
    devices = {dev.mn: DeviceRecord(mn=dev.mn, approved=True, device_type="air",
                                    station_code="S0")}
    ups = list(dev.uploads())[:30]

    async def main() -> tuple[int, float, Gateway]:
        gw = Gateway(GatewayConfig(host=HOST, port=0, max_packets_per_second=50.0, burst=5),
                     devices=devices)
        port = await gw.start()
        reader, writer = await asyncio.open_connection(HOST, port)
        answered = 0
        t0 = asyncio.get_running_loop().time()
        for raw, expected in ups:  # one packet per write, each reply awaited: the fast path
            writer.write(raw)
            answered += await asyncio.wait_for(reader.readuntil(b"\r\n"), 5) == expected
        elapsed = asyncio.get_running_loop().time() - t0
        writer.close()
        await gw.stop()
        return answered, elapsed, gw

    answered, elapsed, gw = asyncio.run(main())
    assert answered == len(ups) == gw.stats.accepted == gw.stats.replies
    assert gw.stats.rate_limited >= 1
    assert elapsed >= (len(ups) - 5 - 2) / 50.0  # held to ≈ 50 packets/s after the burst
