"""Period statistics of air quality per HJ 663 (month, quarter, year or any date range).

Input: a table of daily values with daily AQI — one row per ``key`` (station or city) and
``date`` with the columns ``pm25, pm10, so2, no2, co, o3_8h`` (null = invalid day), ``aqi``
(null = no valid daily AQI) and, optionally, the per-pollutant IAQI columns ``iaqi_<p>`` used for
primary-pollutant days. Every function returns an Ibis expression, so DuckDB and PySpark run the
same computation; percentiles are computed from ranks (HJ 663 Appendix A) and sums are exact
integer sums, so both engines give identical numbers.

Reported figures are rounded per GB/T 8170 (round half to even) to the digits of
``hj663-2013.yaml``; the unrounded value of every figure is kept in a ``*_raw`` column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecoplan.errors import StandardError
from ecoplan.standards.air_daily import (
    DAILY_MEAN_POLLUTANTS,
    DailyRules,
    daily_values,
    hj663,
    limit,
)

Period = Literal["year", "quarter", "month", "range"]
PERIODS: tuple[str, ...] = ("year", "quarter", "month", "range")
#: Daily-value columns that enter the period statistics.
STAT_POLLUTANTS: tuple[str, ...] = (*DAILY_MEAN_POLLUTANTS, "o3_8h")
#: Pollutants whose IAQI column (``iaqi_<p>``) can make a day's primary pollutant.
PRIMARY_CANDIDATES: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h")
#: AQI category levels (HJ 633 Table 2): upper AQI bound of levels 1…5; level 6 is > 300.
LEVEL_UPPER: tuple[int, ...] = (50, 100, 150, 200, 300)
MEAN_SCALE = 1_000_000  # daily values enter exact sums in units of 1e-6


# --------------------------------------------------------------------------- dust
def dust_conventions() -> dict[str, Any]:
    """The named dust-deduction conventions with their sources (``hj663-2013.yaml``)."""
    return dict(hj663()["dust_conventions"]["variants"])


def check_dust_convention(name: str) -> str:
    """Validate a dust convention name ("none", "bulletin", "assessment", "recompute")."""
    known = dust_conventions()
    if name not in known:
        raise StandardError(f"未知的沙尘扣除口径：{name}（可用：{'、'.join(known)}）",
                            f"Unknown dust convention: {name} (known: {', '.join(known)})")
    return name


# --------------------------------------------------------------------------- rounding
def gbt8170_round(value: float | Decimal | None, digits: int = 0) -> float | None:
    """Round half to even at ``digits`` decimals — GB/T 8170-2008 §3.3 (四舍六入五成双)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value) if isinstance(value, float) else value)
                 .quantize(q, rounding=ROUND_HALF_EVEN))


def gbt8170_round_expr(x: ir.NumericValue, digits: int = 0) -> ir.FloatingValue:
    """GB/T 8170 §3.3 rounding (half to even) as an Ibis expression, guarded for binary noise."""
    factor = 10.0 ** digits
    y = x.cast("float64") * factor
    f = y.floor()
    diff = y - f
    eps = 1e-9
    up = (diff > 0.5 + eps) | ((diff >= 0.5 - eps) & ((f % 2) != 0))
    return (f + ibis.ifelse(up, 1.0, 0.0)) / factor


# --------------------------------------------------------------------------- percentile
def percentile_value(values: Sequence[float], p: int) -> float | None:
    """HJ 663 Appendix A percentile: X(s) + (X(s+1) − X(s))·(k − s), k = 1 + (n − 1)·p/100."""
    xs = sorted(v for v in values if v is not None and not math.isnan(v))
    if not xs:
        return None
    n = len(xs)
    num = (n - 1) * p
    s, frac = 1 + num // 100, num % 100
    if s >= n:
        return float(xs[-1])
    return xs[s - 1] + (xs[s] - xs[s - 1]) * frac / 100


# --------------------------------------------------------------------------- periods
def _period_columns(t: ir.Table, period: str, start: date | None, end: date | None,
                    ) -> tuple[ir.Table, int | None]:
    """Add ``period`` (label) and ``period_start``; return the expected month count or None."""
    y = t.date.year()
    if period == "year":
        return t.mutate(period=y.cast("string"),
                        period_start=ibis.date(y, 1, 1)), 12
    if period == "quarter":
        q = t.date.quarter()
        return t.mutate(period=y.cast("string") + "-Q" + q.cast("string"),
                        period_start=ibis.date(y, (q - 1) * 3 + 1, 1)), 3
    if period == "month":
        m = t.date.month()
        return t.mutate(period=y.cast("string") + "-" + m.cast("string").lpad(2, "0"),
                        period_start=ibis.date(y, m, 1)), 1
    if period == "range":
        if start is None or end is None:
            raise StandardError("统计时段为 range 时须给出起止日期",
                                "A range period needs a start and an end date")
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        t = t.filter((t.date >= start) & (t.date <= end))
        return t.mutate(period=ibis.literal(f"{start.isoformat()}/{end.isoformat()}"),
                        period_start=ibis.literal(start)), months
    raise StandardError(f"未知的统计时段：{period}（应为 year、quarter、month 或 range）",
                        f"Unknown period: {period} (expected year, quarter, month or range)")


def _long(t: ir.Table, key: str) -> ir.Table:
    """Daily values as (key, period, period_start, date, pollutant, value) rows, valid only."""
    parts = [
        t.select(key, "period", "period_start", "date",
                 pollutant=ibis.literal(p), value=t[p].cast("float64"))
        for p in STAT_POLLUTANTS if p in t.columns
    ]
    u = parts[0]
    for part in parts[1:]:
        u = u.union(part)
    return u.filter(u.value.notnull())


def period_statistics(daily: ir.Table, *, period: str = "year", key: str = "station_code",
                      ruleset: str = "2012", start: date | None = None,
                      end: date | None = None, composite: str = "2014",
                      zone_class: int = 2, dust_convention: str = "none",
                      incomplete_days: str = "count", composite_inputs: str = "raw",
                      ) -> ir.Table:
    """HJ 663 period statistics per ``key`` and period (§ 年评价, Appendix A, 城市排名规定).

    :func:`period_aggregates` (the counts, means and percentiles of the daily rows) followed by
    :func:`period_figures` (ratios, indices, exceedance multiples, reported figures); see them
    for the options.
    """
    agg = period_aggregates(daily, period=period, key=key, start=start, end=end,
                            dust_convention=dust_convention, incomplete_days=incomplete_days)
    return period_figures(agg, ruleset=ruleset, composite=composite, zone_class=zone_class,
                          composite_inputs=composite_inputs)


def period_aggregates(daily: ir.Table, *, period: str = "year", key: str = "station_code",
                      start: date | None = None, end: date | None = None,
                      dust_convention: str = "none", incomplete_days: str = "count",
                      ) -> ir.Table:
    """The aggregates of HJ 663 period statistics per ``key`` and period: day counts by level,
    good, heavy and primary-pollutant days, and per pollutant its valid days, validity (months
    with enough days, HJ 663 §5), mean and percentile (Appendix A) — the ``*_raw`` figures before
    :func:`period_figures`. One row per key and period with daily rows.

    ``dust_convention`` (``hj663-2013.yaml`` ``dust_conventions``; needs a boolean ``dust``
    column in ``daily``): "none" keeps every value; "bulletin" (CNEMC monthly report) drops
    PM10/PM2.5 of dust days from the concentrations and the composite index but keeps the days
    in the good/heavy-day ratios; "assessment" also removes dust days with AQI > 100 from the
    valid days (扣除沙尘异常超标天); "recompute" is applied before the daily AQI (the daily table
    then already lacks the PM values of dust days).

    ``incomplete_days`` (days whose AQI lacks a pollutant, ``complete`` false): "count" keeps
    them as valid AQI days (as published), "exclude" leaves them out; either way their number
    is reported as ``aqi_incomplete_days``.
    """
    spec = hj663()
    conv = check_dust_convention(dust_convention)
    if incomplete_days not in ("count", "exclude"):
        raise StandardError(f"未知的缺项日处理：{incomplete_days}（应为 count 或 exclude）",
                            f"Unknown incomplete-day rule: {incomplete_days} "
                            "(expected count or exclude)")
    has_dust = "dust" in daily.columns
    if has_dust:
        daily = daily.mutate(dust=daily.dust.fill_null(False).cast("boolean"))
    if has_dust and conv in ("bulletin", "assessment"):
        hit = daily.dust
        daily = daily.mutate(pm10=ibis.ifelse(hit, ibis.null("float64"), daily.pm10.cast("float64")),
                             pm25=ibis.ifelse(hit, ibis.null("float64"), daily.pm25.cast("float64")))
    if "complete" not in daily.columns and "aqi_complete" in daily.columns:
        daily = daily.mutate(complete=daily.aqi_complete)  # as daily_aqi() names it
    has_complete = "complete" in daily.columns
    extra: dict[str, ir.Value] = {}
    if has_complete:
        extra["_incomplete"] = daily.aqi.notnull() & ~daily.complete.fill_null(True)
    if has_dust:
        extra["_dust_day"] = daily.dust
        extra["_dust_excluded"] = ibis.literal(False) if conv != "assessment" else (
            daily.dust & (daily.aqi > int(spec["day_counts"]["good_day_max_aqi"])))
    if extra:
        daily = daily.mutate(**extra)
    aqi_drop = ibis.literal(False)
    if has_complete and incomplete_days == "exclude":
        aqi_drop = aqi_drop | daily._incomplete
    if has_dust and conv == "assessment":
        aqi_drop = aqi_drop | daily._dust_excluded
    if has_complete or (has_dust and conv == "assessment"):
        daily = daily.mutate(aqi=ibis.ifelse(aqi_drop, ibis.null(daily.aqi.type()), daily.aqi))
    t, n_months = _period_columns(daily, period, start, end)
    gk = [key, "period", "period_start"]

    # ---- validity: days per month per pollutant → month ok → period ok
    v = spec["validity"]
    long = _long(t, key)
    month_n = long.group_by([*gk, "pollutant", long.date.month().name("m")]).aggregate(
        nd=long.value.count())
    need = ibis.ifelse(month_n.m == 2, int(v["min_days_february"]), int(v["min_days_per_month"]))
    month_ok = month_n.group_by([*gk, "pollutant"]).aggregate(
        ok_months=(month_n.nd >= need).cast("int32").sum())

    # ---- percentiles from ranks (HJ 663 Appendix A): each group's valid values collected and
    # sorted once (an array per key, period and pollutant — no window over every daily row);
    # X(s) and X(s+1) are taken by position, so the result is the rank formula exactly
    pct = {p: int(spec["statistics"]["period"][p]["percentile"]) for p in STAT_POLLUTANTS}
    pct_case = ibis.cases(*((long.pollutant == p, pct[p]) for p in STAT_POLLUTANTS), else_=0)
    grouped = long.group_by([*gk, "pollutant"]).aggregate(
        n=long.value.count(),
        ssum=(long.value * MEAN_SCALE + 0.5).floor().cast("int64").sum(),
        sorted_values=long.value.collect().sort(),
        pp=pct_case.max(),
    )
    num = (grouped.n - 1) * grouped.pp
    # rank s (1-based) = int(k), k = 1 + (n − 1)·p/100; int32: Spark's element_at wants an INT
    s = ((num // 100).cast("int64") + 1).cast("int32")
    stats = grouped.select(
        *gk, "pollutant", "n", "ssum",
        xs=grouped.sorted_values[s - 1],
        xs1=ibis.ifelse(s < grouped.n, grouped.sorted_values[s], ibis.null("float64")),
        frac=(num % 100).cast("int64"),
    )
    stats = stats.mutate(
        mean=stats.ssum.cast("float64") / MEAN_SCALE / stats.n,
        pval=stats.xs + (stats.xs1.fill_null(stats.xs) - stats.xs) * stats.frac.cast("float64")
        / ibis.literal(100.0, "float64"),
    )
    stats = stats.left_join(month_ok, [*gk, "pollutant"]).select(
        *gk, "pollutant", "n", "mean", "pval", ok_months=ibis._.ok_months.fill_null(0))
    year_min = int(v["min_days_per_year"])
    valid = stats.ok_months >= n_months if n_months is not None else ibis.literal(True)
    if period == "year":
        valid = valid & (stats.n >= year_min)
    stats = stats.mutate(valid=valid)

    # pivot pollutant rows to columns
    wide_aggs: dict[str, ir.Value] = {}
    for p in STAT_POLLUTANTS:
        sel = stats.pollutant == p
        wide_aggs[f"{p}_days"] = stats.n.max(where=sel)
        wide_aggs[f"{p}_valid"] = stats.valid.cast("int8").max(where=sel)
        if spec["statistics"]["period"][p]["mean"]:
            wide_aggs[f"{p}_mean_raw"] = stats["mean"].max(where=sel)
        wide_aggs[f"{p}_p{pct[p]}_raw"] = stats.pval.max(where=sel)
    wide = stats.group_by(gk).aggregate(**wide_aggs)

    # ---- day counts from the daily AQI
    aqi = t.aqi
    cnt: dict[str, ir.Value] = {"valid_days": aqi.count()}
    lo = -1
    for i, hi in enumerate(LEVEL_UPPER, start=1):
        cnt[f"days_level{i}"] = ((aqi > lo) & (aqi <= hi)).cast("int32").sum()
        lo = hi
    cnt["days_level6"] = (aqi > 300).cast("int32").sum()
    good_max = int(spec["day_counts"]["good_day_max_aqi"])
    heavy_min = int(spec["day_counts"]["heavy_day_min_aqi_exclusive"])
    cnt["good_days"] = (aqi <= good_max).cast("int32").sum()
    cnt["heavy_days"] = (aqi > heavy_min).cast("int32").sum()
    for p in PRIMARY_CANDIDATES:
        col = f"iaqi_{p}"
        if col in t.columns:
            cnt[f"primary_days_{p}"] = ((aqi > 50) & (t[col] == aqi)).cast("int32").sum()
    if has_complete:
        cnt["aqi_incomplete_days"] = t._incomplete.cast("int32").sum()
    if has_dust:
        cnt["dust_days"] = t._dust_day.cast("int32").sum()
        cnt["dust_days_excluded"] = t._dust_excluded.cast("int32").sum()
    days = t.group_by(gk).aggregate(**cnt)

    return days.outer_join(wide, gk).select(
        *[ibis.coalesce(days[c], wide[c]).name(c) for c in gk],
        *[days[c] for c in days.columns if c not in gk],
        *[wide[c] for c in wide.columns if c not in gk],
    )


def period_figures(aggregates: ir.Table, *, ruleset: str = "2012", composite: str = "2014",
                   zone_class: int = 2, composite_inputs: str = "raw") -> ir.Table:
    """HJ 663 period figures from :func:`period_aggregates`: good- and heavy-day ratios, single
    and composite indices, exceedance multiples, and every ``*_raw`` figure rounded per GB/T 8170.

    ``composite`` chooses the composite-index method: "2014" (环办〔2014〕64号, GB 3095-2012
    class-2 limits, unit weights) or "2026-unverified" (GB 3095-2026 limits with the unconfirmed
    weights noted in hj663-2013.yaml — only for explicit comparisons). ``composite_inputs``:
    "raw" (unrounded statistics, default) or "rounded" (statistics rounded per GB/T 8170 first).
    """
    if composite_inputs not in ("raw", "rounded"):
        raise StandardError(f"未知的综合指数输入：{composite_inputs}（应为 raw 或 rounded）",
                            f"Unknown composite-index inputs: {composite_inputs} "
                            "(expected raw or rounded)")
    spec = hj663()
    pct = {p: int(spec["statistics"]["period"][p]["percentile"]) for p in STAT_POLLUTANTS}
    out = aggregates
    vd = out.valid_days.fill_null(0)
    derived: dict[str, ir.Value] = {
        "good_day_ratio_raw": ibis.ifelse(
            vd > 0, out.good_days.cast("float64") * 100 / vd.cast("float64"), None),
        "heavy_day_ratio_raw": ibis.ifelse(
            vd > 0, out.heavy_days.cast("float64") * 100 / vd.cast("float64"), None),
    }
    out = out.mutate(**derived)
    out = _indices(out, ruleset=ruleset, composite=composite, zone_class=zone_class, pct=pct,
                   inputs=composite_inputs)
    return _reported(out, pct)


def _stat_column(p: str, stat: str, pct: dict[str, int]) -> str:
    return f"{p}_mean_raw" if stat == "mean" else f"{p}_p{pct[p]}_raw"


def _indices(t: ir.Table, *, ruleset: str, composite: str, zone_class: int,
             pct: dict[str, int], inputs: str = "raw") -> ir.Table:
    """Single indices, composite index and exceedance multiples (城市排名规定; HJ 663 超标倍数)."""
    spec = hj663()
    ci = spec["composite_index"]
    if composite == "2014":
        limits = {p: float(s) for p, s in ci["limits"].items()}
        weights = {p: float(wt) for p, wt in ci["weights"].items()}
    elif composite == "2026-unverified":
        alt = spec["hj663_2026"]["composite_index_unverified"]
        weights = {p: float(wt) for p, wt in alt["weights"].items()}
        limits = {p: limit("2026", p, "annual") for p in ("so2", "no2", "pm10", "pm25")}
        limits["co"] = limit("2026", "co", "24h")
        limits["o3_8h"] = limit("2026", "o3", "8h_max")
    else:
        raise StandardError(f"未知的综合指数方法：{composite}",
                            f"Unknown composite-index method: {composite}")
    cols: dict[str, ir.Value] = {}
    total: ir.Value | None = None
    digits = spec["rounding"]["digits"]
    for p, stat in ci["statistic"].items():
        c = t[_stat_column(p, stat, pct)]
        if inputs == "rounded":  # statistics as reported (GB/T 8170) enter the index
            c = gbt8170_round_expr(c, int(digits["co" if p == "co" else "pm25"]))
        idx = c / limits[p]
        cols[f"single_index_{p}_raw"] = idx
        term = idx * weights[p]
        total = term if total is None else total + term
    cols["composite_index_raw"] = total
    # exceedance multiples against GB 3095 limits of the rule set: means against the annual
    # limit, percentiles against the 24-h limit, O3 P90 against the daily max 8-h limit.
    for p in STAT_POLLUTANTS:
        gp = "o3" if p == "o3_8h" else p
        pairs: list[tuple[str, str]] = []
        if spec["statistics"]["period"][p]["mean"]:
            pairs.append(("mean", "annual"))
        pairs.append((f"p{pct[p]}", "8h_max" if p == "o3_8h" else "24h"))
        for st, avg in pairs:
            s = limit(ruleset, gp, avg, zone_class=zone_class)
            c = t[_stat_column(p, st, pct)]
            cols[f"exceedance_multiple_{p}_{st}_raw"] = ibis.ifelse(c > s, (c - s) / s, 0.0)
    return t.mutate(**cols)


def _reported(t: ir.Table, pct: dict[str, int]) -> ir.Table:
    """Add GB/T 8170-rounded reported figures next to every ``*_raw`` column."""
    digits = hj663()["rounding"]["digits"]
    cols: dict[str, ir.Value] = {}
    for c in t.columns:
        if not c.endswith("_raw"):
            continue
        name = c[: -len("_raw")]
        if name.startswith(("single_index", "composite_index")):
            d = int(digits["composite_index"])
        elif name.startswith("exceedance_multiple"):
            d = int(digits["exceedance_multiple"])
        elif name.endswith("_ratio"):
            d = int(digits["ratio_percent"])
        else:
            d = int(digits["co"] if name.startswith("co_") else digits["pm25"])
        cols[name] = gbt8170_round_expr(t[c], d)
    return t.mutate(**cols)


def rank_by_composite(stats: ir.Table, *, key: str = "station_code") -> ir.Table:
    """Rank keys within each period by the *reported* composite index, 1 = best.

    城市环境空气质量排名技术规定（环办〔2014〕64号）ranks on the composite index as reported
    (GB/T 8170, 2 decimals); equal reported indices share a rank and the next rank is skipped
    (competition ranking 1, 1, 3 — bulletins: "指数相同的城市以并列计", see
    ``hj663-2013.yaml`` ``ranking``). Keys without an index get no rank.
    """
    w = ibis.window(group_by="period", order_by=[stats.composite_index])
    return stats.mutate(composite_rank=ibis.ifelse(
        stats.composite_index.notnull(), ibis.rank().over(w) + 1, None))


def city_daily(daily: ir.Table, stations: ir.Table, *, key: str = "city") -> ir.Table:
    """City (county-town) daily values = mean of the valid site daily values (HJ 663 城市尺度)."""
    j = daily.inner_join(stations.select("station_code", key), "station_code")
    aggs: dict[str, Any] = {}
    for p in (*STAT_POLLUTANTS, "o3_1h_max"):
        if p not in daily.columns:
            continue
        scaled = (j[p].cast("float64") * MEAN_SCALE + 0.5).floor().cast("int64")
        aggs[f"s_{p}"] = scaled.sum()
        aggs[f"n_{p}"] = j[p].count()
    aggs["n_sites"] = j.station_code.nunique()
    g = j.group_by([key, "date"]).aggregate(**aggs)
    cols = {
        p: ibis.ifelse(g[f"n_{p}"] > 0, g[f"s_{p}"].cast("float64") / MEAN_SCALE / g[f"n_{p}"],
                       None)
        for p in (*STAT_POLLUTANTS, "o3_1h_max") if f"s_{p}" in g.columns
    }
    return g.select(key, "date", "n_sites", **cols)


#: City O3 daily max 8-h methods (``hj663-2013.yaml`` ``city_o3``).
CITY_O3_METHODS: tuple[str, ...] = ("site_max_mean", "city_series_max")


def city_o3_series_max(hourly: ir.Table, stations: ir.Table, *, key: str = "city",
                       rules: DailyRules | None = None) -> ir.Table:
    """City O3 daily max 8-h as the maximum of the *city's* 8-h series (``city_series_max``).

    City hourly O3 = mean of the valid site hourly values of the hour; the 8-h windows, their
    6-of-8 rule and the 14-window rule (HJ 663 §6.1.2) are then applied to that series. The
    alternative to the default mean of the sites' daily maxima (:func:`city_daily`).
    """
    j = hourly.inner_join(stations.select("station_code", key), "station_code")
    g = j.group_by([key, "timestamp"]).aggregate(o3=j.o3.cast("float64").mean())
    g = g.mutate(**{p: ibis.null("float64") for p in ("pm25", "pm10", "so2", "no2", "co")})
    d = daily_values(g, rules=rules, station=key)
    return d.select(d.station_code.name(key), "date", o3_8h_city_series=d.o3_8h)


def three_year_sliding(stats: Any, columns: Sequence[str], *, key: str = "city") -> Any:
    """Three-year sliding averages of annual statistics (HJ 663-2026 三年滑动平均 — NOT VERIFIED).

    ``stats`` is a pandas frame of annual rows (``period`` = year) per ``key``; returns, per key
    and year with the two previous years present, the arithmetic mean of each of ``columns`` over
    the three years (``<column>_3y``), rounded per GB/T 8170 like the annual figure.
    """

    frame = stats[[key, "period", *columns]].copy()
    frame["year"] = frame["period"].astype(int)
    rows = []
    for k, part in frame.groupby(key):
        part = part.set_index("year")
        for y in part.index:
            if {y - 1, y - 2} <= set(part.index):
                row: dict[str, Any] = {key: k, "period": str(y), "years": f"{y - 2}-{y}"}
                for c in columns:
                    vals = [part.loc[y - i, c] for i in range(3)]
                    mean = None if any(pd.isna(v) for v in vals) else float(sum(vals)) / 3
                    digits = 2 if "index" in c else (1 if c.startswith("co_") else 0)
                    row[f"{c}_3y"] = gbt8170_round(mean, digits)
                rows.append(row)
    return pd.DataFrame(rows)
