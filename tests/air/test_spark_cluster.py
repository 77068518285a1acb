"""A real Spark standalone cluster (a master and two workers on 127.0.0.1, started from the
installed PySpark distribution) runs the air checks with the executors reading the input files
and the lake themselves; every result must be identical to DuckDB's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.sample_data import sample_path
from ecoplan.store import spark_session as S
from ecoplan.store.spark_cluster import StandaloneCluster

pytestmark = [pytest.mark.spark, pytest.mark.slow]

CNEMC_DAY = sample_path("air", "china_sites_20190101.csv")
SHANXI_YEAR = sample_path("realdata", "shanxi_hourly_2019.csv.gz")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    """Master + 2 workers (1 core, 1 GiB each); stopped afterwards, also when a test fails."""
    S.stop_session()  # a local session of an earlier test would otherwise be reused
    c = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"), workers=2, cores=1,
                          memory="1g").start()
    mp = pytest.MonkeyPatch()
    mp.setenv("ECOPLAN_SPARK_EXECUTOR_MEMORY", "640m")
    # 2 cores in all; short-lived JVMs on a shared machine: quick JIT, one GC thread
    jvm = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    mp.setenv("ECOPLAN_SPARK_CONF", f"spark.sql.shuffle.partitions=2;"
              f"spark.driver.extraJavaOptions={jvm};spark.executor.extraJavaOptions={jvm}")
    try:
        yield c
    finally:
        S.stop_session()
        S.use_master(None)
        mp.undo()
        c.stop()


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", *args])
    assert code == 0, capsys.readouterr().err


def _same(a: Path, b: Path, keys: list[str]) -> pd.DataFrame:
    left = pd.read_csv(a).sort_values(keys).reset_index(drop=True)
    right = pd.read_csv(b).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_exact=True)
    return left


def test_cluster_runs_the_shipped_code(cluster: StandaloneCluster) -> None:
    session = S.spark_session(cluster.master_url)
    assert session.sparkContext.master == cluster.master_url
    origins = S.executor_code_origin(session)
    # the executors import ecoplan from the zip the driver shipped, not from this checkout
    assert origins and all(".zip" in o and o.endswith("ecoplan") for o in origins), origins
    state = cluster.state()
    assert state is not None and cluster.alive_workers(state) == 2
    apps = [a for a in state["activeapps"] if a["name"] == "ecoplan"]  # type: ignore[union-attr]
    assert apps and apps[0]["cores"] == 2  # both workers' cores serve the session


def test_hourly_aqi_of_a_cnemc_day_on_the_cluster(cluster: StandaloneCluster, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spark, duck = tmp_path / "spark.csv", tmp_path / "duck.csv"
    _run(["air", "aqi", str(CNEMC_DAY), "--engine", "spark", "--master", cluster.master_url,
          "-o", str(spark)], capsys)
    assert S.current_master() == cluster.master_url
    _run(["air", "aqi", str(CNEMC_DAY), "--engine", "duckdb", "-o", str(duck)], capsys)
    out = _same(spark, duck, ["station_code", "timestamp"])
    assert len(out) == 32872 and out["station_code"].nunique() == 1468
    assert out["aqi"].notna().sum() == 32485


def test_shanxi_year_statistics_on_the_cluster(cluster: StandaloneCluster, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The real Shanxi 2019 year of two cities (Taiyuan's 9 and Lüliang's 3 stations, a
    quarter of the province's 479,205 station-hours, to keep the test within its time
    budget on two shared cores) as canonical Parquet read by the executors: annual statistics
    per city identical to DuckDB's (the whole province: docs/performance.md)."""
    year = pd.read_csv(SHANXI_YEAR, dtype={"station_code": str}, parse_dates=["timestamp"])
    part = tmp_path / "taiyuan_lvliang_2019.parquet"
    year[year.city.isin(["太原市", "吕梁市"])].to_parquet(part, index=False)
    spark, duck = tmp_path / "spark.csv", tmp_path / "duck.csv"
    common = ["--period", "year", "--by", "city"]
    _run(["air", "stats", str(part), *common, "--engine", "spark", "--master",
          cluster.master_url, "-o", str(spark)], capsys)
    _run(["air", "stats", str(part), *common, "-o", str(duck)], capsys)
    out = _same(spark, duck, ["city"]).set_index("city")
    assert len(out) == 2 and out.loc["太原市", "composite_index"] == 6.49
    assert out.loc["吕梁市", "composite_index"] == 5.49


def test_executors_check_the_values(cluster: StandaloneCluster, tmp_path: Path) -> None:
    """Renaming, units and checks run on the executors; only counts and examples come back."""
    from ecoplan.ingest.readers.spark_air import scan_air_file

    path = tmp_path / "hours.csv"
    path.write_text("监测点编码,时间,PM2.5(μg/m³),一氧化碳(μg/m³)\n"
                    "1001A,2026-03-10 01:00,35,800\n"
                    "1001A,2026-03-10 02:00,abc,—\n"
                    "1001A,not a time,12,900\n"
                    ",2026-03-10 03:00,40,1000\n", encoding="utf-8")
    scan = scan_air_file(S.spark_session(cluster.master_url), path)
    rows = scan.frame.orderBy("timestamp").collect()
    assert [(r.station_code, r.pm25, r.co) for r in rows] == [("1001A", 35.0, 0.8),
                                                              ("1001A", None, None)]
    kinds = {p.code: p for p in scan.problems}
    assert set(kinds) == {"missing_station", "bad_timestamp", "not_a_number"}
    assert kinds["not_a_number"].value == "abc" and kinds["not_a_number"].field == "PM2.5(μg/m³)"
    assert kinds["bad_timestamp"].value == "not a time" and scan.rows == 4
