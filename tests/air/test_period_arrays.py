"""The HJ 663 period aggregates on arrays (:mod:`ecoplan.standards.air_period_arrays`, run by
:func:`ecoplan.store.air_kernel.period_aggregates`) against the Ibis reference
(:func:`ecoplan.standards.air_period.period_statistics`) — bit for bit, types included — on daily
tables with missing rows, missing values, days without an AQI, whole months and whole periods
without one, incomplete days, February and leap years, for every period kind."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ecoplan.assess.air_pipeline import run_period_stats
from ecoplan.standards.air_period import STAT_POLLUTANTS
from ecoplan.store import air_kernel
from ecoplan.store.engine import connect

OPTIONS = [
    {"period": "year"}, {"period": "quarter"}, {"period": "month"},
    {"period": "range", "start": date(2024, 2, 10), "end": date(2025, 3, 3)},
    {"period": "year", "incomplete_days": "exclude"},
    {"period": "month", "incomplete_days": "exclude"},
]


def _daily(seed: int = 3, stations: int = 7) -> pa.Table:
    """A daily table as the pipeline makes it: 2024 (leap) and 2025, gaps of every kind."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    frames = []
    for i in range(stations):
        keep = rng.random(len(days)) > (0.02 + 0.1 * (i % 3))  # stations with many gaps
        d = days[keep]
        n = len(d)
        f = pd.DataFrame({"station_code": f"S{i:02d}", "date": d.date})
        for p in STAT_POLLUTANTS:
            v = np.round(rng.gamma(2.0, 30.0, n), 3) / (10 if p == "co" else 1)
            v[rng.random(n) < 0.05] = np.nan
            if i == 2:  # a station without any PM2.5 in March 2025
                v[(d.year == 2025) & (d.month == 3)] = np.nan if p == "pm25" else v[
                    (d.year == 2025) & (d.month == 3)]
            f[p] = v
        aqi = rng.integers(10, 420, n).astype(float)
        aqi[rng.random(n) < 0.08] = np.nan
        if i == 4:  # a quarter without a single daily AQI
            aqi[(d.year == 2024) & (d.quarter == 2)] = np.nan
        f["aqi"] = pd.array(aqi, dtype="Int64")
        for p in ("so2", "no2", "co", "pm10", "pm25", "o3_8h"):
            iaqi = np.where(rng.random(n) < 0.3, aqi, rng.integers(0, 300, n)).astype(float)
            iaqi[rng.random(n) < 0.05] = np.nan
            f[f"iaqi_{p}"] = pd.array(iaqi, dtype="Int64")
        f["aqi_complete"] = rng.random(n) > 0.1
        frames.append(f)
    frame = pd.concat(frames).sample(frac=1.0, random_state=seed)  # rows in no order
    return pa.Table.from_pandas(frame, preserve_index=False)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_the_arrays_give_the_reference_statistics(options: dict[str, object]) -> None:
    con = connect("duckdb")
    daily = con.create_table("daily", obj=_daily(), temp=True)
    fast = run_period_stats(con, None, "2012", daily=daily, **options)  # type: ignore[arg-type]
    ref = run_period_stats(con, None, "2012", daily=daily, kernel=False,
                           **options)  # type: ignore[arg-type]
    assert air_kernel.period_aggregates(con, daily, **options) is not None  # it did run
    pd.testing.assert_frame_equal(fast, ref, check_exact=True)


def test_two_halves_of_many_stations() -> None:
    """Enough rows for two threads (split by station), rows ordered and unordered."""
    table = _daily(seed=8, stations=160)
    con = connect("duckdb")
    for name, t in (("shuffled", table),
                    ("ordered", table.sort_by([("station_code", "ascending"),
                                               ("date", "ascending")]))):
        daily = con.create_table(name, obj=t, temp=True)
        fast = run_period_stats(con, None, "2012", daily=daily, period="quarter")
        ref = run_period_stats(con, None, "2012", daily=daily, period="quarter", kernel=False)
        pd.testing.assert_frame_equal(fast, ref, check_exact=True)


def test_what_the_arrays_cannot_reproduce_is_left_to_the_engine() -> None:
    con = connect("duckdb")
    base = _daily(stations=2)
    twice = pa.concat_tables([base, base.slice(0, 1)])  # a station-day given twice
    assert air_kernel.period_aggregates(
        con, con.create_table("twice", obj=twice, temp=True), period="year") is None
    pm10 = base.column("pm10").to_numpy().copy()
    pm10[0] = np.nan  # a NaN (not a null) the engine counts as a value
    nan_table = base.set_column(base.column_names.index("pm10"), "pm10",
                                pa.array(pm10, from_pandas=False))
    assert air_kernel.period_aggregates(
        con, con.create_table("nan", obj=nan_table, temp=True), period="year") is None
    dusty = base.append_column("dust", pa.array([False] * base.num_rows))
    assert air_kernel.period_aggregates(
        con, con.create_table("dusty", obj=dusty, temp=True), period="year",
        dust_convention="bulletin") is None
    # each of them still gets its statistics from the reference
    stats = run_period_stats(con, None, "2012", daily=con.table("twice"), period="year")
    assert len(stats) == 4
