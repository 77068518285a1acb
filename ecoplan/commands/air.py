"""``ecoplan air …``: air-quality index (HJ 633) commands.

This module owns the Typer group :data:`app` (``ecoplan air``) and ``air aqi``; the daily,
statistics and warning commands are added to the same group from
:mod:`ecoplan.commands.air_stats`. :data:`RulesOpt` / :func:`resolve_rules` are the shared
``--rules 2012|2026|auto`` option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.commands.analysis_input import CityOpt, FromLakeOpt, FromOpt, StationOpt, ToOpt
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr

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

    keep = ["station_code", "timestamp", "so2", "no2", "co", "o3", "pm10", "pm25"]
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
    if engine not in ("duckdb", "pyspark"):
        raise typer.BadParameter(tr("应为 duckdb 或 pyspark", "expected duckdb or pyspark"),
                                 param_hint="--engine")
    lake = ai.wants_lake(input_file, from_lake, ai.AIR_DATASETS)
    with progress() as bar:
        task = bar.add_task(tr("读取并计算 AQI", "Reading and computing the AQI"), total=3)
        if lake:
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
        from ecoplan.commands.air_stats import _problem_lines

        _problem_lines(problems)
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


#: The national stations nearest to Jiaocheng county (Lüliang city, Shanxi).
LVLIANG_STATIONS: tuple[str, ...] = ("2183A", "2185A", "2867A")


def demo_step_hourly_aqi(ws: Any, say: Any, result: Any,
                         dataset: str = "air_hourly") -> None:
    """Demo step: hourly AQI of the Lüliang stations in the lake, checked against CNEMC.

    Signature of ``ecoplan.demo`` steps ``(workspace, reporter, DemoResult)``; needs the
    ``air_hourly`` dataset (the real Shanxi 2019 year, ingested) in the lake. Writes
    ``reports/lvliang_hourly_aqi_2019.csv`` and puts the reproduction figures in
    ``result.outputs["hourly_aqi"]``.
    """
    from ecoplan.standards.air_hourly import hourly_aqi_table

    t = ws.analytics.table(dataset)
    t = t.filter(t.station_code.isin(list(LVLIANG_STATIONS)))
    keep = [c for c in ("station_name", "aqi", "published_aqi") if c in t.columns]
    src = t.rename(published_aqi="aqi") if "aqi" in keep else t
    keep = ["published_aqi" if c == "aqi" else c for c in keep]
    expr = hourly_aqi_table(src, "auto", keep=keep).order_by(["station_code", "timestamp"])
    df = ws.analytics.execute(expr)
    published = df["published_aqi"].notna() if "published_aqi" in df.columns else None
    figures: dict[str, Any] = {"station_hours": int(len(df)),
                               "stations": sorted(df["station_code"].astype(str).unique())}
    if published is not None:
        same = int((df.loc[published, "aqi"] == df.loc[published, "published_aqi"]).sum())
        figures.update(published=int(published.sum()), reproduced=same)
    out = ws.settings.home / "reports" / "lvliang_hourly_aqi_2019.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = df.copy()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M")
    from ecoplan.reports.tables import write_tables

    write_tables(out, frame)
    figures["csv"] = str(out)
    result.outputs["hourly_aqi"] = figures
    say(
        f"吕梁 3 个国控站 2019 年小时 AQI：复现国家发布值 {figures.get('reproduced')}/"
        f"{figures.get('published')}，已写入 {out}",
        f"Lüliang's 3 national stations, 2019 hourly AQI: {figures.get('reproduced')}/"
        f"{figures.get('published')} published values reproduced; written to {out}",
    )
