"""Compiled SQL kept between runs (:mod:`ecoplan.store.sql_cache`): a hit gives the tables a
miss gives, keys separate what differs, and the cache can be switched off."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.store import air_kernel, sql_cache
from tests.air.test_fast_parity import _write, edge_case_hours


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sql"
    monkeypatch.setenv("ECOPLAN_SQL_CACHE", str(folder))
    return folder


def _stats(inp: Path, out: Path, *args: str) -> bytes:
    assert main(["air", "stats", str(inp), "-o", str(out), *args]) == 0
    return out.read_bytes()


def test_a_cache_hit_gives_the_same_tables_as_a_miss(tmp_path: Path, cache: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=3, months=12), tmp_path / "in")
    for args in (["--period", "year"], ["--period", "month"]):
        cold = _stats(pq_path, tmp_path / "cold.csv", *args)
        files = sorted(cache.glob("*.json"))
        assert files, "nothing was kept"
        warm = _stats(pq_path, tmp_path / "warm.csv", *args)
        assert sorted(cache.glob("*.json")) == files  # the hit compiled nothing new
        assert warm == cold
    # the month statistics are a different key from the year statistics: the daily table's SQL
    # (unless the store computes it: no SQL), then per period the figures' SQL and the
    # aggregates' schema (or the whole statistics' SQL when the store does not aggregate)
    expected = 4 if air_kernel.KERNEL is not None else 3
    assert len(list(cache.glob("*.json"))) == expected


def test_hit_equals_miss_on_daily_values(tmp_path: Path, cache: Path) -> None:
    pq_path, _ = _write(edge_case_hours(stations=2, months=2), tmp_path / "in")
    outs = []
    for i in range(2):
        out = tmp_path / f"daily{i}.csv"
        assert main(["air", "daily", str(pq_path), "-o", str(out)]) == 0
        outs.append(pd.read_csv(out, dtype=str, keep_default_na=False))
    pd.testing.assert_frame_equal(outs[0], outs[1], check_exact=True)


def test_a_changed_source_is_a_different_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = sql_cache.fingerprint()
    sql_cache.fingerprint.cache_clear()
    monkeypatch.setattr(sql_cache, "_SOURCES", (*sql_cache._SOURCES, "errors.py"))
    try:
        assert sql_cache.fingerprint() != before
    finally:
        sql_cache.fingerprint.cache_clear()


def test_the_cache_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOPLAN_SQL_CACHE", "off")
    assert sql_cache.cache_dir() is None
    monkeypatch.setenv("ECOPLAN_SQL_CACHE", "")
    assert sql_cache.cache_dir() == tmp_path / "home" / "cache" / "sql"  # under ECOPLAN_HOME
    monkeypatch.delenv("ECOPLAN_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert sql_cache.cache_dir() == tmp_path / "ecoplan" / "sql"


def test_a_damaged_file_is_compiled_again(tmp_path: Path, cache: Path) -> None:
    """A damaged file is written again from what the process kept, or compiled again."""
    pq_path, _ = _write(edge_case_hours(stations=2, months=2), tmp_path / "in")
    cold = _stats(pq_path, tmp_path / "a.csv")
    files = sorted(cache.glob("*.json"))
    for forget in (False, True):
        for f in files:
            f.write_text("{not json", encoding="utf-8")
        if forget:
            sql_cache._MEMORY.clear()  # a new process: compiled again
        assert _stats(pq_path, tmp_path / "b.csv") == cold
        for f in files:
            json.loads(f.read_text(encoding="utf-8"))  # whole again


def test_kept_sql_gives_what_ibis_executes(tmp_path: Path, cache: Path) -> None:
    """The frame from the SQL (miss and hit) equals ``execute`` of the expression: same
    columns, dtypes and values."""
    from ecoplan.assess.air_pipeline import daily_table
    from ecoplan.ingest.readers.air_scan import scan_hourly
    from ecoplan.standards.air_period import period_statistics, rank_by_composite
    from ecoplan.store.engine import connect

    pq_path, _ = _write(edge_case_hours(stations=3, months=12), tmp_path / "in")
    con = connect("duckdb")
    hourly = scan_hourly(con, pq_path)
    assert hourly is not None
    daily = daily_table(con, hourly, ruleset="2012")

    def build() -> object:
        return rank_by_composite(period_statistics(daily, period="month")).order_by(
            ["period", "station_code"])

    want = con.execute(build())
    for _ in range(2):  # a miss, then a hit
        got = sql_cache.frame(con, ("test", "month"), [daily], build)  # type: ignore[arg-type]
        assert got.dtypes.to_dict() == want.dtypes.to_dict()
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    # this, and the daily table when the store does not compute it (no SQL then)
    assert len(list(cache.glob("*.json"))) == (1 if air_kernel.KERNEL is not None else 2)
