"""The ingestion benchmark runs end to end (figures go to docs/performance.md, not asserted)."""

from __future__ import annotations

import pytest

from ecoplan.bench.ingest import run_benchmark


@pytest.mark.slow
def test_benchmark_runs_all_cases() -> None:
    result = run_benchmark(runs=1, days=1)
    cases = {c["case"]: c for c in result["cases"]}
    assert set(cases) == {"parquet read+validate", "cnemc csv read+validate",
                          "parquet full load", "cnemc csv full load"}
    assert cases["parquet full load"]["station_hours"] == 479_205
    # one real china_sites day: 1,600 stations × 24 h, station-hours with any value
    assert cases["cnemc csv read+validate"]["station_hours"] == 32_872
    assert all(c["median"] > 0 and c["cpu_median"] > 0 for c in cases.values())
