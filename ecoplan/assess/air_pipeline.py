"""Air-quality pipeline: hourly → daily values and AQI → HJ 663 period statistics, on one engine.

The rules are the Ibis functions of :mod:`ecoplan.standards.air_daily` and
:mod:`ecoplan.standards.air_period`; this module only decides where the data come from (a lake
dataset, a file, a DataFrame), which engine runs them (DuckDB by default, PySpark for scale-out,
through :class:`ecoplan.store.engine.Analytics` or a bare Ibis backend) and where intermediate
tables are materialised (the daily table is cached once and reused by every statistic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecoplan.standards.air_daily import DailyRules, daily_aqi, daily_values
from ecoplan.standards.air_period import city_daily, period_statistics, rank_by_composite

HOURLY_COLUMNS = ("station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co")


def _backend(analytics: Any) -> Any:
    """The Ibis backend of an :class:`Analytics` object (or a backend given directly)."""
    return getattr(analytics, "backend", analytics)


def _execute(analytics: Any, expr: ir.Expr) -> pd.DataFrame:
    return _backend(analytics).execute(expr)


def hourly_table(analytics: Any, source: str | Path | pd.DataFrame | ir.Table,
                 name: str = "air_hourly_input") -> ir.Table:
    """The canonical hourly table as an Ibis table: a lake dataset, a Parquet file or a frame."""
    if isinstance(source, ir.Table):
        return source
    backend = _backend(analytics)
    if isinstance(source, pd.DataFrame):
        frame = source[[c for c in HOURLY_COLUMNS if c in source.columns]].copy()
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        for p in HOURLY_COLUMNS[2:]:
            frame[p] = pd.to_numeric(frame[p], errors="coerce").astype("float64")
        return backend.create_table(name, frame, overwrite=True)
    path = Path(str(source))
    if path.suffix == ".parquet" or path.is_dir():
        return backend.read_parquet(str(path)).select(*HOURLY_COLUMNS)
    if hasattr(analytics, "table"):
        return analytics.table(str(source)).select(*HOURLY_COLUMNS)
    raise FileNotFoundError(str(source))


def _resolve_ruleset(t: ir.Table, ruleset: str, analytics: Any, column: str = "date") -> str:
    """``auto`` becomes a fixed rule set when every day lies on one side of 2026-03-01."""
    if ruleset != "auto":
        return ruleset
    from ecoplan.standards.air_rules import SWITCH_DATE

    bounds = _execute(analytics, t.aggregate(lo=t[column].min(), hi=t[column].max()))
    lo, hi = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
    if pd.isna(lo):
        return "2012"
    if pd.Timestamp(hi).date() < SWITCH_DATE:
        return "2012"
    if pd.Timestamp(lo).date() >= SWITCH_DATE:
        return "2026"
    return "auto"


def daily_table(analytics: Any, hourly: ir.Table, *, ruleset: str = "auto",
                include_o3_1h: bool | None = None, rules: DailyRules | None = None,
                dust: pd.DataFrame | None = None, dust_deducted: bool = False,
                stations: pd.DataFrame | None = None, by: str = "station",
                cache: bool = True) -> ir.Table:
    """Daily values with daily AQI per station (or per city with ``by="city"``), cached.

    ``dust`` is a frame of (``date`` [, ``station_code`` or ``city``], ``dust``) flags; with
    ``dust_deducted`` the PM10 and PM2.5 values of flagged days are removed before the AQI
    (环办监测〔2016〕120号). ``stations`` maps ``station_code`` to ``city`` for ``by="city"``.
    """
    rules = rules or DailyRules.for_ruleset("2012" if ruleset == "auto" else ruleset)
    d = daily_values(hourly, rules=rules)
    key = "station_code"
    if by == "city":
        if stations is None:
            raise ValueError("stations table needed for by='city'")
        st = _backend(analytics).create_table(
            "air_station_city", stations[["station_code", "city"]].drop_duplicates(),
            overwrite=True)
        d = city_daily(d, st, key="city")
        key = "city"
    if dust_deducted and dust is not None and len(dust):
        flags = dust.copy()
        flags["date"] = pd.to_datetime(flags["date"]).dt.date
        flags = flags[flags["dust"].astype(bool)]
        keys = ["date"] + ([key] if key in flags.columns else [])
        ft = _backend(analytics).create_table(
            "air_dust_flags", flags[keys].drop_duplicates().assign(_dust=True), overwrite=True)
        j = d.left_join(ft, keys)
        hit = j._dust.fill_null(False)
        d = j.mutate(pm10=ibis.ifelse(hit, ibis.null("float64"), j.pm10),
                     pm25=ibis.ifelse(hit, ibis.null("float64"), j.pm25)).drop(
            "_dust", *[f"{k}_right" for k in keys if f"{k}_right" in j.columns])
    if cache:
        d = d.cache()
    rs = _resolve_ruleset(d, ruleset, analytics)
    out = daily_aqi(d, ruleset=rs, include_o3_1h=include_o3_1h)
    return out.cache() if cache else out


def run_daily(analytics: Any, table_or_dataset: str | Path | pd.DataFrame | ir.Table,
              ruleset: str = "auto", **kwargs: Any) -> pd.DataFrame:
    """Hourly data → one row per station and day with daily values, AQI and category."""
    hourly = hourly_table(analytics, table_or_dataset)
    d = daily_table(analytics, hourly, ruleset=ruleset, **kwargs)
    key = "city" if kwargs.get("by") == "city" else "station_code"
    return _execute(analytics, d.order_by([key, "date"]))


@dataclass(frozen=True)
class PeriodRequest:
    """What to compute: the period kind, optional range and grouping."""

    period: str = "year"
    start: date | None = None
    end: date | None = None
    by: str = "station"


def run_period_stats(analytics: Any, table_or_dataset: str | Path | pd.DataFrame | ir.Table,
                     ruleset: str = "auto", *, period: str = "year", by: str = "station",
                     start: date | None = None, end: date | None = None,
                     stations: pd.DataFrame | None = None, dust: pd.DataFrame | None = None,
                     dust_deducted: bool = False, include_o3_1h: bool | None = None,
                     composite: str = "2014", daily: ir.Table | None = None,
                     ) -> pd.DataFrame:
    """HJ 663 statistics per station or city and period, ranked by composite index."""
    key = "city" if by == "city" else "station_code"
    if daily is None:
        hourly = hourly_table(analytics, table_or_dataset)
        daily = daily_table(analytics, hourly, ruleset=ruleset, include_o3_1h=include_o3_1h,
                            stations=stations, by=by, dust=dust, dust_deducted=dust_deducted)
    stat_rules = "2012" if ruleset == "auto" else ruleset
    if ruleset == "auto":
        resolved = _resolve_ruleset(daily, "auto", analytics)
        stat_rules = "2026" if resolved == "2026" else "2012"
    stats = period_statistics(daily, period=period, key=key, ruleset=stat_rules, start=start,
                              end=end, composite=composite)
    stats = rank_by_composite(stats, key=key)
    out = _execute(analytics, stats.order_by(["period", key]))
    out.insert(2, "ruleset", stat_rules)
    out.insert(3, "dust_deducted", bool(dust_deducted))
    return out
