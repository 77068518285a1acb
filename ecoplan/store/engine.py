"""The analytics engine: one Ibis pipeline, run by DuckDB (default) or PySpark (scale-out).

Callers build Ibis expressions on tables from :meth:`Analytics.table` and run them with
:meth:`Analytics.execute`; which engine does the work is the ``engine`` setting.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecoplan.errors import LakeError
from ecoplan.store.lake import Lake

EngineName = Literal["duckdb", "pyspark"]

_spark_session: Any = None


def spark_session(master: str = "local[2]") -> Any:
    """A process-wide local Spark session (started once: it takes several seconds)."""
    global _spark_session
    if _spark_session is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
        from pyspark.sql import SparkSession

        _spark_session = (
            SparkSession.builder.master(master)
            .appName("ecoplan")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def connect(engine: EngineName = "duckdb", *, spark_master: str = "local[2]") -> Any:
    """An Ibis backend for ``engine``."""
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET TimeZone = 'UTC'")
        return con
    if engine == "pyspark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise LakeError(f"未知的计算引擎：{engine}", f"Unknown analytics engine: {engine}")


class Analytics:
    """Reads lake datasets as Ibis tables and executes expressions on the chosen engine."""

    def __init__(self, lake: Lake, engine: EngineName = "duckdb", *,
                 spark_master: str = "local[2]") -> None:
        self.lake = lake
        self.engine = engine
        self.backend = connect(engine, spark_master=spark_master)

    def table(self, dataset: str) -> ir.Table:
        """The dataset as an Ibis table, with integer ``year`` and ``month`` partition columns."""
        if not self.lake.files(dataset):
            raise LakeError(f"数据湖中没有数据集 {dataset}", f"The lake has no dataset {dataset}")
        if self.engine == "duckdb":
            t = self.backend.read_parquet(self.lake.glob(dataset), hive_partitioning=True)
        else:
            t = self.backend.read_parquet(str(self.lake.dataset_dir(dataset)))
        return t.mutate(year=t.year.cast("int32"), month=t.month.cast("int32"))

    def register(self, df: pd.DataFrame | Any) -> ir.Table:
        """An in-memory table (pandas or Arrow) for the engine; nothing is persisted (no Spark
        warehouse folder is written)."""
        return ibis.memtable(df)

    def execute(self, expr: ir.Expr) -> pd.DataFrame:
        return self.backend.execute(expr)
