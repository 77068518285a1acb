"""The generated example data reproduces the plan's baseline and planned classes through the engines."""

from __future__ import annotations

import pandas as pd

from ecoplan.demo import air_series as ds
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.standards.groundwater import classify_groundwater_frame
from ecoplan.standards.water_sections import classify_section_year


def test_2020_reproduces_the_plan_baseline() -> None:
    drawn = ds.draw_year(ds.AIR_PATH[2020])
    hourly = ds.generate_year(drawn)
    assert set(hourly.station_code) == set(ds.DEMO_STATIONS)
    assert (hourly.data_label == ds.DEMO_LABEL).all()
    daily = ds.county_town_daily(hourly)
    daily["aqi"] = [ds.day_aqi(r) for r in daily.to_dict("records")]
    valid = daily[daily.aqi.notna()]
    assert len(valid) == 365  # 2020 has 366 days; 2020-04-08 is missing
    good, heavy = int((valid.aqi <= 100).sum()), int((valid.aqi > 200).sum())
    assert (good, heavy) == (214, 17)
    assert gbt8170_round(good * 100 / 365, 2) == 58.63
    assert gbt8170_round(heavy * 100 / 365, 2) == 4.66
    assert gbt8170_round(float(valid.pm25.mean()), 0) == 61
    # every hour of a generated day is a real 2019 hour of the same station, PM × k
    real, _ = ds.real_pool()
    d0 = drawn.dates[0]
    src = drawn.source_days[0]
    gen = hourly[(hourly.timestamp > pd.Timestamp(d0)) &
                 (hourly.timestamp <= pd.Timestamp(d0) + pd.Timedelta(days=1))]
    orig = real[real.day == src]
    assert len(gen) == len(orig)
    assert list(gen.sort_values(["station_code", "timestamp"]).so2.fillna(-1)) == \
        list(orig.sort_values(["station_code", "timestamp"]).so2.fillna(-1))


def test_water_series_gives_the_planned_classes() -> None:
    w = ds.water_demo_samples()
    assert (w.data_label == ds.DEMO_LABEL).all()
    res = classify_section_year(w)
    got = {(r.site, int(r.period)): int(r.water_class) for r in res.itertuples()}
    for s in ds.WATER_SECTIONS:
        for year, cls in s.classes.items():
            assert got[(s.code, year)] == cls, (s.code, year)
    gw = classify_groundwater_frame(ds.groundwater_demo_samples())
    gw["year"] = gw.time.dt.year
    worst = gw.groupby(["site", "year"]).water_class.max().to_dict()
    for site, by_year in ds.GROUNDWATER_SITES.items():
        for year, cls in by_year.items():
            assert worst[(site, year)] == cls
