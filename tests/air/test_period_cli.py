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
    # assessment stations only (环办〔2014〕64号 三(一)): the 对照点 1083A, 1721A, 2165A are out
    assert ty.n_stations == 8 and "1083A" not in ty.stations_used
    assert (frame.station_set == "assessment").all() and (frame.dust_convention == "none").all()
    assert (ty.composite_index, ty.pm25_mean, ty.good_day_ratio) == (6.49, 57, 52.3)
    assert frame.loc["大同市", "composite_index"] == 5.06 and frame.loc["晋城市", "n_stations"] == 5
    assert lv.aqi_incomplete_days == 9 and lv.composite_index == 5.49


@pytest.mark.slow
def test_air_stats_monthly_city_ranking_real_year(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The monthly city composite index and ranking of docs/air-statistics.md §6 (pinned)."""
    out, md = tmp_path / "months.csv", tmp_path / "months.md"
    code = main(["air", "stats", str(sample_path("realdata", "shanxi_hourly_2019.csv.gz")),
                 "--period", "month", "--by", "city", "--rank", "-o", str(out),
                 "--markdown", str(md)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out).set_index(["period", "city"])
    assert len(frame) == 132
    # ties share a rank and the next rank is skipped (并列): February 忻州 = 晋中 = 7.03
    feb = frame.loc["2019-02"]
    assert feb.loc["忻州市", "composite_index"] == feb.loc["晋中市", "composite_index"] == 7.03
    assert feb.loc["忻州市", "composite_rank"] == feb.loc["晋中市", "composite_rank"] == 4
    assert feb.loc["长治市", "composite_rank"] == 6 and 5 not in set(feb.composite_rank)
    assert (frame.loc[("2019-01", "吕梁市"), ["composite_index", "composite_rank"]].tolist()
            == [8.51, 3])
    assert frame.loc[("2019-08", "大同市"), "composite_rank"] == 1 == frame.loc[
        ("2019-08", "忻州市"), "composite_rank"]
    oct_ = frame.loc["2019-10"].composite_rank
    pub = _published_rankings()
    for r in pub[pub.period == "2019-10"].itertuples():  # the published October notice
        assert oct_[r.city] == r.ecoplan_rank, r.city
        expected = r.position if r.list == "best" else 12 - r.position
        assert (oct_[r.city] == expected) == bool(r.agrees), r.city
    text = md.read_text(encoding="utf-8")
    assert "| 吕梁市 | 8.51 (3) | 6.36 (3) |" in text and "station_set=assessment" in text


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


def _published_rankings() -> pd.DataFrame:
    path = Path(__file__).resolve().parent.parent / "data" / "air" / (
        "shanxi_2019_published_rankings.csv")
    return pd.read_csv(path, comment="#")


@pytest.mark.slow
def test_shanxi_published_rankings_jan_oct_2019(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Places of the published 1—10月 2019 ranking the recomputation reproduces."""
    out = tmp_path / "jan_oct.csv"
    code = main(["air", "stats", str(sample_path("realdata", "shanxi_hourly_2019.csv.gz")),
                 "--period", "range", "--start", "2019-01-01", "--end", "2019-10-31",
                 "--by", "city", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    ranks = pd.read_csv(out).set_index("city").composite_rank
    pub = _published_rankings()
    for r in pub[pub.period == "2019-01/2019-10"].itertuples():
        assert ranks[r.city] == r.ecoplan_rank, r.city
        expected = r.position if r.list == "best" else 12 - r.position
        assert (ranks[r.city] == expected) == bool(r.agrees), r.city
