"""The scan's census from a Parquet file's own metadata (statistics and dictionaries) equals the
engine's count, and gives way to it whenever the metadata cannot say
(``ecoplan/ingest/readers/air_scan.py``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.ingest.readers import air_scan
from ecoplan.ingest.readers.air_scan import scan_hourly, scan_plan
from ecoplan.store.engine import connect
from tests.air.test_fast_parity import _write, edge_case_hours


def _engine_census(path: Path) -> air_scan._Census | None:
    plan = scan_plan(path)
    assert plan is not None
    saved = air_scan._metadata_census
    air_scan._metadata_census = lambda *_: None  # type: ignore[assignment]
    try:
        return air_scan._rows_clean(connect("duckdb"), plan, path)
    finally:
        air_scan._metadata_census = saved


def test_metadata_census_equals_the_engines(tmp_path: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=4, months=3), tmp_path)
    table = pq.read_table(pq_path)
    for name, kwargs in (("groups.parquet", {"row_group_size": 997}),
                         ("ms.parquet", {"coerce_timestamps": "ms"}),
                         ("one.parquet", {})):
        path = tmp_path / name
        pq.write_table(table, path, **kwargs)  # type: ignore[arg-type]
        plan = scan_plan(path)
        assert plan is not None
        got = air_scan._metadata_census(plan, path)
        assert got is not None, name
        assert got == _engine_census(path), name


def test_without_statistics_the_engine_counts(tmp_path: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=2, months=1), tmp_path)
    bare = tmp_path / "bare.parquet"
    pq.write_table(pq.read_table(pq_path), bare, write_statistics=False)
    plan = scan_plan(bare)
    assert plan is not None
    assert air_scan._metadata_census(plan, bare) is None
    assert scan_hourly(connect("duckdb"), bare) is not None  # scanned all the same


def test_a_missing_time_or_a_blank_code_is_still_refused(tmp_path: Path) -> None:
    base = {"station_code": ["1001A", "1002A"],
            "timestamp": pd.to_datetime(["2019-01-01 01:00", "2019-01-01 02:00"]),
            "pm25": [10.0, 12.0]}
    con = connect("duckdb")
    for name, cols in (("no_time", {**base, "timestamp": [base["timestamp"][0], None]}),
                       ("blank", {**base, "station_code": ["1001A", "1002A "]})):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False), path)
        plan = scan_plan(path)
        assert plan is not None
        assert air_scan._metadata_census(plan, path) is None, name
        assert scan_hourly(con, path) is None, name  # the reader reports the row
