"""``ecoplan air stats`` on the real Shanxi year (per station and per city)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.sample_data import sample_path


@pytest.mark.slow
def test_air_stats_by_city_real_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cities.csv"
    code = main(["air", "stats", str(sample_path("realdata", "shanxi_hourly_2019.csv.gz")),
                 "--period", "year", "--by", "city", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out).set_index("city")
    assert len(frame) == 11  # the 11 prefecture-level cities of Shanxi
    lv, ty = frame.loc["吕梁市"], frame.loc["太原市"]
    # plausibility: Shanxi 2019 PM2.5 annual means 30–70 μg/m³, Taiyuan dirtier than Lüliang
    assert 30 <= lv.pm25_mean <= 50 and 45 <= ty.pm25_mean <= 65
    assert ty.good_day_ratio < lv.good_day_ratio
    assert frame.composite_rank.min() == 1 and frame.composite_rank.max() == 11
    assert (frame.valid_days > 330).all()


def test_air_stats_month_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["air", "stats", str(sample_path("air", "china_sites_20190101.csv")),
                 "--period", "month", "--json"])
    assert code == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    rows = [r for r in data["records"] if r["period"] == "2019-01"]
    assert len(rows) > 1000
    assert not any(r["pm25_valid"] for r in rows)  # one day cannot make a valid month
    assert all(r["period"] != "2018-12" for r in data["records"])  # empty periods dropped


def test_air_stats_bad_period(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["air", "stats", str(sample_path("air", "china_sites_20190101.csv")),
                 "--period", "decade"])
    assert code != 0
