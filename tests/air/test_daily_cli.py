"""``ecoplan air daily`` on hourly files and on a published daily-values table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.sample_data import sample_path


def test_air_daily_from_cnemc_hourly_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          ) -> None:
    out = tmp_path / "daily.csv"
    code = main(["air", "daily", str(sample_path("air", "china_sites_20190101.csv")),
                 "-o", str(out), "--json"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    frame = pd.read_csv(out)
    assert summary["mode"] == "hourly" and summary["rows"] == len(frame)
    # hours 01…23 of 2019-01-01 are 23 of the 24 hours of the CNEMC day: valid (≥ 20 hours)
    day = frame[frame.date == "2019-01-01"]
    assert day.pm25.notna().sum() > 1000 and day.aqi.notna().sum() > 1000
    # the 00:00 row belongs to 2018-12-31: one hour only, no valid daily value
    assert frame[frame.date == "2018-12-31"].pm25.isna().all()


def test_air_daily_from_daily_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "published.csv"
    src.write_text("date,site,PM2.5,PM10,SO2,NO2,CO,O3_8h\n"
                   "2019-01-05,天津,117,170,40,72,2.2,21\n"
                   "2019-01-06,天津,30,50,10,20,0.5,60\n", encoding="utf-8")
    out = tmp_path / "aqi.csv"
    code = main(["air", "daily", str(src), "-o", str(out), "--json"])
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["mode"] == "daily_table"
    frame = pd.read_csv(out)
    assert frame.aqi.tolist() == [153, 50]
    assert frame.iaqi_co.tolist()[0] == 55


def test_air_daily_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["air", "daily", "/nonexistent/file.csv"])
    assert code == 1
    assert "nonexistent" in capsys.readouterr().err
