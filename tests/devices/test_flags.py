"""HJ 212 data flags (reference §6.5: HJ 212-2017 table 8, HJ/T 212-2005) are kept per value:
mapped to lake flag codes, stored with the unchanged value and entered in the flag history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ecoplan.devices.codec import decode
from ecoplan.devices.encode import frame
from ecoplan.devices.records import DeviceContext, rows_of
from ecoplan.devices.sinks import air_frame, air_records, dataset_batch
from ecoplan.ingest.flags import (
    SOURCE_FLAG_TEXT,
    flag_history,
    flag_text,
)
from ecoplan.ingest.pipeline import ingest_frame
from ecoplan.ingest.registry import import_bundled
from ecoplan.standards.hj212_flags import INVALID_SOURCE_FLAGS, source_flag
from ecoplan.store.workspace import Workspace, init_workspace


@pytest.mark.parametrize(("flag", "dialect", "code"), [
    (None, "2017", None), ("", "2017", None), ("N", "2017", None), ("n", "2025", None),
    ("D", "2017", "hj212:D"), ("d", "2017", "hj212:D"), ("C", "2025", "hj212:C"),
    ("F", "2017", "hj212:F"), ("M", "2017", "hj212:M"), ("S", "2017", "hj212:S"),
    ("T", "2017", "hj212:T"), ("B", "2025", "hj212:B"), ("P", "2005", "hj212:P"),
    ("Md", "2017", "hj212:Md"),  # local extension, verbatim
    ("3", "2005", None), ("0", "2005", "hj212:C"), ("1", "2005", "hj212-2005:1"),
    ("2", "2005", "hj212-2005:2"), ("3", "2017", "hj212:3"),  # digits mean something only in 2005
    ("ABCDEFGHIJKL", "2017", "hj212:ABCDEFGH"),
])
def test_source_flag(flag: str | None, dialect: str, code: str | None) -> None:
    assert source_flag(flag, dialect) == code


def test_every_source_flag_has_a_bilingual_meaning() -> None:
    for code, (zh, en) in SOURCE_FLAG_TEXT.items():
        assert code.startswith("hj212") and zh != en and en
    assert INVALID_SOURCE_FLAGS < set(SOURCE_FLAG_TEXT) and "hj212:T" not in INVALID_SOURCE_FLAGS
    assert flag_text("hj212:Md") == ("HJ 212 数据标记 hj212:Md（原样保留）",
                                     "HJ 212 data flag hj212:Md (kept as sent)")


def _rows(segment: str, ctx: DeviceContext) -> list[tuple]:
    p = decode(frame(segment)).packet
    assert p is not None
    rows, problems = rows_of(p, ctx, datetime(2026, 11, 28))
    assert not problems
    return rows


def test_air_frame_carries_each_flag_with_its_value() -> None:
    ctx = DeviceContext("air", "2183A")
    head = "ST=22;CN=2061;PW=123456;MN=AB12;Flag=5;CP=&&DataTime=20261128100000;"
    first = _rows("QN=20261128110000001;" + head
                  + "a34004-Avg=33,a34004-Flag=D;a34002-Avg=50,a34002-Flag=N&&", ctx)
    later = _rows("QN=20261128110000002;" + head + "a34004-Avg=35,a34004-Flag=N&&", ctx)
    f1, _ = dataset_batch("air_hourly", first)
    assert f1["pm25"].tolist() == [33.0] and f1["pm25_flag"].tolist() == ["hj212:D"]
    assert f1["pm10_flag"].tolist() == [None]
    f2, _ = dataset_batch("air_hourly", first + later)  # later values win, with their flag
    assert f2["pm25"].tolist() == [35.0] and "pm25_flag" not in f2.columns
    # records buffered from separate packets (the sink) merge the same way
    f3 = air_frame(air_records(first) + air_records(later))
    assert f3["pm25"].tolist() == [35.0] and f3["pm25_flag"].tolist() == [None]
    f4 = air_frame(air_records(later) + air_records(first))
    assert f4["pm25"].tolist() == [33.0] and f4["pm25_flag"].tolist() == ["hj212:D"]
    clean, _ = dataset_batch("air_hourly", later)
    assert "pm25_flag" not in clean.columns


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    return Workspace()


def test_2005_water_upload_keeps_flags_in_the_lake(ws: Workspace) -> None:
    import_bundled(ws.engine, ("jiaocheng",))
    ctx = DeviceContext("water", "JC-WYH-BYK")
    rows = _rows("ST=32;CN=2061;PW=123456;MN=88888880000001;CP=&&DataTime=20261127080000;"
                 "011-Avg=18.5,011-Flag=M;060-Avg=0.42,060-Flag=N&&", ctx)
    frame_, digest = dataset_batch("water_samples", rows)
    s = ingest_frame(ws, "water_samples", frame_, source="hj212:88888880000001",
                     source_hash=digest)
    assert (s.rows_read, s.rows_accepted, s.flags) == (2, 2, {"hj212:M": 1}), s.problems
    lake = ws.lake.read_arrow("water_samples").to_pandas().sort_values("value")
    assert lake["value"].tolist() == [0.42, 18.5]
    assert [None if f is None or f != f else f for f in lake["flag"]] == [None, "hj212:M"]
    hist = flag_history(ws.engine, "water_samples", "JC-WYH-BYK")
    assert [h["flag"] for h in hist] == ["hj212:M"] and "maintenance" in hist[0]["reason"]


def test_packets_held_for_their_flags_before_are_released_with_them(ws: Workspace) -> None:
    """Packets an earlier gateway held for a non-N flag are loaded by the next release
    (``ecoplan devices approve MN``), the flagged value with its flag."""
    from ecoplan.devices.device_registry import add_device, held_packets
    from ecoplan.devices.runtime import release_held
    from ecoplan.devices.sinks import Recorder

    import_bundled(ws.engine, ("shanxi",))
    add_device(ws.engine, "AB12", device_type="air", station_code="2183A")
    raw = frame("QN=20261128110000001;ST=22;CN=2061;PW=123456;MN=AB12;Flag=5;CP=&&"
                "DataTime=20190301000000;a34004-Avg=33,a34004-Flag=D;a34002-Avg=50&&")
    rec = Recorder(ws.engine, interval=60)
    rec.hold(raw, mn="AB12", cn="2061", qn="20261128110000001", peer=None,
             reason="values flagged a34004-Flag=D kept for review")
    rec.close()
    assert len(held_packets(ws.engine, "AB12")) == 1
    res = release_held(ws, "AB12")
    assert (res["released"], res["rows"], res["kept"]) == (1, 2, 0)
    assert held_packets(ws.engine, "AB12") == []
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert lake["pm25"].tolist() == [33.0] and lake["pm10"].tolist() == [50.0]
    assert lake["pm25_flag"].tolist() == ["hj212:D"]
    assert [h["flag"] for h in flag_history(ws.engine, "air_hourly", "2183A")] == ["hj212:D"]
