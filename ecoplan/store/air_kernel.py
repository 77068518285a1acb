"""Daily air values of a canonical Parquet file by the compiled kernel — the engine's fast path.

The rules are :func:`ecoplan.standards.air_daily.daily_values` (GB 3095 Table 4 validity, HJ 663
§6.1.2 O3 8-h); that Ibis function is the reference and runs on every engine. For the common case
— a canonical hourly Parquet file scanned by DuckDB (:func:`ecoplan.ingest.readers.air_scan.scan_hourly`)
— this module computes the same table with ``ecoplan/standards/_air_daily_kernel.c`` in one pass
over the file's row groups: each row is added to a dense station × day grid (sums and counts of
the scaled values, the largest O3 value of each hour label), then each station-day's daily means,
O3 1-h maximum and 17 8-h windows are evaluated (two threads, a half of the stations each). Two
threads ("lanes") read the same batches and decode each column once: the lead lane the station
and time columns, from which it locates every row's cell and hour slot, and PM2.5 and PM10; the
other lane the other four pollutants, which it adds at the cells the lead found (sums, counts
and maxima do not depend on the order; :func:`_fill`). The grid's memory is supplied at once (a page fault per 4 KiB touched
costs more than the accumulation in a virtual machine). A DuckDB hash aggregation of 730 k
station-day groups with the 24-hour O3 pivot costs 5× reading the file; the grid costs about
what reading costs (``docs/performance.md``).

With the daily AQI asked for (:func:`daily_values` ``aqi=…``), the daily table is completed by
:func:`ecoplan.standards.aqi_arrays.daily_aqi_arrays` and handed to the engine as the Arrow
table it is (no copy); :func:`period_aggregates` then computes the HJ 663 aggregates of a DuckDB
daily table with :mod:`ecoplan.standards.air_period_arrays`.

The store decides: :func:`daily_values` returns None — and the caller runs the Ibis reference —
whenever the kernel is not built, ``ECOPLAN_AIR_KERNEL=0``, the engine is not DuckDB, the table
is not a registered scan, the grid would exceed :func:`max_grid_bytes`, or the kernel meets
anything it cannot reproduce exactly (timestamps not on whole seconds or before 1970, values of
magnitude ≥ 2³⁶, O3 ≥ 2²⁴ × 0.001). The results are bit-identical to the reference
(``tests/air/test_air_kernel.py``: generated edge cases and the real Shanxi 2019 year).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecoplan.errors import StandardError
from ecoplan.standards.air_daily import DAILY_MEAN_POLLUTANTS, DailyRules
from ecoplan.standards.air_period import STAT_POLLUTANTS
from ecoplan.standards.air_period import period_aggregates as period_aggregates_expr
from ecoplan.standards.air_period_arrays import DailyArrays, period_aggregates_arrays
from ecoplan.standards.aqi_arrays import DailyAqi, daily_aqi
from ecoplan.store import sql_cache

log = logging.getLogger(__name__)

DEFAULT_MAX_MIB = 1024


def max_grid_bytes() -> int:
    """Largest memory the kernel's grids and outputs may take (``ECOPLAN_AIR_KERNEL_MAX_MIB``,
    default 1024 MiB); beyond it the engine computes. A value that is not a positive whole
    number of MiB is ignored, with a warning in the log (the default applies)."""
    raw = os.environ.get("ECOPLAN_AIR_KERNEL_MAX_MIB", "").strip()
    if not raw:
        return DEFAULT_MAX_MIB * 2**20
    try:
        mib = int(raw)
    except ValueError:
        mib = 0
    if mib <= 0:
        log.warning("ECOPLAN_AIR_KERNEL_MAX_MIB=%r is not a positive number of MiB; %d applies",
                    raw, DEFAULT_MAX_MIB)
        mib = DEFAULT_MAX_MIB
    return mib * 2**20
_GRID_BYTES = 4 + 8 * 5 + 4 * 6 + 4 * 24  # rows, sums, counts, O3 hour slots
_CELL_BYTES = _GRID_BYTES + 8 + 8 * 5 + 8 + 8 + 2 * 6 + 2  # and the outputs
_BATCH_ROWS = 1 << 16  # batches of a large row group: bounded memory
#: row groups up to this many rows are decoded whole (a third less CPU than in batches)
_WHOLE_GROUP_ROWS = 1 << 21
#: fewer rows than twice this are not worth two threads
_SPLIT_ROWS = 50_000
_UNIT_US = {"s": 1_000_000, "ms": 1_000, "us": 1}
_STATUS = {-1: "a missing station code or time", 1: "a timestamp not on a whole second", 2: "a timestamp before 1970",
           3: "a timestamp outside the scanned range", 4: "a value out of the exact range",
           5: "an unknown station"}


def _switched_off() -> bool:
    """``ECOPLAN_AIR_KERNEL=0``: the engine computes everything (kernel and array forms)."""
    return os.environ.get("ECOPLAN_AIR_KERNEL", "").strip().lower() in ("0", "no", "false")


def _load() -> tuple[ModuleType | None, str]:
    if _switched_off():
        return None, "disabled by ECOPLAN_AIR_KERNEL=0"
    try:
        from ecoplan.standards import _air_daily_kernel  # type: ignore[attr-defined]
    except ImportError:
        return None, "not built (make install compiles it; see hatch_build.py)"
    return _air_daily_kernel, "compiled extension loaded"


KERNEL, KERNEL_REASON = _load()


@dataclass(frozen=True)
class ParquetHourly:
    """A canonical hourly Parquet file as the scan found it, with the scan's filters."""

    path: Path
    station_column: str
    timestamp_column: str
    #: canonical pollutant → the file's column (None: the file has no such column)
    pollutants: dict[str, str | None]
    #: the file's distinct station codes, sorted (after the station filter, if any)
    station_codes: tuple[str, ...]
    #: earliest and latest timestamp of the file
    first: datetime
    last: datetime
    #: filters: only these stations (None: all), hours in (after, until]
    stations: frozenset[str] | None = None
    after: datetime | None = None
    until: datetime | None = None


#: the scans of this process, newest last (bounded: a long-running process scans many files)
_SOURCES: OrderedDict[str, ParquetHourly] = OrderedDict()
_MAX_SOURCES = 256


#: the daily tables the kernel made, by engine table name, as arrays in parts of disjoint
#: stations (dropped with the table, which the engine holds)
_DAILY_ARRAYS: dict[str, list[DailyArrays]] = {}


def register(table: ir.Table, source: ParquetHourly) -> None:
    """Remember that the engine table ``table`` is a scan of ``source``."""
    _SOURCES[_name(table)] = source
    while len(_SOURCES) > _MAX_SOURCES:
        _SOURCES.popitem(last=False)


def _name(table: ir.Table) -> str:
    op = table.op()
    return op.name if isinstance(op, ops.DatabaseTable) else ""


def source_of(table: ir.Table) -> ParquetHourly | None:
    """The Parquet file behind a registered scan (None for any other table)."""
    return _SOURCES.get(_name(table))


def daily_values(con: Any, hourly: ir.Table, rules: DailyRules, *,
                 aqi: tuple[str, bool | None] | None = None) -> ir.Table | None:
    """The reference's daily-values table for ``hourly`` computed by the kernel, as a table of
    ``con``; None when the reference must run (see the module docstring).

    With ``aqi=(ruleset, include_o3_1h)`` the table is the reference's daily AQI table —
    :func:`ecoplan.standards.air_daily.daily_aqi` of the daily values — computed by
    :func:`ecoplan.standards.aqi_arrays.daily_aqi_arrays`, unless a value lies beyond the exact
    range of the array form: then it is the daily values alone (no ``aqi`` column) and the
    caller runs the reference's daily AQI on them."""
    if KERNEL is None or getattr(con, "name", "") != "duckdb":
        return None
    source = source_of(hourly)
    if source is None:
        return None
    days = compute(source, rules)
    if days is None:
        return None
    table = days.table
    if aqi is not None:
        done = _with_daily_aqi(days, *aqi)
        if done is not None:  # the engine reads the Arrow table where it is (no copy)
            with_aqi, arrays = done
            name = f"air_daily_kernel_{uuid.uuid4().hex[:12]}"
            con.con.register(name, with_aqi)
            if arrays is not None:
                _DAILY_ARRAYS[name] = arrays
                weakref.finalize(with_aqi, _DAILY_ARRAYS.pop, name, None)
            return con.table(name)
    name = f"air_daily_kernel_{uuid.uuid4().hex[:12]}"
    return con.create_table(name, obj=table, temp=True)


def with_daily_aqi(days: KernelDays, ruleset: str, include_o3_1h: bool | None
                   ) -> pa.Table | None:
    """The kernel's daily values with the daily AQI columns in front, as
    :func:`ecoplan.standards.air_daily.daily_aqi` orders them; None for a value beyond the exact
    range of the array form (the engine then computes)."""
    done = _with_daily_aqi(days, ruleset, include_o3_1h)
    return None if done is None else done[0]


def _with_daily_aqi(days: KernelDays, ruleset: str, include_o3_1h: bool | None
                    ) -> tuple[pa.Table, list[DailyArrays] | None] | None:
    """:func:`with_daily_aqi`, and the table as :class:`DailyArrays` in two parts of disjoint
    stations (None when the station codes are not dictionary-encoded) for
    :func:`period_aggregates`, which then needs no copy out of the engine."""
    n = len(days.days)
    codes = days.table.column("station_code")
    station = None
    if codes.num_chunks == 1 and pa.types.is_dictionary(codes.type):
        codes = codes.chunk(0)
        station = np.asarray(codes.indices)
    # two parts at once (the compiled IAQI and most NumPy steps release the GIL), cut between
    # two stations when the rows come by station (the kernel's do)
    parts: list[Any] = [slice(0, n // 2), slice(n // 2, n)] if n >= 2 * _SPLIT_ROWS \
        else [slice(0, n)]
    if station is not None:
        by_station = _station_parts(station, len(codes.dictionary))
        if isinstance(by_station[0], slice):
            parts = by_station
        else:
            station = None  # rows not by station: no parts of disjoint stations to keep

    def part(rows: slice) -> DailyAqi:
        return daily_aqi({k: v[rows] for k, v in days.values.items()}, days.days[rows],
                         ruleset, include_o3_1h=include_o3_1h)

    try:
        with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="air-aqi") as pool:
            halves = list(pool.map(part, parts))
    except StandardError as exc:
        log.info("air kernel: %s; the engine computes the daily AQI", exc)
        return None
    aqi: dict[str, Any] = {k: pa.chunked_array([h.columns[k] for h in halves])
                           for k in halves[0].columns}
    values = days.table
    aqi["aqi_complete"] = aqi.pop("complete")
    extra = {"iaqi_o3_1h_max": aqi.pop("iaqi_o3_1h_max")} if "iaqi_o3_1h_max" in aqi else {}
    columns = {"station_code": values.column("station_code"), "date": values.column("date"),
               **aqi, **extra}
    for name in values.column_names:
        if name not in columns:
            columns[name] = values.column(name)
    arrays = None
    if station is not None:
        arrays = [DailyArrays(
            key=station[rows], key_names=codes.dictionary, days=days.days[rows],
            values={p: days.values[p][rows] for p in STAT_POLLUTANTS}, aqi=h.aqi,
            iaqi={k: v for k, v in h.iaqi.items() if k in columns},
            complete=(h.complete, np.ones(len(h.complete), dtype=bool)))
            for rows, h in zip(parts, halves, strict=True)]
    return pa.table(columns), arrays


def period_aggregates(con: Any, daily: ir.Table, *, key: str = "station_code",
                      **options: Any) -> ir.Table | None:
    """:func:`ecoplan.standards.air_period.period_aggregates` of a DuckDB daily table computed
    by :func:`ecoplan.standards.air_period_arrays.period_aggregates_arrays`, as a table of
    ``con`` with the reference's schema; None — the reference then runs — on another engine,
    with dust flags, or whatever the arrays cannot reproduce exactly (``options``: ``period``,
    ``start``, ``end``, ``incomplete_days``, ``dust_convention``)."""
    if getattr(con, "name", "") != "duckdb" or _switched_off():
        return None
    columns = daily.columns
    needed = [key, "date", "aqi", *STAT_POLLUTANTS]
    if "dust" in columns or any(c not in columns for c in needed):
        return None
    found = sql_cache.output_types(con, ("period_aggregates", key, sorted(options.items())),
                                   [daily], lambda: period_aggregates_expr(daily, key=key,
                                                                           **options))
    if found is None:
        return None
    expected, types = found
    extra = [c for c in columns if c.startswith("iaqi_") or c in ("complete", "aqi_complete")]
    parts = _DAILY_ARRAYS.get(_name(daily)) if key == "station_code" else None
    if parts is None:  # not the kernel's own table (which it keeps as arrays): copied out
        arrays = _daily_arrays(con.to_pyarrow(daily.select(*needed, *extra)), key)
        if arrays is None:
            return None
        parts = _key_halves(arrays)  # two halves of the stations at once (disjoint groups)
    options.pop("dust_convention", None)
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="air-period") as pool:
        outs = list(pool.map(lambda a: period_aggregates_arrays(a, key=key, **options), parts))
    if any(o is None for o in outs):
        return None
    out = pa.concat_tables([o for o in outs if o is not None])
    if out.column_names != list(expected.names):
        return None
    out = out.cast(expected.to_pyarrow())
    # the engine's own types of the reference (its sums are HUGEINT), so that every later step
    # sees the very table the reference gives
    name = f"air_period_kernel_{uuid.uuid4().hex[:12]}"
    con.con.register(f"{name}_arrow", out)
    select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in expected.names)
    con.raw_sql(f'CREATE TEMP TABLE "{name}" AS SELECT {select} FROM "{name}_arrow"')
    con.con.unregister(f"{name}_arrow")
    # … described to Ibis by the reference's schema (Ibis reads HUGEINT as a decimal)
    op = con.table(name).op()
    assert isinstance(op, ops.DatabaseTable)
    return op.copy(schema=expected).to_expr()


def _station_parts(key: np.ndarray, keys: int) -> list[Any]:
    """Row selectors of two parts with disjoint keys — two slices when the rows come ordered
    by key, else two masks — or one slice of every row when they are too few to share."""
    n = len(key)
    if n < 2 * _SPLIT_ROWS or keys < 2:
        return [slice(0, n)]
    if bool(np.all(key[1:] >= key[:-1])):
        cut = int(np.searchsorted(key, keys // 2))
        return [slice(0, cut), slice(cut, n)]
    low = key < keys // 2
    return [low, ~low]


def _key_halves(daily: DailyArrays) -> list[DailyArrays]:
    """``daily`` as two parts with disjoint keys (the kernel's rows come ordered by key: two
    slices), or whole when it is small."""
    rows = _station_parts(daily.key, len(daily.key_names))
    if len(rows) == 1:
        return [daily]

    def take(r: Any) -> DailyArrays:
        return DailyArrays(
            key=daily.key[r], key_names=daily.key_names, days=daily.days[r],
            values={k: v[r] for k, v in daily.values.items()},
            aqi=(daily.aqi[0][r], daily.aqi[1][r]),
            iaqi={k: (v[r], ok[r]) for k, (v, ok) in daily.iaqi.items()},
            complete=None if daily.complete is None
            else (daily.complete[0][r], daily.complete[1][r]))

    return [take(r) for r in rows]


def _daily_arrays(table: pa.Table, key: str) -> DailyArrays | None:
    """A daily table's columns as :class:`DailyArrays`; None when a value column holds NaN
    (the engine counts NaN as a value, the arrays as missing)."""
    def floats(name: str) -> np.ndarray | None:
        col = table.column(name).combine_chunks().cast(pa.float64())
        x = col.to_numpy(zero_copy_only=False)
        return None if int(np.isnan(x).sum()) != col.null_count else x

    def nullable(name: str, kind: pa.DataType) -> tuple[np.ndarray, np.ndarray]:
        col = table.column(name).combine_chunks().cast(kind)
        valid = np.asarray(col.is_valid())
        return np.asarray(col.fill_null(pa.scalar(0, kind) if kind != pa.bool_()
                                        else False)), valid

    keys = table.column(key).combine_chunks()
    if keys.null_count:
        return None
    if not pa.types.is_dictionary(keys.type):
        keys = keys.cast(pa.string()).dictionary_encode()
    values: dict[str, np.ndarray] = {}
    for p in STAT_POLLUTANTS:
        x = floats(p)
        if x is None:
            return None
        values[p] = x
    complete_col = "complete" if "complete" in table.column_names else (
        "aqi_complete" if "aqi_complete" in table.column_names else None)
    return DailyArrays(
        key=np.asarray(keys.indices.cast(pa.int64())),
        key_names=keys.dictionary,
        days=np.asarray(table.column("date").combine_chunks().cast(pa.date32())
                        .view(pa.int32()).fill_null(0)),
        values=values,
        aqi=nullable("aqi", pa.int64()),
        iaqi={c: nullable(c, pa.int64()) for c in table.column_names if c.startswith("iaqi_")},
        complete=nullable(complete_col, pa.bool_()) if complete_col else None,
    )


def _day(ts: datetime) -> int:
    """CNEMC day number (days since 1970-01-01 of the label minus one hour)."""
    return (int((ts - datetime(1970, 1, 1)).total_seconds()) - 3600) // 86400


@dataclass(frozen=True)
class KernelDays:
    """The kernel's daily values: the reference's table, and its daily indicators as arrays."""

    #: the columns and types of :func:`ecoplan.standards.air_daily.daily_values`
    table: pa.Table
    #: daily indicator → float64 values (NaN: not valid), in the table's row order
    values: dict[str, np.ndarray]
    #: the rows' dates, days since 1970-01-01
    days: np.ndarray


def compute(source: ParquetHourly, rules: DailyRules) -> KernelDays | None:
    """Daily values of ``source`` with the reference's columns and types."""
    assert KERNEL is not None
    codes = source.station_codes
    if not codes or rules.first_window < 8 or rules.last_window > 24:
        return None
    day0, day1 = _day(source.first), _day(source.last)
    days = day1 - day0 + 1
    budget = max_grid_bytes()
    if days <= 0 or day0 < 0 or len(codes) * days * _CELL_BYTES > budget:
        return None
    index = {c: i for i, c in enumerate(codes)}
    order = [*DAILY_MEAN_POLLUTANTS, "o3"]
    groups = pq.ParquetFile(source.path).metadata.num_row_groups
    grid, statuses = _fill(lambda: KERNEL.new_grid(len(codes), days, day0), source, index,
                           groups)
    bad = next((st for st in statuses if st), 0)
    if bad:
        log.info("air kernel: %s in %s; the engine computes the daily values",
                 _STATUS.get(bad, bad), source.path)
        return None
    cells = len(codes) * days
    out_cell = np.empty(cells, dtype=np.int64)
    means = np.empty((len(DAILY_MEAN_POLLUTANTS), cells), dtype=np.float64)
    o3_8h = np.empty(cells, dtype=np.float64)
    o3_1h = np.empty(cells, dtype=np.float64)
    counts = np.empty((len(order), cells), dtype=np.int16)
    windows = np.empty(cells, dtype=np.int16)
    # the station-days are evaluated in two ranges at once (the kernel releases the GIL)
    mid = (len(codes) // 2) * days
    start = int(KERNEL.occupied(grid, 0, mid))

    def finish(part: tuple[int, int, int], grid: Any = grid) -> int:
        return int(KERNEL.finish(grid, rules.min_hours, rules.window_min_hours,
                                 rules.first_window, rules.last_window, rules.min_windows,
                                 rules.exceedance_exception, float(rules.o3_8h_limit), *part,
                                 out_cell, means, o3_8h, o3_1h, counts, windows))

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="air-kernel") as pool:
        written = list(pool.map(finish, [(0, mid, 0), (mid, cells, start)]))
    if written[0] != start:
        raise RuntimeError("air kernel: the two ranges disagree")  # cannot happen
    n = start + written[1]
    del grid
    cell = out_cell[:n]
    # station codes dictionary-encoded: the engine reads them as text, without 730 k copies
    station = pa.DictionaryArray.from_arrays(pa.array((cell // days).astype(np.int32)),
                                             pa.array(codes, pa.string()))
    day_numbers = (cell % days + day0).astype(np.int32)
    arrays: dict[str, pa.Array] = {"station_code": station,
                                   "date": pa.array(day_numbers).view(pa.date32())}
    values = {p: means[i, :n] for i, p in enumerate(DAILY_MEAN_POLLUTANTS)}
    values["o3_8h"] = o3_8h[:n]
    values["o3_1h_max"] = o3_1h[:n]
    for p, v in values.items():
        arrays[p] = _nullable(v)
    for i, p in enumerate(order):
        arrays[f"n_{p}"] = pa.array(counts[i, :n])  # no copy
    arrays["o3_8h_windows"] = pa.array(windows[:n].astype(np.int64))
    return KernelDays(pa.table(arrays), values, day_numbers)


#: pollutants added by the lead lane (with the station and time columns); the rest by the other
_LEAD = ("pm25", "pm10")
_RING = 3  # batches located ahead of the second lane at most


def _fill(new_grid: Callable[[], Any], source: ParquetHourly, index: dict[str, int],
          groups: int) -> tuple[Any, list[int]]:
    """Add every row of ``source`` to ``grid`` in two threads ("lanes") over the same batches:
    the lead lane decodes the station and time columns, locates each row's cell and hour slot
    (:func:`KERNEL.locate`) into one of a ring of scratch buffers and adds PM2.5 and PM10; the
    other lane decodes the other four pollutants meanwhile and adds them at the cells the lead
    found. Each column is decoded once; the lanes write disjoint parts of the grid, which
    ``new_grid`` makes while they decode their first batches. Returns the grid and the lanes'
    kernel statuses (-1: a missing station code or time, or batches that do not line up)."""
    assert KERNEL is not None
    order = [*DAILY_MEAN_POLLUTANTS, "o3"]
    mine = [[p for p in order if p in _LEAD], [p for p in order if p not in _LEAD]]

    def files(lane: int) -> list[str]:
        return list(dict.fromkeys(c for p in mine[lane]
                                  if (c := source.pollutants.get(p)) is not None))

    stop = threading.Event()
    free: queue.Queue[int] = queue.Queue()
    for k in range(_RING):
        free.put(k)
    ready: queue.Queue[tuple[int, int, pa.Array | None] | None] = queue.Queue()
    cells = [np.empty(0, dtype=np.uint64) for _ in range(_RING)]
    hours = [np.empty(0, dtype=np.uint8) for _ in range(_RING)]

    def lead() -> int:
        try:
            pf = pq.ParquetFile(source.path, read_dictionary=[source.station_column],
                                pre_buffer=False)
            station_codes = _StationCodes(index)
            for batch in _batches(pf, list(range(groups)),
                                  [source.station_column, source.timestamp_column, *files(0)]):
                slot = _next_slot(free, stop)
                if slot is None:
                    return 0
                mask = _filter_mask(batch, source)
                if mask is not None:
                    batch = batch.filter(mask)
                n = batch.num_rows
                if n == 0:
                    ready.put((slot, 0, mask))
                    continue
                station = station_codes(batch.column(source.station_column))
                stamps = _micros(batch.column(source.timestamp_column))
                if station is None or stamps is None:
                    stop.set()
                    return -1
                if len(cells[slot]) < n:
                    cells[slot], hours[slot] = (np.empty(n, dtype=np.uint64),
                                                np.empty(n, dtype=np.uint8))
                grid = made.result()
                status = int(KERNEL.locate(grid, *station, stamps, n, cells[slot], hours[slot]))
                if status:
                    stop.set()
                    return status
                ready.put((slot, n, mask))  # the other lane may add its columns now
                cols = [_values(batch, source.pollutants.get(p)) if p in mine[0] else None
                        for p in order]
                status = int(KERNEL.accumulate(grid, cells[slot], hours[slot], n, cols))
                if status:
                    stop.set()
                    return status
            return 0
        finally:
            ready.put(None)

    def follow() -> int:
        try:
            return follow_batches()
        except BaseException:
            stop.set()  # the lead lane must not wait for a slot that never comes
            raise

    def follow_batches() -> int:
        pf = pq.ParquetFile(source.path, pre_buffer=False)
        columns = files(1)
        batches = _batches(pf, list(range(groups)), columns) if columns else None
        while True:
            batch = next(batches, None) if batches is not None else None  # decoded ahead
            item = ready.get()
            if item is None:
                return -1 if batch is not None else 0  # batches left over: not lined up
            slot, n, mask = item
            if batches is not None:
                if batch is not None and mask is not None:
                    batch = batch.filter(mask)
                if batch is None or batch.num_rows != n:
                    stop.set()
                    return -1
                cols = [_values(batch, source.pollutants.get(p)) if p in mine[1] else None
                        for p in order]
                if n:
                    status = int(KERNEL.accumulate(made.result(), cells[slot], hours[slot], n,
                                                   cols))
                    if status:
                        stop.set()
                        return status
            free.put(slot)

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="air-kernel") as pool:
        made = pool.submit(new_grid)
        futures = [pool.submit(lead), pool.submit(follow)]
        statuses = [f.result() for f in futures]  # re-raises a lane's exception
    return made.result(), statuses


def _next_slot(free: queue.Queue[int], stop: threading.Event) -> int | None:
    """A free scratch slot; None once the other lane has stopped."""
    while not stop.is_set():
        try:
            return free.get(timeout=0.05)
        except queue.Empty:
            continue
    return None


def _nullable(values: np.ndarray) -> pa.Array:
    """float64 values as Arrow without copying them: NaN → null (a validity bitmap)."""
    valid = ~np.isnan(values)
    if valid.all():
        return pa.array(values)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.float64(), len(values), [bitmap, pa.py_buffer(values)],
                                 null_count=int(len(values) - np.count_nonzero(valid)))


def _batches(pf: pq.ParquetFile, groups: list[int], columns: list[str]
             ) -> Iterator[pa.RecordBatch]:
    """The record batches of row groups ``groups``: a row group read whole when it is small
    enough (:data:`_WHOLE_GROUP_ROWS`), in batches of :data:`_BATCH_ROWS` rows otherwise."""
    meta = pf.metadata
    for g in groups:
        if meta.row_group(g).num_rows <= _WHOLE_GROUP_ROWS:
            # one batch per row group whatever the columns: the two lanes' batches line up
            yield from pf.read_row_group(g, columns=columns).combine_chunks().to_batches()
        else:
            yield from pf.iter_batches(batch_size=_BATCH_ROWS, row_groups=[g], columns=columns)


def _filter_mask(batch: pa.RecordBatch, source: ParquetHourly) -> pa.Array | None:
    """Which rows of ``batch`` the scan's filters keep (None: all, no filter)."""
    mask = None
    ts = batch.column(source.timestamp_column)
    if source.after is not None:
        mask = pc.greater(ts, pa.scalar(source.after, ts.type))
    if source.until is not None:
        m = pc.less_equal(ts, pa.scalar(source.until, ts.type))
        mask = m if mask is None else pc.and_(mask, m)
    if source.stations is not None:
        m = pc.is_in(batch.column(source.station_column).cast(pa.string()),
                     value_set=pa.array(sorted(source.stations), pa.string()))
        mask = m if mask is None else pc.and_(mask, m)
    return mask


class _StationCodes:
    """A batch's station codes as the kernel reads them: the dictionary indices and, per
    dictionary entry, its grid row (−1: a station not wanted). The batches of one row group
    share its dictionary, so the lookup is built once per dictionary."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.dictionary: pa.Array | None = None
        self.lookup = np.empty(0, dtype=np.int32)

    def __call__(self, column: pa.Array) -> tuple[Any, int, np.ndarray] | None:
        """(indices buffer, offset, lookup); None when a code is missing."""
        if not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        if column.null_count:
            return None
        if self.dictionary is None or not column.dictionary.equals(self.dictionary):
            self.dictionary = column.dictionary
            self.lookup = np.array([self.index.get(c, -1) for c in
                                    column.dictionary.to_pylist()], dtype=np.int32)
        indices = column.indices
        if indices.type != pa.int32():
            indices = indices.cast(pa.int32())
        return indices.buffers()[1], indices.offset, self.lookup


def _micros(column: pa.Array) -> np.ndarray | None:
    """Timestamps as int64 microseconds; None when one is missing or finer than 1 µs."""
    if column.null_count or not pa.types.is_timestamp(column.type):
        return None
    ticks = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
    unit = column.type.unit
    if unit == "ns":
        if np.any(ticks % 1000):
            return None
        return ticks // 1000
    return ticks * _UNIT_US[unit] if unit != "us" else np.ascontiguousarray(ticks)


def _values(batch: pa.RecordBatch, column: str | None) -> tuple[Any, Any, int] | None:
    """A pollutant column as the kernel reads it: (data, validity bitmap or None, offset)."""
    if column is None:
        return None
    arr = batch.column(column)
    if arr.type != pa.float64():
        arr = arr.cast(pa.float64())
    valid, data = arr.buffers()[:2]
    return data, (valid if arr.null_count else None), arr.offset
