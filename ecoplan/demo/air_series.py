"""生成的示例数据 / generated example data: a county-town air series and water sections 2020–2025.

The only real year ecoplan holds is 2019 (``sample_data/realdata/shanxi_hourly_2019.csv.gz``).
The demo series for Jiaocheng's county town is built from the three Lüliang national stations
(2183A 环保局, 2185A 自来水公司, 2867A 马茂庄小学), the nearest to the county:

1. the 2019 days are run through the air engine (:func:`ecoplan.standards.air_daily.daily_values`,
   :func:`~ecoplan.standards.air_period.city_daily`, HJ 633-2012 daily AQI of
   :func:`ecoplan.standards.aqi.daily_aqi`) to get each real day's county-town values;
2. for each year a PM scale factor ``k`` is chosen (PM2.5 and PM10 of every hour × k; the other
   pollutants as measured) and every date of the year receives one real 2019 day of the needed
   AQI category (good ≤ 100 / light–moderate / heavy > 200), drawn from days within ±45 days of
   the same season; which dates are heavy or good follows the 2019 seasonal pattern with seeded
   noise; the draw is then calibrated (same-category swaps) until the annual PM2.5 mean hits the
   year's figure;
3. the whole 24 hours of each drawn day are moved to their new date (hour-ending labels, so every
   day is computed from its own rows and the engine reproduces the planned figures exactly).

2020 reproduces the plan's published baseline (PM2.5 61 μg/m³, good-day ratio 58.63 % = 214/365
valid days, heavy-pollution ratio 4.66 % = 17/365; one day missing, as 2019-04-08 is in the
source); later years follow the path in :data:`AIR_PATH`. Water sections get monthly samples in
the classes the plan states (文峪河 Ⅱ类; 磁窑河武良 Ⅴ类 in 2020 improving to Ⅲ类).

Everything generated here is labelled 生成的示例数据 / generated example data: station names,
a ``data_label`` column, the lake source names and every report that uses it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from ecoplan.assess import progress as pg
from ecoplan.demo.plan import load_bundled_plan
from ecoplan.ingest.pipeline import ingest_frame
from ecoplan.ingest.registry import import_bundled, import_file
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.sample_data import sample_path
from ecoplan.standards.air_daily import daily_values
from ecoplan.standards.air_period import city_daily, gbt8170_round
from ecoplan.standards.aqi import daily_aqi
from ecoplan.standards.groundwater import gb14848
from ecoplan.standards.surface_water import gb3838
from ecoplan.store.data_labels import DEMO_LABEL, DEMO_LABEL_ZH
from ecoplan.store.workspace import Workspace

SEED = 20211122

SOURCE_STATIONS: tuple[str, ...] = ("2183A", "2185A", "2867A")
#: demo station code → (name, source station)
DEMO_STATIONS: dict[str, tuple[str, str]] = {
    "JCDEMO1": ("交城县城示例站1（生成的示例数据，源自吕梁2183A）", "2183A"),
    "JCDEMO2": ("交城县城示例站2（生成的示例数据，源自吕梁2185A）", "2185A"),
    "JCDEMO3": ("交城县城示例站3（生成的示例数据，源自吕梁2867A）", "2867A"),
}
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
GOOD_MAX, HEAVY_MIN_EXCL = 100, 200
#: keep drawn days this far (AQI points) from the category boundaries, so that the 0.1 μg/m³
#: rounding of scaled hourly values can never move a day to another category
BOUNDARY_MARGIN = 2


@dataclass(frozen=True)
class AirYearSpec:
    """What a generated year must give through the air engine (HJ 663, 2012 rules)."""
    year: int
    pm25_mean: int
    good_days: int
    heavy_days: int
    valid_days: int
    missing: tuple[str, ...] = ()

    @property
    def good_day_ratio(self) -> float:
        return self.good_days * 100.0 / self.valid_days

    @property
    def heavy_day_ratio(self) -> float:
        return self.heavy_days * 100.0 / self.valid_days


#: the planned path: 2020 = the plan's baseline (表1 and chapter 1: 214 good days); then a
#: plausible improvement that reaches the good-day and heavy-day targets but misses PM2.5 ≤ 44
#: narrowly in 2025 — so the demo report shows every kind of status.
AIR_PATH: dict[int, AirYearSpec] = {
    2020: AirYearSpec(2020, 61, 214, 17, 365, missing=("2020-04-08",)),
    2021: AirYearSpec(2021, 58, 226, 13, 365),
    2022: AirYearSpec(2022, 54, 240, 9, 365),
    2023: AirYearSpec(2023, 50, 252, 6, 365),
    2024: AirYearSpec(2024, 47, 264, 4, 366),
    2025: AirYearSpec(2025, 45, 275, 3, 365),
}


# ---------------------------------------------------------------------------- the real pool
def _real_hourly() -> pd.DataFrame:
    """The 2019 hourly rows of the three Lüliang stations (real, as published)."""
    df = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                     dtype={"station_code": str}, usecols=["station_code", "timestamp", *POLLUTANTS])
    df = df[df.station_code.isin(SOURCE_STATIONS)].copy()
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    # CNEMC day of an hour-ending label (the 24 rows D 01:00 … D+1 00:00 form day D)
    df["day"] = (df["timestamp"] - pd.Timedelta(hours=1)).dt.normalize()
    return df.reset_index(drop=True)


def county_town_daily(hourly: pd.DataFrame, station_codes: Sequence[str] | None = None
                      ) -> pd.DataFrame:
    """County-town daily values through the air engine (GB 3095 Table 4 validity, city mean)."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    codes = list(station_codes or sorted(hourly.station_code.unique()))
    h = con.create_table("h", hourly[["station_code", "timestamp", *POLLUTANTS]])
    st = con.create_table("s", pd.DataFrame({"station_code": codes, "city": "county_town"}))
    out = con.execute(city_daily(daily_values(h), st))
    con.disconnect()
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values("date").reset_index(drop=True)


def day_aqi(row: Any, k: float = 1.0) -> int | None:
    """Daily AQI (HJ 633-2012) of county-town daily values with PM2.5 and PM10 × ``k``."""
    vals: dict[str, Any] = {}
    for p in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h_max"):
        v = row[p]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            vals[p] = None
            continue
        v = float(v) * (k if p in ("pm25", "pm10") else 1.0)
        vals[p] = gbt8170_round(v, 1 if p == "co" else 0)
    return daily_aqi(vals, "2012").aqi


@lru_cache(maxsize=1)
def real_pool() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(hourly rows, county-town daily values with AQI) of the real 2019 Lüliang days whose
    daily values are complete (every pollutant valid)."""
    hourly = _real_hourly()
    daily = county_town_daily(hourly, SOURCE_STATIONS)
    daily["aqi"] = [day_aqi(r) for r in daily.to_dict("records")]
    complete = daily[["pm25", "pm10", "so2", "no2", "co", "o3_8h"]].notna().all(axis=1)
    daily = daily[daily["aqi"].notna() & complete].reset_index(drop=True)
    return hourly, daily


# ---------------------------------------------------------------------------- drawing a year
def _category(aqi: int) -> str:
    return "good" if aqi <= GOOD_MAX else ("heavy" if aqi > HEAVY_MIN_EXCL else "mid")


def _near_boundary(aqi: int) -> bool:
    return any(abs(aqi - b) <= BOUNDARY_MARGIN or abs(aqi - (b + 1)) <= BOUNDARY_MARGIN
               for b in (GOOD_MAX, HEAVY_MIN_EXCL))


def _doy_distance(a: np.ndarray, b: int) -> np.ndarray:
    d = np.abs(a - b)
    return np.minimum(d, 366 - d)


@dataclass
class DrawnYear:
    """The real day drawn for every date of a generated year, and the scale factor."""
    spec: AirYearSpec
    k: float
    dates: list[date]
    source_days: list[pd.Timestamp | None]
    pm25_mean_predicted: float


def _season_ranks(spec: AirYearSpec, pool: pd.DataFrame, rng: np.random.Generator
                  ) -> tuple[list[date], dict[date, str]]:
    """Category of every valid date: the 2019 seasonal AQI pattern with noise decides."""
    start = date(spec.year, 1, 1)
    n = (date(spec.year + 1, 1, 1) - start).days
    dates = [start + timedelta(days=i) for i in range(n)]
    missing = {date.fromisoformat(m) for m in spec.missing}
    valid = [d for d in dates if d not in missing]
    if len(valid) != spec.valid_days:
        raise ValueError(f"{spec.year}: {len(valid)} dates but {spec.valid_days} valid days")
    doy_aqi = pd.Series(pool["aqi"].astype(float).values,
                        index=pool["date"].dt.day_of_year.values).groupby(level=0).mean()
    doy_aqi = doy_aqi.reindex(range(1, 367)).interpolate(limit_direction="both")
    smooth = pd.concat([doy_aqi.iloc[-15:], doy_aqi, doy_aqi.iloc[:15]]).rolling(
        31, center=True).mean().iloc[15:-15]
    score = {d: float(smooth.iloc[min(d.timetuple().tm_yday, 366) - 1]) *
             math.exp(rng.normal(0, 0.35)) for d in valid}
    ranked = sorted(valid, key=lambda d: -score[d])
    cats: dict[date, str] = {}
    n_mid = spec.valid_days - spec.good_days - spec.heavy_days
    for i, d in enumerate(ranked):
        cats[d] = "heavy" if i < spec.heavy_days else ("mid" if i < spec.heavy_days + n_mid
                                                        else "good")
    return dates, cats


def _candidates(pool_doy: np.ndarray, pool_cat: np.ndarray, ok: np.ndarray, d: date,
                cat: str) -> np.ndarray:
    doy = d.timetuple().tm_yday
    dist = _doy_distance(pool_doy, doy)
    for window in (45, 90, 183):
        idx = np.flatnonzero((pool_cat == cat) & ok & (dist <= window))
        if len(idx) >= 3:
            return idx
    return np.flatnonzero((pool_cat == cat) & ok)


@lru_cache(maxsize=128)
def _pool_categories(k: float) -> tuple[np.ndarray, np.ndarray]:
    """Category of every pool day with PM × k, and whether it is clear of the boundaries."""
    _, pool = real_pool()
    aqis = [int(day_aqi(r, k) or 0) for r in pool.to_dict("records")]
    return (np.array([_category(a) for a in aqis]),
            np.array([not _near_boundary(a) for a in aqis]))


def draw_year(spec: AirYearSpec, *, seed: int = SEED) -> DrawnYear:
    """Choose the scale factor and a real day for every date so that the year meets ``spec``."""
    _, pool = real_pool()
    rng = np.random.default_rng(seed + spec.year)
    dates, cats = _season_ranks(spec, pool, rng)
    valid_dates = [d for d in dates if d in cats]
    pool_doy = pool["date"].dt.day_of_year.to_numpy()
    pm = pool["pm25"].to_numpy(dtype=float)
    best: tuple[float, float, list[np.ndarray]] | None = None
    for k in np.round(np.arange(0.80, 2.60, 0.02), 2):
        pool_cat, ok = _pool_categories(float(k))
        cand = [_candidates(pool_doy, pool_cat, ok, d, cats[d]) for d in valid_dates]
        if any(len(c) == 0 for c in cand):
            continue
        lo = sum(pm[c].min() for c in cand) * k / len(cand)
        hi = sum(pm[c].max() for c in cand) * k / len(cand)
        if not lo + 0.5 <= spec.pm25_mean <= hi - 0.5:
            continue
        expect = sum(pm[c].mean() for c in cand) * k / len(cand)
        dist = abs(expect - spec.pm25_mean)
        if best is None or dist < best[0]:
            best = (dist, float(k), cand)
    if best is None:
        raise ValueError(f"{spec.year}: no scale factor reaches the planned figures")
    _, k, cand = best
    choice = np.array([rng.choice(c) for c in cand])
    target_total = spec.pm25_mean * len(valid_dates) / k
    total = float(pm[choice].sum())
    for _ in range(50_000):
        if abs(total - target_total) * k / len(valid_dates) < 0.05:
            break
        i = int(rng.integers(len(valid_dates)))
        c = cand[i]
        new_tot = total - pm[choice[i]] + pm[c]
        j = int(np.argmin(np.abs(new_tot - target_total)))
        if abs(new_tot[j] - target_total) < abs(total - target_total):
            total = float(new_tot[j])
            choice[i] = c[j]
    by_date = dict(zip(valid_dates, choice, strict=True))
    sources = [pool["date"].iloc[by_date[d]] if d in by_date else None for d in dates]
    return DrawnYear(spec, k, dates, sources, total * k / len(valid_dates))


def generate_year(drawn: DrawnYear) -> pd.DataFrame:
    """The hourly rows of a drawn year for the demo stations (PM × k, 0.1 μg/m³)."""
    hourly, _ = real_pool()
    by_day = {d: g for d, g in hourly.groupby("day")}
    parts = []
    for d, src in zip(drawn.dates, drawn.source_days, strict=True):
        if src is None:
            continue
        g = by_day[src].copy()
        shift = pd.Timestamp(d) - src
        g["timestamp"] = g["timestamp"] + shift
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    for p in ("pm25", "pm10"):
        out[p] = (out[p] * drawn.k).round(1)
    code_of = {src: code for code, (_, src) in DEMO_STATIONS.items()}
    out["station_code"] = out["station_code"].map(code_of)
    out = out.drop(columns=["day"]).sort_values(["station_code", "timestamp"])
    out["data_label"] = DEMO_LABEL
    return out.reset_index(drop=True)


def air_demo_hourly(years: Sequence[int] = tuple(AIR_PATH)) -> tuple[pd.DataFrame, list[DrawnYear]]:
    """Hourly county-town demo rows for ``years`` and how each year was drawn."""
    drawn = [draw_year(AIR_PATH[y]) for y in years]
    frames = [generate_year(d) for d in drawn]
    return pd.concat(frames, ignore_index=True), drawn


# ---------------------------------------------------------------------------- water
@dataclass(frozen=True)
class SectionSpec:
    """A demo surface-water section: its code, name, river and class per year."""
    code: str
    name: str
    river: str
    classes: dict[int, int]
    real_name: bool


#: 文峪河: the plan names 北峪口 (Ⅱ类, chapter 1.1); the other two of its "three sections" are
#: not named in the plan — the demo gives them placeholder names, marked as such.
WATER_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("JC-WYH-BYK", "北峪口", "文峪河", {y: 2 for y in range(2020, 2026)}, True),
    SectionSpec("JC-WYH-DEMO2", "文峪河示例断面二", "文峪河", {y: 2 for y in range(2020, 2026)},
                False),
    SectionSpec("JC-WYH-DEMO3", "文峪河示例断面三", "文峪河", {y: 2 for y in range(2020, 2026)},
                False),
    SectionSpec("JC-CYH-WL", "武良", "磁窑河", {2020: 5, 2021: 5, 2022: 4, 2023: 4, 2024: 3, 2025: 3},
                True),
)
#: items generated for every sample and their direction (the GB 3838 rule)
WATER_ITEMS: tuple[str, ...] = ("ph", "do", "codmn", "cod", "bod5", "nh3_n", "tp", "fluoride",
                                "petroleum", "volatile_phenol")


def _class_interval(item: Any, cls: int) -> tuple[float, float]:
    """The concentration interval of GB 3838 class ``cls`` for a 'max' item (lo, hi]."""
    hi = float(item.limit(cls))
    lo = float(item.limit(cls - 1)) if cls > 1 else 0.0
    if lo == hi:  # equal limits for classes I and II (e.g. COD 15, BOD5 3)
        lo = 0.0 if cls <= 2 else float(item.limit(cls - 2))
    return lo, hi


def water_demo_samples(years: Sequence[int] = tuple(AIR_PATH), *, seed: int = SEED
                       ) -> pd.DataFrame:
    """Monthly samples (long: site, time, parameter, value, unit) of the demo sections.

    In each year the worst items of a section sit inside its class of that year (40–85 % of the
    class interval) and the others a class better, so the 环办〔2011〕22号 class of every month
    and of the year is the planned one; the engine checks it in the tests.
    """
    ev = gb3838()
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for s in WATER_SECTIONS:
        for y in years:
            cls = s.classes[y]
            for m in range(1, 13):
                t = datetime(y, m, 10, 10, 0)
                # the section's class is set by NH3-N and COD (磁窑河) / CODMn and TP (文峪河)
                drivers = ("nh3_n", "cod") if s.river == "磁窑河" else ("codmn", "tp")
                for code in WATER_ITEMS:
                    item = ev.items[code]
                    if code == "ph":
                        v = round(float(rng.uniform(7.3, 8.4)), 2)
                    elif code == "do":  # a class better than the section (a lower bound)
                        v = round(float(item.limit(max(cls - 1, 1))) + float(rng.uniform(0.3, 1.5)),
                                  1)
                    else:
                        c = cls if code in drivers else max(1, cls - 1)
                        lo, hi = _class_interval(item, c)
                        v = lo + (hi - lo) * float(rng.uniform(0.40, 0.85))
                        digits = max(0, -Decimal(str(item.limit(1))).normalize().as_tuple().exponent) + 1
                        v = round(v, digits)
                        v = min(v, hi) if v > lo else hi
                    rows.append({"site": s.code, "site_name": s.name, "river": s.river,
                                 "time": t, "parameter": code, "value": v,
                                 "unit": item.unit, "waterbody": "river",
                                 "data_label": DEMO_LABEL})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- groundwater
#: groundwater sites: drinking-water sources of indicator 5 (registry codes) and demo points of
#: indicator 7; class per year (GB/T 14848-2017). Point 2 slips to Ⅳ类 (nitrate) in 2022.
GROUNDWATER_SITES: dict[str, dict[int, int]] = {
    "JC-DWS-DY": {y: 3 for y in range(2020, 2026)},
    "JC-DWS-WY": {y: 3 for y in range(2020, 2026)},
    "JC-GW-DEMO1": {y: 3 for y in range(2020, 2026)},
    "JC-GW-DEMO2": {2020: 3, 2021: 3, 2022: 4, 2023: 3, 2024: 3, 2025: 3},
    "JC-GW-DEMO3": {y: 2 for y in range(2020, 2026)},
}
GROUNDWATER_ITEMS: tuple[str, ...] = ("total_hardness", "tds", "sulfate", "chloride", "nitrate_n",
                                      "nh3_n", "fluoride", "codmn")


def groundwater_demo_samples(years: Sequence[int] = tuple(AIR_PATH), *, seed: int = SEED
                             ) -> pd.DataFrame:
    """Quarterly groundwater samples (long) whose GB/T 14848-2017 point class is the planned one:
    total hardness (or nitrate, for a Ⅳ year) sits in the class, the other items a class better."""
    table = gb14848()
    rng = np.random.default_rng(seed + 1)
    rows: list[dict[str, Any]] = []
    for site, classes in GROUNDWATER_SITES.items():
        for y in years:
            cls = classes[y]
            driver = "nitrate_n" if cls >= 4 else "total_hardness"
            for month in (3, 6, 9, 12):
                t = datetime(y, month, 15, 10, 0)
                for code in GROUNDWATER_ITEMS:
                    ind = table[code]
                    lims = [float(x) for x in ind.limits if x is not None]
                    c = cls if code == driver else max(1, cls - 1)
                    hi = lims[c - 1]
                    lo = max([x for x in lims[: c - 1] if x < hi], default=0.0)
                    v = lo + (hi - lo) * float(rng.uniform(0.40, 0.85))
                    digits = max(0, -Decimal(str(ind.limits[0] or ind.limits[1])).normalize()
                                 .as_tuple().exponent) + 2
                    rows.append({"site": site, "time": t, "parameter": code,
                                 "value": round(v, digits), "unit": "mg/L",
                                 "data_label": DEMO_LABEL})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- department reports
DEMO_REPORTER, DEMO_REVIEWER, DEMO_APPROVER = "demo_reporter", "demo_reviewer", "demo_leader"
DEMO_NOTE = f"{DEMO_LABEL}（演示用填报，不是真实数据 / a demo submission, not real data）"
#: department-reported indicator values of the demo, by indicator key and year (numbers or words)
REPORTED_VALUES: dict[str, dict[int, str]] = {
    "6": {y: "0" for y in range(2021, 2026)},
    "8": {2021: "8", 2022: "12", 2023: "17", 2024: "22", 2025: "27"},
    "9": {2021: "完成", 2022: "完成", 2023: "完成", 2024: "完成", 2025: "完成"},
    "10": {2021: "完成", 2022: "完成", 2023: "部分完成", 2024: "完成", 2025: "完成"},
    "11": {2021: "3.1", 2022: "3.4", 2023: "2.9", 2024: "3.2", 2025: "3.0"},
    "12": {2021: "4.6", 2022: "5.3", 2023: "6.1", 2024: "7.0", 2025: "7.8"},
    "13": {2021: "90", 2022: "92", 2023: "93.5", 2024: "94.5", 2025: "95.6"},
    "14": {y: "有效保障" for y in range(2021, 2026)},
    "15": {y: "100" for y in range(2021, 2026)},
    "16": {2021: "完成", 2022: "完成", 2023: "完成", 2024: "推进中", 2025: "部分完成"},
    "17": {2021: "57.1", 2022: "57.2", 2023: "57.2", 2024: "57.3", 2025: "57.4"},
    "18": {y: "30.12" for y in range(2021, 2026)},
}
#: key projects the demo leaves unfinished at the end of 2025 (number → percent complete)
UNFINISHED_PROJECTS = {7: 85, 16: 60, 24: 40}
#: tasks the demo leaves unfinished (by position among the tasks with a deadline)
UNFINISHED_TASKS = (2, 9)


def _approve(s: Any, kind: str, rid: int) -> None:
    pg.review(s, kind, rid, actor=DEMO_REVIEWER)  # type: ignore[arg-type]
    pg.approve(s, kind, rid, actor=DEMO_APPROVER, note=DEMO_LABEL)  # type: ignore[arg-type]


def submit_demo_reports(ws: Workspace, plan: Any) -> dict[str, int]:
    """Approved demo department reports: reported indicator values 2021–2025, key-project
    progress at the end of each year, task status at the end of 2025. Skipped when present."""
    counts = {"indicator": 0, "project": 0, "task": 0}
    with ws.session() as s:
        if pg.list_reports(s, "indicator", plan_code=plan.code):
            return counts
        for key, by_year in REPORTED_VALUES.items():
            ind = plan.indicator(key)
            dept = (ind.measurement.department if ind.measurement else None) or "生态环境分局"
            for year, raw in by_year.items():
                numeric = raw.replace(".", "", 1).isdigit()
                r = pg.submit_indicator_value(
                    s, plan_code=plan.code, indicator_key=key, year=year,
                    value=raw if numeric else None, value_text=None if numeric else raw,
                    unit=ind.unit, reporter=DEMO_REPORTER, department=dept,
                    evidence=[{"name": f"{ind.name_zh}{year}年统计表（{DEMO_LABEL_ZH}）.xlsx"}],
                    note=DEMO_NOTE)
                _approve(s, "indicator", r.id)
                counts["indicator"] += 1
        for p in plan.key_projects:
            start, end = p.start_year or plan.start_year, p.end_year or plan.end_year
            final_pct = UNFINISHED_PROJECTS.get(p.number, 100)
            total = p.investment_wan_yuan or Decimal(0)
            finish = min(end, plan.end_year) if final_pct == 100 else plan.end_year
            for year in range(start, plan.end_year + 1):
                frac = min(1.0, (year - start + 1) / max(finish - start + 1, 1))
                pct = 100 if final_pct == 100 and year >= finish else round(final_pct * frac)
                status = "completed" if pct >= 100 else ("in_progress" if pct > 0 else "not_started")
                invested = (total * Decimal(pct) / Decimal(100)).quantize(Decimal("0.01"))
                milestones = [{"name": "开工", "due": f"{start}-06-30", "done_on": f"{start}-05-20"}]
                if status == "completed":
                    milestones.append({"name": "竣工验收", "due": f"{end}-12-31",
                                       "done_on": f"{year}-11-30"})
                else:
                    milestones.append({"name": "竣工验收", "due": f"{end}-12-31"})
                r = pg.submit_project_progress(
                    s, plan_code=plan.code, project_number=p.number, as_of=f"{year}-12-31",
                    percent_complete=pct, invested_wan_yuan=invested, status=status,
                    reporter=DEMO_REPORTER,
                    department=(p.lead_departments or ["生态环境分局"])[0],
                    milestones=milestones,
                    evidence=[{"name": f"第{p.number}项工程{year}年进展照片及台账（{DEMO_LABEL_ZH}）.pdf"}],
                    note=DEMO_NOTE)
                _approve(s, "project", r.id)
                counts["project"] += 1
                if status == "completed":
                    break
        dated = [t for t in plan.tasks if t.deadline is not None]
        for i, t in enumerate(dated):
            done = i not in UNFINISHED_TASKS
            r = pg.submit_task_progress(
                s, plan_code=plan.code, task_key=t.key,
                as_of=min(t.deadline, date(plan.end_year, 12, 31)) if done else
                date(plan.end_year, 12, 31),
                status="completed" if done else "in_progress",
                percent_complete=100 if done else 70, reporter=DEMO_REPORTER,
                department=t.department or "生态环境分局",
                evidence=[{"name": f"任务{t.key}落实情况说明（{DEMO_LABEL_ZH}）.docx"}], note=DEMO_NOTE)
            _approve(s, "task", r.id)
            counts["task"] += 1
    return counts


# ---------------------------------------------------------------------------- the demo step
@dataclass
class DemoSeries:
    """What :func:`build_demo_series` loaded (batch summaries) and how the air years were drawn."""
    batches: dict[str, Any]
    drawn: dict[int, dict[str, Any]]
    reports: dict[str, int]
    manifest: str


def build_demo_series(workspace: Workspace, *, years: Sequence[int] = tuple(AIR_PATH)) -> DemoSeries:
    """Demo step: registries, the bundled plan, the generated air/water/groundwater series
    (生成的示例数据) through ingestion into the lake, and approved demo department reports.

    Idempotent: ingestion skips content it already holds; reports are added once. Writes a
    manifest ``生成的示例数据_generated_example_data_manifest.csv`` (how each year was drawn) to the
    workspace's reports folder.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace()
    data = Path(__file__).with_name("data")
    import_bundled(ws.engine)
    for kind, name in (("station", "demo_stations.csv"), ("section", "demo_sections.csv"),
                       ("groundwater_point", "demo_groundwater_points.csv")):
        import_file(ws.engine, kind, data / name)
    load_bundled_plan(ws)
    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))

    air, drawn = air_demo_hourly(years)
    batches: dict[str, Any] = {}
    src = f"{DEMO_LABEL_ZH}_generated_example_data_air_county_town_{min(years)}-{max(years)}"
    batches["air_hourly"] = ingest_frame(ws, "air_hourly", air.drop(columns=["data_label"]),
                                         source=src).as_dict()
    water = water_demo_samples(years)
    src = f"{DEMO_LABEL_ZH}_generated_example_data_water_sections_{min(years)}-{max(years)}"
    batches["water_samples"] = ingest_frame(
        ws, "water_samples", water[["site", "time", "parameter", "value", "unit", "waterbody"]],
        source=src).as_dict()
    gw = groundwater_demo_samples(years)
    src = f"{DEMO_LABEL_ZH}_generated_example_data_groundwater_{min(years)}-{max(years)}"
    batches["groundwater_samples"] = ingest_frame(
        ws, "groundwater_samples", gw[["site", "time", "parameter", "value", "unit"]],
        source=src).as_dict()
    reports = submit_demo_reports(ws, plan)

    manifest = ws.settings.reports_dir / f"{DEMO_LABEL_ZH}_generated_example_data_manifest.csv"
    rows = []
    info: dict[int, dict[str, Any]] = {}
    for d in drawn:
        info[d.spec.year] = {"k": d.k, "pm25_mean_predicted": round(d.pm25_mean_predicted, 3),
                             "good_days": d.spec.good_days, "heavy_days": d.spec.heavy_days,
                             "valid_days": d.spec.valid_days}
        for day, src_day in zip(d.dates, d.source_days, strict=True):
            rows.append({"data_label": DEMO_LABEL, "date": day.isoformat(),
                         "source_day_2019": src_day.date().isoformat() if src_day is not None
                         else "", "pm_scale_factor": d.k})
    manifest.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(manifest, index=False, encoding="utf-8-sig")
    return DemoSeries(batches, info, reports, str(manifest))
