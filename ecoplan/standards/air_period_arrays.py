"""HJ 663 period aggregates on NumPy arrays — the same rules as :func:`period_aggregates`.

:func:`ecoplan.standards.air_period.period_aggregates` is the reference: an Ibis expression
that DuckDB and PySpark run. This module computes the same table from a daily table held as
arrays, for the store's fast path (``ecoplan/store/air_kernel.py``); the figures that follow
(:func:`ecoplan.standards.air_period.period_figures`: ratios, indices, rounding) run on the
engine as always. Results are bit-identical to the reference (``tests/air/test_period_arrays.py``),
because every step is the reference's:

* valid days, days per AQI level, good, heavy and primary-pollutant days (HJ 633 Table 2,
  HJ 663 §5) — as SQL sums, NULL for a period whose days all lack an AQI;
* per pollutant: valid days, months with enough valid days (GB 3095 Table 4 / HJ 663 §5: 27,
  February 25; grouped by month number, as the reference), the mean of the values as an exact
  sum of ``floor(x · 10⁶ + 0.5)`` divided by 10⁶ and by the count, and the percentile of
  HJ 663 Appendix A from the sorted values: X(s) + (X(s+1) − X(s)) · (k − s), k = 1 + (n − 1)p/100.

Only the options without dust flags are covered (the caller keeps the reference otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from ecoplan.errors import StandardError
from ecoplan.standards.air_daily import hj663
from ecoplan.standards.air_period import (
    LEVEL_UPPER,
    MEAN_SCALE,
    PRIMARY_CANDIDATES,
    STAT_POLLUTANTS,
)

_EPOCH = np.datetime64("1970-01-01", "D")
#: largest station × period-day matrix sorted at once (float64 cells)
MAX_CELLS = 64 * 2**20


@dataclass(frozen=True)
class DailyArrays:
    """A daily table as arrays, one entry per station (or city) and day.

    ``key`` indexes ``key_names``; ``days`` are days since 1970-01-01; ``values`` the daily
    values (float64, NaN = not valid); ``aqi`` and ``iaqi`` (``iaqi_<indicator>`` → values)
    int64 with their validity masks; ``complete`` whether the day's AQI has every pollutant
    (None: the table has no such column).
    """

    key: np.ndarray
    key_names: pa.Array
    days: np.ndarray
    values: Mapping[str, np.ndarray]
    aqi: tuple[np.ndarray, np.ndarray]
    iaqi: Mapping[str, tuple[np.ndarray, np.ndarray]]
    complete: tuple[np.ndarray, np.ndarray] | None


def _periods(days: np.ndarray, period: str, start: date | None, end: date | None
             ) -> tuple[np.ndarray, list[str], list[int], np.ndarray, int, np.ndarray]:
    """Per row its period index; the periods' labels and first days; the rows kept; the
    expected month count; the row's offset in its period."""
    d = _EPOCH + days.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    keep = np.ones(len(days), dtype=bool)
    if period == "year":
        code, months = y, 12
    elif period == "quarter":
        code, months = y * 4 + (m - 1) // 3, 3
    elif period == "month":
        code, months = y * 12 + (m - 1), 1
    elif period == "range":
        if start is None or end is None:
            raise StandardError("统计时段为 range 时须给出起止日期",
                                "A range period needs a start and an end date")
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        lo = (np.datetime64(start, "D") - _EPOCH).astype(np.int64)
        hi = (np.datetime64(end, "D") - _EPOCH).astype(np.int64)
        keep = (days >= lo) & (days <= hi)
        code = np.zeros(len(days), dtype=np.int64)
    else:
        raise StandardError(f"未知的统计时段：{period}（应为 year、quarter、month 或 range）",
                            f"Unknown period: {period} (expected year, quarter, month or range)")
    codes, index = _numbered(code[keep])  # the periods present, in order
    labels: list[str] = []
    firsts: list[int] = []
    for c in codes.tolist():
        if period == "year":
            first, label = date(c, 1, 1), str(c)
        elif period == "quarter":
            first, label = date(c // 4, c % 4 * 3 + 1, 1), f"{c // 4}-Q{c % 4 + 1}"
        elif period == "month":
            first, label = date(c // 12, c % 12 + 1, 1), f"{c // 12}-{c % 12 + 1:02d}"
        else:
            assert start is not None and end is not None
            first, label = start, f"{start.isoformat()}/{end.isoformat()}"
        labels.append(label)
        firsts.append((first - date(1970, 1, 1)).days)
    offset = days[keep] - np.asarray(firsts, dtype=np.int64)[index]
    return index, labels, firsts, keep, months, np.stack([m[keep], offset])


def _numbered(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct non-negative integer ``codes`` in order, and each row's number among them
    (0, 1, …) — without sorting the rows (a count per code)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    base = int(codes.min())
    present = np.bincount(codes - base) > 0
    return np.flatnonzero(present) + base, (np.cumsum(present) - 1)[codes - base]


class _GroupSums:
    """Sums per group of the rows' values: the rows are ordered by group once (no sort when
    they come so, as the kernel's do), then every sum is one ``np.add.reduceat``."""

    def __init__(self, group: np.ndarray, groups: int) -> None:
        self.order = None if len(group) < 2 or bool(np.all(group[1:] >= group[:-1])) \
            else np.argsort(group, kind="stable")
        g = group if self.order is None else group[self.order]
        self.starts = np.searchsorted(g, np.arange(groups))
        self.rows = len(group)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Exact int64 sums of integer (or boolean) ``values``; every group has a row."""
        v = values if self.order is None else values[self.order]
        if not self.rows:
            return np.zeros(len(self.starts), dtype=np.int64)
        return np.add.reduceat(v, self.starts, dtype=np.int64)

    def sum_or_null(self, hit: np.ndarray, counted: np.ndarray) -> pa.Array:
        """SQL ``SUM(CAST(cond AS INT))``: ``hit`` rows count 1, ``counted`` rows (cond not
        NULL) take part; NULL for a group with none."""
        return pa.array(self(hit & counted), pa.int64(), mask=self(counted) == 0)


def period_aggregates_arrays(daily: DailyArrays, *, period: str = "year",
                             start: date | None = None, end: date | None = None,
                             incomplete_days: str = "count", key: str = "station_code",
                             ) -> pa.Table | None:
    """The table of :func:`ecoplan.standards.air_period.period_aggregates` (no dust flags) for
    ``daily``, with its columns in order (types to be cast to the reference's schema by the
    caller); None when the arrays cannot reproduce it exactly (a station-day given twice, a NaN
    value, a matrix beyond :data:`MAX_CELLS`)."""
    spec = hj663()
    if incomplete_days not in ("count", "exclude"):
        raise StandardError(f"未知的缺项日处理：{incomplete_days}（应为 count 或 exclude）",
                            f"Unknown incomplete-day rule: {incomplete_days} "
                            "(expected count or exclude)")
    pidx, labels, firsts, keep, n_months, (month, offset) = _periods(
        daily.days, period, start, end)
    n_periods = max(len(labels), 1)
    key_rows = daily.key[keep].astype(np.int64)
    group_full = key_rows * n_periods + pidx
    used, group = _numbered(group_full)  # groups in order of (key, period)
    groups = len(used)
    width = int(offset.max()) + 1 if len(offset) else 1
    if groups * width > MAX_CELLS or width >= 2**15 or any(
            p not in daily.values for p in STAT_POLLUTANTS):
        return None
    cell = group * width + offset
    if len(cell) and np.bincount(cell, minlength=groups * width).max() > 1:
        return None  # a station-day given twice: leave it to the engine
    sums = _GroupSums(group, groups)
    aqi, aqi_ok = daily.aqi[0][keep], daily.aqi[1][keep].copy()
    cols: dict[str, pa.Array] = {
        key: daily.key_names.take(pa.array(used // n_periods)),
        "period": pa.array(labels, pa.string()).take(pa.array(used % n_periods)),
        "period_start": pa.array(np.asarray(firsts, dtype=np.int32)[used % n_periods])
        .view(pa.date32()),
    }
    incomplete = None
    if daily.complete is not None:
        c_val, c_ok = daily.complete[0][keep], daily.complete[1][keep]
        incomplete = aqi_ok & ~np.where(c_ok, c_val, True)
        if incomplete_days == "exclude":
            aqi_ok &= ~incomplete
    # ---- day counts from the daily AQI
    cols["valid_days"] = pa.array(sums(aqi_ok))
    lo = -1
    for i, hi in enumerate(LEVEL_UPPER, start=1):
        cols[f"days_level{i}"] = sums.sum_or_null((aqi > lo) & (aqi <= hi), aqi_ok)
        lo = hi
    cols["days_level6"] = sums.sum_or_null(aqi > 300, aqi_ok)
    good_max = int(spec["day_counts"]["good_day_max_aqi"])
    heavy_min = int(spec["day_counts"]["heavy_day_min_aqi_exclusive"])
    cols["good_days"] = sums.sum_or_null(aqi <= good_max, aqi_ok)
    cols["heavy_days"] = sums.sum_or_null(aqi > heavy_min, aqi_ok)
    for p in PRIMARY_CANDIDATES:
        if f"iaqi_{p}" not in daily.iaqi:
            continue
        v, ok = daily.iaqi[f"iaqi_{p}"]
        v, ok = v[keep], ok[keep]
        # (aqi > 50) AND (iaqi = aqi): NULL when the AQI is, or when it is > 50 and iaqi is NULL
        counted = aqi_ok & ((aqi <= 50) | ok)
        cols[f"primary_days_{p}"] = sums.sum_or_null((aqi > 50) & ok & (v == aqi), counted)
    if incomplete is not None:
        cols["aqi_incomplete_days"] = pa.array(sums(incomplete))
    # ---- per pollutant: valid days, months with enough days, mean, percentile
    v_spec = spec["validity"]
    need = np.where(np.arange(1, 13) == 2, int(v_spec["min_days_february"]),
                    int(v_spec["min_days_per_month"]))
    year_min = int(v_spec["min_days_per_year"])
    whole_rows = bool(keep.all())
    month_cell = group * 12 + (month - 1)
    for p in STAT_POLLUTANTS:
        x = daily.values[p] if whole_rows else daily.values[p][keep]
        if np.isinf(x).any():
            return None
        ok = ~np.isnan(x)
        n = sums(ok)
        per_month = np.bincount(month_cell, weights=ok, minlength=groups * 12
                                ).reshape(groups, 12)
        ok_months = (per_month >= need).sum(axis=1)
        valid = ok_months >= n_months
        if period == "year":
            valid &= n >= year_min
        scaled = np.floor(x * MEAN_SCALE + 0.5)  # NaN where missing
        if ok.any() and float(np.nanmax(np.abs(scaled))) >= 2.0 ** 47:
            return None
        ssum = sums(np.where(ok, scaled, 0.0).astype(np.int64))  # exact: |Σ| < 2⁴⁷ · 2¹⁵
        has = n > 0
        matrix = np.full(groups * width, np.nan)  # NaN (missing, or no such day) sorts last
        matrix[cell] = x
        matrix = np.sort(matrix.reshape(groups, width), axis=1)
        pp = int(spec["statistics"]["period"][p]["percentile"])
        num = (n - 1) * pp
        s = num // 100 + 1
        rows = np.arange(groups)
        xs = matrix[rows, np.clip(s - 1, 0, width - 1)]
        xs1 = np.where(s < n, matrix[rows, np.clip(s, 0, width - 1)], xs)
        frac = (num % 100).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = ssum.astype(np.float64) / MEAN_SCALE / n
            pval = xs + ((xs1 - xs) * frac) / 100.0
        cols[f"{p}_days"] = pa.array(n, pa.int64(), mask=~has)
        cols[f"{p}_valid"] = pa.array(valid.astype(np.int8), pa.int8(), mask=~has)
        if spec["statistics"]["period"][p]["mean"]:
            cols[f"{p}_mean_raw"] = pa.array(mean, pa.float64(), mask=~has)
        cols[f"{p}_p{pp}_raw"] = pa.array(pval, pa.float64(), mask=~has)
    return pa.table(cols)
