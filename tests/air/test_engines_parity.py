"""One pipeline, two engines: DuckDB and PySpark give identical daily values and statistics."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ecoplan.assess.air_pipeline import daily_table, hourly_table, run_period_stats
from ecoplan.store.engine import connect

POLS = ("pm25", "pm10", "so2", "no2", "o3", "co")


@pytest.fixture(scope="module")
def lvliang() -> pd.DataFrame:
    """Lüliang's three national stations, January–February 2019 (real published hours)."""
    from ecoplan.sample_data import sample_path

    df = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                     parse_dates=["timestamp"])
    df = df[(df.city == "吕梁市") & (df.timestamp < "2019-03-01 01:00")]
    return df[["station_code", "city", "timestamp", *POLS]].reset_index(drop=True)


def _normalise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith(("datetime", "date")) or col in ("date",
                                                                             "period_start"):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
        elif out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].astype("float64")
        elif pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype("float64")
        else:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.sort_values(keys).reset_index(drop=True)


def _both(run: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    return run(connect("duckdb")), run(connect("pyspark"))  # type: ignore[operator]


@pytest.mark.spark
@pytest.mark.slow
def test_daily_and_period_statistics_identical(lvliang: pd.DataFrame) -> None:
    stations = lvliang[["station_code", "city"]].drop_duplicates()

    def daily(con: object) -> pd.DataFrame:
        t = hourly_table(con, lvliang.drop(columns="city"), name="lv_hourly")
        return con.execute(daily_table(con, t, ruleset="auto", cache=False))  # type: ignore[attr-defined]

    def stats(con: object) -> pd.DataFrame:
        return run_period_stats(con, lvliang.drop(columns="city"), "auto", period="month")

    def city(con: object) -> pd.DataFrame:
        return run_period_stats(con, lvliang.drop(columns="city"), "auto", period="range",
                                by="city", stations=stations, start=date(2019, 1, 1),
                                end=date(2019, 2, 28))

    d_duck, d_spark = _both(daily)
    assert len(d_duck) >= 58 * 3
    pd.testing.assert_frame_equal(_normalise(d_duck, ["station_code", "date"]),
                                  _normalise(d_spark, ["station_code", "date"]),
                                  check_exact=True, check_dtype=False)
    s_duck, s_spark = _both(stats)
    assert {"pm25_p95_raw", "o3_8h_p90_raw", "composite_index"} <= set(s_duck.columns)
    pd.testing.assert_frame_equal(_normalise(s_duck, ["station_code", "period"]),
                                  _normalise(s_spark, ["station_code", "period"]),
                                  check_exact=True, check_dtype=False)
    c_duck, c_spark = _both(city)
    assert len(c_duck) == 1 and c_duck.valid_days.iloc[0] >= 55
    pd.testing.assert_frame_equal(_normalise(c_duck, ["city"]), _normalise(c_spark, ["city"]),
                                  check_exact=True, check_dtype=False)
