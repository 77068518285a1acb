"""Whole-process timings for ``ecoplan bench air``: the user's command and two baselines.

Each is a separate Python process started the way a user starts it, timed from start to exit
(interpreter start, imports, reading the Parquet, computing, writing the CSV), with the peak
resident memory of that process:

* ``whole_process`` — ``ecoplan air stats <file> --period year --by station -o out.csv``;
* ``quick_duckdb`` — a straightforward DuckDB SQL script doing daily values (means of ≥ 20
  hours, O3 8-h moving means of ≥ 6 hours by a window function, daily maximum) and annual
  statistics (means, ``quantile_cont`` percentiles, valid days), written with ``COPY``: what
  an analyst would write in an afternoon, without HJ 663's exact rank percentiles, validity
  per month, AQI or composite index;
* ``pandas`` — the same statistics as an idiomatic pandas script (``groupby``, a time-based
  ``rolling('8h')`` per station, ``quantile``).

The baselines compute less than the command (no AQI, exact percentiles, month validity, ranks);
they are the yardstick of issue 23: the command must stay within 2× of the DuckDB script and
never be slower than the pandas one.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

QUICK_DUCKDB = r"""
import sys, duckdb
src, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute(f'''
CREATE TEMP TABLE daily AS
WITH h AS (
  SELECT station_code, CAST("timestamp" - INTERVAL 1 HOUR AS DATE) AS day,
         hour("timestamp" - INTERVAL 1 HOUR) + 1 AS label, pm25, pm10, so2, no2, co, o3,
         avg(o3) OVER w AS o3_8h, count(o3) OVER w AS n8
  FROM read_parquet('{src}')
  WINDOW w AS (PARTITION BY station_code ORDER BY "timestamp"
               RANGE BETWEEN INTERVAL 7 HOURS PRECEDING AND CURRENT ROW))
SELECT station_code, day,
       CASE WHEN count(pm25) >= 20 THEN avg(pm25) END AS pm25,
       CASE WHEN count(pm10) >= 20 THEN avg(pm10) END AS pm10,
       CASE WHEN count(so2) >= 20 THEN avg(so2) END AS so2,
       CASE WHEN count(no2) >= 20 THEN avg(no2) END AS no2,
       CASE WHEN count(co) >= 20 THEN avg(co) END AS co,
       max(o3_8h) FILTER (WHERE n8 >= 6 AND label >= 8) AS o3_8h
FROM h GROUP BY station_code, day''')
con.execute(f'''
COPY (SELECT station_code, year(day) AS year, count(*) AS days,
             avg(pm25) AS pm25_mean, quantile_cont(pm25, 0.95) AS pm25_p95,
             avg(pm10) AS pm10_mean, quantile_cont(pm10, 0.95) AS pm10_p95,
             avg(so2) AS so2_mean, quantile_cont(so2, 0.98) AS so2_p98,
             avg(no2) AS no2_mean, quantile_cont(no2, 0.98) AS no2_p98,
             quantile_cont(co, 0.95) AS co_p95, quantile_cont(o3_8h, 0.90) AS o3_8h_p90
      FROM daily GROUP BY ALL ORDER BY ALL) TO '{out}' (HEADER, DELIMITER ',')''')
"""

PANDAS = r"""
import sys
import pandas as pd
src, out = sys.argv[1], sys.argv[2]
h = pd.read_parquet(src)
h["day"] = (h["timestamp"] - pd.Timedelta(hours=1)).dt.floor("D")
h = h.sort_values(["station_code", "timestamp"])
roll = h.groupby("station_code").rolling("8h", on="timestamp", min_periods=6)["o3"].mean()
h["o3_8h"] = roll.reset_index(level=0, drop=True).to_numpy()
h.loc[(h["timestamp"] - pd.Timedelta(hours=1)).dt.hour + 1 < 8, "o3_8h"] = float("nan")
pols = ["pm25", "pm10", "so2", "no2", "co"]
g = h.groupby(["station_code", "day"])
daily = g[pols].mean().where(g[pols].count() >= 20)
daily["o3_8h"] = g["o3_8h"].max()
daily = daily.reset_index()
daily["year"] = daily["day"].dt.year
a = daily.groupby(["station_code", "year"])
stats = pd.concat({
    "days": a["day"].count(),
    **{f"{p}_mean": a[p].mean() for p in ["pm25", "pm10", "so2", "no2"]},
    "pm25_p95": a["pm25"].quantile(0.95), "pm10_p95": a["pm10"].quantile(0.95),
    "so2_p98": a["so2"].quantile(0.98), "no2_p98": a["no2"].quantile(0.98),
    "co_p95": a["co"].quantile(0.95), "o3_8h_p90": a["o3_8h"].quantile(0.90),
}, axis=1)
stats.to_csv(out)
"""

ECOPLAN = "import sys; from ecoplan.cli import main; sys.exit(main(sys.argv[1:]))"


def _timed(cmd: list[str]) -> dict[str, float]:
    """Wall-clock seconds, CPU seconds (user + system, all threads) and peak RSS (MiB) of one
    child process run to completion (on a shared machine the CPU seconds are the steadier
    figure)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, rusage = _wait(proc)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {err[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": rusage.ru_utime + rusage.ru_stime,
            "peak_rss_mib": rusage.ru_maxrss / 1024.0}


def _wait(proc: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage]:
    import os

    _, status, rusage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return status, rusage


def whole_process(path: Path, out: Path) -> dict[str, float]:
    """``ecoplan air stats`` on ``path`` as a user runs it."""
    return _timed([sys.executable, "-c", ECOPLAN, "air", "stats", str(path), "--period",
                   "year", "--by", "station", "-o", str(out)])


def quick_duckdb(path: Path, out: Path, threads: int) -> dict[str, float]:
    """The straightforward DuckDB SQL script."""
    return _timed([sys.executable, "-c", QUICK_DUCKDB, str(path), str(out), str(threads)])


def pandas_script(path: Path, out: Path) -> dict[str, float]:
    """The idiomatic pandas script."""
    return _timed([sys.executable, "-c", PANDAS, str(path), str(out)])
