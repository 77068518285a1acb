"""The device datasets of the ingestion path from files and frames: an enterprise's exported
online-monitoring table (Chinese headers, HJ 212 codes and flag letters) with every bad cell
named by file, row and field; unit families range-checked after an explicit conversion and
stored as sent; flag-only re-sends of ``air_hourly`` recorded; DuckDB and PySpark agree."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.ingest.flags import flag_history
from ecoplan.ingest.hj212.registry import add_device
from ecoplan.ingest.pipeline import ingest_file, ingest_frame
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.workspace import Workspace, init_workspace

EXPORT = """\
# 交城县示例焦化有限公司 排放口在线监测数据导出（测试用，数值为构造值）
排放口编码,企业名称,数据类型,监测时间,监测因子,实测浓度,最小值,最大值,排放量,排放量单位,折算浓度,单位,数据标记
DA001,,小时,2026-11-27 08:00:00,a21026,35.2,30.1,40.3,1.2,kg,38.0,mg/m³,N
DA001,,小时,2026-11-27 08:00:00,a34013,4.1,3.9,4.4,0.1,kg,4.5,mg/m³,D
DA001,,分钟,2026-11-27 08:01:00,so2,36.0,,,,,,mg/m³,
DA001,,日,2026-11-27 00:00:00,nox,51.0,,,,,,mg/m³,
DA001,,小时,2026-11-27 09:00:00,so2,abc,,,,,,mg/m³,N
DA001,,周,2026-11-27 00:00:00,so2,30.0,,,,,,mg/m³,N
DA404,某公司,小时,2026-11-27 08:00:00,so2,30.0,,,,,,mg/m³,N
DA001,,小时,2026-11-27 10:00:00,so2,900000,,,,,,mg/m³,N
"""


def _registered(ws: Workspace) -> None:
    add_device(ws.engine, "88888880000001", device_type="cems", station_code="DA001",
               enterprise="交城县示例焦化有限公司")


def test_enterprise_export_loads_with_located_problems(ws: Workspace, tmp_path: Path) -> None:
    _registered(ws)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="gb18030")
    s = ingest_file(ws, "online", path)
    assert (s.rows_read, s.rows_accepted, s.rows_quarantined) == (8, 4, 4), s.problems
    where = {(p["row"], p["field"], p["code"]) for p in s.problems}
    assert where == {(7, "实测浓度", "not_a_number"), (8, "数据类型", "bad_choice"),
                     (9, "排放口编码", "unknown_site"), (10, "实测浓度", "out_of_range")}
    assert all(p["file"] == str(path) for p in s.problems)
    lake = ws.lake.read_arrow("online_monitoring").to_pandas().sort_values(["time", "parameter"])
    assert lake[["interval", "parameter", "value", "code"]].values.tolist() == [
        ["day", "nox", 51.0, "a21002"], ["hour", "smoke", 4.1, "a34013"],
        ["hour", "so2", 35.2, "a21026"], ["minute", "so2", 36.0, "a21026"]]
    hour = lake[lake.interval == "hour"].set_index("parameter")
    assert hour.loc["so2", "zs_value"] == 38.0 and hour.loc["so2", "cou"] == 1.2
    assert hour.loc["so2", "cou_unit"] == "kg" and hour.loc["smoke", "flag"] == "hj212:D"
    assert set(lake["enterprise"]) == {"交城县示例焦化有限公司"}  # from the device registry
    hist = flag_history(ws.engine, "online_monitoring", "DA001")
    assert [(h["parameter"], h["flag"]) for h in hist] == [("smoke/hour", "hj212:D")]
    # once the outlet is registered the same file is re-examined: only the new rows are added
    add_device(ws.engine, "88888880000404", device_type="cems", station_code="DA404")
    again = ingest_file(ws, "online_monitoring", path)
    assert (again.rows_unchanged, again.rows_written, again.rows_quarantined) == (4, 1, 3)


def test_cli_lists_and_loads_the_new_datasets(workspace_home: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    _registered(ws)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    assert main(["ingest", "datasets", "--json"]) == 0
    names = {d["dataset"]: d for d in json.loads(capsys.readouterr().out)}
    assert {"air_minute", "air_daily_device", "online_monitoring"} <= set(names)
    assert names["online_monitoring"]["key"] == ["outlet", "interval", "time", "parameter"]
    assert main(["ingest", "online-monitoring", str(path), "--json"]) == 3  # 4 rows quarantined
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["rows_written"] == 4 and summary["rows_quarantined"] == 4
    assert main(["lake", "summary", "--json"]) == 0
    lake = {d["dataset"]: d for d in json.loads(capsys.readouterr().out)}
    assert lake["online_monitoring"]["rows"] == 4 and lake["online_monitoring"]["sites"] == 1
    assert lake["online_monitoring"]["quarantined"] == 4 and lake["air_minute"]["rows"] == 0
    broken = tmp_path / "no_interval.csv"
    broken.write_text("排放口编码,监测时间,监测因子,实测浓度\nDA001,2026-11-27 08:00,so2,1\n",
                      encoding="utf-8")
    assert main(["ingest", "online-monitoring", str(broken), "--json"]) == 1
    [rejected] = json.loads(capsys.readouterr().out)
    assert rejected["status"] == "rejected"
    assert (rejected["problems"][0]["row"], rejected["problems"][0]["field"]) == (1, "interval")
    assert main(["--lang", "en", "ingest", "online-monitoring", "--help"]) == 0
    assert "企业在线监测数据" in capsys.readouterr().out


CASES = [  # value, unit, parameter, stored?
    (35_000.0, "ng/m³", "pm25", True),  # 35 μg/m³ sent in the HJ 212 default unit
    (6.0e9, "ng/m³", "pm25", False),  # 6,000,000 μg/m³: wrong unit → quarantined
    (0.035, "mg/m³", "pm25", True),
    (4.0, "ppm", "so2", True),  # not a mass concentration: stored without a range check
    (-25.0, "℃", "temperature", True),  # a winter minute: negative but plausible
    (1002.0, "hPa", "pressure", True),  # 100.2 kPa
    (1002.0, "kPa", "pressure", False),
]


def test_units_of_a_family_are_range_checked_and_stored_as_sent(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    frame = pd.DataFrame({
        "station_code": "1081A", "time": pd.date_range("2026-11-27 08:00", periods=len(CASES),
                                                       freq="min"),
        "parameter": [c[2] for c in CASES], "value": [c[0] for c in CASES],
        "unit": [c[1] for c in CASES]})
    s = ingest_frame(ws, "air_minute", frame, source="test")
    assert {(p["row"], p["field"], p["code"]) for p in s.problems} == {
        (i + 1, "value", "out_of_range") for i, c in enumerate(CASES) if not c[3]}
    lake = ws.lake.read_arrow("air_minute").to_pandas().sort_values("time")
    assert lake[["value", "unit"]].values.tolist() == [[c[0], c[1]] for c in CASES if c[3]]


def test_air_hourly_flag_only_change_is_recorded(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    t = datetime(2019, 3, 1, 1)
    flagged = pd.DataFrame({"station_code": ["1081A"], "timestamp": [t], "pm25": [33.0],
                            "pm10": [50.0], "pm25_flag": ["hj212:D"]})
    ingest_frame(ws, "air_hourly", flagged, source="hj212-gateway")
    # a table without flag columns says nothing about flags: it neither sets nor clears one
    s = ingest_frame(ws, "air_hourly", flagged.drop(columns="pm25_flag"), source="file.csv")
    assert (s.rows_unchanged, s.rows_reflagged) == (1, 0)
    clean = flagged.assign(pm25_flag=None)  # the source states: no flag (HJ 212 N)
    s = ingest_frame(ws, "air_hourly", clean, source="hj212-gateway")
    assert (s.rows_reflagged, s.rows_superseded, s.rows_quarantined, s.rows_unchanged) \
        == (1, 1, 0, 0)
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert lake["pm25"].tolist() == [33.0] and lake["pm25_flag"].isna().all()
    hist = flag_history(ws.engine, "air_hourly", "1081A", t)
    assert [(h["parameter"], h["flag"]) for h in hist] == [("pm25", "hj212:D"),
                                                           ("pm25", "source_cleared")]
    assert ws.lake.read_arrow("air_hourly_history").to_pandas()["pm25_flag"].tolist() \
        == ["hj212:D"]
    # a correction with the flag C: recorded the same way; the same data again: unchanged
    calib = flagged.assign(pm25_flag="hj212:C")
    s = ingest_frame(ws, "air_hourly", calib, source="hj212-gateway", kind="correction")
    assert s.rows_reflagged == 1
    s = ingest_frame(ws, "air_hourly", calib.assign(pm10=50.0), source="again",
                     source_hash="other")
    assert (s.rows_unchanged, s.rows_written) == (1, 0)
    assert [h["flag"] for h in flag_history(ws.engine, "air_hourly", "1081A", t)] == [
        "hj212:D", "source_cleared", "hj212:C"]


@pytest.mark.spark
@pytest.mark.slow
def test_pyspark_reads_online_monitoring_like_duckdb(workspace_home: Path,
                                                     tmp_path: Path) -> None:
    from ecoplan.store.engine import Analytics

    init_workspace(workspace_home)
    ws = Workspace()
    _registered(ws)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    ingest_file(ws, "online_monitoring", path)
    out = []
    for engine in ("duckdb", "pyspark"):
        an = Analytics(ws.lake, engine)
        t = an.table("online_monitoring")
        expr = t.group_by(["interval", "parameter"]).aggregate(v=t.value.sum(), n=t.count())
        out.append(an.execute(expr).sort_values(["interval", "parameter"])
                   .reset_index(drop=True).astype({"n": "int64"}))
    pd.testing.assert_frame_equal(out[0], out[1])
