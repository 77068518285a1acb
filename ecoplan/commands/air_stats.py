"""``ecoplan air daily|stats|warn`` and ``ecoplan bench air``.

The commands are registered on the ``air`` group of :mod:`ecoplan.commands.air` and on the
``bench`` group of :mod:`ecoplan.commands.bench` (see :func:`register`).
"""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.commands.air import JsonOpt, RulesOpt, problem_lines_of, warn
from ecoplan.commands.air import app as air_app
from ecoplan.commands.analysis_input import CityOpt, FromLakeOpt, FromOpt, StationOpt, ToOpt
from ecoplan.commands.bench import app as bench_app
from ecoplan.commands.spark_options import MasterOpt, engine_name, spark_hourly
from ecoplan.console import emit_json, info, ok, print_table
from ecoplan.errors import EcoplanError, InputFileError, Location
from ecoplan.i18n import tr
from ecoplan.nomenclature import AIR_POLLUTANTS

if TYPE_CHECKING:
    from ecoplan.store.workspace import Workspace


def _engine_callback(value: str) -> str:
    return engine_name(value) or "duckdb"  # `spark` is another name for `pyspark`


EngineOpt = Annotated[str, typer.Option(
    "--engine", help="计算引擎：duckdb（默认）或 spark（pyspark；--master 选集群）/ analytics "
    "engine: duckdb or spark (pyspark; --master for a cluster)",
    callback=_engine_callback)]
OutputOpt = Annotated[Path | None, typer.Option(
    "-o", "--output", help="输出文件：.xlsx（Excel 工作簿，中文表头，--lang en 英文）或 .csv（UTF-8 "
    "带 BOM）/ output file: .xlsx workbook (Chinese headers; --lang en English) or .csv (UTF-8 with "
    "BOM)")]
O3OneHourOpt = Annotated[bool | None, typer.Option(
    "--o3-1h/--no-o3-1h",
    help="日 AQI 计入臭氧日最大1小时平均（2012 规则；默认按发布数据：不计入）/ include the O3 "
    "daily max 1-h in the daily AQI (2012 rules; default as published: no)")]


class AirInputError(InputFileError):
    """An air statistics input file cannot be used."""


def _header(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:  # type: ignore[operator]
        return next(csv.reader(fh), [])


def _is_daily_table(path: Path) -> bool:
    """A table of daily values (``date,site,PM2.5,…,O3_8h``) rather than hourly data."""
    from ecoplan.standards.air_daily_aqi import canonical_daily_columns

    mapped = set(canonical_daily_columns(_header(path)).values())
    return {"date", "o3_8h"} <= mapped


def _read_hourly(path: Path) -> tuple[Any, list[Any]]:
    from ecoplan.ingest.readers.air import read_air_file

    if not path.exists():
        raise AirInputError(f"文件不存在：{path}", f"File not found: {path}",
                            location=Location(file=str(path)))
    frame = read_air_file(path)
    problems = list(frame.attrs.get("problems", []))
    data = frame[["station_code", "timestamp", *AIR_POLLUTANTS]].copy()
    data.attrs = {}
    data["station_code"] = data["station_code"].astype(str)
    return data, problems


def _station_cities(path: Path, stations: Path | None) -> Any:
    """station_code → city (+ name, station type when given) from ``--stations`` or the input.

    Station types come from the table's type column when it has one, else from the bundled
    registry (``ecoplan/ingest/data/registry/stations_shanxi_2019.csv``) for its stations, else
    from the name's marker ("(对照点)") — :func:`ecoplan.standards.air_stations.select_stations`.
    """
    import pandas as pd

    source = stations or path
    cols = _header(source)
    code = next((c for c in cols if c in ("station_code", "监测点编码", "stationcode", "code")),
                None)
    city = next((c for c in cols if c in ("city", "城市", "area")), None)
    name = next((c for c in cols if c in ("station_name", "name", "监测点名称", "站点名称")), None)
    kind = next((c for c in cols if c in ("station_type", "点位类型", "站点性质")), None)
    if code is None or city is None:
        raise AirInputError(
            "按城市统计需要站点与城市的对应表（--stations，含 监测点编码、城市 列）",
            "Statistics by city need a station → city table (--stations with station code "
            "and city columns)", location=Location(file=str(source), field="city"))
    use = [c for c in (code, city, name, kind) if c is not None]
    if source.suffix == ".parquet":
        frame = pd.read_parquet(source, columns=use)
    else:
        frame = pd.read_csv(source, usecols=use, dtype=str)
    frame = frame.rename(columns={code: "station_code", city: "city", **(
        {name: "name"} if name else {}), **({kind: "station_type"} if kind else {})})
    frame = frame.dropna(subset=["station_code", "city"]).drop_duplicates("station_code")
    return _station_types(frame)


def _station_types(frame: Any) -> Any:
    """Station types from the bundled registry where the table gives none."""
    import pandas as pd

    from ecoplan.ingest.registry import DATA_DIR

    if "station_type" not in frame.columns:
        bundled = pd.read_csv(DATA_DIR / "stations_shanxi_2019.csv", comment="#", dtype=str)
        known = dict(zip(bundled["code"], bundled["station_type"], strict=True))
        frame["station_type"] = frame["station_code"].map(known)
    return frame.reset_index(drop=True)


def _connect(engine: str) -> Any:
    from ecoplan.store.engine import connect

    return connect(engine)  # type: ignore[arg-type]


def _csv_ready(frame: Any) -> Any:
    out = frame.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime"):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


@dataclass
class HourlySource:
    """Hourly data for a command: a filtered frame read from a file or a lake table."""

    analytics: Any
    data: Any
    problems: list[Any]
    lake: bool
    ws: Workspace | None
    description: str
    #: station → city of the input file, found by Spark's executors (None: read it as before)
    stations: Any = None


def hourly_source(input_file: Path | None, from_lake: bool, stations: list[str] | None,
                  city: str | None, start: str | None, end: str | None,
                  engine: str) -> HourlySource:
    """The hourly data of ``air daily|stats`` (and ``air aqi``): a file, or the workspace's
    lake read as the assessment reads it."""
    from ecoplan.commands import analysis_input as ai

    if ai.wants_lake(input_file, from_lake, ai.AIR_DATASETS):
        ws = ai.workspace()
        f = ai.filters(ws, "station", stations, city, start, end)
        an = ws.analytics_on("pyspark") if engine == "pyspark" else ws.analytics
        return HourlySource(an, ai.lake_hourly(ws, f, an), [], True, ws,
                            ai.describe_source(None, True, f))
    ai.need_input(input_file)
    assert input_file is not None
    ws = ai.optional_workspace() if (stations or city) else None
    f = ai.filters(ws, "station", stations, city, start, end)
    if engine == "pyspark":  # the executors read the file; it never passes through here
        read = spark_hourly(input_file, f)
        if read is not None:
            backend, table, problems, found = read
            return HourlySource(backend, table, problems, False, ws,
                                ai.describe_source(input_file, False, f), found)
    if engine == "duckdb":  # a canonical Parquet file is scanned by the engine, no frame
        from ecoplan.ingest.readers.air_scan import scan_hourly

        con = _connect(engine)
        table = scan_hourly(con, input_file, stations=f.stations, start=f.start, end=f.end)
        if table is not None:
            return HourlySource(con, table, [], False, ws,
                                ai.describe_source(input_file, False, f))
    frame, problems = _read_hourly(input_file)
    return HourlySource(_connect(engine), ai.filter_hourly_frame(frame, f), problems, False, ws,
                        ai.describe_source(input_file, False, f))


def _registry_cities(ws: Workspace) -> Any:
    import pandas as pd
    from sqlalchemy import select

    from ecoplan.store.db import session_scope
    from ecoplan.store.models import Station

    with session_scope(ws.engine) as s:
        rows = s.execute(select(Station.code, Station.city, Station.name,
                                Station.station_type)).all()
    return pd.DataFrame([tuple(r) for r in rows if r[1]],
                        columns=["station_code", "city", "name", "station_type"])


# --------------------------------------------------------------------------- air daily
@air_app.command("daily")
def daily_command(
    input_file: Annotated[Path | None, typer.Argument(
        help="小时数据（CNEMC 文件或标准小时表 CSV/Parquet/XLSX）或日数据表（date,site,PM2.5,…,O3_8h）；"
        "省略或写 air_hourly 并加 --from-lake 则用工作区数据 / hourly data or a daily-values "
        "table; omit it (or air_hourly) with --from-lake for the workspace's data")] = None,
    output: OutputOpt = None,
    rules: RulesOpt = "auto",
    engine: EngineOpt = "duckdb",
    master: MasterOpt = None,
    o3_1h: O3OneHourOpt = None,
    from_lake: FromLakeOpt = False,
    station: StationOpt = None,
    city: CityOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """日评价：日均值（GB 3095 有效性）、臭氧日最大8小时、日 AQI / daily values and daily AQI."""
    import pandas as pd

    from ecoplan.assess.air_pipeline import run_daily
    from ecoplan.console import progress
    from ecoplan.reports.tables import prepare, title, write_tables

    problems: list[Any] = []
    with progress() as bar:
        task = bar.add_task(tr("计算日评价", "Computing daily values"), total=2)
        if input_file is not None and input_file.exists() and not from_lake \
                and _is_daily_table(input_file):
            out = _daily_from_table(_connect(engine), input_file, rules, o3_1h)
            mode, source = "daily_table", str(input_file)
            bar.advance(task)
        else:
            src = hourly_source(input_file, from_lake, station, city, date_from, date_to, engine)
            problems, source = src.problems, src.description
            bar.advance(task)
            out = run_daily(src.analytics, src.data, rules, include_o3_1h=o3_1h)
            mode = "lake" if src.lake else "hourly"
        bar.advance(task)
    out, dropped = _without_empty_days(out)
    if output is not None:
        write_tables(output, {tr("日评价", "daily"): out})
    summary = {
        "input": source, "mode": mode, "output": str(output) if output else None,
        "rows": int(len(out)), "engine": engine, "days_without_data": dropped,
        "with_aqi": int(out["aqi"].notna().sum()),
        "categories": {str(k): int(v) for k, v in out["category"].value_counts().items()},
        "problems": [p.as_dict() for p in problems],
    }
    if as_json:
        if output is None:
            rec = prepare(out)
            summary["records"] = rec.astype(object).where(pd.notna(rec), None).to_dict("records")
        emit_json(summary)
        return
    problem_lines_of(problems)
    if dropped:
        warn(tr(f"{dropped} 个站日没有任何有效日均值（小时数不足），未输出",
                f"{dropped} station-days without any valid daily value (too few hours) left out"))
    if output is None:
        site = "station_code" if "station_code" in out.columns else "site"
        head = prepare(out[[site, "date", "aqi", "primary_pollutants", "category"]].head(20))
        print_table(tr("日 AQI（前 20 行）", "Daily AQI (first 20 rows)"),
                    [title(c) for c in head.columns],
                    head.astype(object).where(head.notna(), None).itertuples(index=False))
    ok(f"{summary['rows']} 个站日，{summary['with_aqi']} 个有日 AQI（{source}）"
       + (f"；已写入 {output}" if output else ""),
       f"{summary['rows']} station-days, {summary['with_aqi']} with a daily AQI ({source})"
       + (f"; written to {output}" if output else ""))


def _without_empty_days(out: Any) -> tuple[Any, int]:
    """Leave out station-days with neither a daily AQI nor any valid daily value (the CNEMC day
    2018-12-31 made of the single hour labelled 2019-01-01 00:00)."""
    values = [c for c in ("aqi", "pm25", "pm10", "so2", "no2", "co", "o3_8h") if c in out.columns]
    has = out[values].notna().any(axis=1)
    return out[has].reset_index(drop=True), int((~has).sum())


def _daily_from_table(con: Any, path: Path, rules: str, o3_1h: bool | None) -> Any:
    """Daily AQI of a published daily-values table (air-A's :func:`daily_aqi_table`)."""
    import pandas as pd

    from ecoplan.standards.air_daily_aqi import canonical_daily_columns, daily_aqi_table

    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    mapping = canonical_daily_columns(frame.columns)
    frame = frame.rename(columns=mapping)[list(mapping.values())]
    if "site" not in frame.columns:
        frame["site"] = path.stem
    for row, value in enumerate(frame["date"], start=2):
        if pd.isna(pd.to_datetime(value, errors="coerce")):
            raise AirInputError(f"日期无法识别：{value!r}", f"Unrecognised date: {value!r}",
                                location=Location(file=str(path), row=row, field="date"))
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["site"] = frame["site"].astype(str)
    for col in frame.columns:
        if col not in ("date", "site"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    import ibis
    import pyarrow as pa

    t = ibis.memtable(pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False))
    return con.execute(daily_aqi_table(t, rules, include_o3_1h=o3_1h).order_by(["site", "date"]))


# --------------------------------------------------------------------------- air stats
@air_app.command("stats")
def stats_command(
    input_file: Annotated[Path | None, typer.Argument(
        help="小时数据（CNEMC 文件或标准小时表 CSV/Parquet/XLSX）；省略并加 --from-lake 则用工作区数据 / "
        "hourly data file; omit it with --from-lake for the workspace's data")] = None,
    period: Annotated[str, typer.Option(
        "--period", help="统计时段 year|quarter|month|range / period")] = "year",
    by: Annotated[str, typer.Option(
        "--by", help="按站点或城市（县城区）统计 station|city / per station or city")] = "station",
    start: Annotated[str | None, typer.Option(
        "--start", help="range 的起始日期 YYYY-MM-DD / first day of a range")] = None,
    end: Annotated[str | None, typer.Option(
        "--end", help="range 的结束日期 YYYY-MM-DD / last day of a range")] = None,
    stations: Annotated[Path | None, typer.Option(
        "--stations", help="站点—城市对应表（CNEMC 站点列表）/ station → city table")] = None,
    dust: Annotated[Path | None, typer.Option(
        "--dust", help="沙尘日标记 CSV（date[,station_code|city],dust）/ dust-day flags")] = None,
    dust_convention: Annotated[str, typer.Option(
        "--dust-convention",
        help="沙尘扣除口径 none|bulletin|assessment|recompute（环办监测〔2016〕120号；"
        "bulletin=总站月报：浓度扣沙、比例保留沙尘；assessment=考核：比例扣除沙尘超标天）"
        " / dust-deduction convention")] = "none",
    station_set: Annotated[str, typer.Option(
        "--station-set", help="城市/县城值所用站点 assessment（评价点，默认）|all"
        " / stations averaged into a city value")] = "assessment",
    city_o3: Annotated[str, typer.Option(
        "--city-o3", help="城市臭氧8小时 site_max_mean（各站日最大值均值，默认）|city_series_max"
        " / city O3 8-h method")] = "site_max_mean",
    incomplete_days: Annotated[str, typer.Option(
        "--incomplete-days", help="缺项日（日 AQI 缺污染物）count（计入，默认）|exclude"
        " / days whose AQI lacks a pollutant")] = "count",
    composite_inputs: Annotated[str, typer.Option(
        "--composite-inputs", help="综合指数用 raw（未修约统计量，默认）|rounded（修约后）"
        " / composite index from raw or rounded statistics")] = "raw",
    three_year: Annotated[bool, typer.Option(
        "--three-year/--no-three-year",
        help="年统计加三年滑动平均（HJ 663-2026，未核实原文）/ add three-year sliding averages "
        "to annual statistics (HJ 663-2026, text not verified)")] = False,
    rank: Annotated[bool, typer.Option(
        "--rank/--no-rank", help="按综合指数排名排序输出 / sort by composite rank")] = False,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", help="另存 Markdown 表（城市、时段、综合指数、排名、所用站点）"
        " / also write a Markdown table")] = None,
    composite: Annotated[str, typer.Option(
        "--composite", help="综合指数方法 2014 | 2026-unverified / composite-index method",
    )] = "2014",
    output: OutputOpt = None,
    rules: RulesOpt = "auto",
    engine: EngineOpt = "duckdb",
    master: MasterOpt = None,
    o3_1h: O3OneHourOpt = None,
    from_lake: FromLakeOpt = False,
    station: StationOpt = None,
    city: CityOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """HJ 663 统计：均值、百分位数、优良/重污染天数比例、综合指数排名 / HJ 663 period statistics.

    统计无效的结果（有效天数不足）在终端给出警告行 / statistics that are not valid get a warning
    line."""
    import pandas as pd

    from ecoplan.assess.air_pipeline import daily_table, hourly_table, run_period_stats
    from ecoplan.console import progress
    from ecoplan.reports.tables import prepare, title, write_tables
    from ecoplan.standards.air_period import PERIODS

    if period not in PERIODS:
        raise typer.BadParameter(tr("应为 year、quarter、month 或 range",
                                    "expected year, quarter, month or range"),
                                 param_hint="--period")
    if by not in ("station", "city"):
        raise typer.BadParameter(tr("应为 station 或 city", "expected station or city"),
                                 param_hint="--by")
    d0 = _parse_date(start, "--start") if start else None
    d1 = _parse_date(end, "--end") if end else None
    with progress() as bar:
        task = bar.add_task(tr("计算统计", "Computing statistics"), total=2)
        src = hourly_source(input_file, from_lake, station, city, date_from, date_to, engine)
        st = None
        if by == "city":
            st = _registry_cities(src.ws) if src.lake and stations is None else \
                _station_types(src.stations) if src.stations is not None and stations is None \
                else _station_cities(input_file or Path("."), stations)
        flags = _read_dust(dust) if dust else None
        bar.advance(task)
        hourly = hourly_table(src.analytics, src.data)
        daily = daily_table(src.analytics, hourly, ruleset=rules, include_o3_1h=o3_1h,
                            stations=st, by=by, dust=flags, dust_convention=dust_convention,
                            station_set=station_set, city_o3=city_o3)
        out = run_period_stats(src.analytics, None, rules, period=period, by=by, start=d0,
                               end=d1, stations=st, dust=flags, dust_convention=dust_convention,
                               include_o3_1h=o3_1h, composite=composite, daily=daily,
                               station_set=station_set, city_o3=city_o3,
                               incomplete_days=incomplete_days,
                               composite_inputs=composite_inputs)
        # deferred, as every command defers its engine imports: `ecoplan --help` loads no pandas
        from ecoplan.assess import air_validity

        key = "city" if by == "city" else "station_code"
        warnings = air_validity.validity_warnings(
            out, air_validity.month_days(src.analytics, daily, key), key, period)
        bar.advance(task)
    out = _csv_ready(out)
    if three_year and period == "year":
        from ecoplan.standards.air_period import three_year_sliding

        cols = [c for c in ("pm25_mean", "pm10_mean", "so2_mean", "no2_mean", "co_p95",
                            "o3_8h_p90", "composite_index") if c in out.columns]
        sliding = three_year_sliding(out, cols, key=key)
        if len(sliding):
            out = out.merge(sliding, on=[key, "period"], how="left")
    if rank:
        out = out.sort_values(["period", "composite_rank"], na_position="last",
                              kind="stable").reset_index(drop=True)
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(stats_markdown(out, key, period), encoding="utf-8")
    if output is not None:
        tables = {tr("HJ 663 统计", "HJ 663 statistics"): out}
        if warnings:
            tables[tr("有效性警告", "validity warnings")] = pd.DataFrame(
                {"warning": warnings}).rename(columns={"warning": tr("警告", "warning")})
        write_tables(output, tables)
    if as_json:
        rec = prepare(out)
        emit_json({"input": src.description, "period": period, "by": by, "engine": engine,
                   "conventions": _settings_line(out, "en"),
                   "output": str(output) if output else None, "warnings": warnings,
                   "problems": [p.as_dict() for p in src.problems],
                   "records": rec.astype(object).where(pd.notna(rec), None).to_dict("records")})
        return
    problem_lines_of(src.problems)
    cols = [key, "period", "valid_days", "good_day_ratio", "heavy_day_ratio", "pm25_mean",
            "pm10_mean", "o3_8h_p90", "composite_index", "composite_rank"]
    head = prepare(out[cols].head(40))
    print_table(tr("HJ 663 统计", "HJ 663 statistics") + f" — {src.description}",
                [title(c) for c in cols],
                head.astype(object).where(head.notna(), None).itertuples(index=False))
    info(_settings_line(out), _settings_line(out, "en"))
    for line in warnings[:30]:
        warn(line)
    if len(warnings) > 30:
        warn(tr(f"……另有 {len(warnings) - 30} 条有效性警告（见输出文件或 --json）",
                f"… and {len(warnings) - 30} more validity warnings (see the output or --json)"))
    ok(f"{len(out)} 行" + (f"；已写入 {output}" if output else ""),
       f"{len(out)} rows" + (f"; written to {output}" if output else ""))


def _settings_line(out: Any, lang: str = "zh") -> str:
    """Which rules the statistics used (rule set, limits, dust, stations, O3, missing days)."""
    first = out.iloc[0] if len(out) else {}
    keys = ("ruleset", "limits_ruleset", "dust_convention", "station_set", "city_o3",
            "incomplete_days", "composite_inputs")
    parts = [f"{k}={first.get(k)}" for k in keys if k in getattr(out, "columns", ())
             and first.get(k) is not None]
    head = "口径" if lang == "zh" else "Conventions"
    return f"{head}: " + ", ".join(parts)


def stats_markdown(out: Any, key: str, period: str) -> str:
    """A Markdown table of the key figures and, per city, the stations used."""
    import pandas as pd

    cols = [key, "period", "valid_days", "pm25_mean", "pm10_mean", "so2_mean", "no2_mean",
            "co_p95", "o3_8h_p90", "good_day_ratio", "heavy_day_ratio", "composite_index",
            "composite_rank"]
    cols = [c for c in cols if c in out.columns]
    lines = [f"<!-- ecoplan air stats --period {period}: {_settings_line(out, 'en')} -->",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    digits = {"co_p95": 1, "good_day_ratio": 1, "heavy_day_ratio": 1, "composite_index": 2}
    for row in out[cols].itertuples(index=False):
        cells = ["" if pd.isna(v) else (f"{v:.{digits.get(c, 0)}f}" if isinstance(v, float)
                                        else str(v)) for c, v in zip(cols, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    periods = sorted(out["period"].astype(str).unique())
    if len(periods) > 1:  # compact view: composite index (rank) per key and period
        lines += ["", "| " + key + " | " + " | ".join(periods) + " |",
                  "|---|" + "---:|" * len(periods)]
        cell = {(str(r[key]), str(r["period"])): (
            "" if pd.isna(r["composite_index"]) else
            f"{r['composite_index']:.2f} ({'' if pd.isna(r['composite_rank']) else int(r['composite_rank'])})")
            for _, r in out.iterrows()}
        for k in sorted(out[key].astype(str).unique()):
            lines.append(f"| {k} | " + " | ".join(cell.get((k, p), "") for p in periods) + " |")
    if "stations_used" in out.columns:
        lines += ["", f"| {key} | station_set | stations_used |", "|---|---|---|"]
        for k, part in out.groupby(key, sort=True):
            first = part.iloc[0]
            lines.append(f"| {k} | {first.get('station_set')} | {first['stations_used']} |")
    return "\n".join(lines) + "\n"


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(tr("日期格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
                                 param_hint=option) from exc


def _read_dust(path: Path) -> Any:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str)
    if not {"date", "dust"} <= set(frame.columns):
        raise AirInputError("沙尘标记文件需要 date、dust 两列",
                            "The dust-flag file needs the columns date and dust",
                            location=Location(file=str(path), field="date,dust"))
    truthy = {"1", "true", "yes", "y", "是", "t"}
    frame["dust"] = frame["dust"].fillna("").str.strip().str.lower().isin(truthy)
    bad = pd.to_datetime(frame["date"], errors="coerce").isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise AirInputError("日期无法识别", "Unrecognised date",
                            location=Location(file=str(path), row=row, field="date"))
    return frame


# --------------------------------------------------------------------------- air warn
@air_app.command("warn")
def warn_command(
    forecast: Annotated[Path, typer.Argument(
        help="预报日 AQI 的 CSV（date,aqi[,site]）/ forecast daily AQI CSV (date,aqi[,site])")],
    variant: Annotated[str, typer.Option(
        "--variant", help="预警分级方案（national_2018 或地方方案）/ grading variant",
    )] = "national_2018",
    rules: RulesOpt = "auto",
    as_json: JsonOpt = False,
) -> None:
    """重污染天气预警级别（环办大气函〔2018〕875号）/ heavy-pollution warning level."""
    import pandas as pd

    from ecoplan.standards.air_warning import warning_episodes

    if not forecast.exists():
        raise AirInputError(f"文件不存在：{forecast}", f"File not found: {forecast}",
                            location=Location(file=str(forecast)))
    frame = pd.read_csv(forecast, dtype=str)
    cols = {c.lower().strip(): c for c in frame.columns}
    if "date" not in cols or "aqi" not in cols:
        raise AirInputError("预报文件需要 date、aqi 两列", "The forecast needs date and aqi columns",
                            location=Location(file=str(forecast), field="date,aqi"))
    site_col = cols.get("site") or cols.get("city") or cols.get("station_code")
    records: list[dict[str, Any]] = []
    groups = frame.groupby(site_col, sort=True) if site_col else [("", frame)]
    for site, part in groups:
        days, aqis = [], []
        for idx, row in part.iterrows():
            line = int(idx) + 2  # type: ignore[call-overload]
            try:
                days.append(date.fromisoformat(str(row[cols["date"]]).strip()[:10]))
            except ValueError as exc:
                raise AirInputError("日期无法识别", "Unrecognised date", location=Location(
                    file=str(forecast), row=line, field="date")) from exc
            raw = str(row[cols["aqi"]]).strip()
            try:
                aqis.append(int(float(raw)) if raw and raw.lower() != "nan" else None)
            except ValueError as exc:
                raise AirInputError(f"AQI 不是数字：{raw!r}", f"AQI is not a number: {raw!r}",
                                    location=Location(file=str(forecast), row=line,
                                                      field="aqi")) from exc
        try:
            episodes = warning_episodes(days, aqis, variant)
        except EcoplanError:
            raise
        for e in episodes:
            records.append({"site": site or None, "start": e.start, "end": e.end,
                            "days": e.days, "days_above_300": e.days_above_300,
                            "max_aqi": e.max_aqi, "warning_level": e.warning_level,
                            "name_zh": e.name_zh, "name_en": e.name_en})
    order = ("yellow", "orange", "red")
    levels = [r["warning_level"] for r in records if r["warning_level"]]
    top = max(levels, key=order.index) if levels else None
    if as_json:
        emit_json({"input": str(forecast), "variant": variant, "warning_level": top,
                   "episodes": records})
        return
    print_table(tr("重污染过程", "Heavy-pollution episodes"),
                ["site", "start", "end", "days", "max_aqi", "warning_level"],
                [[r["site"], r["start"], r["end"], r["days"], r["max_aqi"],
                  r["name_zh"] if tr("zh", "en") == "zh" else r["name_en"]] for r in records])
    ok(f"预警级别：{top or '无'}", f"Warning level: {top or 'none'}")


# --------------------------------------------------------------------------- bench air
@bench_app.command("air")
def bench_air_command(
    stations: Annotated[int, typer.Option(
        "--stations", help="模拟站点数（每站一年逐时数据）/ stations, one hourly year each")] = 200,
    runs: Annotated[int, typer.Option("--runs", help="重复次数（取中位数）/ runs (median)")] = 3,
    engine: EngineOpt = "duckdb",
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", help="生成数据的目录（默认临时目录）/ folder for generated data")] = None,
    memory_limit: Annotated[str, typer.Option(
        "--memory-limit", help="DuckDB 内存上限（空 = 不限）/ DuckDB memory limit ('' = none)",
    )] = "640MB",
    hourly: Annotated[bool, typer.Option(
        "--hourly/--no-hourly", help="同时测小时 AQI / also time the hourly AQI")] = True,
    whole: Annotated[bool, typer.Option(
        "--whole/--no-whole", help="同时测整条命令与 DuckDB/pandas 脚本基线（子进程）/ also time the "
        "whole `air stats` command and the DuckDB/pandas script baselines as processes")] = True,
    as_json: JsonOpt = False,
) -> None:
    """空气质量引擎基准：日评价 + 年统计 与 DuckDB 读取求和之比 / air engine benchmark."""
    from ecoplan.bench.air_engines import run_benchmark

    result = run_benchmark(stations=stations, runs=runs, engine=engine, workdir=workdir,
                           memory_limit=memory_limit or None, hourly=hourly,
                           whole=whole)
    if as_json:
        emit_json(result)
        return
    print_table(tr("空气质量引擎基准", "Air engine benchmark"), ["item", "value"],
                [[k, v] for k, v in result.items() if not isinstance(v, (dict, list))])
    kernel = tr("编译内核", "compiled kernel") if result["kernel_used"] else tr("引擎", "engine")
    ok(f"评估/读取 = {result['ratio']:.2f}（日均值：{kernel}；参考管线 {result['reference_ratio']:.2f}），"
       f"峰值内存 {result['peak_rss_mib']:.0f} MiB",
       f"evaluation/read = {result['ratio']:.2f} (daily values: {kernel}; reference pipeline "
       f"{result['reference_ratio']:.2f}), peak RSS {result['peak_rss_mib']:.0f} MiB")
    if whole:
        q, p = result["whole_process_vs_quick_duckdb"], result["whole_process_vs_pandas"]
        ok(f"整条命令 / DuckDB 脚本 = {q:.2f}，/ pandas 脚本 = {p:.2f}",
           f"whole command / DuckDB script = {q:.2f}, / pandas script = {p:.2f}")


def register(root: typer.Typer) -> None:
    """Commands are attached to the ``air`` and ``bench`` groups at import; nothing at the root."""
    return None
