"""The compiled daily-values kernel (``ecoplan/standards/_air_daily_kernel.c``) against the
Ibis reference (:func:`ecoplan.standards.air_daily.daily_values`) — bit for bit.

The kernel is the store's fast path for a canonical Parquet file scanned by DuckDB
(:mod:`ecoplan.store.air_kernel`); whenever it cannot reproduce the reference exactly it must
decline, and the reference runs. ``tests/air/test_fast_parity.py`` checks the whole command
(scan + kernel = reader + reference) on edge cases and the real Shanxi 2019 year.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecoplan.assess.air_pipeline import daily_table
from ecoplan.ingest.readers.air_scan import scan_hourly
from ecoplan.standards.air_daily import DailyRules, daily_values
from ecoplan.store import air_kernel
from ecoplan.store.engine import connect
from tests.air.test_fast_parity import POLS, _write, edge_case_hours

BUILT = air_kernel.KERNEL is not None
needs_kernel = pytest.mark.skipif(
    not BUILT and os.environ.get("ECOPLAN_BUILD_ACCEL", "").lower() in ("0", "no", "false"),
    reason="built without C extensions (ECOPLAN_BUILD_ACCEL=0)")


def test_the_kernel_is_built_by_the_install() -> None:
    """``make install`` compiles the kernel (hatch_build.py); a missing one is a set-up fault."""
    if os.environ.get("ECOPLAN_BUILD_ACCEL", "").lower() in ("0", "no", "false"):
        pytest.skip("ECOPLAN_BUILD_ACCEL=0")
    assert BUILT, air_kernel.KERNEL_REASON


def _both(path: Path, rules: DailyRules, **filters: object) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame | None]:
    """(reference, kernel) daily values of the scanned ``path``; kernel None if it declined."""
    con = connect("duckdb")
    hourly = scan_hourly(con, path, **filters)  # type: ignore[arg-type]
    assert hourly is not None
    ref = con.execute(daily_values(hourly, rules=rules))
    fast = air_kernel.daily_values(con, hourly, rules)
    got = None if fast is None else con.execute(fast)
    return _sorted(ref), None if got is None else _sorted(got)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["station_code", "date"]).reset_index(drop=True)


def _same(ref: pd.DataFrame, got: pd.DataFrame | None) -> None:
    assert got is not None, "the kernel declined"
    assert list(got.columns) == list(ref.columns)
    assert got.dtypes.to_dict() == ref.dtypes.to_dict()
    pd.testing.assert_frame_equal(got, ref, check_exact=True)


@needs_kernel
@pytest.mark.parametrize("ruleset", ["2012", "2026"])
def test_kernel_equals_the_reference_on_the_edge_cases(tmp_path: Path, ruleset: str) -> None:
    pq_path, _ = _write(edge_case_hours(), tmp_path)
    ref, got = _both(pq_path, DailyRules.for_ruleset(ruleset))
    _same(ref, got)
    # the cases are there: windows ending at missing hours, exception days, 19/20-hour days
    assert ref["o3_8h_windows"].between(1, 13).any()
    assert (ref["o3_8h"].notna() & (ref["o3_8h_windows"] < 14)).any()
    assert set(ref["n_pm25"]) >= {19, 20}


@needs_kernel
def test_kernel_applies_the_scan_filters(tmp_path: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=4, months=4), tmp_path)
    ref, got = _both(pq_path, DailyRules(), stations=["T001A", "T003A"],
                     start=date(2019, 2, 1), end=date(2019, 3, 10))
    _same(ref, got)
    assert set(ref["station_code"]) == {"T001A", "T003A"}


def _random_hours(seed: int) -> pd.DataFrame:
    """Unsorted rows with duplicates, whole-null rows, negative and fractional values."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2020-02-27 01:00", periods=24 * 5, freq="h")
    rows = []
    for s in range(3):
        keep = rng.random(len(stamps)) > rng.uniform(0.0, 0.4)
        f = pd.DataFrame({"station_code": f"R{s}", "timestamp": stamps[keep]})
        for p in POLS:
            v = rng.normal(60, 40, len(f)).round(rng.integers(0, 4))
            v[rng.random(len(f)) < 0.1] = np.nan
            f[p] = v
        rows.append(f)
    frame = pd.concat(rows, ignore_index=True)
    dup = frame.sample(frac=0.05, random_state=seed)  # the same station-hour twice
    dup[list(POLS)] = dup[list(POLS)] + 7.25
    frame = pd.concat([frame, dup], ignore_index=True)
    frame.loc[frame.sample(frac=0.02, random_state=seed + 1).index, list(POLS)] = np.nan
    return frame.sample(frac=1.0, random_state=seed + 2).reset_index(drop=True)


@needs_kernel
@pytest.mark.parametrize("seed", range(6))
def test_kernel_equals_the_reference_on_random_unsorted_rows(tmp_path: Path, seed: int) -> None:
    pq_path, _ = _write(_random_hours(seed), tmp_path)
    rules = DailyRules(min_hours=18, window_min_hours=5, min_windows=12, o3_8h_limit=100.0)
    _same(*_both(pq_path, rules))
    _same(*_both(pq_path, DailyRules.for_ruleset("2012")))


@needs_kernel
def test_station_days_split_across_row_groups(tmp_path: Path) -> None:
    """Small row groups and unsorted rows: each station-day's hours come in many batches and
    both lanes add their pollutants of the same rows to the one grid; it equals the reference."""
    pq_path, _ = _write(_random_hours(11), tmp_path)
    split = tmp_path / "split.parquet"
    pq.write_table(pq.read_table(pq_path), split, row_group_size=29)
    assert pq.ParquetFile(split).metadata.num_row_groups > 10
    _same(*_both(split, DailyRules.for_ruleset("2012")))
    edge, _ = _write(edge_case_hours(stations=3, months=3), tmp_path / "edge")
    split_edge = tmp_path / "split_edge.parquet"
    pq.write_table(pq.read_table(edge), split_edge, row_group_size=1000)
    _same(*_both(split_edge, DailyRules.for_ruleset("2012")))


@needs_kernel
def test_large_row_groups_are_read_in_batches_by_both_lanes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row group too large to decode whole is read in batches; the lanes' batches line up
    (also with the scan's filters) and the grid equals the reference."""
    monkeypatch.setattr(air_kernel, "_WHOLE_GROUP_ROWS", 500)
    monkeypatch.setattr(air_kernel, "_BATCH_ROWS", 333)
    edge, _ = _write(edge_case_hours(stations=3, months=2), tmp_path)
    _same(*_both(edge, DailyRules.for_ruleset("2012")))
    _same(*_both(edge, DailyRules(), stations=["T000A", "T002A"], start=date(2019, 1, 20)))


@needs_kernel
def test_a_failing_lane_stops_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error in the second lane reaches the caller; the lead lane does not wait forever."""
    edge, _ = _write(edge_case_hours(stations=2, months=2), tmp_path)
    con = connect("duckdb")
    hourly = scan_hourly(con, edge)
    assert hourly is not None
    calls = {"n": 0}
    real = air_kernel._values

    def failing(batch: pa.RecordBatch, column: str | None) -> object:
        calls["n"] += 1
        if column == "o3":
            raise RuntimeError("decoding failed")
        return real(batch, column)

    monkeypatch.setattr(air_kernel, "_values", failing)
    monkeypatch.setattr(air_kernel, "_RING", 1)
    with pytest.raises(RuntimeError, match="decoding failed"):
        air_kernel.daily_values(con, hourly, DailyRules())


def _table(path: Path, **cols: pa.Array) -> Path:
    pq.write_table(pa.table(cols), path)
    return path


@needs_kernel
def test_kernel_reads_other_column_types(tmp_path: Path) -> None:
    """Integer and float32 values, a nanosecond time column, a pollutant the file lacks."""
    n = 48
    ts = pd.date_range("2021-06-01 01:00", periods=n, freq="h")
    path = _table(tmp_path / "types.parquet",
                  station_code=pa.array(["A"] * n),
                  timestamp=pa.array(ts.astype("datetime64[ns]")),
                  pm25=pa.array(np.arange(n, dtype=np.int32)),
                  pm10=pa.array(np.linspace(10, 90, n, dtype=np.float32)),
                  so2=pa.array(np.full(n, 7, dtype=np.int64)),
                  no2=pa.array(np.full(n, 21.5)),
                  o3=pa.array(np.linspace(40, 230, n)))
    _same(*_both(path, DailyRules()))


@pytest.mark.parametrize("case", ["fraction_of_second", "huge_value", "before_1970"])
def test_kernel_declines_what_it_cannot_reproduce(tmp_path: Path, case: str) -> None:
    """The reference then runs; the daily table is still the reference's."""
    n = 30
    ts = pd.date_range("2021-06-01 01:00", periods=n, freq="h")
    values = np.linspace(10, 90, n)
    if case == "fraction_of_second":
        ts = ts + pd.to_timedelta((np.arange(n) == 3).astype(int) * 500, unit="ms")
    elif case == "huge_value":
        values[5] = 1e11  # scaled 1e14 ≥ 2^36: sums might leave the exact range
    else:
        ts = pd.date_range("1969-12-30 01:00", periods=n, freq="h")
    path = _table(tmp_path / f"{case}.parquet", station_code=pa.array(["A"] * n),
                  timestamp=pa.array(pd.DatetimeIndex(ts).astype("datetime64[us]")),
                  **{p: pa.array(values) for p in POLS})
    con = connect("duckdb")
    hourly = scan_hourly(con, path)
    assert hourly is not None
    assert air_kernel.daily_values(con, hourly, DailyRules()) is None
    got = con.execute(daily_table(con, hourly, ruleset="2012", cache=False))
    ref = con.execute(daily_table(con, con.read_parquet(str(path)),
                                  ruleset="2012", cache=False))
    assert len(ref) > 0
    pd.testing.assert_frame_equal(_sorted(got), _sorted(ref), check_exact=True)


def test_kernel_is_used_only_for_a_registered_duckdb_scan(tmp_path: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=1, months=1), tmp_path)
    con = connect("duckdb")
    plain = con.read_parquet(str(pq_path))
    assert air_kernel.source_of(plain) is None
    assert air_kernel.daily_values(con, plain, DailyRules()) is None
    scanned = scan_hourly(con, pq_path)
    assert scanned is not None and air_kernel.source_of(scanned) is not None
    assert (air_kernel.daily_values(con, scanned, DailyRules()) is not None) == BUILT


def test_the_kernel_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOPLAN_AIR_KERNEL", "0")
    module, reason = air_kernel._load()
    assert module is None and "ECOPLAN_AIR_KERNEL=0" in reason


def test_the_memory_budget_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ECOPLAN_AIR_KERNEL_MAX_MIB``: a small budget sends the work to the engine; a value
    that is not a number is ignored (the default applies), never an error."""
    assert air_kernel.max_grid_bytes() == 1024 * 2**20
    for bad in ("1G", "-5", "0"):
        monkeypatch.setenv("ECOPLAN_AIR_KERNEL_MAX_MIB", bad)
        assert air_kernel.max_grid_bytes() == 1024 * 2**20
    pq_path, _ = _write(edge_case_hours(stations=2, months=2), tmp_path)
    con = connect("duckdb")
    hourly = scan_hourly(con, pq_path)
    assert hourly is not None
    monkeypatch.setenv("ECOPLAN_AIR_KERNEL_MAX_MIB", "1")  # 2 stations × 59 days fit in 1 MiB
    assert (air_kernel.daily_values(con, hourly, DailyRules()) is not None) == BUILT
    big, _ = _write(edge_case_hours(stations=30, months=12), tmp_path / "big")
    hourly = scan_hourly(con, big)
    assert hourly is not None  # 30 stations × 365 days × 250 bytes > 1 MiB: the engine runs
    assert air_kernel.daily_values(con, hourly, DailyRules()) is None
