"""``ecoplan air …``: air-quality index (HJ 633) commands.

This module owns the Typer group :data:`app` (``ecoplan air``) and ``air aqi``; the daily,
statistics and warning commands are added to the same group from
:mod:`ecoplan.commands.air_stats`. :data:`RulesOpt` / :func:`resolve_rules` are the shared
``--rules 2012|2026|auto`` option.
"""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.commands.analysis_input import CityOpt, FromLakeOpt, FromOpt, StationOpt, ToOpt
from ecoplan.commands.spark_options import MasterOpt, engine_name
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr
from ecoplan.nomenclature import GB3095_ORDER

NAME = "air"
app = typer.Typer(
    help="环境空气质量：AQI、日评价、统计与预警（HJ 633 / GB 3095 / HJ 663）/ "
    "air quality: AQI, daily values, statistics, warnings",
    no_args_is_help=True,
)


def resolve_rules(value: str) -> str:
    """Validate a ``--rules`` value ("2012", "2026" or "auto") into its canonical form."""
    from ecoplan.standards.air_rules import check_choice

    return check_choice(value)


def _rules_callback(value: str) -> str:
    from ecoplan.errors import EcoplanError
    from ecoplan.i18n import get_lang

    try:
        return resolve_rules(value)
    except EcoplanError as exc:
        raise typer.BadParameter(exc.message(get_lang())) from exc


#: The shared ``--rules`` option: HJ 633/GB 3095/HJ 663 of 2012, of 2026, or by data time.
RulesOpt = Annotated[
    str,
    typer.Option(
        "--rules",
        help="规则版本：2012、2026 或 auto（按数据时间：2026-03-01 前为 2012）/ "
        "rule set: 2012, 2026 or auto (by the data's date; 2012 before 2026-03-01)",
        callback=_rules_callback,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]

#: Output columns of ``air aqi`` (the hourly table's columns, IAQIs last).
AQI_CSV_COLUMNS: tuple[str, ...] = (
    "station_code", "timestamp", "aqi", "primary_pollutants", "category", "category_en", "level",
    "colour", "ruleset", "exceeding_pollutants",
    "iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_o3", "iaqi_pm10", "iaqi_pm25",
    "aqi_computed", "complete",
)


def hourly_aqi_frame(frame: Any, rules: str = "auto", *, publication: str = "cnemc",
                     engine: str = "duckdb") -> Any:
    """Hourly AQI of a canonical hourly DataFrame (from ``read_air_file``) as a DataFrame."""
    import ibis
    import pandas as pd

    from ecoplan.standards.air_hourly import hourly_aqi_table
    from ecoplan.store.engine import connect

    keep = ["station_code", "timestamp", *GB3095_ORDER]
    for extra in ("published_so2_24h", "not_monitored"):
        if extra in frame.columns:
            keep.append(extra)
    data = frame[keep].copy()
    data.attrs = {}
    data["station_code"] = data["station_code"].astype(str)
    if "not_monitored" in data.columns:
        data["not_monitored"] = data["not_monitored"].astype("object").where(
            data["not_monitored"].notna(), None)
    data["_order"] = range(len(data))
    backend = connect(engine)  # type: ignore[arg-type]
    table = ibis.memtable(data)
    expr = hourly_aqi_table(table, rules, publication=publication,  # type: ignore[arg-type]
                            keep=["_order"]).order_by("_order")
    out = backend.execute(expr).drop(columns=["_order"])
    for col in ("aqi", "level", "aqi_computed", *[c for c in out.columns if c.startswith("iaqi_")]):
        out[col] = pd.array(out[col], dtype="Int64")
    return out


def hourly_aqi_of_table(backend: Any, table: Any, rules: str = "auto", *,
                        publication: str = "cnemc") -> Any:
    """Hourly AQI of an Ibis table computed where the table lives (Spark's executors for a file
    or lake read by Spark), ordered by station and hour; only the result comes back."""
    import pandas as pd

    from ecoplan.standards.air_hourly import hourly_aqi_table

    keep = [c for c in ("station_code", "timestamp", *GB3095_ORDER, "published_so2_24h",
                        "not_monitored") if c in table.columns]
    expr = hourly_aqi_table(table.select(*keep), rules,
                            publication=publication)  # type: ignore[arg-type]
    out = backend.execute(expr.order_by(["station_code", "timestamp"]))
    for col in ("aqi", "level", "aqi_computed", *[c for c in out.columns if c.startswith("iaqi_")]):
        out[col] = pd.array(out[col], dtype="Int64")
    return out


def _format_for_csv(out: Any) -> Any:
    from ecoplan.standards.aqi import load_ruleset

    names = {(rs, c.level): c.category_en for rs in ("2012", "2026")
             for c in load_ruleset(rs).categories}
    import pandas as pd

    out = out.assign(category_en=[
        None if pd.isna(lv) else names.get((str(rs), int(lv)))
        for rs, lv in zip(out["ruleset"], out["level"], strict=True)])
    frame = out[list(AQI_CSV_COLUMNS)].copy()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M")
    return frame


@app.command("aqi")
def aqi_command(
    input_file: Annotated[Path | None, typer.Argument(
        help="小时数据文件：CNEMC china_sites_YYYYMMDD.csv、CNEMC 实时快照 CSV 或标准小时表 "
        "CSV/Parquet/XLSX；省略并加 --from-lake 则用工作区数据 / hourly data file; omit it with "
        "--from-lake for the workspace's data", exists=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="输出 .xlsx（中文表头）或 .csv（UTF-8 带 BOM），每站每小时一行 / "
        "output .xlsx or .csv, one row per station-hour",
    )] = None,
    rules: RulesOpt = "auto",
    publication: Annotated[str, typer.Option(
        "--publication",
        help="缺测时的发布规则：cnemc（按国家总站实际发布，默认）或 hj633（按 HJ 633-2026 §5.3.1 "
        "字面）/ missing-data publication: cnemc (as the national feed does) or hj633 (letter)",
    )] = "cnemc",
    engine: Annotated[str | None, typer.Option(
        "--engine", help="计算引擎：duckdb 或 pyspark（默认取设置 engine）/ analytics engine "
        "(default: the engine setting)")] = None,
    master: MasterOpt = None,
    from_lake: FromLakeOpt = False,
    station: StationOpt = None,
    city: CityOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """计算小时 AQI（实时报）/ hourly AQI exactly as CNEMC publishes it (HJ 633-2012/2026)."""
    from ecoplan.commands import analysis_input as ai
    from ecoplan.console import progress
    from ecoplan.ingest.readers.air import read_air_file
    from ecoplan.reports.tables import write_tables

    if publication not in ("cnemc", "hj633"):
        raise typer.BadParameter(tr("应为 cnemc 或 hj633", "expected cnemc or hj633"),
                                 param_hint="--publication")
    if engine is None:
        from ecoplan.settings import load_settings

        engine = load_settings().engine
    engine = engine_name(engine)
    lake = ai.wants_lake(input_file, from_lake, ai.AIR_DATASETS)
    with progress() as bar:
        task = bar.add_task(tr("读取并计算 AQI", "Reading and computing the AQI"), total=3)
        spark = _spark_aqi(input_file, lake, station, city, date_from, date_to, rules,
                           publication) if engine == "pyspark" else None
        if spark is not None:  # read and computed by Spark's executors (issue 24)
            frame, out, f = spark
            source = ai.describe_source(input_file, lake, f)
            problems = list(frame.attrs.get("problems", []))
            bar.advance(task, 2)
        elif lake:
            ws = ai.workspace()
            f = ai.filters(ws, "station", station, city, date_from, date_to)
            frame = ws.analytics.execute(ai.lake_hourly(ws, f))
            frame.attrs["format"] = "lake"
        else:
            ai.need_input(input_file)
            assert input_file is not None
            frame = read_air_file(input_file)
            ws = ai.optional_workspace() if (station or city) else None
            f = ai.filters(ws, "station", station, city, date_from, date_to)
            attrs = dict(frame.attrs)
            frame = ai.filter_hourly_frame(frame, f)
            frame.attrs = attrs
        if spark is None:
            source = ai.describe_source(input_file, lake, f)
            problems = list(frame.attrs.get("problems", []))
            bar.advance(task)
            out = hourly_aqi_frame(frame, rules, publication=publication, engine=engine)
            bar.advance(task)
        csv_frame = _format_for_csv(out)
        if output is not None:
            write_tables(output, {tr("小时AQI", "hourly AQI"): csv_frame})
        bar.advance(task)

    by_ruleset = {str(k): int(v) for k, v in out["ruleset"].value_counts().sort_index().items()}
    categories = {str(k): int(v) for k, v in out["category"].value_counts().items()}
    summary = {
        "input": source,
        "format": frame.attrs.get("format"),
        "output": str(output) if output is not None else None,
        "engine": engine,
        "rows": int(len(out)),
        "stations": int(out["station_code"].nunique()),
        "with_aqi": int(out["aqi"].notna().sum()),
        "withheld_or_missing": int(out["aqi"].isna().sum()),
        "rulesets": by_ruleset,
        "categories": categories,
        "problems": [p.as_dict() for p in problems],
    }
    if as_json:
        if output is None:
            records = csv_frame.astype(object).where(csv_frame.notna(), None)
            summary["records"] = records.to_dict("records")
        emit_json(summary)
        return
    if problems:
        problem_lines_of(problems)
    if output is None:
        print_table(tr("小时 AQI（前 20 行）", "Hourly AQI (first 20 rows)"),
                    ["station_code", "timestamp", "aqi", "primary_pollutants", "category"],
                    csv_frame[["station_code", "timestamp", "aqi", "primary_pollutants",
                               "category"]].head(20).astype(object)
                    .where(csv_frame.head(20).notna(), None).itertuples(index=False))
    ok(
        f"{summary['rows']} 个站时（{summary['stations']} 个站点），发布 AQI "
        f"{summary['with_aqi']} 个；规则 {by_ruleset}"
        + (f"；已写入 {output}" if output else ""),
        f"{summary['rows']} station-hours ({summary['stations']} stations), "
        f"{summary['with_aqi']} with a published AQI; rule sets {by_ruleset}"
        + (f"; written to {output}" if output else ""),
    )


def _spark_aqi(input_file: Path | None, lake: bool, station: list[str] | None, city: str | None,
               date_from: str | None, date_to: str | None, rules: str, publication: str
               ) -> tuple[Any, Any, Any] | None:
    """(input summary frame, hourly AQI, filters) computed on Spark from the lake or a file the
    executors read; None when Spark cannot read the file's format."""
    import pandas as pd

    from ecoplan.commands import analysis_input as ai
    from ecoplan.commands.spark_options import spark_hourly

    if lake:
        ws = ai.workspace()
        f = ai.filters(ws, "station", station, city, date_from, date_to)
        an = ws.analytics_on("pyspark")
        backend, table, problems, fmt = an.backend, ai.lake_hourly(ws, f, an), [], "lake"
    else:
        ai.need_input(input_file)
        assert input_file is not None
        ws = ai.optional_workspace() if (station or city) else None
        f = ai.filters(ws, "station", station, city, date_from, date_to)
        read = spark_hourly(input_file, f)
        if read is None:
            return None
        backend, table, problems, _stations = read
        from ecoplan.ingest.readers.spark_air import file_format

        fmt = file_format(input_file)
    out = hourly_aqi_of_table(backend, table, rules, publication=publication)
    frame = pd.DataFrame()
    frame.attrs.update(format=fmt, problems=problems)
    return frame, out, f


def problem_lines_of(problems: list[Any]) -> None:
    """One line per kind of problem met while reading the input (not one per row)."""
    from ecoplan.commands.ingest import problem_lines
    from ecoplan.ingest.pipeline import problem_kinds

    if not problems:
        return
    holder = type("S", (), {"problem_kinds": problem_kinds(problems), "status": "ok",
                            "problems": []})()
    for line in problem_lines([holder]):
        warn(line)


def warn(text: str) -> None:
    """A visible warning line on the terminal (stderr)."""
    from ecoplan.console import err_console

    err_console.print(f"[bold yellow]⚠ {text}[/bold yellow]", highlight=False)
