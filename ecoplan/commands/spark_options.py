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
