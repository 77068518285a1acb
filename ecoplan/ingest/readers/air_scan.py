"""A canonical hourly Parquet file scanned by the analytics engine itself (no pandas frame).

:func:`ecoplan.ingest.readers.air.read_air_file` reads any supported hourly file into a pandas
frame, checking every cell; for a national year (17 M station-hours) that costs more than the
statistics. A Parquet file that is already *canonical* needs none of that work: its station code
is text, its time a naive timestamp, its pollutant columns numbers in the canonical units. This
module decides, with the reader's own column rules (:func:`~ecoplan.ingest.readers.air._map_columns`,
:func:`~ecoplan.ingest.readers.air.unit_factor`), whether a file is such a file, checks its rows
inside the engine (no missing station code or time, no code with surrounding blanks — the cases
in which the reader reports a problem), and returns the file as an engine table with exactly the
values the reader would give: ``station_code`` text, ``timestamp``, the six pollutants as
float64 with NaN read as missing.

Anything else — text cells, units, dates as text, extra numeric columns, a row with a problem —
returns None, and the caller uses the reader, which reports the problems row by row. So the scan
never accepts a file the reader would treat differently; ``tests/air/test_fast_parity.py``
checks that the two give identical statistics.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.ingest.readers.air import POLLUTANTS, _map_columns, unit_factor
from ecoplan.store import air_kernel

#: Columns of the scanned table, in order (as the command's reader path selects them).
SCANNED_COLUMNS = ("station_code", "timestamp", *POLLUTANTS)


@dataclass(frozen=True)
class ScanPlan:
    """Which Parquet column gives each canonical column (None: a pollutant the file lacks)."""

    station_code: str
    timestamp: str
    pollutants: dict[str, str | None]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan_plan(path: Path) -> ScanPlan | None:
    """The column plan of a canonical Parquet file, or None when the reader must read it."""
    if path.suffix.lower() not in {".parquet", ".pq"} or not path.is_file():
        return None
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError):
        return None  # the reader gives the error message
    mapping, units, ignored = _map_columns(schema.empty_table())
    inverse = {v: k for k, v in mapping.items()}
    if ignored or "station_code" not in inverse or "timestamp" not in inverse:
        return None
    code_t = schema.field(inverse["station_code"]).type
    ts_t = schema.field(inverse["timestamp"]).type
    if not (pa.types.is_string(code_t) or pa.types.is_large_string(code_t)):
        return None
    if not pa.types.is_timestamp(ts_t) or ts_t.tz is not None:
        return None
    pollutants: dict[str, str | None] = {}
    for p in POLLUTANTS:
        col = inverse.get(p)
        if col is not None:
            t = schema.field(col).type
            if not (pa.types.is_floating(t) or pa.types.is_integer(t)):
                return None
            if unit_factor(p, units.get(p)) != 1.0:
                return None
        pollutants[p] = col
    if not any(pollutants.values()):
        return None  # the reader refuses a sheet without values, with its message
    for canon, col in inverse.items():  # published figures: the reader checks them as numbers
        if canon in ("station_code", "timestamp", "published_primary_pollutant") \
                or canon in POLLUTANTS:
            continue
        t = schema.field(col).type
        if not (pa.types.is_floating(t) or pa.types.is_integer(t)) \
                or unit_factor(canon, units.get(canon)) != 1.0:
            return None
    return ScanPlan(inverse["station_code"], inverse["timestamp"], pollutants)


def _select_sql(plan: ScanPlan, path: Path) -> str:
    cols = [f"CAST({_quote(plan.station_code)} AS VARCHAR) AS station_code",
            f"CAST({_quote(plan.timestamp)} AS TIMESTAMP) AS \"timestamp\""]
    for p, col in plan.pollutants.items():
        if col is None:
            cols.append(f"CAST(NULL AS DOUBLE) AS {p}")
        else:  # NaN is a missing value, as the reader's frame → engine hand-over makes it
            x = f"CAST({_quote(col)} AS DOUBLE)"
            cols.append(f"CASE WHEN isnan({x}) THEN NULL ELSE {x} END AS {p}")
    return f"SELECT {', '.join(cols)} FROM read_parquet({_literal(str(path))})"


@dataclass(frozen=True)
class _Census:
    """What one pass over the key columns found: the station codes and the time range."""

    codes: list[str]
    first: datetime | None
    last: datetime | None


def _metadata_census(plan: ScanPlan, path: Path) -> _Census | None:
    """The census from the file itself without a pass over its times: every row group's
    statistics give the null counts of the station and time columns and the time range, and
    the station codes are its dictionary's; None when a row group lacks statistics or the file
    is not plain (then the engine counts). Codes of the dictionary that no row uses are harmless:
    they only size the kernel's grid."""
    try:
        pf = pq.ParquetFile(path, read_dictionary=[plan.station_code])
    except (pa.ArrowInvalid, OSError):
        return None
    meta, schema = pf.metadata, pf.schema_arrow
    if meta.num_columns != len(schema.names):
        return None  # nested columns: leaf and field positions differ
    ci, ti = schema.get_field_index(plan.station_code), schema.get_field_index(plan.timestamp)
    ts_type = schema.field(ti).type
    if ci < 0 or ti < 0 or ts_type.unit not in ("s", "ms", "us"):
        return None
    first: datetime | None = None
    last: datetime | None = None
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows == 0:
            continue
        stats = [group.column(ci).statistics, group.column(ti).statistics]
        if any(st is None or not st.has_null_count or st.null_count != 0 for st in stats):
            return None
        ts = stats[1]
        if ts is None or not ts.has_min_max or not isinstance(ts.min, datetime) \
                or not isinstance(ts.max, datetime):
            return None
        first = ts.min if first is None else min(first, ts.min)
        last = ts.max if last is None else max(last, ts.max)

    def dictionaries(part: int) -> set[str] | None:
        """The station codes of the dictionaries of row groups part, part + 2, …"""
        mine = pq.ParquetFile(path, read_dictionary=[plan.station_code])
        found: set[str] = set()
        last: pa.Array | None = None
        for g in range(part, meta.num_row_groups, 2):
            for chunk in mine.read_row_group(g, columns=[plan.station_code]).column(0).chunks:
                if not pa.types.is_dictionary(chunk.type):
                    return None
                if last is None or not chunk.dictionary.equals(last):
                    last = chunk.dictionary
                    found.update(last.to_pylist())
        return found

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="air-census") as pool:
        parts = list(pool.map(dictionaries, range(2)))
    codes: set[str] = set()
    for part in parts:
        if part is None:
            return None
        codes |= part
    if None in codes or not all(c == c.strip() and c != "" for c in codes):
        return None
    return _Census(sorted(codes), first, last)


def _rows_clean(con: Any, plan: ScanPlan, path: Path) -> _Census | None:
    """No row the reader would report (station code and time present, codes without blanks):
    the file's station codes and time range; None when the reader must read the file."""
    census = _metadata_census(plan, path)
    if census is not None:
        return census
    src = f"read_parquet({_literal(str(path))})"
    code, ts = _quote(plan.station_code), _quote(plan.timestamp)
    raw = con.raw_sql(
        f"SELECT count(*) FILTER (WHERE {code} IS NULL OR {ts} IS NULL), "
        f"list(DISTINCT {code}), min(CAST({ts} AS TIMESTAMP)), max(CAST({ts} AS TIMESTAMP)) "
        f"FROM {src}").fetchone()
    if raw is None or raw[0]:
        return None
    codes = raw[1] or []
    if not all(c == c.strip() and c != "" for c in codes):
        return None
    return _Census(sorted(codes), raw[2], raw[3])


def scan_hourly(con: Any, path: Path, *, stations: list[str] | None = None,
                start: date | None = None, end: date | None = None) -> Any | None:
    """The canonical Parquet ``path`` as an Ibis table of ``con`` (a DuckDB backend) with the
    columns :data:`SCANNED_COLUMNS`, filtered like
    :func:`ecoplan.commands.analysis_input.filter_hourly_frame` (hours in (start, end + 1 day]);
    None when the file needs the reader."""
    if getattr(con, "name", "") != "duckdb":
        return None
    plan = scan_plan(path)
    census = None if plan is None else _rows_clean(con, plan, path)
    if plan is None or census is None:
        return None
    where: list[str] = []
    if stations is not None:
        where.append("station_code IN (" + ", ".join(_literal(s) for s in stations) + ")"
                     if stations else "FALSE")
    if start is not None:
        where.append(f"\"timestamp\" > TIMESTAMP '{datetime.combine(start, time())}'")
    if end is not None:
        stop = datetime.combine(end, time()) + timedelta(days=1)
        where.append(f"\"timestamp\" <= TIMESTAMP '{stop}'")
    sql = _select_sql(plan, path)
    if where:
        sql = f"SELECT * FROM ({sql}) WHERE {' AND '.join(where)}"
    name = f"air_scan_{uuid.uuid4().hex[:12]}"
    con.raw_sql(f"CREATE TEMP VIEW {name} AS {sql}")
    table = con.table(name)
    codes = [c for c in census.codes if stations is None or c in set(stations)]
    if codes and census.first is not None and census.last is not None:
        # the engine may compute this scan's daily values with the compiled kernel
        air_kernel.register(table, air_kernel.ParquetHourly(
            path=path, station_column=plan.station_code, timestamp_column=plan.timestamp,
            pollutants=dict(plan.pollutants), station_codes=tuple(codes), first=census.first,
            last=census.last, stations=None if stations is None else frozenset(stations),
            after=None if start is None else datetime.combine(start, time()),
            until=None if end is None else datetime.combine(end, time()) + timedelta(days=1)))
    return table
