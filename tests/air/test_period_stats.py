"""HJ 663 period statistics: percentiles, rounding, composite index, validity, day counts."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.standards.air_daily import hj663
from ecoplan.standards.air_period import (
    gbt8170_round,
    gbt8170_round_expr,
    percentile_value,
    period_statistics,
    rank_by_composite,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "air"


def _cases(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def _daily(values: dict[str, list[float | None]], start: date = date(2019, 1, 1),
           key: str = "S1", aqi: list[int | None] | None = None) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    frame = pd.DataFrame({"station_code": key,
                          "date": [start + timedelta(days=i) for i in range(n)]})
    for p in ("pm25", "pm10", "so2", "no2", "co", "o3_8h"):
        frame[p] = pd.Series(values.get(p, [None] * n), dtype="float64")
    frame["aqi"] = pd.Series(aqi if aqi is not None else [None] * n, dtype="Int64")
    return frame


@pytest.mark.parametrize("case", _cases("period_percentile_cases.csv"), ids=lambda c: c["values"])
def test_percentile_cases(case: dict[str, str], con: ibis.BaseBackend) -> None:
    values = [float(v) for v in case["values"].split(";")]
    p, expected = int(case["p"]), float(case["expected"])
    assert percentile_value(values, p) == pytest.approx(expected, abs=1e-12)
    pol = {90: "o3_8h", 95: "pm25", 98: "so2", 50: None}[p] if p in (90, 95, 98, 50) else None
    if pol is None:
        return
    frame = _daily({pol: values})
    out = con.execute(period_statistics(con.create_table("d", frame, overwrite=True),
                                        period="year"))
    assert out[f"{pol}_p{p}_raw"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_yaml_example_is_the_appendix_example() -> None:
    ex = hj663()["percentile"]["example"]
    assert percentile_value(ex["values"], ex["p"]) == ex["result"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=60),
       st.sampled_from([90, 95, 98]))
def test_percentile_equals_numpy_linear(values: list[int], p: int) -> None:
    """HJ 663 Appendix A equals numpy's default linear method (air-standards.md §3.3)."""
    assert percentile_value(values, p) == pytest.approx(
        float(np.percentile(values, p)), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("case", _cases("period_rounding_cases.csv"), ids=lambda c: c["value"])
def test_gbt8170_rounding(case: dict[str, str], con: ibis.BaseBackend) -> None:
    value, digits, expected = float(case["value"]), int(case["digits"]), float(case["expected"])
    assert gbt8170_round(value, digits) == expected
    t = con.create_table("r", pd.DataFrame({"x": [value]}), overwrite=True)
    got = con.execute(t.select(y=gbt8170_round_expr(t.x, digits))).y.iloc[0]
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("case", _cases("period_composite_cases.csv"), ids=lambda c: c["expected"])
def test_composite_index(case: dict[str, str], con: ibis.BaseBackend) -> None:
    # one value repeated: means and percentiles both equal it
    n = 30
    values = {"pm25": [float(case["pm25"])] * n, "pm10": [float(case["pm10"])] * n,
              "so2": [float(case["so2"])] * n, "no2": [float(case["no2"])] * n,
              "co": [float(case["co_p95"])] * n, "o3_8h": [float(case["o3_8h_p90"])] * n}
    frame = _daily(values, aqi=[80] * n)
    out = con.execute(period_statistics(con.create_table("c", frame, overwrite=True),
                                        period="month"))
    assert out.composite_index.iloc[0] == pytest.approx(float(case["expected"]), abs=1e-9)


def test_validity_month_minimums(con: ibis.BaseBackend) -> None:
    """≥ 27 daily values a month, ≥ 25 in February (GB 3095 Table 4)."""
    jan = _daily({"pm25": [30.0] * 27 + [None] * 4}, start=date(2019, 1, 1))
    feb = _daily({"pm25": [30.0] * 25 + [None] * 3}, start=date(2019, 2, 1))
    mar = _daily({"pm25": [30.0] * 26 + [None] * 5}, start=date(2019, 3, 1))
    frame = pd.concat([jan, feb, mar], ignore_index=True)
    out = con.execute(period_statistics(con.create_table("v", frame, overwrite=True),
                                        period="month")).set_index("period")
    assert out.loc["2019-01", "pm25_valid"] == 1
    assert out.loc["2019-02", "pm25_valid"] == 1
    assert out.loc["2019-03", "pm25_valid"] == 0
    q = con.execute(period_statistics(con.create_table("v", frame, overwrite=True),
                                      period="quarter"))
    assert q.pm25_valid.iloc[0] == 0 and q.pm25_days.iloc[0] == 78


def test_year_needs_324_days(con: ibis.BaseBackend) -> None:
    days = pd.date_range("2019-01-01", "2019-12-31").date
    vals = [30.0 if d.day <= 27 else None for d in days]  # 27 a month → 324 days
    frame = _daily({"pm25": vals})
    out = con.execute(period_statistics(con.create_table("y", frame, overwrite=True)))
    assert out.pm25_days.iloc[0] == 324 and out.pm25_valid.iloc[0] == 1
    vals[0] = None
    frame = _daily({"pm25": vals})
    out = con.execute(period_statistics(con.create_table("y", frame, overwrite=True)))
    assert out.pm25_valid.iloc[0] == 0


def test_day_counts_and_ratios(con: ibis.BaseBackend) -> None:
    """County bulletin example: 91 valid days, 51 优 + 35 良 → good-day ratio 94.5 %."""
    aqi = [40] * 51 + [80] * 35 + [120] * 3 + [250] * 2 + [None] * 1
    frame = _daily({"pm25": [20.0] * 92}, aqi=aqi)
    out = con.execute(period_statistics(con.create_table("g", frame, overwrite=True),
                                        period="range", start=date(2019, 1, 1),
                                        end=date(2019, 4, 2)))
    row = out.iloc[0]
    assert row.valid_days == 91 and row.good_days == 86 and row.heavy_days == 2
    assert (row.days_level1, row.days_level2, row.days_level3, row.days_level5) == (51, 35, 3, 2)
    assert row.good_day_ratio == 94.5
    assert row.heavy_day_ratio == 2.2


def test_ranking_by_composite(con: ibis.BaseBackend) -> None:
    a = _daily({"pm25": [20.0] * 31, "pm10": [40.0] * 31, "so2": [10.0] * 31,
                "no2": [20.0] * 31, "co": [1.0] * 31, "o3_8h": [100.0] * 31}, key="A")
    b = a.assign(station_code="B", pm25=50.0)
    t = con.create_table("k", pd.concat([a, b]), overwrite=True)
    out = con.execute(rank_by_composite(period_statistics(t, period="month"))).set_index(
        "station_code")
    assert out.loc["A", "composite_rank"] == 1 and out.loc["B", "composite_rank"] == 2
    assert out.loc["B", "exceedance_multiple_pm25_mean"] == pytest.approx(0.43)
