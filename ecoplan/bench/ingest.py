"""The ingestion throughput benchmark behind ``ecoplan bench ingest`` (docs/performance.md).

Cases (station-hours per second, median of ``runs``):

* ``parquet read+validate`` — the real Shanxi 2019 year (479,205 station-hours) as canonical
  Parquet: read into the canonical frame and validated (ranges, registry, duplicates, spikes,
  constant runs);
* ``cnemc csv read+validate`` — CNEMC ``china_sites`` daily files (the real 2019-01-01 release,
  copied under ``days`` consecutive dates): read (wide → long) and validated;
* ``parquet full load`` / ``cnemc csv full load`` — the same through the whole pipeline into a
  fresh workspace (SQLite metadata): validation, ledger, quarantine, flags, staged Parquet files,
  commit.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.ingest.pipeline import air_schema, ingest_file
from ecoplan.ingest.readers.air import read_air_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.ingest.rules import rules_for
from ecoplan.ingest.validation import validate
from ecoplan.sample_data import sample_path
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"pyarrow {pa.__version__}")


def _prepare(tmp: Path, days: int) -> tuple[Path, list[Path]]:
    year = read_air_file(sample_path("realdata", "shanxi_hourly_2019.csv.gz"))
    schema = air_schema()
    cols = [f.name for f in schema if f.name in year.columns and f.name != "source_row"]
    table = pa.Table.from_pandas(year[cols], preserve_index=False)
    table = table.cast(pa.schema([schema.field(c) for c in cols]))
    parquet = tmp / "shanxi_hourly_2019.parquet"
    pq.write_table(table, parquet, compression="zstd")
    src = sample_path("air", "china_sites_20190101.csv").read_text(encoding="utf-8")
    folder = tmp / "cnemc"
    folder.mkdir()
    files = []

    for d in range(days):
        day = (dt.date(2019, 1, 1) + dt.timedelta(days=d)).strftime("%Y%m%d")
        p = folder / f"china_sites_{day}.csv"
        p.write_text(src.replace("\n20190101,", f"\n{day},"), encoding="utf-8")
        files.append(p)
    return parquet, files


def _rates(fn: Callable[[], int], runs: int) -> dict[str, Any]:
    """Wall-clock rates and rates per CPU second of this process (the fair figure when other
    jobs share the machine)."""
    rates, cpu_rates = [], []
    n = 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        n = fn()
        rates.append(n / (time.perf_counter() - t0))
        cpu_rates.append(n / max(time.process_time() - c0, 1e-9))
    return {"station_hours": n, "median": statistics.median(rates), "min": min(rates),
            "max": max(rates), "cpu_median": statistics.median(cpu_rates), "runs": runs}


def run_benchmark(runs: int = 5, days: int = 7) -> dict[str, Any]:
    rules = rules_for("air_hourly")
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="ecoplan-bench-") as d:
        tmp = Path(d)
        parquet, daily = _prepare(tmp, days)

        def validate_files(files: list[Path]) -> int:
            n = 0
            for f in files:
                frame = read_air_file(f)
                sites = {c: c for c in frame["station_code"].unique()}
                validate(frame, rules, sites)
                n += len(frame)
            return n

        cases = [
            {"case": "parquet read+validate", **_rates(lambda: validate_files([parquet]), runs)},
            {"case": "cnemc csv read+validate", **_rates(lambda: validate_files(daily), runs)},
        ]
        counter: dict[str, float] = {"n": 0}

        def full_load(files: list[Path], national: bool) -> int:

            counter["n"] += 1
            home = tmp / f"ws{int(counter['n'])}"
            init_workspace(home, database_url=f"sqlite:///{home / 'meta.db'}")
            ws = Workspace(load_settings(home=home, database_url=f"sqlite:///{home / 'meta.db'}"))
            import_bundled(ws.engine, ("national",) if national else ("shanxi",))
            t0, c0 = time.perf_counter(), time.process_time()
            n = 0
            for f in files:
                s = ingest_file(ws, "air_hourly", f)
                n += s.rows_read
            # exclude workspace creation: report the rate of the loads only
            counter["load_seconds"] = time.perf_counter() - t0
            counter["cpu_seconds"] = time.process_time() - c0
            return n

        def timed_full(files: list[Path], national: bool) -> dict[str, Any]:
            rates, cpu_rates = [], []
            n = 0
            for _ in range(max(1, runs // 2 + 1)):
                n = full_load(files, national)
                rates.append(n / counter["load_seconds"])
                cpu_rates.append(n / max(counter["cpu_seconds"], 1e-9))
            return {"station_hours": n, "median": statistics.median(rates), "min": min(rates),
                    "max": max(rates), "cpu_median": statistics.median(cpu_rates),
                    "runs": len(rates)}

        cases.append({"case": "parquet full load", **timed_full([parquet], False)})
        cases.append({"case": "cnemc csv full load", **timed_full(daily, True)})
    return {"machine": _machine(), "runs": runs, "days": days, "cases": cases,
            "load_average_before": load_before, "load_average_after": list(os.getloadavg())}
