"""The Parquet lake: partitioned atomic writes, batch roll-back, one pipeline on two engines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from ecoplan.errors import LakeError
from ecoplan.store.engine import Analytics
from ecoplan.store.lake import Lake


def _table() -> pa.Table:
    ts = [datetime(2019, 1, 31, 23), datetime(2019, 2, 1, 0), datetime(2019, 2, 1, 1),
          datetime(2020, 12, 31, 23)]
    return pa.table({
        "station_code": ["A", "A", "B", "B"],
        "timestamp": pa.array(ts, pa.timestamp("us")),
        "pm25": [10.0, 20.0, 30.0, None],
    })


def test_write_partitions_by_year_and_month(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    files = lake.write("air_hourly", _table(), batch="b1")
    rel = sorted(str(p.relative_to(tmp_path)) for p in files)
    assert rel == [
        "air_hourly/year=2019/month=1/part-b1-0000.parquet",
        "air_hourly/year=2019/month=2/part-b1-0001.parquet",
        "air_hourly/year=2020/month=12/part-b1-0002.parquet",
    ]
    assert lake.read_arrow("air_hourly").num_rows == 4
    assert lake.datasets() == ["air_hourly"]


def test_remove_batch_rolls_back(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("air_hourly", _table(), batch="keep")
    lake.write("air_hourly", _table(), batch="drop")
    assert lake.remove_batch("air_hourly", "drop") == 3
    assert lake.read_arrow("air_hourly").num_rows == 4


def test_temporaries_are_invisible_and_cleaned(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("air_hourly", _table(), batch="b1")
    leftover = tmp_path / "air_hourly" / "year=2019" / "month=1" / ".tmp-part-x-0000.parquet"
    leftover.write_bytes(b"partial")
    assert leftover not in lake.files("air_hourly")
    assert lake.remove_temporaries() == 1


def test_bad_names_are_refused(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with pytest.raises(LakeError):
        lake.write("../escape", _table())
    with pytest.raises(LakeError):
        lake.write("air_hourly", _table(), batch="a/b")
    with pytest.raises(LakeError):
        Analytics(lake).table("nothing_here")


def _pipeline(an: Analytics):  # one Ibis expression, run by either engine
    t = an.table("air_hourly")
    return t.group_by(["station_code", "year"]).agg(
        n=t.pm25.count(), mean=t.pm25.mean()
    ).order_by(["station_code", "year"])


def test_duckdb_reads_the_lake(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("air_hourly", _table(), batch="b1")
    an = Analytics(lake, "duckdb")
    df = an.execute(_pipeline(an)).fillna(-1.0)
    assert df.to_dict("records") == [
        {"station_code": "A", "year": 2019, "n": 2, "mean": 15.0},
        {"station_code": "B", "year": 2019, "n": 1, "mean": 30.0},
        {"station_code": "B", "year": 2020, "n": 0, "mean": -1.0},
    ]


@pytest.mark.spark
@pytest.mark.slow
def test_pyspark_gives_identical_results(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("air_hourly", _table(), batch="b1")
    duck = Analytics(lake, "duckdb")
    spark = Analytics(lake, "pyspark")
    a = duck.execute(_pipeline(duck)).astype({"n": "int64"})
    b = spark.execute(_pipeline(spark)).astype({"n": "int64"})
    assert a.fillna(-1).to_dict("records") == b.fillna(-1).to_dict("records")


def test_registered_frames_join_lake_tables(tmp_path: Path) -> None:
    import pandas as pd

    lake = Lake(tmp_path)
    lake.write("air_hourly", _table(), batch="b1")
    an = Analytics(lake, "duckdb")
    cities = an.register(pd.DataFrame({"station_code": ["A", "B"], "city": ["吕梁市", "太原市"]}))
    t = an.table("air_hourly")
    j = t.join(cities, "station_code")
    df = an.execute(j.group_by("city").agg(n=j.count()).order_by("city"))
    assert df.to_dict("records") == [{"city": "吕梁市", "n": 2}, {"city": "太原市", "n": 2}]
