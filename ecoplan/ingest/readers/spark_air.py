"""Hourly air files read by Spark's executors: the data never pass through the driver.

The pandas reader (:func:`ecoplan.ingest.readers.air.read_air_file`) loads a whole file into the
process that runs the command; on a cluster that is the driver, the one place that does not
scale. Here the driver reads only the header line (or the Parquet schema) to map the columns
(:func:`ecoplan.ingest.readers.air.canonical_name`, :func:`unit_factor`); Spark's executors read
the file, rename, convert units, parse times, check every value and drop unusable rows, and
only the problem counts (plus one example value each) and the results come back.

Formats: the canonical long table as Parquet or CSV (``.csv``/``.csv.gz``/``.txt``, comma, tab
or semicolon separated, header on the first line) and the CNEMC ``date,hour,type,<stations>``
wide file (unpivoted in Spark). Other formats (.xlsx templates, the CNEMC live feed) are read
by the pandas reader; :func:`spark_readable` says which.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.air import (
    _CHINA_SITES_TYPES,
    FORMAT_CANONICAL,
    FORMAT_CHINA_SITES,
    FORMAT_PARQUET,
    POLLUTANTS,
    PUBLISHED,
    canonical_name,
    unit_factor,
)
from ecoplan.ingest.readers.problems import Problem
from ecoplan.ingest.readers.text import DASHES, NOT_MONITORED, NULL_MARKERS

#: text read as "no value" (the pandas reader counts dashes separately; both give missing)
_NO_VALUE = sorted(set(NULL_MARKERS) | set(DASHES) | {NOT_MONITORED})
#: timestamp layouts of canonical tables, tried in order
_TIME_FORMATS = ("yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss",
                 "yyyy-MM-dd'T'HH:mm", "yyyy/M/d H:mm:ss", "yyyy/M/d H:mm", "yyyy-MM-dd H:mm")
_VALUE_COLUMNS = (*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED])
#: columns carried through when the file has them (the by-city statistics use them)
_CARRIED = {"city": "city", "城市": "city", "station_name": "station_name",
            "监测点名称": "station_name", "station_type": "station_type", "点位类型": "station_type"}


class SparkAirInputError(InputFileError):
    """A file Spark's executors were asked to read cannot be used."""


@dataclass
class SparkAirScan:
    """A file as a Spark DataFrame of canonical columns, with what was wrong in it."""

    frame: Any
    format: str
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


def first_line(path: Path) -> str:
    """The header line only (gzip-aware): the driver reads nothing else of the file."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
        return fh.readline().rstrip("\r\n")


def file_format(path: Path) -> str:
    if path.suffix.lower() in (".parquet", ".pq"):
        return FORMAT_PARQUET
    head = first_line(path)
    cols = [c.strip().strip('"').lower() for c in re.split(r"[,\t;]", head)]
    if cols[:3] == ["date", "hour", "type"]:
        return FORMAT_CHINA_SITES
    if "timepoint" in cols and "stationcode" in cols:
        return "cnemc_live"
    return FORMAT_CANONICAL


def spark_readable(path: Path) -> bool:
    """Whether :func:`scan_air_file` reads ``path`` (else the pandas reader does)."""
    name = path.name.lower()
    if not name.endswith((".parquet", ".pq", ".csv", ".csv.gz", ".txt")):
        return False
    return file_format(path) in (FORMAT_PARQUET, FORMAT_CANONICAL, FORMAT_CHINA_SITES)


def scan_air_file(session: Any, path: Path, uri: str | None = None) -> SparkAirScan:
    """Read ``path`` on the executors (``uri``: where they see it; default the absolute path)."""
    path = Path(path)
    if not path.exists():
        raise SparkAirInputError(f"文件不存在：{path}", f"File not found: {path}",
                                 location=Location(file=str(path)))
    where = uri or str(path.resolve())
    fmt = file_format(path)
    if fmt == FORMAT_CHINA_SITES:
        return _china_sites(session, path, where)
    if fmt == FORMAT_PARQUET:
        import pyarrow.parquet as pq  # deferred: only the schema, never the rows

        names = list(pq.read_schema(path).names)
        raw = session.read.parquet(where)
        return _long(path, raw, names, fmt)
    if fmt != FORMAT_CANONICAL:
        raise SparkAirInputError("Spark 不能直接读取此格式（请用 --engine duckdb 或先 ecoplan ingest）",
                                 "Spark cannot read this format directly (use --engine duckdb or "
                                 "load it with `ecoplan ingest`)", location=Location(file=str(path)))
    head = first_line(path)
    sep = max((",", "\t", ";"), key=head.count)
    names = [c.strip().strip('"') for c in head.split(sep)]
    raw = (session.read.option("header", True).option("sep", sep).option("encoding", "UTF-8")
           .option("mode", "PERMISSIVE").csv(where))
    if len(raw.columns) != len(names):
        names = [c.lstrip("\ufeff") for c in raw.columns]
    return _long(path, raw, names, fmt)


def _long(path: Path, raw: Any, names: list[str], fmt: str) -> SparkAirScan:
    """A canonical long table: rename, convert units, parse times, check values — in Spark."""
    from pyspark.sql import functions as F  # deferred: PySpark is optional

    positional = [f"_c{i}" for i in range(len(raw.columns))]
    types = dict(zip(positional, [f.dataType.simpleString() for f in raw.schema.fields],
                     strict=True))
    df = raw.toDF(*positional)
    mapped: dict[str, tuple[str, str | None]] = {}
    carried: dict[str, str] = {}
    for pos, name in zip(positional, names, strict=True):
        canon, unit = canonical_name(name)
        if canon is not None and canon not in {m[0] for m in mapped.values()}:
            mapped[pos] = (canon, unit)
        elif canon is None and name.strip().lower() in _CARRIED \
                and _CARRIED[name.strip().lower()] not in carried.values():
            carried[pos] = _CARRIED[name.strip().lower()]
    by_canon = {canon: pos for pos, (canon, _u) in mapped.items()}
    if "station_code" not in by_canon or not ({"timestamp", "_date"} & set(by_canon)):
        raise SparkAirInputError(
            "缺少站点编码或时间列（应有 station_code 与 timestamp，或 date 与 hour）",
            "Missing the station code or time column (station_code and timestamp, or date "
            "and hour)", location=Location(file=str(path), field="station_code,timestamp"))
    station = F.trim(F.col(by_canon["station_code"]).cast("string"))
    if "timestamp" in by_canon:
        pos = by_canon["timestamp"]
        if types[pos].startswith("timestamp"):
            ts = F.col(pos).cast("timestamp")
        else:
            text = F.trim(F.col(pos).cast("string"))
            ts = F.coalesce(*[F.try_to_timestamp(text, F.lit(f)) for f in _TIME_FORMATS])
    else:
        day = F.try_to_timestamp(F.trim(F.col(by_canon["_date"]).cast("string")),
                                 F.lit("yyyy-MM-dd"))
        hour = F.expr(f"try_cast(trim({by_canon['_hour']}) AS int)") \
            if "_hour" in by_canon else F.lit(0)
        ts = F.when(hour.between(0, 24), day + F.make_dt_interval(F.lit(0), hour))
    cols: dict[str, Any] = {"station_code": station, "timestamp": ts}
    bad: dict[str, Any] = {}
    raw_text: dict[str, Any] = {}
    for canon in _VALUE_COLUMNS:
        if canon not in by_canon:
            continue
        pos = by_canon[canon]
        unit = mapped[pos][1]
        factor = unit_factor(canon, unit)
        if factor is None:
            raise SparkAirInputError(f"无法识别的单位：{unit}", f"Unknown unit: {unit}",
                                     location=Location(file=str(path), field=names[
                                         positional.index(pos)]))
        text = F.trim(F.col(pos).cast("string"))
        if types[pos] == "string":
            empty = text.isNull() | text.isin(_NO_VALUE)
            value = F.when(~empty, F.expr(f"try_cast(trim({pos}) AS double)"))
            is_bad = value.isNull() & ~empty
        else:
            value, is_bad = F.col(pos).cast("double"), F.lit(False)
        cols[canon] = value * F.lit(factor) if factor != 1.0 else value
        bad[canon] = is_bad
        raw_text[canon] = text
    for pos, name in carried.items():
        cols[name] = F.trim(F.col(pos).cast("string"))
    checked = df.select(*[c.alias(n) for n, c in cols.items()],
                        *[b.alias(f"_bad_{n}") for n, b in bad.items()],
                        *[t.alias(f"_raw_{n}") for n, t in raw_text.items()],
                        F.col(by_canon["timestamp" if "timestamp" in by_canon else "_date"])
                        .cast("string").alias("_raw_time"))
    problems, rows = _problems(path, checked, list(bad), field_of={
        c: names[positional.index(by_canon[c])] for c in bad})
    out = checked.where(F.col("station_code").isNotNull() & (F.col("station_code") != "")
                        & F.col("timestamp").isNotNull())
    keep = [c for c in cols]
    return SparkAirScan(out.select(*keep), fmt, problems, rows)


def _problems(path: Path, checked: Any, values: list[str], field_of: dict[str, str]
              ) -> tuple[list[Problem], int]:
    """One Spark aggregate: counts and a first example per kind of problem (the rows stay on
    the executors)."""
    from pyspark.sql import functions as F  # deferred: PySpark is optional

    no_station = F.col("station_code").isNull() | (F.col("station_code") == "")
    no_time = F.col("timestamp").isNull() & ~no_station
    aggs = [F.count(F.lit(1)).alias("rows"),
            F.sum(F.when(no_station, 1).otherwise(0)).alias("n_station"),
            F.sum(F.when(no_time, 1).otherwise(0)).alias("n_time"),
            F.first(F.when(no_time, F.col("_raw_time")), ignorenulls=True).alias("x_time")]
    for v in values:
        aggs += [F.sum(F.when(F.col(f"_bad_{v}"), 1).otherwise(0)).alias(f"n_{v}"),
                 F.first(F.when(F.col(f"_bad_{v}"), F.col(f"_raw_{v}")),
                         ignorenulls=True).alias(f"x_{v}")]
    row = checked.agg(*aggs).collect()[0].asDict()
    file = str(path)
    out: list[Problem] = []
    if row["n_station"]:
        out.append(Problem(file, None, "station_code", None,
                           f"{row['n_station']} 行缺少站点编码，未读取",
                           f"{row['n_station']} rows without a station code were not read",
                           whole_row=True, code="missing_station"))
    if row["n_time"]:
        out.append(Problem(file, None, "timestamp", row["x_time"],
                           f"{row['n_time']} 行时间无法识别，未读取",
                           f"{row['n_time']} rows with an unreadable time were not read",
                           whole_row=True, code="bad_timestamp"))
    for v in values:
        if row[f"n_{v}"]:
            out.append(Problem(file, None, field_of.get(v, v), row[f"x_{v}"],
                               f"{row[f'n_{v}']} 个数值不是数字，按缺测处理",
                               f"{row[f'n_{v}']} values are not numbers, read as missing",
                               code="not_a_number", parameter=v))
    return out, int(row["rows"] or 0)


def _china_sites(session: Any, path: Path, where: str) -> SparkAirScan:
    """CNEMC ``date,hour,type,<stations>`` unpivoted and pivoted to station-hours in Spark."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # deferred: PySpark is optional

    head = [c.strip().strip('"') for c in first_line(path).split(",")]
    stations = head[3:]
    # lines as text split on commas and exploded: one cheap step however many station columns
    lines_df = session.read.text(where).withColumn("_line", F.monotonically_increasing_id())
    cells = F.split(F.col("value"), ",", -1)
    df = lines_df.select("_line", cells.alias("_cells")).select(
        "_line", F.trim(F.col("_cells")[0]).alias("_date"), F.trim(F.col("_cells")[1])
        .alias("_hour"), F.trim(F.col("_cells")[2]).alias("_type"),
        F.slice("_cells", 4, len(stations)).alias("_values"))
    df = df.where(~((F.lower(F.regexp_replace("_date", "^\ufeff", "")) == "date")
                    & (F.lower("_hour") == "hour")))
    kinds = F.create_map(*[x for k, v in _CHINA_SITES_TYPES.items()
                           for x in (F.lit(k), F.lit(v))])
    day = F.try_to_timestamp(F.col("_date"), F.lit("yyyyMMdd"))
    hour = F.expr("try_cast(_hour AS int)")
    df = df.select("*", F.when(hour.between(0, 23), day + F.make_dt_interval(F.lit(0), hour))
                   .alias("timestamp"), kinds[F.col("_type")].alias("_kind"))
    first = Window.partitionBy("timestamp", "_kind").orderBy("_line")
    df = df.withColumn("_nth", F.row_number().over(first))
    lines = df.agg(F.count(F.lit(1)).alias("lines"),
                   F.sum(F.when(F.col("timestamp").isNull(), 1).otherwise(0)).alias("bad_time"),
                   F.sum(F.when(F.col("timestamp").isNotNull() & F.col("_kind").isNull(), 1)
                         .otherwise(0)).alias("bad_type"),
                   F.sum(F.when(F.col("_kind").isNotNull() & (F.col("_nth") > 1), 1)
                         .otherwise(0)).alias("duplicates")).collect()[0].asDict()
    ok = df.where(F.col("timestamp").isNotNull() & F.col("_kind").isNotNull()
                  & (F.col("_nth") == 1))
    codes = F.array(*[F.lit(s) for s in stations])
    long = ok.select("timestamp", "_kind", F.posexplode("_values").alias("_pos", "_raw"))
    long = long.where(F.col("_pos") < len(stations)).select(
        "timestamp", "_kind", F.element_at(codes, F.col("_pos") + 1).alias("station_code"),
        F.regexp_replace("_raw", r'^[\s"]+|[\s"]+$', "").alias("_raw"))
    text = F.trim("_raw")
    empty = text.isNull() | text.isin(_NO_VALUE)
    value = F.when(~empty, F.expr("try_cast(trim(_raw) AS double)"))
    long = long.select("station_code", "timestamp", "_kind",
                       value.alias("_value"), (~empty & value.isNull()).alias("_bad"))
    targets = [*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]]
    wide = long.groupBy("station_code", "timestamp").agg(
        *[F.max(F.when(F.col("_kind") == t, F.col("_value"))).alias(t) for t in targets],
        F.max(F.col("_bad").cast("int")).alias("_any_bad"),
        F.sum(F.col("_bad").cast("int")).alias("_n_bad"))
    wide = wide.where(F.coalesce(*[F.col(t) for t in targets]).isNotNull()
                      | (F.col("_any_bad") == 1))
    # kept on the executors: the counts below compute it once, the evaluation reuses it
    wide = wide.persist()
    counts = wide.agg(F.count(F.lit(1)).alias("rows"), F.sum("_n_bad").alias("bad"),
                      *[F.count(F.col(f"published_{p}")).alias(f"has_{p}")
                        for p in PUBLISHED]).collect()[0].asDict()
    keep = ["station_code", "timestamp", *POLLUTANTS,
            *[f"published_{p}" for p in PUBLISHED if counts[f"has_{p}"]]]
    frame = wide.select(*keep, F.lit(None).cast("string").alias("not_monitored"))
    file = str(path)
    problems: list[Problem] = []
    for key, zh, en, code in (
            ("bad_time", "行日期或小时无法识别", "lines with an unreadable date or hour",
             "bad_timestamp"),
            ("bad_type", "行数据类型未知", "lines of an unknown type", "unknown_parameter"),
            ("duplicates", "行与前面同一小时同一类型重复（保留首行）",
             "lines repeat an hour and type (the first is kept)", "duplicate")):
        if lines[key]:
            problems.append(Problem(file, None, "type" if code != "bad_timestamp" else "date",
                                    None, f"{lines[key]} {zh}", f"{lines[key]} {en}",
                                    whole_row=True, code=code))
    if counts["bad"]:
        problems.append(Problem(file, None, None, None, f"{counts['bad']} 个数值不是数字，按缺测处理",
                                f"{counts['bad']} values are not numbers, read as missing",
                                code="not_a_number"))
    return SparkAirScan(frame, FORMAT_CHINA_SITES, problems, int(counts["rows"] or 0))


def as_ibis_table(backend: Any, frame: Any, name: str = "air_input") -> Any:
    """A Spark DataFrame as an Ibis table of the PySpark ``backend`` (a temporary view)."""
    import uuid

    view = f"{name}_{uuid.uuid4().hex[:10]}"
    frame.createOrReplaceTempView(view)
    return backend.table(view)
