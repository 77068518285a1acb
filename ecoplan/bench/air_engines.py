"""``ecoplan bench air``: the air pipeline on generated canonical hourly data.

Data: ``stations`` stations × one year of hourly rows (2019, hour-ending labels) in the canonical
format ``station_code,timestamp,pm25,pm10,so2,no2,o3,co``, about 3 % of the values missing and
a few whole days missing per station, written to one Parquet file in row groups (generation is
chunked so that it never holds the whole year in memory).

Each measured phase runs in a fresh child process (``spawn``), so its peak RSS is its own and
imports are excluded from the timings. Measured per run:

* ``read_sum_seconds`` — DuckDB reading the same Parquet columns and summing them per station;
* ``daily_seconds`` — daily values (GB 3095 validity, O3 8-h) + daily AQI, materialised, as the
  user's command computes them: the file scanned by DuckDB, the daily values by the store's
  compiled kernel when it applies (``kernel_used``), the
  compiled SQL of the AQI and statistics from :mod:`ecoplan.store.sql_cache` (so every run but
  the first skips the Ibis compilation, as a user's second command does);
* ``annual_seconds`` — HJ 663 annual statistics per station from the materialised daily table;
* ``evaluation_seconds`` = daily + annual; ``ratio`` = evaluation / read-and-sum;
* ``reference_evaluation_seconds``, ``reference_ratio`` — the same with the Ibis reference
  pipeline for the daily values (no kernel), side by side in the same runs;
* ``hourly_aqi_seconds`` — hourly AQI of every row (reported separately, not in the ratio);
* with ``whole=True`` (default), side by side in the same runs
  (:mod:`ecoplan.bench.air_baselines`): ``whole_process_seconds`` — the user's command
  ``ecoplan air stats <file> --period year --by station -o out.csv`` as a process;
  ``quick_duckdb_seconds`` — a straightforward DuckDB SQL script of daily and annual
  statistics; ``pandas_seconds`` — an idiomatic pandas script; their peak RSS and the ratios
  ``whole_process_vs_quick_duckdb`` and ``whole_process_vs_pandas``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.assess.air_pipeline import daily_table, run_period_stats
from ecoplan.bench import air_baselines
from ecoplan.ingest.readers.air_scan import scan_hourly
from ecoplan.standards.air_daily import DailyRules
from ecoplan.standards.air_hourly import hourly_aqi_table
from ecoplan.store import air_kernel
from ecoplan.store.engine import connect

COLUMNS = ("station_code", "timestamp", "pm25", "pm10", "so2", "no2", "o3", "co")
HOURS = 8760


def generate(path: Path, stations: int, *, seed: int = 2019, chunk: int = 50,
             missing_fraction: float = 0.03, missing_days: int = 3) -> int:
    """Write ``stations`` × 8,760 canonical hourly rows to ``path``; return the row count."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2019-01-01T01:00", "us")
    stamps = start + np.arange(HOURS).astype("timedelta64[h]")
    hour = np.arange(HOURS) % 24
    doy = np.arange(HOURS) / 24.0
    season = np.cos(2 * np.pi * doy / 365.0)  # winter high
    schema = pa.schema([("station_code", pa.string()), ("timestamp", pa.timestamp("us")),
                        *[(p, pa.float64()) for p in COLUMNS[2:]]])
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for first in range(0, stations, chunk):
            n = min(chunk, stations - first)
            codes = np.repeat(np.array([f"{9000 + first + i:05d}A" for i in range(n)]), HOURS)
            ts = np.tile(stamps, n)
            base = rng.gamma(2.0, 1.0, size=(n, 1))
            noise = rng.gamma(3.0, 1.0 / 3.0, size=(n, HOURS))
            pm25 = np.round(base * (35 + 25 * season) * noise, 0)
            cols = {
                "pm25": pm25,
                "pm10": np.round(pm25 * rng.uniform(1.4, 2.2, size=(n, HOURS)), 0),
                "so2": np.round(rng.gamma(2.0, 8.0, size=(n, HOURS)) * (1 + 0.5 * season), 0),
                "no2": np.round(rng.gamma(3.0, 10.0, size=(n, HOURS)), 0),
                "o3": np.round(np.maximum(
                    0, (80 - 40 * season) * (1 + np.sin(2 * np.pi * (hour - 9) / 24))
                    * rng.gamma(4.0, 0.25, size=(n, HOURS))), 0),
                "co": np.round(rng.gamma(2.0, 0.4, size=(n, HOURS)) * (1 + 0.5 * season), 1),
            }
            keep = np.ones((n, HOURS), dtype=bool)
            for i in range(n):  # a few whole days missing per station
                for d in rng.choice(365, size=missing_days, replace=False):
                    keep[i, d * 24:(d + 1) * 24] = False
            keep = keep.ravel()
            arrays = [pa.array(codes[keep]), pa.array(ts[keep])]
            for p in COLUMNS[2:]:
                values = cols[p].ravel()
                mask = rng.random(values.size) < missing_fraction
                arrays.append(pa.array(values[keep], mask=mask[keep]))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += int(keep.sum())
    return rows


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _phase_read_sum(path: str, threads: int) -> dict[str, float]:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(
        "SELECT station_code, max(timestamp), sum(pm25), sum(pm10), sum(so2), sum(no2), "
        f"sum(o3), sum(co) FROM read_parquet('{path}') GROUP BY station_code").fetchall()
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
            "peak_rss_mib": _peak_rss_mib()}


def _phase_evaluation(path: str, threads: int, engine: str,
                      memory_limit: str | None = None, kernel: bool = True) -> dict[str, float]:
    """Daily values + daily AQI + annual statistics as the user's command computes them: the
    file scanned by the engine (:func:`scan_hourly`), the daily values by the store's compiled
    kernel when it applies (``kernel=False``: always the Ibis reference pipeline)."""
    con = connect(engine)  # type: ignore[arg-type]
    if engine == "duckdb":
        con.raw_sql(f"SET threads = {threads}")
        # row order of the intermediate tables is irrelevant; lets DuckDB stream them
        con.raw_sql("SET preserve_insertion_order = false")
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    rules = DailyRules.for_ruleset("2012")
    t0, c0 = time.perf_counter(), time.process_time()
    hourly = scan_hourly(con, Path(path)) if engine == "duckdb" else None
    if hourly is None:
        hourly = con.read_parquet(path)
    # the store runs the kernel for a registered scan (unless it declines: see the tests)
    used_kernel = kernel and air_kernel.KERNEL is not None \
        and air_kernel.source_of(hourly) is not None
    daily = daily_table(con, hourly, ruleset="2012", rules=rules, kernel=kernel)
    t1 = time.perf_counter()
    stats = run_period_stats(con, None, "2012", period="year", daily=daily, kernel=kernel)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"daily_seconds": t1 - t0, "annual_seconds": t2 - t1, "cpu_seconds": c2 - c0,
            "daily_rows": float(con.execute(daily.count())), "stat_rows": float(len(stats)),
            "kernel_used": float(used_kernel), "peak_rss_mib": _peak_rss_mib()}


def _phase_hourly(path: str, threads: int, engine: str) -> dict[str, float]:
    con = connect(engine)  # type: ignore[arg-type]
    if engine == "duckdb":
        con.raw_sql(f"SET threads = {threads}")
    hourly = con.read_parquet(path)
    t0 = time.perf_counter()
    out = hourly_aqi_table(hourly, "2012")
    n = con.execute(out.aggregate(n=out.aqi.count(), s=out.aqi.sum()))
    return {"seconds": time.perf_counter() - t0, "rows_with_aqi": float(n["n"].iloc[0]),
            "peak_rss_mib": _peak_rss_mib()}


def _child(target: Any, args: tuple[Any, ...], queue: Any) -> None:
    try:
        queue.put(("ok", target(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        queue.put(("error", repr(exc)))


def _in_child(target: Any, *args: Any) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, queue))
    proc.start()
    status, value = queue.get()
    proc.join()
    if status != "ok":
        raise RuntimeError(value)
    return value


def run_benchmark(*, stations: int = 200, runs: int = 3, engine: str = "duckdb",
                  workdir: Path | None = None, threads: int | None = None,
                  hourly: bool = True, memory_limit: str | None = "640MB",
                  whole: bool = True) -> dict[str, Any]:
    """Generate data, run each phase ``runs`` times, return medians (see module docstring)."""
    threads = threads or (os.cpu_count() or 1)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)  # a new folder named by the user is made
    tmp = Path(tempfile.mkdtemp(prefix="ecoplan-bench-air-", dir=workdir))
    try:
        path = tmp / "hourly.parquet"
        t0 = time.perf_counter()
        rows = generate(path, stations)
        gen_seconds = time.perf_counter() - t0
        reads, evals, refs, hours = [], [], [], []
        procs: dict[str, list[dict[str, float]]] = {"whole_process": [], "quick_duckdb": [],
                                                     "pandas": []}
        for _ in range(runs):
            if whole:  # the three processes back to back, so they see the same machine load
                procs["whole_process"].append(
                    air_baselines.whole_process(path, tmp / "ecoplan.csv"))
                procs["quick_duckdb"].append(
                    air_baselines.quick_duckdb(path, tmp / "duckdb.csv", threads))
                procs["pandas"].append(air_baselines.pandas_script(path, tmp / "pandas.csv"))
            reads.append(_in_child(_phase_read_sum, str(path), threads))
            evals.append(_in_child(_phase_evaluation, str(path), threads, engine, memory_limit))
            refs.append(_in_child(_phase_evaluation, str(path), threads, engine, memory_limit,
                                  False))
            if hourly:
                hours.append(_in_child(_phase_hourly, str(path), threads, engine))
        read_s = statistics.median(r["seconds"] for r in reads)
        daily_s = statistics.median(e["daily_seconds"] for e in evals)
        annual_s = statistics.median(e["annual_seconds"] for e in evals)
        eval_s = statistics.median(e["daily_seconds"] + e["annual_seconds"] for e in evals)
        result: dict[str, Any] = {
            "stations": stations,
            "rows": rows,
            "engine": engine,
            "runs": runs,
            "threads": threads,
            "duckdb_memory_limit": memory_limit if engine == "duckdb" else None,
            "read_sum_seconds": round(read_s, 4),
            "daily_seconds": round(daily_s, 4),
            "annual_seconds": round(annual_s, 4),
            "evaluation_seconds": round(eval_s, 4),
            "ratio": round(eval_s / read_s, 3) if read_s > 0 else None,
            "read_sum_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in reads), 4),
            "evaluation_cpu_seconds": round(statistics.median(e["cpu_seconds"] for e in evals), 4),
            "ratio_cpu": round(statistics.median(e["cpu_seconds"] for e in evals)
                               / statistics.median(r["cpu_seconds"] for r in reads), 3),
            "daily_rows_per_second": round(rows / daily_s) if daily_s else None,
            "evaluation_rows_per_second": round(rows / eval_s) if eval_s else None,
            "peak_rss_mib": round(max(e["peak_rss_mib"] for e in evals), 1),
            "kernel_used": bool(all(e["kernel_used"] for e in evals)),
            "reference_evaluation_seconds": round(statistics.median(
                e["daily_seconds"] + e["annual_seconds"] for e in refs), 4),
            "reference_ratio": round(statistics.median(
                e["daily_seconds"] + e["annual_seconds"] for e in refs) / read_s, 3)
            if read_s > 0 else None,
            "reference_peak_rss_mib": round(max(e["peak_rss_mib"] for e in refs), 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "read_sum_peak_rss_mib": round(max(r["peak_rss_mib"] for r in reads), 1),
            "generation_seconds": round(gen_seconds, 2),
            "parquet_mib": round(path.stat().st_size / 2**20, 1),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()} "
                       f"{platform.release()}, Python {platform.python_version()}",
        }
        if whole:
            med = {k: statistics.median(r["seconds"] for r in v) for k, v in procs.items()}
            for k, v in procs.items():
                result[f"{k}_seconds"] = round(med[k], 3)
                result[f"{k}_cpu_seconds"] = round(
                    statistics.median(r["cpu_seconds"] for r in v), 3)
                result[f"{k}_runs_seconds"] = [round(r["seconds"], 3) for r in v]
                result[f"{k}_peak_rss_mib"] = round(max(r["peak_rss_mib"] for r in v), 1)
            result["whole_process_vs_quick_duckdb"] = round(
                med["whole_process"] / med["quick_duckdb"], 3)
            result["whole_process_vs_pandas"] = round(med["whole_process"] / med["pandas"], 3)
            cpu = {k: result[f"{k}_cpu_seconds"] for k in procs}
            result["whole_process_vs_quick_duckdb_cpu"] = round(
                cpu["whole_process"] / cpu["quick_duckdb"], 3)
            result["whole_process_vs_pandas_cpu"] = round(cpu["whole_process"] / cpu["pandas"], 3)
        if hours:
            hs = statistics.median(h["seconds"] for h in hours)
            result["hourly_aqi_seconds"] = round(hs, 4)
            result["hourly_aqi_rows_per_second"] = round(rows / hs) if hs else None
            result["hourly_aqi_peak_rss_mib"] = round(max(h["peak_rss_mib"] for h in hours), 1)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
