"""The air readers on the real bundled files and on small broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecoplan.errors import InputFileError
from ecoplan.ingest.readers import read_air_file
from ecoplan.ingest.readers.air import detect_format
from ecoplan.sample_data import sample_path

CHINA_SITES = sample_path("air", "china_sites_20190101.csv")
LIVE = sample_path("air", "cnemc_live_2026-03-10T09_rows001-076.csv")
REAL = sample_path("realdata", "shanxi_hourly_2019.csv.gz")


def test_china_sites_hour_zero_is_labelled_midnight_hour_ending() -> None:
    f = read_air_file(CHINA_SITES)
    assert f.attrs["format"] == "cnemc_china_sites"
    assert f.attrs["problems"] == []
    row = f[(f.station_code == "1001A") & (f.timestamp == pd.Timestamp("2019-01-01 00:00"))]
    assert len(row) == 1
    r = row.iloc[0]
    # line "20190101,0,PM2.5,53,..." and "20190101,0,AQI,73,..." of the real file
    assert (r.pm25, r.published_aqi) == (53.0, 73.0)
    assert f.timestamp.max() == pd.Timestamp("2019-01-01 23:00")
    # the real 1081A row of the Shanxi year for the same hour comes from the same release
    assert f[(f.station_code == "1081A") & (f.timestamp == pd.Timestamp("2019-01-01"))
             ].iloc[0].pm25 == 317.0


def test_china_sites_agrees_with_the_bundled_real_year() -> None:
    wide = read_air_file(CHINA_SITES)
    year = read_air_file(REAL)
    day = year[year.timestamp < pd.Timestamp("2019-01-02")]
    merged = day.merge(wide, on=["station_code", "timestamp"], suffixes=("", "_w"))
    assert len(merged) == len(day) > 1000
    for p in ("pm25", "pm10", "so2", "no2", "o3", "co", "published_aqi"):
        a, b = merged[p].to_numpy(), merged[f"{p}_w"].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)])


def test_live_snapshot_markers() -> None:
    f = read_air_file(LIVE)
    assert f.attrs["format"] == "cnemc_live"
    assert len(f) == 76
    assert (f.timestamp == pd.Timestamp("2026-03-10 09:00")).all()
    r = f[f.station_code == "1957A"].iloc[0]
    assert r.not_monitored == "so2,co" and np.isnan(r.so2)
    r = f[f.station_code == "3994A"].iloc[0]  # PM10 "NA" = missing, not "not monitored"
    assert np.isnan(r.pm10) and r.not_monitored is None
    assert f[f.station_code == "2695A"].iloc[0].published_primary_pollutant == "颗粒物(PM10)"


def test_real_year_reads_completely() -> None:
    f = read_air_file(REAL)
    assert len(f) == 479_205 and f.attrs["problems"] == []
    assert f.station_code.nunique() == 59


def test_canonical_chinese_headers_units_and_gbk(tmp_path: Path) -> None:
    p = tmp_path / "dept.csv"
    text = ("站点编码,时间,PM2.5(μg/m3),PM10,二氧化硫,二氧化氮,臭氧,一氧化碳(μg/m3)\n"
            "2183A,2021-05-01 24:00,35,60,8,20,100,800\n"
            "2183A,2021/05/02 01:00,abc,61,8,20,100,900\n")
    p.write_bytes(text.encode("gbk"))
    f = read_air_file(p)
    assert f.attrs["encoding"] == "gb18030"
    assert list(f.timestamp) == [pd.Timestamp("2021-05-02 00:00"), pd.Timestamp("2021-05-02 01:00")]
    assert f.co.tolist() == [0.8, 0.9]  # μg/m³ converted to mg/m³
    (prob,) = f.attrs["problems"]
    assert (prob.row, prob.field, prob.value, prob.frame_index) == (3, "PM2.5(μg/m3)", "abc", 1)


def test_truncated_line_is_a_located_problem(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffstation_code,timestamp,pm25,pm10\n1001A,2019-01-01 01:00,3,4\n\n"
                  "1001A,2019-01-01 02:00\n1001A,2019-01-01 03:00,5,6\n".encode())
    f = read_air_file(p)
    assert f.attrs["encoding"] == "utf-8-sig"
    assert f.source_row.tolist() == [2, 5]
    (prob,) = f.attrs["problems"]
    assert prob.whole_row and prob.row == 4
    assert f.attrs["rows_read"] == 3


def test_missing_required_column_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError) as exc:
        read_air_file(p)
    assert "x.csv" in exc.value.message("en") and "station_code" in exc.value.message("en")
    assert detect_format(CHINA_SITES) == "cnemc_china_sites"


def test_folder_of_daily_files_streams_with_progress(tmp_path: Path) -> None:
    from ecoplan.ingest.readers import read_air_folder

    src = CHINA_SITES.read_text(encoding="utf-8")
    for day in ("20190101", "20190102"):
        (tmp_path / f"china_sites_{day}.csv").write_text(src.replace("\n20190101,", f"\n{day},"),
                                                         encoding="utf-8")
    seen: list[tuple[int, int, str]] = []
    frames = list(read_air_folder(tmp_path, lambda d, t, f: seen.append((d, t, f.name))))
    assert [f.name for f, _ in frames] == ["china_sites_20190101.csv", "china_sites_20190102.csv"]
    assert seen == [(1, 2, "china_sites_20190101.csv"), (2, 2, "china_sites_20190102.csv")]
    assert frames[1][1].timestamp.min() == pd.Timestamp("2019-01-02 00:00")


def test_time_zones_date_hour_columns_and_parquet(tmp_path: Path) -> None:
    p = tmp_path / "tz.csv"
    p.write_text("code,datetime,pm25\n1001A,2019-01-01T00:00:00Z,5\n1001A,2019-01-01T09:00+08:00,6\n"
                 "1001A,2019-01-01T0900,7\n", encoding="utf-8")
    f = read_air_file(p)
    assert list(f.timestamp) == [pd.Timestamp("2019-01-01 08:00")] + [
        pd.Timestamp("2019-01-01 09:00")] * 2
    p = tmp_path / "dh.csv"
    p.write_text("监测点编码,日期,小时,PM2.5,AQI,O3_8h_24h\n1001A,2019-01-01,7,5,10,30\n",
                 encoding="utf-8")
    r = read_air_file(p).iloc[0]
    assert (r.timestamp, r.published_aqi, r.published_o3_8h_24h) == (
        pd.Timestamp("2019-01-01 07:00"), 10.0, 30.0)
    import pyarrow as pa
    import pyarrow.parquet as pq

    q = tmp_path / "x.parquet"
    pq.write_table(pa.table({"station_code": ["1001A"], "timestamp": pa.array(
        [pd.Timestamp("2019-01-01 00:00", tz="UTC")], pa.timestamp("us", tz="UTC")),
        "pm25": [1.0]}), q)
    assert read_air_file(q).timestamp.tolist() == [pd.Timestamp("2019-01-01 08:00")]
