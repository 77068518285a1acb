"""The workspace's daily air values kept between runs, month by month (issue 23, part 4).

The indicators, the reports and the web compute the county town's daily values from the lake's
``air_hourly`` dataset (:func:`ecoplan.assess.indicators.county_town_daily`). Those daily values
change only when their input changes, so each month's station daily values
(:func:`ecoplan.standards.air_daily.daily_values`, the reference) are kept in
``$ECOPLAN_HOME/cache/air_daily`` (a cache beside the lake: never backed up, rebuilt when
deleted; ``ECOPLAN_AIR_DAILY_CACHE=off`` switches it off) under a key of everything they depend on:

* the lake files of the month's partition **and of the next month's** — the CNEMC day of the
  last day of a month ends with the hour labelled 00:00 of the 1st of the next month, which is
  stored in the next month's partition — by name, size and modification time: a new batch, a
  correction or a removed batch changes the key;
* the stations, the validity rules (GB 3095 Table 4, HJ 663 §6.1.2) and the reviewers' decisions
  in force on the month's hours (:meth:`ecoplan.store.engine.Analytics.reviewed_out`, which
  includes the data-audit decisions);
* the code and rule files the computation is derived from and the library versions
  (:func:`ecoplan.store.sql_cache.fingerprint`).

A re-run after a correction therefore recomputes only the months whose key changed (the month
of the corrected hours and the month before); the HJ 663 statistics are then computed from the
daily values (milliseconds for a county). The result is the table the whole computation gives
(``tests/reports/test_air_daily_cache.py``). DuckDB only; another engine computes every time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecoplan.assess import air_pipeline
from ecoplan.standards.air_daily import DailyRules, daily_values
from ecoplan.store import sql_cache
from ecoplan.store.engine import Analytics
from ecoplan.store.lake import TMP_PREFIX

CACHE_ENV = "ECOPLAN_AIR_DAILY_CACHE"
log = logging.getLogger(__name__)


@dataclass
class CachedDaily:
    """Station daily values of the months asked for, and which months were computed now."""

    table: ir.Table
    computed: list[tuple[int, int]] = field(default_factory=list)
    reused: list[tuple[int, int]] = field(default_factory=list)


def cache_folder(home: Path) -> Path | None:
    """Where the daily values are kept (None: switched off by ``ECOPLAN_AIR_DAILY_CACHE``)."""
    if os.environ.get(CACHE_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return None
    return home / "cache" / "air_daily"


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _partition_files(analytics: Analytics, year: int, month: int) -> list[Path]:
    folder = analytics.lake.dataset_dir("air_hourly") / f"year={year}" / f"month={month}"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(TMP_PREFIX))


def month_key(analytics: Analytics, year: int, month: int, stations: Sequence[str],
              rules: DailyRules, reviews: pd.DataFrame | None) -> str:
    """The key of a month's daily values (see the module docstring)."""
    h = hashlib.sha256()
    h.update(sql_cache.fingerprint().encode())
    h.update(repr((rules, sorted(stations))).encode())
    root = analytics.lake.root
    for y, m in ((year, month), _next(year, month)):
        for f in _partition_files(analytics, y, m):
            st = f.stat()
            h.update(f"{f.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    start, end = datetime(year, month, 1), datetime(*_next(year, month), 1)
    if reviews is not None and len(reviews):
        r = reviews.assign(timestamp=pd.to_datetime(reviews["timestamp"]))
        r = r[r["station_code"].astype(str).isin(set(stations))
              & (r["timestamp"] > start) & (r["timestamp"] <= end)]
        if len(r):  # only the decisions on this month's hours
            cols = sorted(r.columns)
            h.update(r[cols].astype(str).sort_values(cols).to_csv(index=False).encode())
    return h.hexdigest()


def station_daily(analytics: Analytics, home: Path, stations: Sequence[str], first_year: int,
                  last_year: int, rules: DailyRules) -> CachedDaily | None:
    """The station daily values of ``stations`` for the days of ``first_year``…``last_year``
    from the lake, each month read from the cache or computed and kept; None when the cache
    does not apply (switched off, not DuckDB, no stations)."""
    folder = cache_folder(home)
    if folder is None or analytics.engine != "duckdb" or not stations \
            or not analytics.lake.files("air_hourly"):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only home: computed every time, as without the cache
        log.info("air daily values not kept in %s: %s", folder, exc)
        return None
    reviews = analytics.reviewed_out()
    out = CachedDaily(table=None)  # type: ignore[arg-type]
    paths: dict[tuple[int, int], Path] = {}
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            key = month_key(analytics, year, month, stations, rules, reviews)
            path = folder / f"{year:04d}-{month:02d}-{key[:32]}.parquet"
            paths[year, month] = path
            (out.reused if path.exists() else out.computed).append((year, month))
    if out.computed:  # every month to compute in one query, then kept month by month
        try:
            _compute_months(analytics, {m: paths[m] for m in out.computed}, stations, rules)
        except OSError as exc:
            log.info("air daily values not kept in %s: %s", folder, exc)
            return None
    out.table = analytics.backend.read_parquet([str(p) for p in paths.values()])
    return out


def _compute_months(analytics: Analytics, paths: dict[tuple[int, int], Path],
                    stations: Sequence[str], rules: DailyRules) -> None:
    """Compute the station daily values of the months ``paths`` (hours labelled (1st 00:00,
    next 1st 00:00]) with the reference in one query and keep each month in its file
    (atomically: a killed run leaves no half file); older files of those months go."""
    t = analytics.table("air_hourly")
    window: Any = None
    for year, month in paths:
        start, end = datetime(year, month, 1), datetime(*_next(year, month), 1)
        inside = (t.timestamp > start) & (t.timestamp <= end)
        window = inside if window is None else window | inside
    t = t.filter(t.station_code.isin(list(stations)), window)
    hourly = air_pipeline.hourly_table(analytics, t)  # reviewers' decisions applied
    table: Any = analytics.backend.to_pyarrow(daily_values(hourly, rules=rules))
    dates = table.column("date")
    years, months = pc.year(dates), pc.month(dates)
    for (year, month), path in paths.items():
        part = table.filter(pc.and_(pc.equal(years, year), pc.equal(months, month)))
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".parquet", dir=path.parent)
        os.close(fd)
        try:
            pq.write_table(part, tmp)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in path.parent.glob(f"{year:04d}-{month:02d}-*.parquet"):
            if old != path:  # a stale key of the same month
                old.unlink(missing_ok=True)
