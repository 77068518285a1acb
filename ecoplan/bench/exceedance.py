"""Benchmark of the exceedance rule: a synthetic year of hourly CEMS values (``online_monitoring``
schema) for N outlets × 3 pollutants, judged against one permit limit each."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ecoplan.ingest.pipeline import online_schema
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import sources as S
from ecoplan.supervision.exceedance_report import find_exceedances


def _lake_rows(outlets: int, year: int) -> Any:
    rng = np.random.default_rng(20261128)
    hours = pd.date_range(f"{year}-01-01", f"{year}-12-31 23:00", freq="h").values
    params = ("so2", "nox", "smoke")
    n = outlets * len(params) * len(hours)
    outlet = np.repeat([f"BENCH-DA{i:03d}" for i in range(outlets)], len(params) * len(hours))
    parameter = np.tile(np.repeat(params, len(hours)), outlets)
    t = np.tile(hours, outlets * len(params)).astype("datetime64[us]")
    value = rng.lognormal(mean=2.8, sigma=0.5, size=n)  # around 16 mg/m³, tail above 35
    flag = np.where(rng.random(n) < 0.03, "hj212:M", None)
    frame = pd.DataFrame({
        "outlet": outlet, "enterprise": "BENCH", "mn": None, "interval": "hour", "time": t,
        "parameter": parameter, "value": value, "min": value * 0.9, "max": value * 1.1,
        "cou": None, "zs_value": value * 1.05, "unit": "mg/m³", "cou_unit": None,
        "flag": flag, "code": None, "batch": 0, "source_row": np.arange(n)})
    return pa.Table.from_pandas(frame, schema=online_schema(), preserve_index=False)


def register_outlets(ws: Workspace, outlets: int, year: int, limits: dict[str, float]) -> None:
    """The benchmark enterprise, its permit (from ``year``) and ``outlets`` flue-gas outlets
    ``BENCH-DA000`` … with one limit per parameter."""
    with ws.session() as s:
        body = "91141122BENCH0001"
        code = body + S.credit_code_check_character(body)
        S.add_enterprise(s, code, "基准测试企业")
        S.add_permit(s, "BENCH-P", code, date(year, 1, 1), date(year + 4, 12, 31), "key")
        for i in range(outlets):
            S.add_outlet(s, f"BENCH-DA{i:03d}", code, "flue_gas")
            for p, lim in limits.items():
                S.add_permit_limit(s, "BENCH-P", S.LimitInput(f"BENCH-DA{i:03d}", p, lim,
                                                              "mg/m³", "bench"))


def run(outlets: int = 50, runs: int = 3, year: int = 2025, engine: str = "duckdb"
        ) -> dict[str, Any]:
    """Build a temporary workspace, load the synthetic year, time :func:`find_exceedances`."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        init_workspace(home)
        ws = Workspace(load_settings(home=home))
        table = _lake_rows(outlets, year)
        ws.lake.write("online_monitoring", table, batch="bench", time_column="time")
        register_outlets(ws, outlets, year, {"so2": 35, "nox": 50, "smoke": 30})
        times, res = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            res = find_exceedances(ws, date(year, 1, 1), date(year, 12, 31), engine=engine)
            times.append(time.perf_counter() - t0)
        ws.engine.dispose()
    assert res is not None
    return {"rows": table.num_rows, "outlets": outlets, "limits": res.limits,
            "exceedance_hours": len(res.exceedances), "episodes": len(res.episodes),
            "engine": engine, "runs": [round(x, 3) for x in times],
            "median_s": round(statistics.median(times), 3),
            "rows_per_s": round(table.num_rows / statistics.median(times))}
