"""Province-scale data and the Spark scaling curve (``ecoplan bench spark``).

:func:`generate_province` writes, in the lake's layout (``<lake>/<dataset>/year=/month=/``,
several files per month, one per bucket of stations or outlets), a province at ``scale`` of

* 1,000 air stations × one hourly year (``air_hourly``, 8.76 M rows at scale 1), and
* 3,000 enterprise outlets × one month of minute values plus their hourly values
  (``online_monitoring``, ≈ 136 M rows at scale 1), with a workspace holding their permits.

:func:`run_scaling` starts a standalone Spark cluster on this machine
(:class:`ecoplan.store.spark_cluster.StandaloneCluster`) with 1 and then 2 workers (1 core
each), runs the air evaluation (daily values + AQI, annual HJ 663 statistics per station) and
the pollution-source exceedance rule on every data size with the executors reading the lake,
and the same on DuckDB in this process for comparison.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.assess.air_pipeline import daily_table, hourly_table, run_period_stats
from ecoplan.bench.air_engines import generate as generate_air_year
from ecoplan.bench.exceedance import register_outlets
from ecoplan.ingest.pipeline import online_schema
from ecoplan.settings import load_settings
from ecoplan.store import spark_session as S
from ecoplan.store.spark_cluster import StandaloneCluster
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision.exceedance_report import find_exceedances

AIR_STATIONS, OUTLETS = 1000, 3000
MONTH = (2025, 3)  # the month of minute data (31 days)
PARAMETERS = ("so2", "nox", "smoke")
LIMITS = {"so2": 35.0, "nox": 50.0, "smoke": 30.0}


def sizes(scale: float) -> dict[str, int]:
    return {"air_stations": max(1, round(AIR_STATIONS * scale)),
            "outlets": max(1, round(OUTLETS * scale))}


def _outlet_rows(first: int, n: int, rng: np.random.Generator) -> pa.Table:
    """Minute values of outlets first … first+n-1 for the month (one parameter each, as a
    flue-gas outlet reports its own pollutant per row) and their hourly means."""
    y, m = MONTH
    minutes = np.arange(np.datetime64(f"{y}-{m:02d}-01T00:01", "us"),
                        np.datetime64(f"{y}-{m + 1:02d}-01T00:01", "us"),
                        np.timedelta64(1, "m"))
    k = len(minutes)
    outlet = np.repeat(np.array([f"BENCH-DA{first + i:03d}" for i in range(n)]), k)
    param = np.repeat(np.array([PARAMETERS[(first + i) % 3] for i in range(n)]), k)
    level = rng.lognormal(3.0, 0.35, size=(n, 1))
    value = (level * rng.lognormal(0, 0.35, size=(n, k))).ravel()
    times = np.tile(minutes, n)
    # hourly means (hour-ending labels) of the same minutes
    hourly = value.reshape(n, k // 60, 60).mean(axis=2).ravel()
    hours = np.tile(minutes.reshape(-1, 60)[:, -1], n)
    frame = pd.DataFrame({
        "outlet": np.concatenate([outlet, outlet.reshape(n, k)[:, ::60].ravel()]),
        "enterprise": "BENCH", "mn": None,
        "interval": np.concatenate([np.full(n * k, "minute"), np.full(len(hourly), "hour")]),
        "time": np.concatenate([times, hours]),
        "parameter": np.concatenate([param, param.reshape(n, k)[:, ::60].ravel()]),
        "value": np.concatenate([value, hourly])})
    for col, fill in (("min", None), ("max", None), ("cou", None), ("zs_value", None)):
        frame[col] = fill
    frame["zs_value"] = frame["value"] * 1.05
    frame["unit"], frame["cou_unit"], frame["flag"], frame["code"] = "mg/m³", None, None, None
    frame["batch"], frame["source_row"] = 0, np.arange(len(frame))
    return pa.Table.from_pandas(frame, schema=online_schema(), preserve_index=False)


def generate_province(home: Path, scale: float = 0.01, *, bucket: int = 50) -> dict[str, Any]:
    """A workspace at ``home`` with the province's data at ``scale`` (1.0 = 1,000 stations,
    3,000 outlets); air stations and outlets are written in buckets of ``bucket``: one file
    per bucket and month (the lake's layout, many files per partition for parallel reads)."""
    n = sizes(scale)
    init_workspace(home)
    ws = Workspace(load_settings(home=home))
    rng = np.random.default_rng(20261206)
    with tempfile.TemporaryDirectory() as tmp:
        year_file = Path(tmp) / "air.parquet"
        air_rows = generate_air_year(year_file, n["air_stations"], chunk=bucket)
        pf = pq.ParquetFile(year_file)
        for g in range(pf.num_row_groups):
            ws.lake.write("air_hourly", pf.read_row_group(g), batch=f"air{g:04d}")
    source_rows = 0
    for first in range(0, n["outlets"], bucket):
        table = _outlet_rows(first, min(bucket, n["outlets"] - first), rng)
        ws.lake.write("online_monitoring", table, batch=f"src{first // bucket:04d}",
                      time_column="time")
        source_rows += table.num_rows
    register_outlets(ws, n["outlets"], MONTH[0], LIMITS)
    ws.engine.dispose()
    return {"scale": scale, **n, "air_rows": air_rows, "source_rows": source_rows,
            "home": str(home)}


def _air_evaluation(an: Any) -> tuple[float, int]:
    t0 = time.perf_counter()
    hourly = hourly_table(an, "air_hourly")
    daily = daily_table(an, hourly, ruleset="2012")
    stats = run_period_stats(an, None, "2012", period="year", daily=daily)
    return time.perf_counter() - t0, len(stats)


def _exceedance(ws: Workspace, engine: str) -> tuple[float, int]:
    y, m = MONTH
    t0 = time.perf_counter()
    res = find_exceedances(ws, date(y, m, 1), date(y, m, 31), engine=engine)
    return time.perf_counter() - t0, len(res.exceedances)


def _scan(an: Any, dataset: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    rows = int(an.execute(an.table(dataset).count()))
    return time.perf_counter() - t0, rows


def measure(home: Path, engine: str) -> dict[str, float]:
    """One engine on one workspace: scan, air evaluation and exceedance rule (seconds)."""
    ws = Workspace(load_settings(home=home))
    an = ws.analytics_on(engine)  # type: ignore[arg-type]
    out: dict[str, float] = {}
    out["scan_air_s"], out["air_rows"] = _scan(an, "air_hourly")
    out["scan_sources_s"], out["source_rows"] = _scan(an, "online_monitoring")
    out["air_eval_s"], out["air_stat_rows"] = _air_evaluation(an)
    out["exceedance_s"], out["exceedance_hours"] = _exceedance(ws, engine)
    out["load_1min"] = round(os.getloadavg()[0], 1)  # the machine is shared: say how busy
    ws.engine.dispose()
    return out


def run_scaling(scales: list[float], workers: list[int], workdir: Path | None = None,
                *, worker_memory: str = "1536m", executor_memory: str = "1g",
                duckdb: bool = True) -> dict[str, Any]:
    """The scaling curve: every data size on DuckDB and on 1, 2 … workers of a local cluster."""
    root = Path(workdir or tempfile.mkdtemp(prefix="ecoplan-bench-spark-"))
    rows: list[dict[str, Any]] = []
    os.environ["ECOPLAN_SPARK_EXECUTOR_MEMORY"] = executor_memory
    for scale in scales:
        home = root / f"scale-{scale:g}"
        t0 = time.perf_counter()
        info = generate_province(home, scale) if not (home / "lake").exists() else \
            {"scale": scale, **sizes(scale), "home": str(home)}
        info["generate_s"] = round(time.perf_counter() - t0, 1)
        if duckdb:
            rows.append({**info, "engine": "duckdb", "workers": 0, "cores": 2,
                         **measure(home, "duckdb")})
        for w in workers:
            with StandaloneCluster(root / f"cluster-{scale:g}-{w}", workers=w, cores=1,
                                   memory=worker_memory) as cluster:
                S.use_master(cluster.master_url)
                t1 = time.perf_counter()
                S.spark_session(cluster.master_url)
                start = time.perf_counter() - t1
                try:
                    rows.append({**info, "engine": "spark", "workers": w, "cores": w,
                                 "session_start_s": round(start, 1),
                                 **measure(home, "pyspark")})
                finally:
                    S.stop_session()
                    S.use_master(None)
    _derive(rows)
    return {"machine": _machine(), "rows": rows, "workdir": str(root)}


def _derive(rows: list[dict[str, Any]]) -> None:
    """rows/s per core and the efficiency of each added worker (time on 1 worker / (workers ×
    time on that many))."""
    one = {(r["scale"]): r for r in rows if r["engine"] == "spark" and r["workers"] == 1}
    for r in rows:
        for key, n, t in (("air", r.get("air_rows"), r.get("air_eval_s")),
                          ("sources", r.get("source_rows"), r.get("exceedance_s"))):
            if n and t:
                r[f"{key}_rows_per_s_per_core"] = round(n / t / r["cores"])
        base = one.get(r["scale"])
        if r["engine"] == "spark" and base and r["workers"] > 1:
            for key in ("air_eval_s", "exceedance_s"):
                r[f"{key.removesuffix('_s')}_efficiency"] = round(
                    base[key] / (r["workers"] * r[key]), 2)


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "when": datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")}


def markdown(result: dict[str, Any]) -> str:
    """The scaling table as Markdown (for docs/performance.md)."""
    cols = ["scale", "air_rows", "source_rows", "engine", "workers", "session_start_s",
            "scan_air_s", "scan_sources_s", "air_eval_s", "exceedance_s",
            "air_rows_per_s_per_core", "sources_rows_per_s_per_core", "air_eval_efficiency",
            "exceedance_efficiency", "load_1min"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in result["rows"]:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(f"{v:g}" if c == "scale" else f"{v:.1f}" if isinstance(v, float)
                         and not c.endswith("efficiency") else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
