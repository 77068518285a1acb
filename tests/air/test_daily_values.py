"""Daily values per GB 3095 Table 4 / HJ 663 §6.1.2, and the CNEMC day, on DuckDB."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest

from ecoplan.standards.air_daily import DailyRules, daily_aqi, daily_values
from ecoplan.standards.air_period import gbt8170_round

POLS = ("pm25", "pm10", "so2", "no2", "o3", "co")


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    c = ibis.duckdb.connect()
    c.raw_sql("SET TimeZone = 'UTC'")
    return c


def _hours(day: datetime, values: dict[str, list[float | None]], station: str = "S1",
           ) -> pd.DataFrame:
    """24 hour-ending rows of CNEMC day ``day``: labels day 01:00 … day+1 00:00."""
    frame = pd.DataFrame({"station_code": station,
                          "timestamp": [day + timedelta(hours=h) for h in range(1, 25)]})
    for p in POLS:
        frame[p] = pd.Series(values.get(p, [10.0] * 24), dtype="float64")
    return frame


def _run(con: ibis.BaseBackend, frame: pd.DataFrame, **rules: object) -> pd.DataFrame:
    t = con.create_table("h", frame, overwrite=True)
    return con.execute(daily_values(t, rules=DailyRules.for_ruleset("2012", **rules)))


def test_row_labelled_midnight_closes_the_previous_day(con: ibis.BaseBackend) -> None:
    vals = {"pm25": [float(h) for h in range(1, 25)]}
    out = _run(con, _hours(datetime(2019, 1, 1), vals))
    assert len(out) == 1
    assert str(out.date.iloc[0])[:10] == "2019-01-01"
    assert out.pm25.iloc[0] == pytest.approx(12.5)


def test_twenty_hours_needed(con: ibis.BaseBackend) -> None:
    v20 = [50.0] * 20 + [None] * 4
    v19 = [50.0] * 19 + [None] * 5
    out = _run(con, _hours(datetime(2019, 1, 1), {"pm25": v20, "so2": v19}))
    assert out.pm25.iloc[0] == 50.0 and out.n_pm25.iloc[0] == 20
    assert pd.isna(out.so2.iloc[0]) and out.n_so2.iloc[0] == 19


def test_o3_windows_need_six_of_eight_hours(con: ibis.BaseBackend) -> None:
    # hours 1…24; the day max window is 17:00–24:00 (labels 17…24) at 200
    o3: list[float | None] = [50.0] * 16 + [200.0] * 8
    out = _run(con, _hours(datetime(2019, 7, 1), {"o3": o3}))
    assert out.o3_8h.iloc[0] == 200.0 and out.o3_8h_windows.iloc[0] == 17
    o3_gap = list(o3)
    o3_gap[21] = o3_gap[22] = o3_gap[23] = None  # the last window keeps 5 of 8 hours
    out = _run(con, _hours(datetime(2019, 7, 1), {"o3": o3_gap}))
    # windows 22, 23, 24 keep 7, 6, 5 hours: window 24 is invalid; window 23 = hours 16…21
    # = (50 + 5 × 200) / 6 = 175 is the day's maximum
    assert out.o3_8h_windows.iloc[0] == 16
    assert out.o3_8h.iloc[0] == 175.0


def test_fourteen_windows_or_exceedance(con: ibis.BaseBackend) -> None:
    # hours 1…10 missing: window w holds w − 10 hours, so only windows 16…24 are valid: 9 < 14
    low: list[float | None] = [None] * 10 + [60.0] * 14
    out = _run(con, _hours(datetime(2019, 7, 1), {"o3": low}))
    assert out.o3_8h_windows.iloc[0] == 9 and pd.isna(out.o3_8h.iloc[0])
    high: list[float | None] = [None] * 10 + [170.0] * 14
    out = _run(con, _hours(datetime(2019, 7, 1), {"o3": high}))
    assert out.o3_8h.iloc[0] == 170.0  # above the 160 limit: valid despite 9 windows
    out = _run(con, _hours(datetime(2019, 7, 1), {"o3": high}), exceedance_exception=False)
    assert pd.isna(out.o3_8h.iloc[0])


def test_missing_rows_are_missing_hours(con: ibis.BaseBackend) -> None:
    frame = _hours(datetime(2019, 1, 1), {"pm25": [30.0] * 24}).drop(index=[0, 1, 2, 3, 4])
    out = _run(con, frame)
    assert pd.isna(out.pm25.iloc[0]) and out.n_pm25.iloc[0] == 19


def test_daily_aqi_columns(con: ibis.BaseBackend) -> None:
    frame = _hours(datetime(2019, 1, 1), {"pm25": [117.25] * 24, "co": [2.2] * 24,
                                          "o3": [20.0] * 24})
    t = con.create_table("h", frame, overwrite=True)
    out = con.execute(daily_aqi(daily_values(t), ruleset="auto"))
    row = out.iloc[0]
    assert row.iaqi_co == 55  # CO 2.2 → 55, not 56
    assert row.iaqi_pm25 == 153 and row.aqi == 153
    assert row.primary_pollutants == "PM2.5" and row.category == "中度污染"
    assert row.ruleset == "2012"
    t70 = con.create_table("h70", frame.assign(pm25=70.0), overwrite=True)
    out12 = con.execute(daily_aqi(daily_values(t70), ruleset="2012"))
    out26 = con.execute(daily_aqi(daily_values(t70), ruleset="2026"))
    assert out12.iaqi_pm25.iloc[0] == 94  # 50 + (70 − 35)·50/40 = 93.75
    assert out26.iaqi_pm25.iloc[0] == 110 and out26.ruleset.iloc[0] == "2026"  # 109.09


@pytest.fixture(scope="module")
def shanxi() -> pd.DataFrame:
    from ecoplan.sample_data import sample_path

    return pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                       parse_dates=["timestamp"])


@pytest.mark.slow
def test_published_daily_values_reproduced(con: ibis.BaseBackend, shanxi: pd.DataFrame) -> None:
    """CNEMC's 24-h values on the 00:00 row = our day values (docs/air-statistics.md §2)."""
    t = con.create_table("sx", shanxi[["station_code", "timestamp", *POLS]], overwrite=True)
    ours = con.execute(daily_values(t, rules=DailyRules.for_ruleset("2012")))
    ours["date"] = pd.to_datetime(ours["date"])
    pub = shanxi[shanxi.timestamp.dt.hour == 0].assign(
        date=lambda x: (x.timestamp - pd.Timedelta(hours=1)).dt.normalize())
    j = ours.merge(pub, on=["station_code", "date"], suffixes=("", "_pub"))
    for p in ("pm25", "pm10", "so2", "no2"):
        full = j[j[f"n_{p}"] == 24]
        got = full[p].map(lambda v: gbt8170_round(v, 0))
        assert len(full) > 12_000
        assert (got == full[f"{p}_24h"]).all(), p  # every complete day, half-to-even
        valid = j[j[p].notna()]
        rate = (valid[p].map(lambda v: gbt8170_round(v, 0)) == valid[f"{p}_24h"]).mean()
        assert rate > 0.87, (p, rate)
    full = j[j.n_co == 24]
    co_rate = (full.co.map(lambda v: gbt8170_round(v, 1)) == full.co_24h).mean()
    assert co_rate > 0.97  # CO is published with 1 decimal: display rounding of the inputs
    full = j[j.n_o3 == 24]
    o3 = full.o3_8h.map(lambda v: gbt8170_round(v, 0))
    assert (np.isclose(o3, full.o3_8h_24h) | full.o3_8h.isna()).mean() > 0.999
    o3_1h = full.o3_1h_max == full.o3_24h
    assert o3_1h.mean() > 0.999
