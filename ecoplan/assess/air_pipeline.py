"""Air-quality pipeline: hourly → daily values and AQI → HJ 663 period statistics, on one engine.

The rules are the Ibis functions of :mod:`ecoplan.standards.air_daily` and
:mod:`ecoplan.standards.air_period`; this module only decides where the data come from (a lake
dataset, a file, a DataFrame), which engine runs them (DuckDB by default, PySpark for scale-out,
through :class:`ecoplan.store.engine.Analytics` or a bare Ibis backend); the daily table is
materialised once by :func:`ecoplan.store.engine.materialise` and reused by every statistic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from ecoplan.errors import StandardError
from ecoplan.nomenclature import AIR_POLLUTANTS
from ecoplan.standards.air_daily import DailyRules, daily_aqi, daily_values
from ecoplan.standards.air_period import (
    check_dust_convention,
    city_daily,
    city_o3_series_max,
    period_figures,
    period_statistics,
    rank_by_composite,
)
from ecoplan.standards.air_rules import SWITCH_DATE
from ecoplan.standards.air_stations import select_stations, station_set_summary
from ecoplan.standards.hj212_flags import INVALID_SOURCE_FLAGS
from ecoplan.store import air_kernel, sql_cache
from ecoplan.store.engine import Analytics, backend_of, connect, materialise
from ecoplan.store.lake import Lake
from ecoplan.store.models import Station
from ecoplan.store.workspace import Workspace

HOURLY_COLUMNS = ("station_code", "timestamp", *AIR_POLLUTANTS)


def _execute(analytics: Analytics | Any, expr: ir.Expr) -> pd.DataFrame:
    return backend_of(analytics).execute(expr)


def _invalid_flag_pattern() -> str:
    codes = "|".join(re.escape(c) for c in sorted(INVALID_SOURCE_FLAGS))
    return f"(?:^|,)(?:{codes})(?:,|$)"  # non-capturing: no pandas warning, same in RE2/Java


def without_invalid_values(t: ir.Table, reviews: pd.DataFrame | None = None) -> ir.Table:
    """Null every pollutant value whose ``<pollutant>_flag`` carries an invalid source flag,
    and every value a reviewer's judgement in force leaves out (``reviews``: rows of
    station_code, timestamp, parameter — :func:`ecoplan.store.reviewed_flags.excluded_values`).

    HJ 212 flags F, M, S, D, C, B (and 2005 P / 2) mark an instrument fault, maintenance,
    manual entry, calibration or power failure: such values are stored with their flag but are
    not measurements, so no statistic counts them; nor one a reviewer marked invalid.
    """
    pattern = _invalid_flag_pattern()
    changes = {
        p: ibis.ifelse(t[f"{p}_flag"].notnull() & t[f"{p}_flag"].re_search(pattern),
                       ibis.null().cast(t[p].type()), t[p])
        for p in HOURLY_COLUMNS[2:]
        if p in t.columns and f"{p}_flag" in t.columns
    }
    t = t.mutate(**changes) if changes else t
    return _without_reviewed(t, reviews)


def _review_marks(reviews: pd.DataFrame | None, pollutants: list[str]) -> pd.DataFrame | None:
    """Reviewer exclusions as one row per (station, hour) with a boolean ``_rv_<p>`` per
    pollutant (None when nothing applies)."""
    if reviews is None or not len(reviews) or not pollutants:
        return None
    r = reviews[reviews["parameter"].isin(pollutants)]
    if not len(r):
        return None
    r = r.assign(station_code=r["station_code"].astype(str),
                 timestamp=pd.to_datetime(r["timestamp"]).astype("datetime64[us]"), hit=True)
    wide = (r.pivot_table(index=["station_code", "timestamp"], columns="parameter",
                          values="hit", aggfunc="any", fill_value=False)
            .reindex(columns=pollutants, fill_value=False).eq(True))
    wide.columns = [f"_rv_{p}" for p in wide.columns]
    return wide.reset_index()


def _without_reviewed(t: ir.Table, reviews: pd.DataFrame | None) -> ir.Table:
    pollutants = [p for p in HOURLY_COLUMNS[2:] if p in t.columns]
    marks = _review_marks(reviews, pollutants)
    if marks is None or "station_code" not in t.columns or "timestamp" not in t.columns:
        return t
    m = ibis.memtable(_arrow(marks))
    m = m.mutate(station_code=m.station_code.cast(t.station_code.type()),
                 timestamp=m.timestamp.cast(t.timestamp.type()))
    j = t.left_join(m, ["station_code", "timestamp"])
    out = {c: j[c] for c in t.columns}
    for p in pollutants:
        out[p] = ibis.ifelse(j[f"_rv_{p}"].fill_null(False), ibis.null().cast(t[p].type()), j[p])
    return j.select(**out)


def drop_invalid_values(frame: pd.DataFrame, reviews: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """:func:`without_invalid_values` for a pandas frame: the same Ibis rule, run by an
    in-process DuckDB; ``frame``'s invalid pollutant values become NaN in place (rows, order,
    other columns and dtypes unchanged) and the frame is returned."""
    pollutants = [p for p in HOURLY_COLUMNS[2:] if p in frame.columns]
    if not pollutants or frame.empty:
        return frame
    t = ibis.memtable(frame.assign(_row=np.arange(len(frame))))
    out = connect("duckdb").execute(without_invalid_values(t, reviews).order_by("_row"))
    for p in pollutants:
        frame[p] = pd.to_numeric(out[p], errors="coerce").to_numpy(dtype="float64")
    return frame


def hourly_table(analytics: Any, source: str | Path | pd.DataFrame | ir.Table,
                 name: str = "air_hourly_input", *,
                 reviews: pd.DataFrame | None = None) -> ir.Table:
    """The canonical hourly table as an Ibis table: a lake dataset, a Parquet file or a frame.

    Values flagged invalid at the source or by a reviewer (:func:`without_invalid_values`) are
    nulled. A lake dataset or an Ibis table read through a workspace's :class:`Analytics` gets
    that workspace's reviewer flags (:attr:`Analytics.reviewed_flags`); a frame or a file, or a
    bare Ibis backend, takes them as ``reviews``."""
    if (reviews is None and isinstance(analytics, Analytics)
            and isinstance(source, (ir.Table, str)) and not isinstance(source, Path)):
        reviews = analytics.reviewed_out()
    if isinstance(source, ir.Table):
        return without_invalid_values(source, reviews)
    if isinstance(source, pd.DataFrame):
        source = drop_invalid_values(source.copy(), reviews)
        frame = source[[c for c in HOURLY_COLUMNS if c in source.columns]].copy()
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        for p in HOURLY_COLUMNS[2:]:
            frame[p] = pd.to_numeric(frame[p], errors="coerce").astype("float64")
        return ibis.memtable(_arrow(frame))
    path = Path(str(source))
    if path.suffix == ".parquet" or path.is_dir():
        t = backend_of(analytics).read_parquet(str(path))
        return without_invalid_values(t, reviews).select(*HOURLY_COLUMNS)
    if hasattr(analytics, "table"):
        return without_invalid_values(analytics.table(str(source)),
                                      reviews).select(*HOURLY_COLUMNS)
    raise FileNotFoundError(str(source))


def _arrow(frame: pd.DataFrame) -> Any:
    """A frame as Arrow with NaN → null (memtables run on every engine without a warehouse)."""
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def _resolve_ruleset(t: ir.Table, ruleset: str, analytics: Any, column: str = "date") -> str:
    """``auto`` becomes a fixed rule set when every day lies on one side of 2026-03-01."""
    if ruleset != "auto":
        return ruleset

    scanned = air_kernel.source_of(t) if column == "timestamp" else None
    if scanned is not None and scanned.stations is None and scanned.after is None \
            and scanned.until is None:  # the scan already found the file's time range
        lo, hi = scanned.first, scanned.last
    else:
        bounds = _execute(analytics, t.aggregate(lo=t[column].min(), hi=t[column].max()))
        lo, hi = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
    if pd.isna(lo):
        return "2012"
    shift = pd.Timedelta(hours=1) if column == "timestamp" else pd.Timedelta(0)
    if (pd.Timestamp(hi) - shift).date() < SWITCH_DATE:
        return "2012"
    if (pd.Timestamp(lo) - shift).date() >= SWITCH_DATE:
        return "2026"
    return "auto"


def daily_table(analytics: Any, hourly: ir.Table, *, ruleset: str = "auto",
                include_o3_1h: bool | None = None, rules: DailyRules | None = None,
                dust: pd.DataFrame | None = None, dust_convention: str = "none",
                stations: pd.DataFrame | None = None, by: str = "station",
                station_set: str = "assessment", city_o3: str = "site_max_mean",
                cache: bool = True, kernel: bool = True,
                station_daily: ir.Table | None = None) -> ir.Table:
    """Daily values with daily AQI per station (or per city with ``by="city"``), cached.

    ``dust`` is a frame of (``date`` [, ``station_code`` or ``city``], ``dust``) flags; they
    become the ``dust`` column the period statistics deduct by ``dust_convention``; only the
    legacy ``recompute`` convention removes the PM10/PM2.5 values of flagged days before the AQI
    (环办监测〔2016〕120号). ``stations`` maps ``station_code`` to ``city`` for ``by="city"``;
    ``station_set`` chooses the stations averaged (``assessment``: HJ 664 assessment types only,
    环办〔2014〕64号 三(一); ``all``); ``city_o3`` the city O3 8-h method (``hj663-2013.yaml``).
    ``kernel=False`` keeps the store from computing the daily values with its compiled kernel
    (:mod:`ecoplan.store.air_kernel`; same results) — for benchmarks and parity tests.
    ``station_daily``: the station daily values of ``hourly`` already computed (by the same
    ``rules``; :mod:`ecoplan.assess.air_daily_cache` keeps them between runs).
    """
    check_dust_convention(dust_convention)
    rules = rules or DailyRules.for_ruleset("2012" if ruleset == "auto" else ruleset)
    rs = _resolve_ruleset(hourly, ruleset, analytics, column="timestamp")
    dusty = dust is not None and len(dust) > 0 and dust_convention != "none"
    # the store may compute a scanned Parquet file's daily values with its compiled kernel —
    # per station without dust flags, with the daily AQI too (the same table as below)
    d = station_daily if station_daily is not None else air_kernel.daily_values(
        backend_of(analytics), hourly, rules, aqi=(
            rs, include_o3_1h) if by == "station" and not dusty else None) if kernel else None
    if d is not None and "aqi" in d.columns:
        return d
    kernel = d is not None and station_daily is None
    if d is None:
        d = daily_values(hourly, rules=rules)
    key = "station_code"
    if by == "city":
        if stations is None:
            raise ValueError("stations table needed for by='city'")
        used = select_stations(stations, station_set)
        st = ibis.memtable(_arrow(used[["station_code", "city"]].drop_duplicates().astype(str)))
        d = city_daily(d, st, key="city")
        if city_o3 == "city_series_max":
            series = city_o3_series_max(hourly, st, key="city", rules=rules)
            j = d.left_join(series, ["city", "date"])
            d = j.mutate(o3_8h=j.o3_8h_city_series).drop(
                "o3_8h_city_series", *[c for c in j.columns if c.endswith("_right")])
        elif city_o3 != "site_max_mean":
            raise StandardError(f"未知的城市臭氧方法：{city_o3}", f"Unknown city O3 method: {city_o3}")
        key = "city"
    if dusty:
        assert dust is not None
        flags = dust.copy()
        flags["date"] = pd.to_datetime(flags["date"]).dt.date
        flags = flags[flags["dust"].astype(bool)]
        # a row naming the station/city flags that one; a row without (blank) flags every key
        if key in flags.columns:
            blank = flags[key].isna() | (flags[key].astype(str).str.strip() == "")
            groups = [(["date", key], flags[~blank]), (["date"], flags[blank])]
        else:
            groups = [(["date"], flags)]
        hit: Any = ibis.literal(False)
        for i, (keys, part) in enumerate(groups):
            if not len(part):
                continue
            mark = f"_dust{i}"
            ft = ibis.memtable(_arrow(part[keys].drop_duplicates().astype(
                {k: str for k in keys if k != "date"}).assign(**{mark: True})))
            j = d.left_join(ft, keys)
            d = j.drop(*[f"{k}_right" for k in keys if f"{k}_right" in j.columns])
            hit = hit | d[mark].fill_null(False)
        d = d.mutate(dust=hit).drop(*[c for c in d.columns if c.startswith("_dust")])
        if dust_convention == "recompute":
            d = d.mutate(pm10=ibis.ifelse(d.dust, ibis.null("float64"), d.pm10),
                         pm25=ibis.ifelse(d.dust, ibis.null("float64"), d.pm25))
    daily = d

    def build() -> ir.Table:
        return daily_aqi(daily, ruleset=rs, include_o3_1h=include_o3_1h, key=key)

    if cache and by == "station" and "dust" not in d.columns:  # no frames joined in
        return sql_cache.table(backend_of(analytics), (
            "daily_table", "kernel" if kernel else "reference", rules, rs, include_o3_1h),
            [d if kernel else hourly], build)
    out = build()
    return materialise(analytics, out) if cache else out




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


def _period_end(period: str, label: str, end: date | None) -> date:
    """Last day of a period row (year, quarter, month label; a range's end)."""
    if period == "range" and end is not None:
        return end
    if period == "year":
        return date(int(label), 12, 31)
    if period == "quarter":
        y, q = label.split("-Q")
        month = int(q) * 3
    else:
        y, m = label.split("-")
        month = int(m)
    nxt = date(int(y) + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def run_period_stats(analytics: Any, table_or_dataset: str | Path | pd.DataFrame | ir.Table,
                     ruleset: str = "auto", *, period: str = "year", by: str = "station",
                     start: date | None = None, end: date | None = None,
                     stations: pd.DataFrame | None = None, dust: pd.DataFrame | None = None,
                     dust_convention: str = "none", include_o3_1h: bool | None = None,
                     composite: str = "2014", daily: ir.Table | None = None,
                     station_set: str = "assessment", city_o3: str = "site_max_mean",
                     incomplete_days: str = "count", composite_inputs: str = "raw",
                     kernel: bool = True) -> pd.DataFrame:
    """HJ 663 statistics per station or city and period, ranked by composite index.

    Every row says how it was computed: ``ruleset`` (rules of the daily AQI), ``limits_ruleset``
    (GB 3095 limits of the exceedance multiples: those in force on the period's last day; a
    period spanning 2026-03-01 also gets ``alt_limits_ruleset`` and ``alt_exceedance_multiple_*``
    against the other rule set), ``dust_convention``, ``station_set``, ``city_o3``,
    ``incomplete_days``, ``composite_inputs``; by city also ``stations_used``/``n_stations``.
    ``kernel=False`` keeps the store's compiled and array forms out (the Ibis reference runs
    throughout; same results) — for benchmarks and parity tests.
    """
    key = "city" if by == "city" else "station_code"
    if daily is None:
        hourly = hourly_table(analytics, table_or_dataset)
        daily = daily_table(analytics, hourly, ruleset=ruleset, include_o3_1h=include_o3_1h,
                            stations=stations, by=by, dust=dust, dust_convention=dust_convention,
                            station_set=station_set, city_o3=city_o3, kernel=kernel)
    stat_rules = "2012" if ruleset == "auto" else ruleset
    mixed = False
    if ruleset == "auto":
        resolved = _resolve_ruleset(daily, "auto", analytics)
        stat_rules = "2026" if resolved == "2026" else "2012"
        mixed = resolved == "auto"
    agg_opts: dict[str, Any] = dict(period=period, start=start, end=end,
                                    dust_convention=dust_convention,
                                    incomplete_days=incomplete_days)
    fig_opts: dict[str, Any] = dict(composite=composite, composite_inputs=composite_inputs)
    # the store may aggregate the daily rows with its array form (same table as the reference)
    aggregates = air_kernel.period_aggregates(backend_of(analytics), daily, key=key,
                                              **agg_opts) if kernel else None

    def statistics(rules: str, ranked: bool) -> pd.DataFrame:
        def build() -> ir.Table:
            stats = period_statistics(daily, ruleset=rules, key=key, **agg_opts, **fig_opts) \
                if aggregates is None else period_figures(aggregates, ruleset=rules, **fig_opts)
            return (rank_by_composite(stats, key=key) if ranked else stats).order_by(
                ["period", key])
        step = "period_statistics" if aggregates is None else "period_figures"
        return sql_cache.frame(backend_of(analytics), (
            step, rules, ranked, key, sorted(agg_opts.items()), sorted(fig_opts.items())),
            [daily if aggregates is None else aggregates], build)

    out = statistics(stat_rules, True)
    out.insert(2, "ruleset", "auto" if mixed else stat_rules)
    out.insert(3, "limits_ruleset", stat_rules)
    if mixed:  # GB 3095-2026 from 2026-03-01: the limits in force on the period's last day
        other = statistics("2026", False)
        exc = [c for c in out.columns if c.startswith("exceedance_multiple_")]
        starts = pd.to_datetime(out["period_start"]).dt.date
        ends = [_period_end(period, str(lbl), end) for lbl in out["period"]]
        use26 = pd.Series([e >= SWITCH_DATE for e in ends], index=out.index)
        spans = pd.Series([s0 < SWITCH_DATE <= e for s0, e in zip(starts, ends, strict=True)],
                          index=out.index)
        other = other.set_index(out.index)
        base = out[exc].copy()
        for c in exc:
            out[c] = other[c].where(use26, base[c])
            out[f"alt_{c}"] = base[c].where(use26, other[c]).where(spans)
        out["limits_ruleset"] = use26.map({True: "2026", False: "2012"})
        out["alt_limits_ruleset"] = use26.map({True: "2012", False: "2026"}).where(spans)
    # a period with neither a valid daily AQI nor a valid daily value (e.g. the 2018-12-31 CNEMC
    # day made of the single row labelled 2019-01-01 00:00) is not reported
    day_cols = [c for c in out.columns if c.endswith("_days") and c != "valid_days"
                and not c.startswith(("good", "heavy", "primary", "dust", "aqi_incomplete"))]
    has_data = out["valid_days"].fillna(0).gt(0) | out[day_cols].fillna(0).gt(0).any(axis=1)
    out = out[has_data].reset_index(drop=True)
    out["composite_rank"] = out["composite_rank"].astype("Int64")
    settings = {"dust_convention": dust_convention, "station_set": station_set if by == "city"
                else None, "city_o3": city_o3 if by == "city" else None,
                "incomplete_days": incomplete_days, "composite_inputs": composite_inputs}
    for i, (name, value) in enumerate(settings.items(), start=4):
        out.insert(i, name, value)
    if by == "city" and stations is not None:
        used = station_set_summary(select_stations(stations, station_set), "city")
        out = out.merge(used, on="city", how="left")
    return out


def lake_hours(lake: Lake, reviews: pd.DataFrame | None, *, stations: Sequence[str] | None = None,
               lo: datetime | None = None, hi: datetime | None = None) -> pd.DataFrame:
    """The lake's ``air_hourly`` rows as a pandas frame (of ``stations``, hours in (lo, hi]),
    invalid values nulled (:func:`drop_invalid_values`), columns :data:`HOURLY_COLUMNS` — the one
    pandas reader of the dataset (:func:`hourly_table` is the Ibis one)."""
    table = lake.read_arrow("air_hourly")
    if stations is not None:
        table = table.filter(pc.is_in(table["station_code"], value_set=pa.array(list(stations))))
    frame = table.to_pandas()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    if lo is not None:
        frame = frame[frame["timestamp"] > pd.Timestamp(lo)]
    if hi is not None:
        frame = frame[frame["timestamp"] <= pd.Timestamp(hi)]
    frame = drop_invalid_values(frame.copy(), reviews)
    return frame[[c for c in HOURLY_COLUMNS if c in frame.columns]].reset_index(drop=True)


def _station_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """station_code, city, name and station_type (when known) of an hourly frame's stations."""
    cols = [c for c in ("station_code", "city", "station_name", "station_type")
            if c in frame.columns]
    out = frame[cols].drop_duplicates("station_code").rename(columns={"station_name": "name"})
    return out.reset_index(drop=True)



def _ingested_year(workspace: Workspace, year: int) -> pd.DataFrame:
    """The ingested hourly rows of ``year`` (the lake's ``air_hourly``) with each station's city."""
    frame = lake_hours(workspace.lake, workspace.reviewed_flags.excluded())
    frame = frame[frame["timestamp"].dt.year == year]
    with workspace.session() as s:
        cities = pd.DataFrame(
            s.execute(select(Station.code, Station.city, Station.name, Station.station_type)
                      .order_by(Station.code)).all(),
            columns=["station_code", "city", "station_name", "station_type"],
        ).dropna(subset=["city"])
    return frame.merge(cities, on="station_code", how="inner")


def compute_air_statistics(workspace: Workspace | None = None, *, engine: str | None = None,
                           output_dir: Path | None = None) -> dict[str, Any]:
    """Demo step: HJ 663 annual statistics of the real Shanxi 2019 year, per city and station.

    Reads ``sample_data/realdata/shanxi_hourly_2019.csv.gz``, computes the 2019 statistics per
    city (ranked by composite index) and per Lüliang station on the workspace's engine, writes
    ``air_stats_2019_cities.csv`` / ``air_stats_2019_lvliang_stations.csv`` to the workspace's
    reports folder (or ``output_dir``) and returns a summary.
    """
    from ecoplan.sample_data import sample_path  # deferred: sample data only when asked for

    if workspace is not None and engine is None:
        engine = workspace.settings.engine
    if output_dir is None and workspace is not None:
        output_dir = Path(workspace.settings.reports_dir)
    con = connect(engine or "duckdb")  # type: ignore[arg-type]
    if workspace is not None and workspace.lake.files("air_hourly"):
        frame = _ingested_year(workspace, 2019)
    else:
        frame = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                            parse_dates=["timestamp"], dtype={"station_code": str})
    stations = _station_frame(frame)
    cities = run_period_stats(con, frame, "auto", period="year", by="city", stations=stations)
    lv = run_period_stats(con, frame[frame.city == "吕梁市"], "auto", period="year")
    written: list[str] = []
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, table in (("air_stats_2019_cities.csv", cities),
                            ("air_stats_2019_lvliang_stations.csv", lv)):
            table.to_csv(output_dir / name, index=False, encoding="utf-8-sig")
            written.append(str(output_dir / name))
    row = cities.set_index("city").loc["吕梁市"]
    return {
        "engine": engine or "duckdb",
        "cities": int(len(cities)),
        "lvliang": {
            "pm25_mean": float(row["pm25_mean"]),
            "good_day_ratio": float(row["good_day_ratio"]),
            "heavy_day_ratio": float(row["heavy_day_ratio"]),
            "composite_index": float(row["composite_index"]),
            "composite_rank": int(row["composite_rank"]),
            "valid_days": int(row["valid_days"]),
        },
        "ranking": cities.sort_values("composite_rank")[["city", "composite_index"]]
        .to_dict("records"),
        "files": written,
    }
