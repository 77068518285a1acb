"""Daily air-quality values from hourly data (GB 3095 Table 4 validity, HJ 663 §6.1.2 O3 8-h).

Everything here takes and returns Ibis tables, so the same rules run on DuckDB and on PySpark.

The day as CNEMC counts it (verified on ``sample_data/realdata/shanxi_hourly_2019.csv.gz``, see
docs/air-statistics.md): timestamps are *hour-ending* labels — ``16:00`` is the mean of
15:00–16:00 — and a natural day D consists of the 24 hours labelled ``D 01:00`` … ``D+1 00:00``
(the row labelled ``D+1 00:00`` closes day D). In code: ``day = date(timestamp − 1 h)`` and the
hour label within the day is ``hour(timestamp − 1 h) + 1`` ∈ 1…24. The O3 8-h windows the standard
assigns to day D are the ones labelled 08:00 … 24:00, i.e. exactly the 17 windows lying wholly
inside those 24 hours, so every day is computed from its own rows only.

Sums are accumulated on integers (concentrations in units of 0.001, far below any instrument's
resolution) so that DuckDB and PySpark, which add floating-point numbers in different orders,
return bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from ecoplan.errors import StandardError
from ecoplan.nomenclature import AIR_POLLUTANTS
from ecoplan.standards.air_daily_aqi import daily_aqi_table
from ecoplan.standards.datafile import read_yaml

DATA_DIR = Path(__file__).parent / "data"

#: Pollutants whose daily value is the mean of the valid hourly values of the day.
DAILY_MEAN_POLLUTANTS: tuple[str, ...] = tuple(p for p in AIR_POLLUTANTS if p != "o3")
HOURLY_POLLUTANTS: tuple[str, ...] = AIR_POLLUTANTS
#: Daily-value columns produced by :func:`daily_values`, in output order.
DAILY_COLUMNS: tuple[str, ...] = (*DAILY_MEAN_POLLUTANTS, "o3_8h", "o3_1h_max")

SCALE = 1000  # integer accumulation unit: 0.001 μg/m³ (CO: 0.001 mg/m³)


@cache
@cache
def gb3095(ruleset: str) -> dict[str, Any]:
    """The GB 3095 table of a rule set ("2012" → GB 3095-2012, "2026" → GB 3095-2026); read
    once per process (do not modify it)."""
    name = {"2012": "gb3095-2012.yaml", "2026": "gb3095-2026.yaml"}.get(str(ruleset))
    if name is None:
        raise StandardError(f"未知的规则版本：{ruleset}", f"Unknown rule set: {ruleset}")
    return read_yaml(DATA_DIR / name)


@cache
def hj663() -> dict[str, Any]:
    """The HJ 663-2013 table (statistics, percentiles, validity, rounding, composite index)."""
    return read_yaml(DATA_DIR / "hj663-2013.yaml")


def limit(ruleset: str, pollutant: str, averaging: str, *, zone_class: int = 2,
          stage: str = "transitional") -> float:
    """GB 3095 Table 1 concentration limit of ``pollutant`` for ``averaging`` and zone class."""
    table = gb3095(ruleset)["limits"]
    if "transitional" in table:
        table = table[stage]
    try:
        return float(table[pollutant][averaging][zone_class - 1])
    except KeyError as exc:
        raise StandardError(
            f"GB 3095 中没有 {pollutant} 的 {averaging} 限值",
            f"GB 3095 has no {averaging} limit for {pollutant}",
        ) from exc


@dataclass(frozen=True)
class DailyRules:
    """Validity parameters of the daily values (GB 3095 Table 4, HJ 663 §6.1.2)."""

    min_hours: int = 20
    window_min_hours: int = 6
    first_window: int = 8
    last_window: int = 24
    min_windows: int = 14
    exceedance_exception: bool = True
    o3_8h_limit: float = 160.0

    @classmethod
    def for_ruleset(cls, ruleset: str, **overrides: Any) -> DailyRules:
        """Rules of GB 3095 Table 4 and HJ 663 §6.1.2 as stored in the data files."""
        v = gb3095(ruleset)["validity"]
        o3 = hj663()["o3_8h_max"]
        params: dict[str, Any] = {
            "min_hours": int(v["daily"]["min_hourly_values"]),
            "window_min_hours": int(v["o3_8h"]["min_hourly_values_in_8h"]),
            "first_window": int(o3["first_window_label"]),
            "last_window": int(o3["last_window_label"]),
            "min_windows": int(o3["min_valid_windows"]),
            "exceedance_exception": bool(o3["exceedance_exception"]),
            "o3_8h_limit": limit(ruleset, "o3", "8h_max", zone_class=int(o3["exceedance_limit_class"])),
        }
        params.update(overrides)
        return cls(**params)


def cnemc_day(timestamp: ir.TimestampValue) -> tuple[ir.DateValue, ir.IntegerValue]:
    """CNEMC day of an hour-ending label: (date(ts − 1 h), hour label 1…24) — GB 3095 §3 自然日."""
    shifted = timestamp - ibis.interval(hours=1)
    return shifted.date(), (shifted.hour() + 1).cast("int8")


def cnemc_day_number(timestamp: ir.TimestampValue) -> tuple[ir.IntegerValue, ir.IntegerValue]:
    """CNEMC day as days since 1970-01-01 and hour label 1…24 (integer arithmetic, fast)."""
    shifted = timestamp.epoch_seconds().cast("int64") - 3600
    return shifted // 86400, (shifted // 3600) % 24 + 1


def _scaled(col: ir.NumericValue) -> ir.FloatingValue:
    """A concentration as an integer number of 0.001 units (exact, engine-independent sums).

    NaN counts as missing (Spark keeps NaN from pandas as a value, DuckDB as NULL).
    """
    x = col.cast("float64")
    # An integer held in a float64: sums of up to 2⁵³ are exact in any order, and the engines'
    # float sum states are half the size of their 128-bit integer sum states.
    return ibis.ifelse(x.isnan(), ibis.null("float64"), x * SCALE + 0.5).floor().cast("float64")


def daily_values(hourly: ir.Table, *, rules: DailyRules | None = None,
                 station: str = "station_code", timestamp: str = "timestamp") -> ir.Table:
    """Daily means and O3 daily max 8-h/1-h per station — GB 3095 Table 4, HJ 663 §6.1.2.

    ``hourly`` has one row per station-hour (hour-ending ``timestamp``) and the columns
    ``pm25, pm10, so2, no2, o3, co`` (μg/m³, CO mg/m³; null = missing/invalid). Missing rows are
    simply missing hours. Returns one row per station and day with the daily values (null when
    invalid), the number of valid hours per pollutant (``n_<p>``) and of valid O3 8-h windows
    (``o3_8h_windows``).
    """
    r = rules or DailyRules()
    day, hour = cnemc_day_number(hourly[timestamp])
    t = hourly.select(
        station=hourly[station], day=day, hour=hour.cast("int8"),
        **{p: _scaled(hourly[p]) for p in HOURLY_POLLUTANTS},
    )
    aggs: dict[str, ir.Value] = {}
    for p in DAILY_MEAN_POLLUTANTS:
        aggs[f"s_{p}"] = t[p].sum()
        aggs[f"n_{p}"] = t[p].count()
    aggs["n_o3"] = t.o3.count()
    aggs["o3_1h_max_s"] = t.o3.max()
    for h in range(1, 25):
        # max(CASE WHEN hour = h THEN o3 END), not max(o3) FILTER (WHERE hour = h): the same
        # value (nulls are skipped either way), ~30 % less CPU in DuckDB's hash aggregation
        aggs[f"o3_h{h:02d}"] = ibis.ifelse(t.hour == h, t.o3, ibis.null("float64")).max()
    d = t.group_by(["station", "day"]).aggregate(**aggs)
    d = d.mutate(date=(d.day * 86400).as_timestamp("s").date())

    d = _stage(d)
    # stage 1: daily means and the 8-h window sums/counts as columns
    cols: dict[str, ir.Value] = {}
    for p in DAILY_MEAN_POLLUTANTS:
        n = d[f"n_{p}"]
        cols[p] = ibis.ifelse(n >= r.min_hours, d[f"s_{p}"].cast("float64") / SCALE / n, None)
    cols["o3_1h_max"] = ibis.ifelse(
        d.n_o3 >= r.min_hours, d.o3_1h_max_s.cast("float64") / SCALE, None
    )
    windows = range(r.first_window, r.last_window + 1)
    for w in windows:
        hours = [d[f"o3_h{h:02d}"] for h in range(w - 7, w + 1)]
        cols[f"ws{w:02d}"] = sum((h.fill_null(0) for h in hours[1:]), hours[0].fill_null(0))
        cols[f"wn{w:02d}"] = sum((h.notnull().cast("int8") for h in hours[1:]),
                                 hours[0].notnull().cast("int8"))
    keep = ["station", "date", *[f"n_{p}" for p in (*DAILY_MEAN_POLLUTANTS, "o3")]]
    d = _stage(d.select(*keep, **cols))
    # stage 2: valid window means (≥ 6 of 8 hours), their number and maximum
    means = {
        f"wm{w:02d}": ibis.ifelse(d[f"wn{w:02d}"] >= r.window_min_hours,
                                  d[f"ws{w:02d}"].cast("float64") / SCALE / d[f"wn{w:02d}"], -1.0)
        for w in windows
    }
    valid = [(d[f"wn{w:02d}"] >= r.window_min_hours).cast("int16") for w in windows]
    d = _stage(d.select(
        *keep, *DAILY_MEAN_POLLUTANTS, "o3_1h_max",
        o3_8h_windows=sum(valid[1:], valid[0]), o3_8h_best=ibis.greatest(*means.values()),
    ))
    # stage 3: the day's max 8-h is valid with ≥ 14 windows, or fewer when above the limit
    ok = d.o3_8h_windows >= r.min_windows
    if r.exceedance_exception:
        ok = ok | ((d.o3_8h_windows > 0) & (d.o3_8h_best > r.o3_8h_limit))
    ok = ok & (d.o3_8h_windows > 0)
    return d.select(
        station_code=d.station, date=d.date,
        **{p: d[p] for p in DAILY_MEAN_POLLUTANTS},
        o3_8h=ibis.ifelse(ok, d.o3_8h_best, None), o3_1h_max=d.o3_1h_max,
        **{f"n_{p}": d[f"n_{p}"].cast("int16") for p in (*DAILY_MEAN_POLLUTANTS, "o3")},
        o3_8h_windows=d.o3_8h_windows,
    )


def _stage(table: ir.Table) -> ir.Table:
    """A projection barrier: keeps Ibis from inlining computed columns into the next select."""
    return table.mutate(_stage=ibis.random()).drop("_stage")


def daily_aqi(daily: ir.Table, *, ruleset: str = "auto", include_o3_1h: bool | None = None,
              date: str = "date", key: str = "station_code") -> ir.Table:
    """Daily AQI, IAQIs, primary pollutants and category of daily values (HJ 633 daily report).

    Delegates to :func:`ecoplan.standards.air_daily_aqi.daily_aqi_table` (exact IAQI on the
    daily values rounded per GB/T 8170; O3 8 h > 800 → 1-h IAQI under 2012, 300 under 2026; a
    day missing a pollutant gets the AQI of the others under 2012, only when > 100 under HJ
    633-2026 §5.3.1 — that AQI is the one the period statistics count). Keeps every column of
    ``daily`` and ``key``; ``complete`` is renamed ``aqi_complete``.
    """
    keep = [c for c in daily.columns if c not in (key, date)]
    t = daily_aqi_table(daily, ruleset, include_o3_1h=include_o3_1h, date=date, site=key,
                        keep=keep)
    return t.rename({key: "site", "aqi_complete": "complete"})
