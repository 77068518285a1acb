"""The workspace's daily air values kept month by month (:mod:`ecoplan.assess.air_daily_cache`):
the statistics from kept months equal a fresh computation, a second run computes nothing, and a
correction recomputes only the months it touches (its month and the one before, whose last day
ends in it); the reviewers' decisions are part of a month's key."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ecoplan.assess import air_daily_cache
from ecoplan.assess.indicators import air_annual_statistics, county_town_stations
from ecoplan.settings import load_settings
from ecoplan.standards.air_daily import DailyRules
from ecoplan.store.workspace import Workspace

YEARS = [2024, 2025]
RULES = DailyRules.for_ruleset("2012")


@pytest.fixture()
def ws(demo_ws: Any, tmp_path: Path) -> Any:
    """A copy of the demo workspace this test may change."""
    home = tmp_path / "home"
    shutil.copytree(demo_ws.settings.home, home)
    shutil.rmtree(home / "cache", ignore_errors=True)
    w = Workspace(load_settings(home=home))
    yield w
    w.engine.dispose()


def _fresh(ws: Any, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setenv(air_daily_cache.CACHE_ENV, "off")
    ws.forget_results()
    try:
        return air_annual_statistics(ws, YEARS)
    finally:
        monkeypatch.delenv(air_daily_cache.CACHE_ENV)
        ws.forget_results()


def _kept(ws: Any) -> air_daily_cache.CachedDaily:
    got = air_daily_cache.station_daily(ws.analytics, ws.settings.home,
                                        county_town_stations(ws), YEARS[0], YEARS[-1], RULES)
    assert got is not None
    return got


def test_kept_months_give_the_fresh_statistics(ws: Any, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    want = _fresh(ws, monkeypatch)
    got = air_annual_statistics(ws, YEARS)  # computes and keeps every month
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    folder = ws.settings.home / "cache" / "air_daily"
    assert len(list(folder.glob("*.parquet"))) == 12 * len(YEARS)
    again = _kept(ws)
    assert again.computed == [] and len(again.reused) == 12 * len(YEARS)
    ws.forget_results()
    pd.testing.assert_frame_equal(air_annual_statistics(ws, YEARS), want, check_exact=True)


def test_a_correction_recomputes_only_its_months(ws: Any, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    _kept(ws)
    june = sorted((ws.lake.dataset_dir("air_hourly") / "year=2025" / "month=6").glob(
        "*.parquet"))[0]
    row = pq.read_table(june).slice(0, 1)
    station = county_town_stations(ws)[0]
    row = row.set_column(row.column_names.index("station_code"), "station_code",
                         pa.array([station], row.schema.field("station_code").type))
    row = row.set_column(row.column_names.index("pm25"), "pm25",
                         pc.add(row.column("pm25").cast(pa.float64()), 40.0)
                         .cast(row.schema.field("pm25").type))
    ws.lake.write("air_hourly", row, batch="correction1")  # a late batch for June 2025
    after = _kept(ws)
    assert after.computed == [(2025, 5), (2025, 6)]  # June, and May whose last day ends in June
    assert len(after.reused) == 12 * len(YEARS) - 2
    ws.forget_results()
    got = air_annual_statistics(ws, YEARS)
    pd.testing.assert_frame_equal(got, _fresh(ws, monkeypatch), check_exact=True)
    # the kept files: one per month, the stale June file gone
    folder = ws.settings.home / "cache" / "air_daily"
    assert len(list(folder.glob("2025-06-*.parquet"))) == 1


def test_reviews_of_a_month_change_only_its_key(ws: Any) -> None:
    stations = county_town_stations(ws)
    base = {m: air_daily_cache.month_key(ws.analytics, 2025, m, stations, RULES, None)
            for m in (3, 4, 5)}
    review = pd.DataFrame({"station_code": [stations[0]], "parameter": ["pm25"],
                           "timestamp": [pd.Timestamp("2025-04-10 08:00")]})
    with_review = {m: air_daily_cache.month_key(ws.analytics, 2025, m, stations, RULES, review)
                   for m in (3, 4, 5)}
    assert with_review[4] != base[4]
    assert with_review[3] == base[3] and with_review[5] == base[5]
    other = review.assign(station_code="not-a-county-station")
    assert air_daily_cache.month_key(ws.analytics, 2025, 4, stations, RULES, other) == base[4]
    # other validity rules are another key
    assert air_daily_cache.month_key(ws.analytics, 2025, 4, stations, DailyRules(min_hours=18),
                                     None) != base[4]
