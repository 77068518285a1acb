"""HJ 212 minute/day air data and enterprise online monitoring reach the lake through the
gateway and the ingestion path: real packets of the shared oracle file (CN 2051 from a dust
monitor and two CEMS, ST 31 / ST 32) and packets derived from real ones (only CN changed, CRC
recomputed — the oracle file holds no 2031 upload and no waste-water period upload) are driven
through ``Gateway.handle`` into a workspace, and end up in ``air_minute``, ``air_daily_device``
and ``online_monitoring`` with their HJ 212 flags; duplicates are stored once; an outlet the
registry does not know is quarantined with its field; a flag-only re-send is recorded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from ecoplan.devices import encode
from ecoplan.devices.device_registry import DeviceRecord, add_device, load_devices
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.sinks import MeasurementSink, Recorder, lake_writer
from ecoplan.ingest.flags import current_flags, flag_history
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.models import QuarantinedRow
from ecoplan.store.workspace import Workspace, init_workspace
from tests.devices.conftest import ORACLE

BY_LINE = {o.line: o.raw for o in ORACLE}
DUST_2051 = BY_LINE[68]  # ST=39 dust monitor, TSP minute value (real, broken framing accepted)
CEMS_2051 = BY_LINE[65]  # ST=31 CEMS, HJ/T 212-2005 vendor codes, CRC-16/MODBUS low byte first
CEMS_2051_SPLIT = BY_LINE[89]  # ST=31 CEMS 2005, sub-packet 1 of 2, B02 (flue-gas flow) Flag=D


def derived(line: int, cn: str) -> bytes:
    """The real packet of ``line`` with its CN replaced (CRC recomputed)."""
    raw = BY_LINE[line]
    segment = raw[6:-6].decode("utf-8")
    assert ";CN=2011;" in segment
    return encode.frame(segment.replace(";CN=2011;", f";CN={cn};", 1))


CEMS_2061 = derived(86, "2061")  # ST=32 logger of a flue-gas outlet, ZsRtd, every value Flag=D
WASTEWATER_2031 = derived(14, "2031")  # ST=32 2005 waste water: COD 011, NH3-N 060, flow B01
DUST_2031 = derived(92, "2031")  # ST=39 dust monitor: PM2.5, PM10, TSP, temperature, humidity


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    w = Workspace()
    import_bundled(w.engine, ("shanxi",))
    add_device(w.engine, "0507A010003242", device_type="dust", station_code="1081A")
    add_device(w.engine, "010000A00000000000A00654", device_type="dust", station_code="1081A")
    add_device(w.engine, "88888880000001", device_type="cems", station_code="DA001",
               enterprise="交城县示例焦化有限公司", crc_policy="hj212+modbus-swapped")
    add_device(w.engine, "756877X7916010", device_type="cems", station_code="DA002",
               enterprise="交城县示例电厂")
    add_device(w.engine, "8888888000114W", device_type="cems", station_code="DA003",
               enterprise="交城县示例电厂")
    add_device(w.engine, "LD130133000015", device_type="wastewater", station_code="DW001",
               enterprise="交城县示例化工", password="000000")
    return w


def _drive(ws: Workspace, packets: list[bytes],
           devices: dict[str, DeviceRecord] | None = None) -> Gateway:
    """Every packet through ``Gateway.handle`` (as a connection would), then the sink flushed."""
    sink = MeasurementSink(lake_writer(ws), interval=3600)
    recorder = Recorder(ws.engine, interval=0.05)
    gw = Gateway(GatewayConfig(hold_unmapped=True), devices=devices or load_devices(ws.engine),
                 sink=sink, recorder=recorder)
    for raw in packets:
        reply = gw.handle(raw)
        assert gw.stats.rejected == {}, (raw[:80], gw.stats.rejected)
        assert reply is None or b"ST=91" in reply
    sink.close()
    recorder.close()
    assert sink.stats.failures == 0, sink.stats.last_error
    return gw


def _lake(ws: Workspace, dataset: str) -> pd.DataFrame:
    return ws.lake.read_arrow(dataset).to_pandas()


def _flag(x: object) -> object:
    return None if x is None or x != x else x


def test_real_packets_reach_their_datasets_with_flags(ws: Workspace) -> None:
    gw = _drive(ws, [DUST_2051, DUST_2031, CEMS_2051, CEMS_2051_SPLIT, CEMS_2061,
                     WASTEWATER_2031])
    assert gw.stats.held == 0

    minute = _lake(ws, "air_minute")
    assert minute[["station_code", "parameter", "value", "unit", "code", "mn"]].values.tolist() \
        == [["1081A", "tsp", 92.0, "μg/m³", "a34001", "0507A010003242"]]
    # time = HJ 212 DataTime as sent: the start of the minute, not relabelled
    assert minute["time"].tolist() == [pd.Timestamp("2025-01-31 20:28:09")]

    day = _lake(ws, "air_daily_device").sort_values("parameter")
    assert day["parameter"].tolist() == ["humidity", "pm10", "pm25", "temperature", "tsp"]
    assert day.set_index("parameter")["value"].to_dict() == {
        "humidity": 30.4, "pm10": 24.0, "pm25": 23.0, "temperature": 26.0, "tsp": 0.0}
    assert set(day["time"]) == {pd.Timestamp("2018-05-07 00:05:58")}
    assert day.set_index("parameter")["unit"].to_dict()["humidity"] == "%"

    om = _lake(ws, "online_monitoring")
    assert set(om["interval"]) == {"minute", "hour", "day"}
    # CEMS 2051 (2005 vendor codes kept under their code, Min/Avg/Max kept)
    da1 = om[om.outlet == "DA001"]
    assert len(da1) == 36 and set(da1["interval"]) == {"minute"}
    assert set(da1["enterprise"]) == {"交城县示例焦化有限公司"}
    assert da1["min"].notna().all() and da1["max"].notna().all()
    # split 2005 CEMS packet: B02 → a00000 flue-gas flow with Cou and its D flag
    da2 = om[om.outlet == "DA002"].set_index("parameter")
    assert da2.loc["flue_gas_flow", "flag"] == "hj212:D"
    assert da2.loc["flue_gas_flow", "cou_unit"] == "m³"
    assert da2.loc["30", "value"] == pytest.approx(109.8712) and _flag(da2.loc["30", "flag"]) is None
    # hour data of a flue-gas outlet: every value flagged D, corrected values in zs_value
    da3 = om[om.outlet == "DA003"].set_index("parameter")
    assert set(da3["interval"]) == {"hour"} and set(da3["flag"]) == {"hj212:D"}
    assert da3.loc["so2", "unit"] == "mg/m³" and da3.loc["so2", "zs_value"] == 0.0
    # waste-water day values (2005 codes mapped: 011 COD, 060 NH3-N, B01 flow)
    dw = om[om.outlet == "DW001"].set_index("parameter")
    assert dw.loc["cod", "value"] == 231.0 and dw.loc["cod", "unit"] == "mg/L"
    assert dw.loc["nh3_n", "value"] == 1.803 and dw.loc["wastewater_flow", "value"] == 36.91
    assert set(dw["interval"]) == {"day"} and set(dw["enterprise"]) == {"交城县示例化工"}

    # the flags are in the flag history too, qualified by the interval
    assert da2.loc["33", "flag"] == "hj212:T" and da2.loc["so2", "flag"] == "hj212:D"
    assert da2.loc["so2", "zs_value"] == 0.0 and da2.loc["smoke", "cou"] == 0.0
    hist = flag_history(ws.engine, "online_monitoring", "DA002")
    assert sorted((h["parameter"], h["flag"]) for h in hist) == [
        ("33/minute", "hj212:T"), ("34/minute", "hj212:T"), ("flue_gas_flow/minute", "hj212:D"),
        ("nox/minute", "hj212:D"), ("smoke/minute", "hj212:D"), ("so2/minute", "hj212:D")]


def test_same_packets_twice_are_stored_once(ws: Workspace) -> None:
    packets = [DUST_2051, CEMS_2051, CEMS_2061, WASTEWATER_2031]
    _drive(ws, packets)
    before = {d: len(_lake(ws, d)) for d in ("air_minute", "online_monitoring")}
    gw = _drive(ws, packets + packets)  # a new gateway run (no QN memory) and a retransmission
    assert gw.stats.duplicates == len(packets)
    assert {d: len(_lake(ws, d)) for d in before} == before


def test_unknown_outlet_is_quarantined_with_its_field(ws: Workspace) -> None:
    """A logger the gateway knows (its own registry snapshot) but whose outlet the workspace's
    device registry does not: its values are kept in quarantine, never lost."""
    devices = load_devices(ws.engine)
    devices["8888888000114W"] = DeviceRecord(mn="8888888000114W", approved=True,
                                             device_type="cems", station_code="DA999")
    _drive(ws, [CEMS_2061], devices=devices)
    assert "online_monitoring" not in ws.lake.datasets()
    with ws.session() as s:
        rows = s.scalars(select(QuarantinedRow)).all()
    assert len(rows) == 13
    assert {r.field for r in rows} == {"outlet"} and {r.file for r in rows} == {"hj212-gateway"}
    assert "DA999" in rows[0].reason and "devices add" in rows[0].reason
    assert '"parameter":"so2"' in "".join(r.raw for r in rows)


def test_flag_only_resend_is_recorded(ws: Workspace) -> None:
    """The same minute value re-sent with another flag (D → N, then N → M): each change is
    appended to the flag history, the lake row carries the flag in force, the old rows are kept
    in the history dataset."""
    seg = ("QN=20261128100000{n:03d};ST=39;CN=2051;PW=123456;MN=0507A010003242;Flag=4;"
           "CP=&&DataTime=20261128095900;a34004-Avg=35,a34004-Flag={flag}&&")
    _drive(ws, [encode.frame(seg.format(n=1, flag="D"))])
    _drive(ws, [encode.frame(seg.format(n=2, flag="N"))])
    lake = _lake(ws, "air_minute")
    assert lake["value"].tolist() == [35.0] and _flag(lake["flag"].iat[0]) is None
    _drive(ws, [encode.frame(seg.format(n=3, flag="M"))])
    lake = _lake(ws, "air_minute")
    assert lake["value"].tolist() == [35.0] and lake["flag"].tolist() == ["hj212:M"]
    t = datetime(2026, 11, 28, 9, 59)
    hist = flag_history(ws.engine, "air_minute", "1081A", t, "pm25")
    assert [h["flag"] for h in hist] == ["hj212:D", "source_cleared", "hj212:M"]
    assert current_flags(ws.engine, "air_minute")[("1081A", t, "pm25")] == "hj212:M"
    old = _lake(ws, "air_minute_history")
    assert len(old) == 2 and [_flag(f) for f in old.sort_values("batch")["flag"]] == [
        "hj212:D", None]
    # the same again changes nothing
    _drive(ws, [encode.frame(seg.format(n=4, flag="M"))])
    assert len(flag_history(ws.engine, "air_minute", "1081A", t, "pm25")) == 3


def test_duckdb_reads_the_datasets(ws: Workspace) -> None:
    from ecoplan.store.engine import Analytics

    _drive(ws, [DUST_2051, CEMS_2051, CEMS_2061, WASTEWATER_2031])
    an = Analytics(ws.lake, "duckdb")
    om = an.table("online_monitoring")
    per = an.execute(om.group_by("interval").aggregate(n=om.count())).set_index("interval")["n"]
    assert per.to_dict() == {"minute": 36, "hour": 13, "day": 3}
    am = an.execute(an.table("air_minute"))
    assert am["parameter"].tolist() == ["tsp"]


def test_packets_held_for_want_of_a_dataset_are_released_into_it(ws: Workspace) -> None:
    """CEMS minute packets an earlier gateway held ("no lake dataset for cems minute data") are
    loaded by the next ``ecoplan devices approve MN`` (service.release_held)."""
    from ecoplan.devices.device_registry import held_packets
    from ecoplan.devices.runtime import release_held

    rec = Recorder(ws.engine, interval=0.05)
    rec.hold(CEMS_2051_SPLIT, mn="756877X7916010", cn="2051", qn=None, peer=None,
             reason="no lake dataset for cems minute data")
    rec.close()
    res = release_held(ws, "756877X7916010")
    assert (res["released"], res["kept"], res["rows"]) == (1, 0, 12)
    assert held_packets(ws.engine, "756877X7916010") == []
    om = _lake(ws, "online_monitoring")
    assert len(om) == 12 and set(om["outlet"]) == {"DA002"} and set(om["interval"]) == {"minute"}


def test_demo_replays_the_real_cems_packets_once(workspace_home: Path) -> None:
    from ecoplan.demo.devices import demo_online_monitoring

    init_workspace(workspace_home)
    w = Workspace()
    said: list[str] = []
    out = demo_online_monitoring(w, say=lambda zh, en: said.append(en))
    assert out["failures"] == 0, out["last_error"]
    from ecoplan.devices.device_registry import held_packets

    assert held_packets(w.engine) == [] and out["gateway"]["rejected"] == {}
    om = _lake(w, "online_monitoring")
    assert sorted(om.groupby("outlet").size().items()) == [("DEMO-DA001", 36),
                                                          ("DEMO-DA002", 12)]
    assert said == ["Online monitoring: replayed the public HJ 212 packets, 48 outlet minute "
                    "values written to online_monitoring"]
    again = demo_online_monitoring(w)
    assert sum(b["rows_written"] for b in again["batches"]) == 0
    assert len(_lake(w, "online_monitoring")) == 48


def test_clean_hour_resend_clears_an_earlier_flag(ws: Workspace) -> None:
    """air_hourly: an hour first sent with PM2.5 Flag=D, then re-sent clean (the fast path's
    station-hour record, no flag columns) — the flag is withdrawn, recorded as such."""
    seg = ("QN=20261128100000{n:03d};ST=22;CN=2061;PW=123456;MN=AIR0001;Flag=5;CP=&&"
           "DataTime=20261128080000;a34004-Avg=33{flag};a34002-Avg=50&&")
    devices = load_devices(ws.engine)
    devices["AIR0001"] = DeviceRecord(mn="AIR0001", approved=True, device_type="air",
                                      station_code="1081A")
    _drive(ws, [encode.frame(seg.format(n=1, flag=",a34004-Flag=D"))], devices=devices)
    _drive(ws, [encode.frame(seg.format(n=2, flag=""))], devices=devices)
    lake = _lake(ws, "air_hourly")
    assert lake["pm25"].tolist() == [33.0] and lake["pm25_flag"].isna().all()
    hist = flag_history(ws.engine, "air_hourly", "1081A", datetime(2026, 11, 28, 9))
    assert [h["flag"] for h in hist] == ["hj212:D", "source_cleared"]
