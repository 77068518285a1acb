"""``ecoplan air aqi`` reproduces every AQI CNEMC published, in the 2012 and the 2026 era.

Data: ``ecoplan/sample_data/air/china_sites_20190101.csv`` (HJ 633-2012 era, 1,468 stations ×
24 h) and ``cnemc_live_2026-03-10T09_rows001-076.csv`` (HJ 633-2026 era) — provenance in
``ecoplan/sample_data/PROVENANCE.md``. The expected values are the published ones, read by the
project's reader (``published_aqi``, ``published_primary_pollutant``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.ingest.readers.air import read_air_file
from ecoplan.sample_data import sample_path

SITES_2019 = sample_path("air/china_sites_20190101.csv")
LIVE_2026 = sample_path("air/cnemc_live_2026-03-10T09_rows001-076.csv")
#: The next 76 rows of the same release (tests/data/air/PROVENANCE.md).
LIVE_2026_B = Path(__file__).parents[1] / "data" / "air" / "cnemc_live_2026-03-10T09_rows077-152.csv"
#: The first 152 rows of the 15:00 release of the same day.
LIVE_2026_C = Path(__file__).parents[1] / "data" / "air" / "cnemc_live_2026-03-10T15_rows001-152.csv"
#: CNEMC display names of primary pollutants → the codes ``air aqi`` writes.
CNEMC_NAMES = {"细颗粒物(PM2.5)": "PM2.5", "颗粒物(PM10)": "PM10", "二氧化硫": "SO2",
               "二氧化氮": "NO2", "一氧化碳": "CO", "臭氧1小时": "O3", "臭氧8小时": "O3"}


def _run(src: Path, out: Path, *args: str) -> pd.DataFrame:
    assert main(["air", "aqi", str(src), "-o", str(out), *args]) == 0
    ours = pd.read_csv(out, dtype={"station_code": str}, keep_default_na=True)
    published = read_air_file(src)
    published = published.assign(
        station_code=published.station_code.astype(str),
        timestamp=published.timestamp.dt.strftime("%Y-%m-%d %H:%M"),
    )
    merged = published.merge(ours, on=["station_code", "timestamp"], how="left",
                             validate="one_to_one")
    assert len(merged) == len(ours) == len(published)
    return merged


def test_2019_every_published_hourly_aqi(tmp_path: Path) -> None:
    m = _run(SITES_2019, tmp_path / "aqi2019.csv")
    pub = m.published_aqi.notna()
    assert pub.sum() == 32018
    assert (m.aqi[pub] == m.published_aqi[pub]).all()  # 100 %
    assert set(m.ruleset) == {2012}
    assert m.timestamp.min() == "2019-01-01 00:00" and m.timestamp.max() == "2019-01-01 23:00"
    # HJ 633-2012 era: an AQI is computed from the pollutants available (no §5.3.1 rule);
    # 467 station-hours with data have no published AQI (387 of them have no value at all).
    assert (m.aqi.notna() & ~pub).sum() == 467
    assert m.aqi.isna().sum() == 387 and (m.aqi.isna() & pub).sum() == 0


@pytest.mark.parametrize(("src", "n_published"),
                         [(LIVE_2026, 72), (LIVE_2026_B, 75), (LIVE_2026_C, 151)],
                         ids=["09h-rows001-076", "09h-rows077-152", "15h-rows001-152"])
def test_2026_live_snapshot_every_value_and_withholding(tmp_path: Path, src: Path,
                                                        n_published: int) -> None:
    m = _run(src, tmp_path / "aqi2026.csv")
    pub = m.published_aqi.notna()
    assert pub.sum() == n_published
    assert (m.aqi[pub] == m.published_aqi[pub]).all()
    assert m.aqi[~pub].isna().all()  # §5.3.1: withheld exactly where CNEMC withheld it
    assert set(m.ruleset) == {2026}
    for ours, theirs in zip(m.primary_pollutants[pub], m.published_primary_pollutant[pub],
                            strict=True):
        want = set() if pd.isna(theirs) else {CNEMC_NAMES[n] for n in theirs.split(",")}
        got = set() if pd.isna(ours) else set(ours.split(","))
        assert got == want
    by_station = m.set_index("station_code")
    if src == LIVE_2026:
        # 安庆 2291A: PM2.5 68 μg/m³ → 108 under HJ 633-2026 (92 under 2012) — reference §1.6
        assert by_station.loc["2291A", "aqi"] == 108
        # 1957A: SO2 and CO marked "/" (not monitored, §5.3.2) — published regardless
        assert by_station.loc["1957A", "aqi"] == 125
    elif src == LIVE_2026_C:
        # only PM10 missing and AQI ≤ 100, published anyway: 3400A (23), 1336A (92)
        assert by_station.loc["3400A", "aqi"] == 23 and by_station.loc["1336A", "aqi"] == 92
        assert pd.isna(by_station.loc["2648A", "aqi"])  # CO missing, AQI ≤ 100 → withheld
    else:
        # 1869A 北海: only PM10 missing, AQI 18 published (the feed's practice, see docs)
        assert by_station.loc["1869A", "aqi"] == 18
        # 1127A: SO2 and O3 missing, AQI ≤ 100 → withheld (§5.3.1)
        assert pd.isna(by_station.loc["1127A", "aqi"])
        # 1342A: CO missing but AQI 114 > 100 → published
        assert by_station.loc["1342A", "aqi"] == 114


def test_2026_letter_of_5_3_1_and_forced_2012(tmp_path: Path) -> None:
    m = _run(LIVE_2026, tmp_path / "letter.csv", "--publication", "hj633")
    pub = m.published_aqi.notna()
    # the two rows where CNEMC published despite a missing PM10 (AQI 25 and 30)
    deviating = m[pub & m.aqi.isna()]
    assert sorted(deviating.station_code) == ["3124A", "3994A"]
    forced = _run(LIVE_2026, tmp_path / "forced.csv", "--rules", "2012")
    share = (forced.aqi[pub] == forced.published_aqi[pub]).mean()
    assert share < 0.5  # the 2012 PM breakpoints do not reproduce the 2026 feed
    assert set(forced.ruleset) == {2012}


def test_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["air", "aqi", str(LIVE_2026), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == 76 and data["rulesets"] == {"2026": 76}
    assert len(data["records"]) == 76 and data["records"][0]["timestamp"] == "2026-03-10 09:00"
    assert main(["air", "aqi", str(tmp_path / "nope.csv")]) == 1
    assert main(["air", "aqi", str(LIVE_2026), "--rules", "2030"]) != 0
    bad = tmp_path / "bad.csv"
    bad.write_text("station_code,timestamp,PM2.5,PM10,SO2,NO2,O3,CO\n1001A,2025-01-01 01:00,"
                   "abc,1,1,1,1,1\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["air", "aqi", str(bad), "-o", str(tmp_path / "o.csv"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # the bad value is reported with file, row and field; the row is kept, its PM2.5 missing
    assert [(p["row"], p["field"]) for p in report["problems"]] == [(2, "PM2.5")]
    row = pd.read_csv(tmp_path / "o.csv").iloc[0]
    assert pd.isna(row.iaqi_pm25) and row.aqi == 10 and not row.complete


@pytest.mark.slow
def test_shanxi_2019_real_year(tmp_path: Path) -> None:
    """The bundled real year (59 Shanxi stations, 479,205 station-hours, canonical format)."""
    src = sample_path("realdata/shanxi_hourly_2019.csv.gz")
    m = _run(src, tmp_path / "shanxi.csv")
    pub = m.published_aqi.notna()
    assert pub.sum() == 471941
    wrong = m[pub & (m.aqi != m.published_aqi)]
    # every miss is in the two hours where the source file lacks the pollutant rows
    # (all six values, or all but PM2.5, absent while an AQI is listed)
    assert len(wrong) == 55
    assert set(wrong.timestamp) == {"2019-02-20 07:00", "2019-04-24 23:00"}
    assert wrong[["so2", "no2", "co", "o3", "pm10"]].isna().all().all()
    full = pub & m[["so2", "no2", "co", "o3", "pm10", "pm25"]].notna().all(axis=1)
    assert (m.aqi[full] == m.published_aqi[full]).all()  # 100 % where the inputs are there


def test_canonical_parquet_with_chinese_headers(tmp_path: Path) -> None:
    """The canonical hourly table (Parquet, Chinese headers) gives the same AQIs as the feed."""
    live = read_air_file(LIVE_2026)
    table = pd.DataFrame({
        "站点编码": live.station_code.astype(str),
        "时间": live.timestamp,
        "细颗粒物": live.pm25, "PM10": live.pm10, "二氧化硫": live.so2, "NO2": live.no2,
        "臭氧": live.o3, "一氧化碳(mg/m³)": live.co,
    })
    src = tmp_path / "hourly.parquet"
    table.to_parquet(src)
    assert main(["air", "aqi", str(src), "-o", str(tmp_path / "p.csv"), "--rules", "auto"]) == 0
    ours = pd.read_csv(tmp_path / "p.csv", dtype={"station_code": str})
    assert ours.station_code.tolist() == table["站点编码"].tolist()  # input order kept
    pub = live.published_aqi.notna().to_numpy()
    assert (ours.aqi.to_numpy()[pub] == live.published_aqi.to_numpy()[pub]).all()


@pytest.mark.spark
@pytest.mark.slow
def test_air_aqi_on_pyspark_equals_duckdb(tmp_path: Path) -> None:
    a, b = tmp_path / "duckdb.csv", tmp_path / "spark.csv"
    assert main(["air", "aqi", str(LIVE_2026), "-o", str(a), "--engine", "duckdb"]) == 0
    assert main(["air", "aqi", str(LIVE_2026), "-o", str(b), "--engine", "pyspark"]) == 0
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
