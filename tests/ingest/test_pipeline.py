"""The ingestion pipeline end to end on SQLite and PostgreSQL: the real Shanxi year, quarantine
with located reasons, idempotence, corrections with history, flags, compaction, water."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from ecoplan.ingest.compact import compact
from ecoplan.ingest.flags import append_flag, flag_history
from ecoplan.ingest.pipeline import ingest_file, ingest_frame, ingest_sample_year
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.ingest_models import FlagHistoryIsAppendOnly, QualityFlag, Supersession
from ecoplan.store.models import IngestBatch, QuarantinedRow
from ecoplan.store.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def _lake_rows(ws: Workspace, dataset: str = "air_hourly") -> pd.DataFrame:
    return ws.lake.read_arrow(dataset).to_pandas()


def _quarantine(ws: Workspace, batch: int) -> list[QuarantinedRow]:
    with ws.session() as s:
        return list(s.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch)
                              .order_by(QuarantinedRow.row)))


def test_real_shanxi_year_end_to_end(ws: Workspace) -> None:
    s = ingest_sample_year(ws)
    assert (s.status, s.rows_read, s.rows_accepted, s.rows_quarantined) == (
        "committed", 479_205, 479_205, 0)
    assert len(s.per_site) == 59 and s.per_site["2183A"]["read"] > 8000
    # the CO 90 mg/m³ outlier of 2170A is kept as published and flagged
    assert s.flags.get("suspect_high", 0) >= 1
    t = ws.analytics.table("air_hourly")
    df = ws.analytics.execute(t.group_by("station_code").agg(n=t.count()))
    assert int(df["n"].sum()) == 479_205 and len(df) == 59
    one = ws.analytics.execute(t.filter((t.station_code == "1081A")
                                        & (t.timestamp == datetime(2019, 1, 1, 0))))
    assert one["pm25"].tolist() == [317.0] and one["published_aqi"].tolist() == [367.0]
    with ws.session() as ses:
        flags = ses.scalars(select(QualityFlag).where(QualityFlag.site_code == "2170A",
                                                      QualityFlag.flag == "suspect_high")).all()
        assert any(f.parameter == "co" for f in flags)
    again = ingest_sample_year(ws)
    assert again.status == "duplicate" and again.duplicate_of == s.batch_id
    assert len(_lake_rows(ws)) == 479_205


def test_quarantine_is_located_and_accounting_holds(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    path = DATA / "dept_air_gbk.csv"
    s = ingest_file(ws, "air", path)
    assert s.encoding == "gb18030"
    assert s.rows_read == 10
    assert s.rows_accepted + s.rows_quarantined == s.rows_read
    # rows 4, 5 and 10 keep five pollutants: only their bad value is quarantined
    assert (s.rows_quarantined, s.values_held) == (4, 3)
    assert s.values_accepted + s.values_quarantined == s.values_read
    q = _quarantine(ws, s.batch_id)
    assert len(q) == s.rows_quarantined + s.values_held == 7
    by_row = {r.row: r for r in q}
    assert set(by_row) == {4, 5, 6, 7, 8, 9, 10}
    assert by_row[4].field == "PM2.5(μg/m3)" and by_row[4].value == "九十"
    assert "negative" in by_row[5].reason and "负值" in by_row[5].reason
    assert by_row[6].field == "站点编码" and "9999Z" in by_row[6].reason
    assert "duplicate" in by_row[7].reason and "line 2" in by_row[7].reason
    assert "whole-hour" in by_row[8].reason
    assert by_row[9].field is None and "truncated" in by_row[9].reason
    assert by_row[10].field == "CO(mg/m3)" and "wrong unit" in by_row[10].reason
    for r in q:
        assert r.file.endswith("dept_air_gbk.csv") and r.raw
    lake = _lake_rows(ws).sort_values(["station_code", "timestamp"])
    assert len(lake) == 6 and set(lake.station_code) == {"2183A", "2867A"}
    kept = lake[lake.timestamp == pd.Timestamp("2021-01-05 03:00")].iloc[0]
    assert kept.pm25 != kept.pm25 and kept.pm10 == 118  # 九十 out, the rest of the hour in
    with ws.session() as ses:
        b = ses.get(IngestBatch, s.batch_id)
        assert b is not None and b.status == "committed" and b.rows_quarantined == 4


def test_correction_supersedes_and_keeps_history(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("shanxi",))
    first = tmp_path / "first.csv"
    first.write_text("station_code,timestamp,pm25,pm10\n2183A,2021-03-01 01:00,50,80\n"
                     "2183A,2021-03-01 02:00,55,85\n", encoding="utf-8")
    fix = tmp_path / "fix.csv"
    fix.write_text("station_code,timestamp,pm25,pm10\n2183A,2021-03-01 02:00,57,85\n"
                   "2183A,2021-03-01 03:00,60,90\n", encoding="utf-8")
    a = ingest_file(ws, "air", first)
    # a normal load may not silently replace a stored value: the conflicting row is quarantined
    b = ingest_file(ws, "air", fix)
    assert (b.rows_read, b.rows_accepted, b.rows_quarantined, b.rows_superseded) == (2, 1, 1, 0)
    assert "conflict" in _quarantine(ws, b.batch_id)[0].reason
    c = ingest_file(ws, "air", fix, kind="correction")
    assert (c.rows_read, c.rows_accepted, c.rows_quarantined, c.rows_superseded,
            c.rows_unchanged) == (2, 2, 0, 1, 1)
    lake = _lake_rows(ws).sort_values("timestamp")
    assert lake["pm25"].tolist() == [50.0, 57.0, 60.0]
    assert lake.duplicated(["station_code", "timestamp"]).sum() == 0
    hist = _lake_rows(ws, "air_hourly_history")
    assert hist["pm25"].tolist() == [55.0]
    assert hist["batch"].tolist() == [a.batch_id] and hist["superseded_by"].tolist() == [
        c.batch_id]
    with ws.session() as ses:
        sup = ses.scalars(select(Supersession)).all()
        assert [(x.batch_id, x.superseded_batch_id, x.rows) for x in sup] == [
            (c.batch_id, a.batch_id, 1)]


def test_reload_after_registering_stations(ws: Workspace, tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("station_code,timestamp,pm25\n2183A,2021-03-01 01:00,50\n", encoding="utf-8")
    first = ingest_file(ws, "air", p)
    assert first.rows_quarantined == 1
    import_bundled(ws.engine, ("shanxi",))
    second = ingest_file(ws, "air", p)
    assert second.status == "committed" and second.rows_accepted == 1
    assert all(r.resolved for r in _quarantine(ws, first.batch_id))
    third = ingest_file(ws, "air", p)
    assert third.status == "duplicate"
    assert len(_lake_rows(ws)) == 1


def test_dry_run_writes_nothing(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    s = ingest_file(ws, "air", DATA / "dept_air_gbk.csv", dry_run=True)
    assert s.status == "dry_run" and s.rows_quarantined == 4 and s.values_held == 3
    assert s.batch_id is None
    assert ws.lake.files("air_hourly") == []
    with ws.session() as ses:
        assert ses.scalar(select(func.count()).select_from(IngestBatch)) == 0


def test_ingest_frame_is_idempotent_and_flags_are_append_only(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    hours = pd.date_range("2021-06-01 01:00", periods=24, freq="h")
    frame = pd.DataFrame({"station_code": "2185A", "timestamp": hours,
                          "pm25": [20.0] * 12 + [400.0] + [22.0] * 11, "co": 0.6})
    s = ingest_frame(ws, "air_hourly", frame, source="hj212:TEST0001")
    assert (s.rows_read, s.rows_accepted) == (24, 24)
    # 12 equal hours of 20 are a constant run (rules.yaml: pm25 12 h); 400 between 20 and 22 a spike
    assert s.flags == {"suspect_constant": 12, "suspect_spike": 1}
    again = ingest_frame(ws, "air_hourly", frame, source="hj212:TEST0001")
    assert again.status == "duplicate"
    ts = datetime(2021, 6, 1, 13)
    append_flag(ws.engine, "air_hourly", "2185A", ts, "pm25", "valid",
                reason="现场核实为附近燃放烟花 / fireworks confirmed on site", actor="analyst")
    hist = flag_history(ws.engine, "air_hourly", "2185A", ts, "pm25")
    assert [h["flag"] for h in hist] == ["suspect_spike", "valid"]
    with pytest.raises(FlagHistoryIsAppendOnly), ws.session() as ses:
        row = ses.scalars(select(QualityFlag)).first()
        assert row is not None
        row.flag = "invalid"


def _texts(col: pd.Series) -> list[str | None]:
    return [None if pd.isna(x) else x for x in col]


def test_ingest_frame_keeps_source_flags_per_value(ws: Workspace) -> None:
    """Flags given with the values (``<pollutant>_flag``, e.g. HJ 212 ``hj212:D``) are stored in
    the lake flag column before the load flags and appended to the flag history; the value
    itself is kept as given."""
    import_bundled(ws.engine, ("shanxi",))
    hours = pd.date_range("2021-07-01 01:00", periods=3, freq="h")
    frame = pd.DataFrame({"station_code": "2185A", "timestamp": hours,
                          "pm25": [33.0, 1200.0, 20.0], "pm10": [50.0, 60.0, 70.0],
                          "pm25_flag": ["hj212:D", "hj212:C", None]})
    s = ingest_frame(ws, "air_hourly", frame, source="hj212:TEST0002")
    assert (s.rows_read, s.rows_accepted, s.rows_written) == (3, 3, 3)
    assert s.flags == {"hj212:D": 1, "hj212:C": 1, "suspect_high": 1, "suspect_spike": 1}
    lake = _lake_rows(ws).sort_values("timestamp")
    assert lake["pm25"].tolist() == [33.0, 1200.0, 20.0]
    assert _texts(lake["pm25_flag"]) == ["hj212:D", "hj212:C,suspect_high,suspect_spike", None]
    assert lake["pm10_flag"].isna().all()
    hist = flag_history(ws.engine, "air_hourly", "2185A", parameter="pm25")
    assert [(h["timestamp"].hour, h["flag"]) for h in hist] == [
        (1, "hj212:D"), (2, "hj212:C"), (2, "suspect_high"), (2, "suspect_spike")]
    assert "instrument fault" in hist[0]["reason"] and "仪器故障" in hist[0]["reason"]
    # a reviewer's later judgement is appended; the source flag stays in the history
    append_flag(ws.engine, "air_hourly", "2185A", datetime(2021, 7, 1, 1), "pm25", "invalid",
                reason="运维记录确认故障 / fault confirmed by the maintenance log", actor="analyst")
    assert [h["flag"] for h in flag_history(ws.engine, "air_hourly", "2185A",
                                            datetime(2021, 7, 1, 1), "pm25")] == [
        "hj212:D", "invalid"]


def test_ingest_frame_keeps_source_flags_of_water_values(ws: Workspace) -> None:
    import_bundled(ws.engine, ("jiaocheng",))
    frame = pd.DataFrame({"site": "JC-WYH-BYK", "time": pd.to_datetime(["2021-07-01 08:00"] * 2),
                          "parameter": ["nh3_n", "tp"], "value": [0.5, 0.1],
                          "unit": "mg/L", "flag": ["hj212:M", None]})
    s = ingest_frame(ws, "water_samples", frame, source="hj212:W1")
    assert (s.rows_accepted, s.flags) == (2, {"hj212:M": 1})
    lake = _lake_rows(ws, "water_samples").sort_values("parameter")
    assert lake["value"].tolist() == [0.5, 0.1] and _texts(lake["flag"]) == ["hj212:M", None]
    assert [h["flag"] for h in flag_history(ws.engine, "water_samples")] == ["hj212:M"]


def test_compact_merges_files_and_keeps_rows(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("shanxi",))
    for d in range(1, 4):
        p = tmp_path / f"d{d}.csv"
        p.write_text(f"station_code,timestamp,pm25\n2183A,2021-03-0{d} 01:00,{d}0\n"
                     f"2185A,2021-03-0{d} 01:00,{d}1\n", encoding="utf-8")
        ingest_file(ws, "air", p)
    assert len(ws.lake.files("air_hourly")) == 3
    before = _lake_rows(ws).sort_values(["station_code", "timestamp"]).reset_index(drop=True)
    (res,) = compact(ws, ["air_hourly"])
    assert (res.files_before, res.files_after, res.rows) == (3, 1, 6)
    after = _lake_rows(ws).sort_values(["station_code", "timestamp"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert pq.ParquetFile(ws.lake.files("air_hourly")[0]).metadata.num_rows == 6


def test_water_long_table_with_plan_aliases(ws: Workspace) -> None:
    import_bundled(ws.engine, ("jiaocheng",))
    s = ingest_file(ws, "water", DATA / "jiaocheng_water_long.csv")
    assert (s.rows_read, s.rows_accepted, s.rows_quarantined) == (7, 5, 2)
    lake = _lake_rows(ws, "water_samples")
    assert set(lake.site) == {"JC-WYH-BYK", "JC-CYH-WL"}
    assert set(lake.parameter) == {"nh3_n", "tp", "do", "codmn"}
    reasons = {r.row: r.reason for r in _quarantine(ws, s.batch_id)}
    assert set(reasons) == {7, 8}
    assert "负值" in reasons[8]


def test_cnemc_water_snapshot_with_bundled_shanxi_stations(ws: Workspace) -> None:
    from ecoplan.sample_data import sample_path

    import_bundled(ws.engine, ("shanxi_water",))
    s = ingest_file(ws, "water", sample_path("water", "cnemc_realtime", "2020-06-15.json"))
    assert s.rows_accepted + s.rows_quarantined == s.rows_read > 500
    lake = _lake_rows(ws, "water_samples")
    # the two Shanxi stations of this national snapshot are accepted, the rest wait in quarantine
    assert set(lake.site) == {"河津大桥", "万家寨水库"}
    assert s.per_site["河津大桥"]["quarantined"] == 0


def test_unreadable_file_is_recorded_not_lost(ws: Workspace, tmp_path: Path) -> None:
    p = tmp_path / "not_air.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    s = ingest_file(ws, "air", p)
    assert s.status == "rejected" and s.problems[0]["field"] == "station_code"
    (q,) = _quarantine(ws, s.batch_id)
    assert q.row == 1 and "station_code" in q.reason


def test_unrecognised_columns_are_reported(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("shanxi",))
    p = tmp_path / "extra.csv"
    p.write_text("station_code,station_name,timestamp,pm25,备注\n2183A,环保局,2021-03-01 01:00,50,"
                 "已审核\n", encoding="utf-8")
    s = ingest_file(ws, "air", p)
    assert s.rows_accepted == 1
    notes = [x for x in s.problems if x["code"] == "ignored_column"]
    assert [(x["row"], x["field"]) for x in notes] == [(1, "备注")]


def test_unmapped_value_column_refuses_the_file(ws: Workspace, tmp_path: Path) -> None:
    """A numeric column that is not a pollutant (PM1) would be lost: the file is refused."""
    import_bundled(ws.engine, ("shanxi",))
    p = tmp_path / "extra.csv"
    p.write_text("station_code,timestamp,pm25,PM1\n2183A,2021-03-01 01:00,50,30\n",
                 encoding="utf-8")
    s = ingest_file(ws, "air", p)
    assert s.status == "rejected" and "PM1" in s.problems[0]["reason_zh"]
