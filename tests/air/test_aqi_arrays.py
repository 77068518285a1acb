"""The daily AQI on arrays (:mod:`ecoplan.standards.aqi_arrays`, with the compiled IAQI of
``_air_daily_kernel.c``) against the Ibis reference
(:func:`ecoplan.standards.air_daily.daily_aqi`) — bit for bit, on values that sit on every
breakpoint of HJ 633-2012 and -2026, half a unit either side (GB/T 8170 ties), above the tables,
negative, missing, and O3 8-h above 800 with and without the 1-h value, across 2026-03-01."""

from __future__ import annotations

import itertools
from datetime import date

import ibis
import numpy as np
import pyarrow as pa
import pytest

from ecoplan.standards.air_daily import daily_aqi
from ecoplan.standards.aqi import load_ruleset
from ecoplan.standards.aqi_arrays import daily_aqi_arrays, iaqi_values
from ecoplan.store import air_kernel
from ecoplan.store.engine import connect

pytestmark = pytest.mark.skipif(air_kernel.KERNEL is None, reason="kernel not built")

COLUMNS = {"so2": ("so2", "24h"), "no2": ("no2", "24h"), "co": ("co", "24h"),
           "pm10": ("pm10", "24h"), "pm25": ("pm25", "24h"), "o3_8h": ("o3", "8h"),
           "o3_1h_max": ("o3", "1h")}


def _edge_values(pollutant: str, averaging: str) -> list[float]:
    """Every breakpoint of both rule sets, ± a rounding step and ± half of it, and more."""
    step = 0.1 if pollutant == "co" else 1.0
    points: set[float] = set()
    for name in ("2012", "2026"):
        rs = load_ruleset(name)
        key = (pollutant, averaging) if (pollutant, averaging) in rs.breakpoints \
            else (pollutant, "24h")
        for bp in rs.breakpoints.get(key, ()):
            b = float(bp)
            points.update({b, b + step, b - step, b + step / 2, b - step / 2,
                           b + step / 2 + 1e-9, b - step / 2 - 1e-9, b + 1.5 * step})
    points.update({0.0, -0.4, -0.6, 801.0, 1200.0, 5000.0, 0.05, 0.15, 2.25, 2.35, 2.45})
    return sorted(points)


def _table(rows: int = 6000, seed: int = 5) -> pa.Table:
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {}
    for name, (pollutant, averaging) in COLUMNS.items():
        pool = np.array(_edge_values(pollutant, averaging) + [np.nan] * 6)
        cols[name] = pa.array(rng.choice(pool, rows), mask=None, from_pandas=True)
    start = (date(2026, 2, 1) - date(1970, 1, 1)).days  # both rule sets by date
    days = start + rng.integers(0, 60, rows).astype(np.int32)
    return pa.table({"station_code": pa.array([f"S{i % 37:02d}" for i in range(rows)]),
                     "date": pa.array(days).view(pa.date32()), **cols})


def _days(table: pa.Table) -> air_kernel.KernelDays:
    values = {c: table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
              for c in COLUMNS}
    return air_kernel.KernelDays(table, values, table.column("date").cast(pa.int32())
                                 .to_numpy(zero_copy_only=False))


def _plain(table: pa.Table) -> pa.Table:
    return pa.table({n: (c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c)
                     .combine_chunks() for n, c in zip(table.column_names, table.columns,
                                                        strict=True)})


@pytest.mark.parametrize(("ruleset", "include"),
                         list(itertools.product(["2012", "2026", "auto"], [None, True, False])))
def test_arrays_equal_the_reference(ruleset: str, include: bool | None) -> None:
    table = _table()
    got = air_kernel.with_daily_aqi(_days(table), ruleset, include)
    assert got is not None
    con = connect("duckdb")
    want = con.to_pyarrow(daily_aqi(ibis.memtable(table), ruleset=ruleset,
                                    include_o3_1h=include))
    got = _plain(got)
    assert got.column_names == want.column_names
    for name in want.column_names:
        assert got.column(name).combine_chunks().equals(
            want.column(name).combine_chunks()), name


def test_halves_are_joined_in_order() -> None:
    """A table large enough for two threads gives the rows of one in their order."""
    table = _table(rows=130_000, seed=9)
    got = _plain(air_kernel.with_daily_aqi(_days(table), "auto", None))  # type: ignore[arg-type]
    whole = daily_aqi_arrays({c: _days(table).values[c] for c in COLUMNS},
                             _days(table).days, "auto")
    for name, col in whole.items():
        target = "aqi_complete" if name == "complete" else name
        want = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
        assert got.column(target).combine_chunks().equals(want), name


def test_values_beyond_the_exact_range_are_left_to_the_engine() -> None:
    table = _table(rows=50)
    days = _days(table)
    days.values["pm25"][3] = 5e9  # ≥ 2⁵² × 10⁻⁶: no exact int64 in the SQL's steps either
    assert air_kernel.with_daily_aqi(days, "2012", None) is None
    with pytest.raises(Exception, match="exact range"):
        iaqi_values(np.array([5e9]), "pm25", "24h", "2012")
