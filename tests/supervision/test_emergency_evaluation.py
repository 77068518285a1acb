"""After-action evaluation on the real 2019 Lüliang hourly data (CNEMC, sample_data/realdata).

The real episode: Lüliang's three national stations averaged per day give daily AQI 190, 156,
202, 261, 168 on 2019-01-03 … 07 — two consecutive days above 200 (a yellow warning under
环办大气函〔2018〕875号). A response over 01-05 00:00 … 01-07 00:00 is compared with the two days
before. The daily PM2.5 of the area is checked independently against the published
``pm25_24h`` of the day-closing 00:00 rows, averaged over the stations.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from ecoplan.sample_data import sample_path
from ecoplan.store.lake import Lake
from ecoplan.supervision import emergency as em
from ecoplan.supervision.emergency_evaluation import evaluate, heavy_days_per_year
from tests.supervision.emergency_fixtures import COKE, SITE, engine_for

LVLIANG = ["2183A", "2185A", "2867A"]


@cache
def _lvliang_2019() -> pd.DataFrame:
    frame = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                        parse_dates=["timestamp"], dtype={"station_code": str})
    return frame[frame.station_code.isin(LVLIANG)].reset_index(drop=True)


def _lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    cols = ["station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co"]
    frame = _lvliang_2019()[cols].copy()
    for c in cols[2:]:
        frame[c] = frame[c].astype("float64")
    lake.write("air_hourly", pa.Table.from_pandas(frame, preserve_index=False),
               time_column="timestamp")
    return lake


def test_evaluation_of_the_january_2019_episode(db_url: str, tmp_path: Path) -> None:
    engine = engine_for(db_url)
    lake = _lake(tmp_path)
    st = em.issue(engine, level="yellow", start=datetime(2019, 1, 5), doc_no="测试〔2019〕1号",
                  planned_end=datetime(2019, 1, 8))
    em.record_inspection(engine, st.id, credit_code=COKE, at=datetime(2019, 1, 5, 10),
                         complied=True, department="县生态环境局", inspector="张三")
    em.record_inspection(engine, st.id, credit_code=SITE, at=datetime(2019, 1, 5, 11),
                         complied=True, department="县住建局", inspector="李四")
    em.record_inspection(engine, st.id, credit_code=SITE, at=datetime(2019, 1, 6, 11),
                         complied=False, department="县住建局", inspector="李四")
    em.lift(engine, st.id, at=datetime(2019, 1, 7), doc_no="测试〔2019〕2号")
    out = evaluate(engine, lake, st.id, LVLIANG)
    assert out["period"]["first_day"] == "2019-01-05" and out["period"]["last_day"] == "2019-01-06"
    assert [d["aqi"] for d in out["during"]["daily"]] == [202, 261]
    assert [d["aqi"] for d in out["before"]["daily"]] == [190, 156]
    assert out["during"]["heavy_days"] == 2 and out["before"]["heavy_days"] == 0
    assert out["during"]["daily_aqi_mean"] == 231.5 and out["before"]["daily_aqi_mean"] == 173.0
    assert out["change_percent"]["daily_aqi_mean"] == pytest.approx(33.8, abs=0.05)
    # hourly AQI (HJ 633 real-time rule) against the AQI CNEMC published for the same hours
    pub = _lvliang_2019()
    hours = pub[(pub.timestamp > "2019-01-05") & (pub.timestamp <= "2019-01-07")].dropna(
        subset=["aqi"])
    assert out["during"]["station_hours"] == len(hours) == 142  # two station-hours missing
    assert out["during"]["hourly_aqi_mean"] == pytest.approx(hours["aqi"].mean(), abs=0.05)
    assert out["during"]["hourly_aqi_max"] == hours["aqi"].max()
    assert out["inspections"] == {"total": 3, "complied": 2, "not_complied": 1,
                                  "compliance_rate": 66.7, "enterprises": 2}
    # independent check: the published 24-h PM2.5 of the day-closing rows, station mean
    for d in out["during"]["daily"] + out["before"]["daily"]:
        close = pd.Timestamp(d["date"]) + pd.Timedelta(days=1)
        published = pub[pub.timestamp == close]["pm25_24h"].mean()
        assert d["pm25"] == pytest.approx(published, abs=1.0), d
    engine.dispose()


def test_heavy_days_per_year_2019(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'meta.db'}")
    rows = heavy_days_per_year(engine, _lake(tmp_path), LVLIANG)
    assert [r["year"] for r in rows] == [2019]
    assert rows[0]["heavy_dates"] == ["2019-01-05", "2019-01-06", "2019-10-28"]
    assert rows[0]["valid_days"] == 350  # days with a valid daily AQI (gaps in the source)
    # 3 / 350 = 0.857 % → 0.9 %, the figure `air stats` reports (HJ 663 ratio precision)
    assert rows[0]["heavy_day_ratio"] == 0.9
    assert rows[0]["heavy_day_ratio_raw"] == pytest.approx(3 / 350 * 100)
    engine.dispose()


def test_evaluation_without_data_is_a_clear_error(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'meta.db'}")
    st = em.issue(engine, level="orange", start=datetime(2019, 1, 5), doc_no="1",
                  planned_end=datetime(2019, 1, 6))
    with pytest.raises(em.EmergencyError) as exc:
        evaluate(engine, Lake(tmp_path / "empty"), st.id, LVLIANG)
    assert "air_hourly" in exc.value.message("en")
    engine.dispose()


def test_cli_evaluate_and_heavy_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from ecoplan.cli import main
    from ecoplan.store.workspace import Workspace

    assert main(["init"]) == 0
    ws = Workspace()
    cols = ["station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co"]
    frame = _lvliang_2019()[cols].copy()
    for c in cols[2:]:
        frame[c] = frame[c].astype("float64")
    ws.lake.write("air_hourly", pa.Table.from_pandas(frame, preserve_index=False),
                  time_column="timestamp")
    assert main(["emergency", "issue", "--level", "yellow", "--from", "2019-01-05",
                 "--to", "2019-01-07", "--doc", "测试1号"]) == 0
    capsys.readouterr()
    assert main(["emergency", "evaluate", "1", "--stations", ",".join(LVLIANG), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["during"]["daily_aqi_mean"] == 231.5 and out["inspections"]["total"] == 0
    assert main(["emergency", "heavy-days", "--stations", ",".join(LVLIANG), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["heavy_days"] == 3


def test_hourly_aqi_equals_the_published_aqi_in_the_episode() -> None:
    from ecoplan.supervision.emergency_evaluation import area_hourly_aqi

    pub = _lvliang_2019()
    hours = pub[(pub.timestamp > "2019-01-03") & (pub.timestamp <= "2019-01-08")]
    cols = ["station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co"]
    ours = area_hourly_aqi(hours[cols].astype({c: "float64" for c in cols[2:]}))
    merged = ours.merge(hours[["station_code", "timestamp", "aqi"]], on=["station_code",
                                                                          "timestamp"])
    merged = merged.dropna(subset=["aqi_y"])
    assert len(merged) > 340
    assert (merged["aqi_x"] == merged["aqi_y"]).all()


def test_demo_replay_of_january_2019(tmp_path: Path) -> None:
    from ecoplan.store.workspace import Workspace, init_workspace
    from ecoplan.supervision.emergency_demo import run_emergency_demo

    init_workspace()
    ws = Workspace()
    cols = ["station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co"]
    frame = _lvliang_2019()[cols].copy()
    for c in cols[2:]:
        frame[c] = frame[c].astype("float64")
    ws.lake.write("air_hourly", pa.Table.from_pandas(frame, preserve_index=False),
                  time_column="timestamp")
    out = run_emergency_demo(ws, tmp_path / "reports")
    assert out["level"] == "yellow" and out["start"] == "2019-01-05T00:00:00"
    assert out["during"] == {"daily_aqi_mean": 231.5, "heavy_days": 2}
    assert out["heavy_days"] == [{"year": 2019, "heavy_days": 3,
                                  "heavy_day_ratio": 0.9}]
    assert Path(out["files"][0]).exists()
    again = run_emergency_demo(ws, tmp_path / "reports")
    assert again["response_id"] == out["response_id"]  # idempotent
    ws.engine.dispose()


def test_heavy_day_ratio_agrees_with_air_stats(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 21: `air stats` said 0.9, `emergency heavy-days` 0.86 for the same 2019 Lüliang
    days; both now report the HJ 663 ratio at its stated precision (1 decimal %)."""
    import json

    from ecoplan.cli import main

    engine = engine_for(f"sqlite:///{tmp_path / 'meta.db'}")
    (row,) = heavy_days_per_year(engine, _lake(tmp_path), LVLIANG)
    engine.dispose()
    csv = tmp_path / "lvliang.csv"
    _lvliang_2019().assign(city="吕梁市").to_csv(csv, index=False)
    assert main(["air", "stats", str(csv), "--by", "city", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)["records"]
    assert (int(rec["heavy_days"]), int(rec["valid_days"])) == (row["heavy_days"], row["valid_days"])
    assert row["heavy_day_ratio"] == rec["heavy_day_ratio"] == 0.9
