"""The analytics engine: one Ibis pipeline, run by DuckDB (default) or PySpark (scale-out).

Callers build Ibis expressions on tables from :meth:`Analytics.table` and run them with
:meth:`Analytics.execute`; which engine does the work is the ``engine`` setting.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecoplan.errors import LakeError
from ecoplan.store.lake import Lake
from ecoplan.store.reviewed_flags import ReviewedFlags

EngineName = Literal["duckdb", "pyspark"]

def spark_session(master: str | None = None) -> Any:
    """The process-wide Spark session (:mod:`ecoplan.store.spark_session`: local or a cluster)."""
    from ecoplan.store.spark_session import spark_session as session

    return session(master)


def connect(engine: EngineName = "duckdb", *, spark_master: str | None = None) -> Any:
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
                 spark_master: str | None = None,
                 reviewed_flags: ReviewedFlags | None = None) -> None:
        self.lake = lake
        self.engine = engine
        self.spark_master = spark_master
        self.backend = connect(engine, spark_master=spark_master)
        #: the workspace's reviewer judgements (None: a lake without a database, nothing reviewed)
        self.reviewed_flags = reviewed_flags

    def on(self, engine: EngineName) -> Analytics:
        """The same lake and reviewed flags on another engine (this one when it is the same)."""
        if engine == self.engine:
            return self
        return Analytics(self.lake, engine, spark_master=self.spark_master,
                         reviewed_flags=self.reviewed_flags)

    def reviewed_out(self, dataset: str = "air_hourly") -> pd.DataFrame | None:
        """The values a reviewer took out of ``dataset`` (None when nothing can be reviewed)."""
        return None if self.reviewed_flags is None else self.reviewed_flags.excluded(dataset)

    def table(self, dataset: str) -> ir.Table:
        """The dataset as an Ibis table, with integer ``year`` and ``month`` partition columns."""
        if self.engine == "pyspark" and os.environ.get("ECOPLAN_LAKE_URI"):
            # the executors read the lake at ECOPLAN_LAKE_URI (the driver may not see it)
            from ecoplan.store.spark_session import lake_uri

            t = self.backend.read_parquet(lake_uri(self.lake.dataset_dir(dataset)))
            return t.mutate(year=t.year.cast("int32"), month=t.month.cast("int32"))
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


def backend_of(analytics: Analytics | Any) -> Any:
    """The Ibis backend of an :class:`Analytics` object (or a backend given directly)."""
    return analytics.backend if isinstance(analytics, Analytics) else analytics


def materialise(analytics: Analytics | Any, expr: ir.Table) -> ir.Table:
    """Compute ``expr`` once into a temporary table of the engine (reused by every statistic
    built on it); returns ``expr`` itself on an engine without temporary tables."""
    backend = backend_of(analytics)
    name = f"air_tmp_{uuid.uuid4().hex[:12]}"
    if getattr(backend, "name", "") == "duckdb":
        return backend.create_table(name, obj=expr, temp=True)
    if getattr(backend, "name", "") == "pyspark":
        # Ibis 12 has no public "cache as temp view" for PySpark: register the memtables the
        # query reads (pre-execute hooks), run its SQL in the session and persist the result.
        backend._run_pre_execute_hooks(expr)
        frame = backend._session.sql(str(backend.compile(expr)))
        frame.persist()
        frame.count()
        frame.createOrReplaceTempView(name)
        return backend.table(name)
    return expr
