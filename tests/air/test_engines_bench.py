"""``ecoplan bench air`` runs end to end on a tiny generated year (figures are not asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ecoplan.bench.air_engines import generate
from ecoplan.cli import main


def test_generated_data_shape(tmp_path: Path) -> None:
    path = tmp_path / "h.parquet"
    rows = generate(path, 2, missing_days=3)
    table = pq.read_table(path)
    assert rows == table.num_rows == 2 * (8760 - 3 * 24)
    assert table.column_names == ["station_code", "timestamp", "pm25", "pm10", "so2", "no2",
                                  "o3", "co"]
    missing = table.column("pm25").null_count / rows
    assert 0.02 < missing < 0.04


@pytest.mark.slow
def test_bench_air_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "new" / "folder"  # made if missing
    code = main(["bench", "air", "--stations", "2", "--runs", "1", "--no-hourly", "--json",
                 "--workdir", str(work)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    for key in ("stations", "rows", "read_sum_seconds", "evaluation_seconds", "ratio",
                "peak_rss_mib"):
        assert key in data
    assert data["stations"] == 2 and data["rows"] == 2 * (8760 - 3 * 24)
    assert data["evaluation_seconds"] > 0 and data["ratio"] > 0
    # the user's command and the two baselines, as processes, side by side in the same run
    for key in ("whole_process", "quick_duckdb", "pandas"):
        assert data[f"{key}_seconds"] > 0 and data[f"{key}_cpu_seconds"] > 0
        assert data[f"{key}_peak_rss_mib"] > 0 and len(data[f"{key}_runs_seconds"]) == 1
    assert data["whole_process_vs_quick_duckdb"] > 0 and data["whole_process_vs_pandas"] > 0
    assert work.is_dir() and not any(work.iterdir())  # the generated data are removed
