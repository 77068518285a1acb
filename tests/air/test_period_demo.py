"""The demo step ``compute_air_statistics`` on the real Shanxi 2019 year."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoplan.assess.air_pipeline import compute_air_statistics


@pytest.mark.slow
def test_compute_air_statistics(tmp_path: Path) -> None:
    summary = compute_air_statistics(output_dir=tmp_path)
    assert summary["cities"] == 11
    lv = summary["lvliang"]
    assert lv["pm25_mean"] == 40 and lv["valid_days"] == 350
    assert lv["good_day_ratio"] == 75.1 and lv["composite_rank"] == 5
    assert [Path(f).name for f in summary["files"]] == [
        "air_stats_2019_cities.csv", "air_stats_2019_lvliang_stations.csv"]
    assert summary["ranking"][0]["city"] == "大同市"
