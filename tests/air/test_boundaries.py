"""Hand-worked boundary cases of the air engines (tests/data/air/*_cases.csv, *_expected.csv).

Each case file cites its clause and works its expected value by hand; each case is chosen so that
a one-character change of the rule it pins (named in the file's ``mutation_killed`` column or
comment) makes it fail.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pytest

from ecoplan.standards.air_daily import DailyRules, daily_values
from ecoplan.standards.air_period import city_daily, period_statistics, rank_by_composite
from ecoplan.standards.air_stations import select_stations

DATA = Path(__file__).resolve().parent.parent / "data" / "air"
POLS = ("pm25", "pm10", "so2", "no2", "o3", "co")


def _cases(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    c = ibis.duckdb.connect()
    c.raw_sql("SET TimeZone = 'UTC'")
    return c


def _hour_set(spec: str) -> set[int]:
    if not spec:
        return set()
    lo, _, hi = spec.partition("-")
    return set(range(int(lo), int(hi or lo) + 1))


@pytest.mark.parametrize("case", _cases("o3_8h_boundary_cases.csv"), ids=lambda c: c["case"])
def test_o3_8h_window_boundaries(case: dict[str, str], con: ibis.BaseBackend) -> None:
    """HJ 663 §6.1.2: ≥ 14 valid windows, or fewer when the maximum exceeds 160 μg/m³."""
    missing = _hour_set(case["missing_hours"])
    value = float(case["o3_value"])
    day = datetime(2019, 7, 1)
    frame = pd.DataFrame({"station_code": "S1",
                          "timestamp": [day + timedelta(hours=h) for h in range(1, 25)]})
    for p in POLS:
        frame[p] = 10.0
    frame["o3"] = [None if h in missing else value for h in range(1, 25)]
    frame["o3"] = frame["o3"].astype("float64")
    t = con.create_table("o3b", frame, overwrite=True)
    out = con.execute(daily_values(t, rules=DailyRules.for_ruleset("2012")))
    assert int(out.o3_8h_windows.iloc[0]) == int(case["expected_windows"])
    if case["expected_o3_8h"]:
        assert out.o3_8h.iloc[0] == float(case["expected_o3_8h"])
    else:
        assert pd.isna(out.o3_8h.iloc[0])


def _year_without(spec: str) -> pd.DataFrame:
    drop: set[date] = set()
    for part in filter(None, spec.split(";")):
        month, _, days = part.partition(":")
        lo, _, hi = days.partition("-")
        drop |= {date(2019, int(month), d) for d in range(int(lo), int(hi or lo) + 1)}
    days_all = [d for d in pd.date_range("2019-01-01", "2019-12-31").date if d not in drop]
    frame = pd.DataFrame({"station_code": "S1", "date": days_all, "pm25": 30.0})
    for p in ("pm10", "so2", "no2", "co", "o3_8h"):
        frame[p] = pd.Series([None] * len(frame), dtype="float64")
    frame["aqi"] = pd.Series([None] * len(frame), dtype="Int64")
    return frame


@pytest.mark.parametrize("case", _cases("period_year_validity_cases.csv"),
                         ids=lambda c: c["case"])
def test_year_validity_needs_every_month(case: dict[str, str], con: ibis.BaseBackend) -> None:
    """GB 3095 Table 4 / HJ 663: ≥ 324 days and every month valid (≥ 27, February ≥ 25)."""
    t = con.create_table("yv", _year_without(case["missing_days"]), overwrite=True)
    out = con.execute(period_statistics(t, period="year"))
    assert int(out.pm25_days.iloc[0]) == int(case["expected_days"])
    assert int(out.pm25_valid.iloc[0]) == int(case["expected_valid"])


def test_ranking_ties_share_a_rank(con: ibis.BaseBackend) -> None:
    """Equal reported composite indices share a rank; the next rank is skipped (并列)."""
    cases = _cases("ranking_tie_cases.csv")
    frames = []
    for c in cases:
        f = pd.DataFrame({"station_code": c["key"],
                          "date": pd.date_range("2019-01-01", "2019-01-31").date})
        for p in ("pm25", "pm10", "so2", "no2", "co", "o3_8h"):
            f[p] = float(c[p])
        f["aqi"] = pd.Series([None] * len(f), dtype="Int64")
        frames.append(f)
    t = con.create_table("rk", pd.concat(frames, ignore_index=True), overwrite=True)
    out = con.execute(rank_by_composite(period_statistics(t, period="month"))).set_index(
        "station_code")
    for c in cases:
        assert out.loc[c["key"], "composite_index"] == pytest.approx(float(c["expected_index"]))
        assert int(out.loc[c["key"], "composite_rank"]) == int(c["expected_rank"]), c["key"]


def _city_stats(con: ibis.BaseBackend, station_set: str) -> pd.DataFrame:
    sites = pd.read_csv(DATA / "city_aggregation_sites.csv", comment="#",
                        dtype={"station_code": str})
    sites["date"] = pd.to_datetime(sites["date"]).dt.date
    stations = select_stations(sites[["station_code", "city", "station_type"]]
                               .drop_duplicates(), station_set)
    daily = sites.drop(columns=["city", "station_type"])
    for p in ("pm10", "no2", "co"):
        daily[p] = pd.Series([None] * len(daily), dtype="float64")
    d = con.create_table("cd", daily, overwrite=True)
    st = con.create_table("cs", stations[["station_code", "city"]], overwrite=True)
    city = city_daily(d, st, key="city").mutate(aqi=ibis.null("int64"))
    return con.execute(period_statistics(city, period="range", key="city",
                                         start=date(2019, 1, 1), end=date(2019, 1, 3)))


@pytest.mark.parametrize("station_set", ["assessment", "all"])
def test_city_aggregation_hand_computed(station_set: str, con: ibis.BaseBackend) -> None:
    """City daily value = mean of the valid site values (not ÷ sites); reference points out."""
    out = _city_stats(con, station_set).set_index("city")
    rows = [r for r in _cases("city_aggregation_expected.csv") if r["station_set"] == station_set]
    assert rows
    for r in rows:
        col = r["statistic"]
        raw = out.loc[r["city"], f"{col}_raw" if f"{col}_raw" in out.columns else col]
        assert float(raw) == pytest.approx(float(r["expected_raw"]), abs=1e-5), (r["city"], col)
        assert float(out.loc[r["city"], col]) == float(r["expected_reported"]), (r["city"], col)
