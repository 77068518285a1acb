"""``ecoplan bench water``: the real-time single-factor classification (5 items) on generated
samples (figures in docs/performance.md)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

from ecoplan.standards.water_realtime import classify_realtime


def run_benchmark(rows: int = 1_000_000, repeat: int = 5) -> dict[str, Any]:
    """Median time of :func:`classify_realtime` over ``rows`` random samples (seed 42)."""
    rng = np.random.default_rng(42)
    wide = pd.DataFrame({
        "ph": rng.uniform(5.5, 9.5, rows), "do": rng.uniform(0.5, 12, rows),
        "codmn": rng.uniform(0.5, 20, rows), "nh3_n": rng.uniform(0.01, 3, rows),
        "tp": rng.uniform(0.005, 0.6, rows),
        "waterbody": np.where(rng.random(rows) < 0.1, "lake", "river"),
    })
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        classify_realtime(wide)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"rows": rows, "runs": repeat, "median_s": round(med, 3),
            "rows_per_s": int(rows / med)}
