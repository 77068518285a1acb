"""The Spark options of the analysis commands (``--engine spark``, ``--master``) and the input
file read by Spark's executors (issue 24: the data never pass through the driver).

``--engine spark`` is another name for ``--engine pyspark``; ``--master`` (or the setting
``ECOPLAN_SPARK_MASTER``) chooses where Spark runs: ``local[N]`` (the default, in this
process) or a cluster (``spark://host:7077``, ``yarn``, ``k8s://…``) — docs/scale-out.md.
"""

from __future__ import annotations

# Deliberately deferred: PySpark, pandas and the readers are imported inside the functions
# (`ecoplan --help` loads every command module and must stay fast).
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.commands.bench import app as bench_app
from ecoplan.i18n import tr

if TYPE_CHECKING:
    from ecoplan.commands.analysis_input import Filters

ENGINES = ("duckdb", "pyspark", "spark")


def engine_name(value: str | None) -> str | None:
    """``spark`` → ``pyspark``; anything but the known engines is a usage error."""
    if value is None:
        return None
    if value not in ENGINES:
        raise typer.BadParameter(tr("应为 duckdb、pyspark 或 spark", "expected duckdb, pyspark or "
                                    "spark"), param_hint="--engine")
    return "pyspark" if value == "spark" else value


def _master_callback(value: str | None) -> str | None:
    if value:
        from ecoplan.store.spark_session import use_master

        use_master(value)
    return value


MasterOpt = Annotated[str | None, typer.Option(
    "--master", help="Spark 主节点（仅 --engine spark）：local[N]（默认）、spark://主机:端口、yarn、"
    "k8s://…；也可用设置 ECOPLAN_SPARK_MASTER / Spark master for --engine spark: local[N] "
    "(default), spark://host:port, yarn, k8s://…; or the setting ECOPLAN_SPARK_MASTER",
    callback=_master_callback)]


def spark_hourly(path: Path, f: Filters) -> tuple[Any, Any, list[Any], Any] | None:
    """The hourly input file as an Ibis table on Spark, read and checked by the executors:
    (backend, table, problems, stations frame or None); None when Spark cannot read the
    format (the pandas reader then does)."""
    from datetime import datetime, timedelta

    from ecoplan.ingest.readers.spark_air import as_ibis_table, scan_air_file, spark_readable
    from ecoplan.store.engine import connect

    if not spark_readable(path):
        return None
    backend = connect("pyspark")
    scan = scan_air_file(backend._session, path)
    frame = scan.frame
    stations = _stations_of(frame)
    t = as_ibis_table(backend, frame)
    if f.stations is not None:
        t = t.filter(t.station_code.isin(f.stations))
    if f.start is not None:  # hour-ending labels: day D = (D 00:00, D+1 00:00]
        t = t.filter(t.timestamp > datetime.combine(f.start, datetime.min.time()))
    if f.end is not None:
        t = t.filter(t.timestamp <= datetime.combine(f.end + timedelta(days=1),
                                                     datetime.min.time()))
    return backend, t, scan.problems, stations


def _stations_of(frame: Any) -> Any:
    """station → city (+ name, type) of the file when it has a city column (a small distinct
    query on the executors), else None."""
    if "city" not in frame.columns:
        return None
    cols = [c for c in ("station_code", "city", "station_name", "station_type")
            if c in frame.columns]
    out = frame.select(*cols).dropDuplicates(["station_code"]).toPandas()
    out = out.rename(columns={"station_name": "name"}).dropna(subset=["station_code", "city"])
    return out.sort_values("station_code").reset_index(drop=True)


# --------------------------------------------------------------------------- bench spark
@bench_app.command("spark")
def bench_spark_command(
    scales: Annotated[str, typer.Option(
        "--scale", help="数据规模（1 = 1000 个空气站一年小时数据 + 3000 个排放口一个月分钟数据），"
        "逗号分隔多个 / data sizes (1 = 1,000 air stations × an hourly year + 3,000 outlets × "
        "a month of minutes), comma-separated")] = "0.002,0.008,0.02",
    workers: Annotated[str, typer.Option(
        "--workers", help="工作节点数（每个 1 核），逗号分隔 / workers (1 core each)")] = "1,2",
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", help="生成数据与集群日志的目录（默认临时目录；已有数据则复用）/ folder for "
        "the data and cluster logs (reused when present)")] = None,
    duckdb: Annotated[bool, typer.Option(
        "--duckdb/--no-duckdb", help="同时用 DuckDB 测同样的数据 / also time DuckDB")] = True,
    markdown_out: Annotated[Path | None, typer.Option(
        "--markdown", help="把结果表写成 Markdown / write the table as Markdown")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """Spark 扩展性基准：本机独立集群 1/2 个工作节点上的空气评价与超标判定 / Spark scaling curve."""
    from ecoplan.bench.spark_scale import markdown, run_scaling
    from ecoplan.console import emit_json, ok, print_table

    try:
        sizes = [float(x) for x in scales.split(",") if x.strip()]
        counts = [int(x) for x in workers.split(",") if x.strip()]
    except ValueError as exc:
        raise typer.BadParameter(tr("应为逗号分隔的数字", "expected comma-separated numbers")
                                 ) from exc
    result = run_scaling(sizes, counts, workdir, duckdb=duckdb)
    table = markdown(result)
    if markdown_out is not None:
        markdown_out.write_text(table, encoding="utf-8")
    if as_json:
        emit_json(result)
        return
    keys = ["scale", "engine", "workers", "air_eval_s", "exceedance_s",
            "air_rows_per_s_per_core", "air_eval_efficiency", "exceedance_efficiency"]
    print_table(tr("Spark 扩展性", "Spark scaling"), keys,
                [[r.get(k) for k in keys] for r in result["rows"]])
    ok(f"{len(result['rows'])} 次测量（{result['workdir']}）",
       f"{len(result['rows'])} measurements ({result['workdir']})")
