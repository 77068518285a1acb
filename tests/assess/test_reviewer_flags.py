"""Values a reviewer marked invalid (append-only flag history) are left out of every air
statistic exactly as if the hour were missing; a later ``valid`` review brings them back.

Data: two real days of station 1081A (尖草坪, Taiyuan) from the bundled 2019 Shanxi hourly file
(``ecoplan/sample_data/realdata``; provenance in ``ecoplan/sample_data/PROVENANCE.md``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import ibis
import pandas as pd

from ecoplan.assess.air_pipeline import (
    HOURLY_COLUMNS,
    hourly_table,
    run_daily,
    run_period_stats,
)
from ecoplan.ingest.flags import append_flag
from ecoplan.ingest.pipeline import ingest_frame
from ecoplan.ingest.registry import import_bundled
from ecoplan.sample_data import sample_path
from ecoplan.settings import load_settings
from ecoplan.store import reviewed_flags
from ecoplan.store.engine import Analytics
from ecoplan.store.workspace import Workspace, init_workspace

STATION = "1081A"
HOUR = datetime(2019, 1, 2, 9)  # hour-ending label: a morning hour of 2019-01-02


def _hours() -> pd.DataFrame:
    f = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                    parse_dates=["timestamp"], dtype={"station_code": str}, nrows=20_000)
    f = f[(f.station_code == STATION) & (f.timestamp > "2019-01-01")
          & (f.timestamp <= "2019-01-03")]
    assert len(f) == 48
    return f[list(HOURLY_COLUMNS)].reset_index(drop=True)


def _missing(frame: pd.DataFrame, parameter: str) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out.timestamp == HOUR, parameter] = float("nan")
    return out


def _workspace(home: Path, db_url: str | None) -> Workspace:
    init_workspace(home, database_url=db_url)
    ws = Workspace(load_settings(home=home, database_url=db_url) if db_url else
                   load_settings(home=home))
    import_bundled(ws.engine, ("shanxi",))
    return ws


def _daily(ws_or_con, source) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    d = run_daily(ws_or_con, source)
    return d.drop(columns=[c for c in d.columns if c in ("year", "month")]).reset_index(drop=True)


def test_invalid_review_equals_a_missing_hour_and_valid_restores(db_url: str,
                                                                 tmp_path: Path) -> None:
    parameter = "pm25"
    ws = _workspace(tmp_path / "home", db_url)
    # its database is not the default: the workspace hands its own to its analytics engine
    hours = _hours()
    ingest_frame(ws, "air_hourly", hours, source="test:reviewer-flags")
    con = ibis.duckdb.connect()
    baseline = _daily(con, hours)
    as_missing = _daily(con, _missing(hours, parameter))
    assert not baseline.equals(as_missing)  # the hour matters for the day's statistic
    pd.testing.assert_frame_equal(_daily(ws.analytics, "air_hourly"), baseline)

    append_flag(ws.engine, "air_hourly", STATION, HOUR, parameter, "invalid",
                reason="审核：仪器漂移 / review: instrument drift", actor="reviewer")
    pd.testing.assert_frame_equal(_daily(ws.analytics, "air_hourly"), as_missing)
    # an Ibis table of the lake (how the indicators and the web read it) is treated the same
    year = run_period_stats(ws.analytics, ws.analytics.table("air_hourly"), period="year")
    expected = run_period_stats(con, _missing(hours, parameter), period="year")
    pd.testing.assert_frame_equal(year, expected)

    append_flag(ws.engine, "air_hourly", STATION, HOUR, parameter, "valid",
                reason="复核：数据有效 / second review: valid", actor="reviewer2")
    pd.testing.assert_frame_equal(_daily(ws.analytics, "air_hourly"), baseline)


def test_latest_review_in_force_and_load_flags_do_not_count(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "home", None)  # found through the workspace's own settings
    hours = _hours()
    ingest_frame(ws, "air_hourly", hours, source="test:reviewer-flags")
    t1, t2, t3 = HOUR, datetime(2019, 1, 2, 10), datetime(2019, 1, 2, 11)
    for ts, flag in ((t1, "invalid"), (t1, "suspect"),           # suspect: counted again
                     (t2, "valid"), (t2, "maintenance"),         # maintenance: left out
                     (t3, "calibration"), (t3, "suspect_high")):  # a load flag changes nothing
        append_flag(ws.engine, "air_hourly", STATION, ts, "pm10", flag, reason="r", actor="a")
    got = reviewed_flags.excluded_values(ws.engine)
    assert sorted(got.timestamp) == [pd.Timestamp(t2), pd.Timestamp(t3)]
    assert set(got.parameter) == {"pm10"} and set(got.station_code) == {STATION}
    assert ws.analytics.reviewed_flags is not None
    out = ws.analytics.execute(hourly_table(ws.analytics, "air_hourly").order_by("timestamp"))
    pm10 = dict(zip(out.timestamp, out.pm10, strict=True))
    assert pd.isna(pm10[pd.Timestamp(t2)]) and pd.isna(pm10[pd.Timestamp(t3)])
    assert pm10[pd.Timestamp(t1)] == hours.set_index("timestamp").pm10[t1]
    assert out.pm25.notna().sum() == hours.pm25.notna().sum()  # other pollutants untouched


def test_frames_take_reviews_explicitly() -> None:
    hours = _hours()
    reviews = pd.DataFrame({"station_code": [STATION, "OTHER"], "timestamp": [HOUR, HOUR],
                            "parameter": ["no2", "no2"]})
    con = ibis.duckdb.connect()
    got = con.execute(hourly_table(con, hours, reviews=reviews).order_by("timestamp"))
    assert got.no2.isna().sum() == hours.no2.isna().sum() + 1
    assert pd.isna(got.set_index("timestamp").no2[HOUR])
    assert not isinstance(con, Analytics)  # a bare engine: no workspace, no reviews
