"""Readers for hourly air-quality station data.

Formats recognised by :func:`read_air_file` (auto-detected from the header):

* CNEMC daily release ``china_sites_YYYYMMDD.csv``: ``date,hour,type,<station codes…>``, one
  line per hour and type (AQI, PM2.5, PM2.5_24h, …); blank = missing. The file's hour ``H`` of
  date ``D`` is labelled ``D H:00`` — hour-ending (``2019-01-01 00:00`` for hour 0, the hour that
  closes the CNEMC day ``2018-12-31``).
* CNEMC live snapshot CSV: ``timepoint,stationcode,…,aqi,pm10,…``; ``NA`` = missing, ``/`` = not
  monitored (HJ 633-2026 Tables 4/5 note).
* The canonical hourly table (CSV or Parquet): ``station_code,timestamp,PM2.5,PM10,SO2,NO2,O3,CO``
  — Chinese or lower-case names (``pm25``, ``细颗粒物``…) and units in the header
  (``CO(μg/m³)``) are accepted; the bundled real year ``shanxi_hourly_2019.csv.gz`` is one.

Every reader returns a DataFrame with the canonical columns :data:`AIR_COLUMNS`, any published
values present (``published_aqi``, ``published_pm25_24h`` …), ``source_row`` (file line of the
row) and ``not_monitored`` (comma-separated pollutant codes marked ``/``). Problems found while
reading are in ``frame.attrs["problems"]`` (:class:`~ecoplan.ingest.readers.Problem`, each with
file, row and field); nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.problems import Problem, ProblemList, SharedMapping
from ecoplan.ingest.readers.text import (
    NOT_MONITORED,
    CsvTable,
    DecodedText,
    decoded_bytes,
    header_line,
    read_csv_table,
)
from ecoplan.nomenclature import AIR_POLLUTANTS

POLLUTANTS = AIR_POLLUTANTS
AIR_COLUMNS = ("station_code", "timestamp", *POLLUTANTS)
#: Published values carried along (CNEMC moving means, AQI, primary pollutant …).
PUBLISHED = ("aqi", "pm25_24h", "pm10_24h", "so2_24h", "no2_24h", "o3_24h", "o3_8h",
             "o3_8h_24h", "co_24h")
PUBLISHED_COLUMNS = tuple(f"published_{p}" for p in PUBLISHED) + ("published_primary_pollutant",)
#: Canonical units: μg/m³ for everything but CO (mg/m³).
UNITS = {p: ("mg/m³" if p == "co" else "μg/m³") for p in POLLUTANTS}

FORMAT_CHINA_SITES = "cnemc_china_sites"
FORMAT_LIVE = "cnemc_live"
FORMAT_CANONICAL = "canonical"
FORMAT_PARQUET = "canonical_parquet"
FORMAT_XLSX = "xlsx_template"

_POLLUTANT_NAMES = {
    "pm25": "pm25", "细颗粒物": "pm25",
    "pm10": "pm10", "可吸入颗粒物": "pm10", "颗粒物": "pm10",
    "so2": "so2", "二氧化硫": "so2",
    "no2": "no2", "二氧化氮": "no2",
    "o3": "o3", "臭氧": "o3", "o31h": "o3",
    "co": "co", "一氧化碳": "co",
}
_STATION_NAMES = {"station_code", "stationcode", "station", "code", "site", "site_code",
                  "站点编码", "监测点编码", "站点代码", "站号", "点位编码", "站点编号", "监测点位编码"}
_TIME_NAMES = {"timestamp", "timepoint", "time", "datetime", "date_time", "时间", "监测时间",
               "日期时间", "时间戳"}
_DATE_NAMES = {"date", "日期", "监测日期"}
_HOUR_NAMES = {"hour", "小时", "时"}
_PRIMARY_NAMES = {"primarypollutant", "primary_pollutant", "primary_pollutants", "首要污染物"}
_AQI_NAMES = {"aqi", "空气质量指数"}
#: Site metadata columns that may accompany hourly data; they are not values (the registry
#: holds site metadata), so leaving them out of the lake is not a loss worth reporting.
_METADATA_NAMES = {"station_name", "stationname", "name", "站点名称", "监测点名称", "city", "城市",
                   "area", "positionname", "longitude", "latitude", "经度", "纬度", "county", "区县",
                   "province", "省份", "index", "序号", "id", "unnamed:0"}
_UNIT_RE = re.compile(r"[\(（\[【](.*?)[\)）\]】]\s*$")


def _split_unit(name: str) -> tuple[str, str | None]:
    name = name.strip().lstrip("\ufeff")
    m = _UNIT_RE.search(name)
    if m:
        return name[: m.start()].strip(), m.group(1).strip()
    return name, None


def _key(name: str) -> str:
    k = name.strip().lower().replace(" ", "")
    k = k.replace("pm2.5", "pm25").replace("pm2_5", "pm25").replace("pm₂.₅", "pm25")
    k = k.replace("so₂", "so2").replace("no₂", "no2").replace("o₃", "o3")
    return k


def canonical_name(column: str) -> tuple[str | None, str | None]:
    """Map a header (``PM2.5``, ``pm2_5_24h``, ``一氧化碳(mg/m³)`` …) to a canonical column."""
    base, unit = _split_unit(column)
    k = _key(base)
    if k.startswith("published_"):
        k = k.removeprefix("published_")
        if k in PUBLISHED or k == "primary_pollutant":
            return f"published_{k}", unit
    if k in _STATION_NAMES:
        return "station_code", unit
    if k in _TIME_NAMES:
        return "timestamp", unit
    if k in _DATE_NAMES:
        return "_date", unit
    if k in _HOUR_NAMES:
        return "_hour", unit
    if k in _PRIMARY_NAMES:
        return "published_primary_pollutant", unit
    if k in _AQI_NAMES:
        return "published_aqi", unit
    if k in _POLLUTANT_NAMES:
        return _POLLUTANT_NAMES[k], unit
    for suffix in ("_24h", "_8h_24h", "_8h"):
        if k.endswith(suffix):
            stem = k[: -len(suffix)]
            if stem in _POLLUTANT_NAMES:
                name = f"{_POLLUTANT_NAMES[stem]}{suffix}"
                if name in PUBLISHED:
                    return f"published_{name}", unit
    return None, unit


def unit_factor(pollutant: str, unit: str | None) -> float | None:
    """Factor from ``unit`` to the canonical unit of ``pollutant``; None if not a known unit."""
    if unit is None or unit == "":
        return 1.0
    u = unit.lower().replace("µ", "μ").replace("³", "3").replace(" ", "")
    if u in {"μg/m3", "ug/m3", "微克/立方米"}:
        given = "ug"
    elif u in {"mg/m3", "毫克/立方米"}:
        given = "mg"
    else:
        return None
    base = pollutant.removeprefix("published_").split("_")[0]
    want = "mg" if base == "co" else "ug"
    if given == want:
        return 1.0
    return 1000.0 if given == "mg" else 0.001


# ---------------------------------------------------------------------------- helpers
def categorical_codes(codes: pa.Array | pa.ChunkedArray) -> pd.Categorical:
    """Station codes as a pandas Categorical (a few dozen codes repeated over many rows)."""
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    enc = pc.dictionary_encode(codes)
    idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    cats = enc.dictionary.to_pylist()
    return pd.Categorical.from_codes(idx, categories=pd.Index(cats, dtype=object))


def to_numbers(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of a column, with masks of text-in-number-field and of ``/`` (not monitored)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type) \
            or pa.types.is_decimal(values.type):
        arr = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        n = len(arr)
        return arr.astype(np.float64, copy=False), np.zeros(n, bool), np.zeros(n, bool)
    if pa.types.is_null(values.type):
        n = len(values)
        return np.full(n, np.nan), np.zeros(n, bool), np.zeros(n, bool)
    s = pc.utf8_trim_whitespace(values.cast(pa.string()))
    not_mon = pc.fill_null(pc.equal(s, NOT_MONITORED), False).to_numpy(zero_copy_only=False)
    present = pc.is_valid(s).to_numpy(zero_copy_only=False)
    nums = pd.to_numeric(pd.Series(s.to_numpy(zero_copy_only=False), dtype=object),
                         errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = present & np.isnan(nums) & ~not_mon
    # "nan"/"NA" already became nulls through the CSV reader's null markers
    return nums, bad, not_mon


_TZ_RE = r"(Z|[+-]\d{2}:?\d{2})$"


def parse_timestamps(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Beijing-time naive ``datetime64[ns]`` of hour-ending labels, and a mask of unparseable.

    Accepts ``YYYY-MM-DD HH:MM[:SS]``, ``YYYY/MM/DD HH:MM``, ``YYYY-MM-DDTHHMM`` (CNEMC live),
    ISO 8601 with an offset (converted to Asia/Shanghai) and ``24:00`` (= 00:00 next day).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    if pa.types.is_timestamp(values.type):
        if values.type.tz:
            ser = pd.Series(values.to_pandas()).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        else:
            ser = pd.Series(values.to_pandas())
        out = ser.to_numpy(dtype="datetime64[ns]")
        return out, np.zeros(n, bool)
    if pa.types.is_date(values.type):
        out = pd.Series(values.to_pandas()).astype("datetime64[ns]").to_numpy()
        return out, np.zeros(n, bool)
    s = pc.utf8_trim_whitespace(values.cast(pa.string()))
    s = pc.replace_substring(s, "/", "-")
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d{1,2}-\d{1,2})[T ](\d{2})(\d{2})$", r"\1 \2:\3")
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d{1,2}-\d{1,2})T", r"\1 ")
    s = pc.replace_substring_regex(s, r"^(\d{4})(\d{2})(\d{2})[ T]?(\d{2}):?(\d{2})$",
                                   r"\1-\2-\3 \4:\5")
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = pc.is_valid(s).to_numpy(zero_copy_only=False)
    present = todo.copy()
    # hour 24:00 → 00:00 of the next day
    is24 = pc.fill_null(pc.match_substring_regex(s, r" 24:00(:00)?$"), False)
    if pc.any(is24).as_py():
        s = pc.if_else(is24, pc.replace_substring_regex(s, r" 24:00(:00)?$", " 00:00"), s)
    tz = pc.fill_null(pc.match_substring_regex(s, _TZ_RE), False).to_numpy(zero_copy_only=False)
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        if not todo.any():
            break
        parsed = pc.strptime(s, format=fmt, unit="s", error_is_null=True)
        got = pc.is_valid(parsed).to_numpy(zero_copy_only=False) & todo
        if got.any():
            vals = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False)
            out[got] = (vals[got] * 1_000_000_000).astype("datetime64[ns]")
            todo &= ~got
    rest = todo & tz
    if rest.any():
        idx = np.flatnonzero(rest)
        strs = pd.Series(s.to_numpy(zero_copy_only=False)[idx], dtype=object)
        conv = pd.to_datetime(strs, utc=True, errors="coerce", format="ISO8601")
        conv = conv.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        ok = conv.notna().to_numpy()
        out[idx[ok]] = conv.to_numpy(dtype="datetime64[ns]")[ok]
        todo[idx[ok]] = False
    if pc.any(is24).as_py():
        add = is24.to_numpy(zero_copy_only=False) & ~todo & present
        out[add] += np.timedelta64(1, "D")
    bad = todo & present
    missing = ~present
    return out, bad | missing


# ---------------------------------------------------------------------------- detection
def detect_format(path: Path, head: str | None = None) -> str:
    """Which air format a file is in (from its name/extension and header)."""
    path = Path(path)
    if path.suffix.lower() in {".parquet", ".pq"}:
        return FORMAT_PARQUET
    if head is None:
        head = header_line(decoded_bytes(path).data)
    cols = [c.strip().strip('"').lower() for c in re.split(r"[,\t;]", head)]
    if cols[:3] == ["date", "hour", "type"]:
        return FORMAT_CHINA_SITES
    if "timepoint" in cols and "stationcode" in cols:
        return FORMAT_LIVE
    return FORMAT_CANONICAL


# ---------------------------------------------------------------------------- readers
def read_air_file(path: str | Path) -> pd.DataFrame:
    """Read one hourly air file in any supported format into the canonical frame."""
    path = Path(path)
    if not path.exists():
        raise InputFileError("文件不存在", "File does not exist", location=Location(str(path)))
    if path.suffix.lower() in {".parquet", ".pq"}:
        import pyarrow.parquet as pq  # deferred: only for Parquet input

        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputFileError(f"无法读取 Parquet 文件：{exc}",
                                 f"Cannot read the Parquet file: {exc}",
                                 location=Location(str(path))) from exc
        lines = np.arange(1, table.num_rows + 1, dtype=np.int64)  # Parquet: row number
        frame = _long_table(path, CsvTable(table, lines, [], "parquet"), FORMAT_PARQUET)
        return frame
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _long_table(path, read_xlsx_table(path), FORMAT_XLSX)
    decoded = decoded_bytes(path)
    fmt = detect_format(path, header_line(decoded.data))
    if fmt == FORMAT_CHINA_SITES:
        return _china_sites(path, decoded)
    if fmt == FORMAT_LIVE:
        csv = read_csv_table(path, decoded, string_columns=True)
        return _long_table(path, csv, FORMAT_LIVE)
    head = [c.strip().strip('"') for c in re.split(r"[,\t;]", header_line(decoded.data))]
    numeric = {c: pa.float64() for c in head
               if (canonical_name(c)[0] or "").removeprefix("published_") in (*POLLUTANTS, *PUBLISHED)}
    text = {c: pa.string() for c in head if canonical_name(c)[0] in {"station_code", "timestamp"}}
    csv = read_csv_table(path, decoded, column_types=text, try_types=numeric)
    return _long_table(path, csv, FORMAT_CANONICAL)


def read_xlsx_table(path: Path) -> CsvTable:
    """The first sheet of a workbook (e.g. a filled ``ecoplan template air``) as text cells."""
    try:
        raw = pd.read_excel(path, dtype=object, engine="openpyxl", sheet_name=0)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means an unreadable file
        raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the Excel file: {exc}",
                             location=Location(str(path))) from exc
    lines = np.arange(2, 2 + len(raw), dtype=np.int64)
    keep = raw.notna().any(axis=1).to_numpy()
    raw, lines = raw.loc[keep], lines[keep]

    def cell(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if hasattr(v, "strftime"):
            return v.strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[union-attr]
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    table = pa.table({str(c): pa.array([cell(v) for v in raw[c]], type=pa.string())
                      for c in raw.columns})
    return CsvTable(table, lines, [], "xlsx")


def _finish(frame: pd.DataFrame, path: Path, fmt: str, problems: list[Problem],
            encoding: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
    frame.attrs["problems"] = ProblemList(problems)
    frame.attrs["format"] = fmt
    frame.attrs["file"] = str(path)
    frame.attrs["encoding"] = encoding
    frame.attrs["rows_read"] = len(frame) + sum(1 for p in problems if p.whole_row)
    for k, v in (extra or {}).items():
        frame.attrs[k] = SharedMapping(v) if isinstance(v, dict) else v
    return frame


def _long_table(path: Path, csv: CsvTable, fmt: str) -> pd.DataFrame:
    table, problems = csv.table, list(csv.problems)
    n = table.num_rows
    mapping: dict[str, str] = {}
    units: dict[str, str | None] = {}
    ignored: list[str] = []
    for col in table.column_names:
        canon, unit = canonical_name(col)
        if canon is None or canon in mapping.values():
            if _key(_split_unit(col)[0]) not in _METADATA_NAMES:
                ignored.append(col)
            continue
        mapping[col] = canon
        units[canon] = unit
    inverse = {v: k for k, v in mapping.items()}
    if "station_code" not in inverse or ("timestamp" not in inverse and "_date" not in inverse):
        missing = [c for c in ("station_code", "timestamp") if c not in inverse]
        raise InputFileError(
            f"表头缺少必需的列：{', '.join(missing)}（现有列：{', '.join(table.column_names)}）",
            f"The header lacks required columns: {', '.join(missing)} (found: "
            f"{', '.join(table.column_names)})",
            location=Location(str(path), 1, missing[0]),
            hint_zh="可用 ecoplan template air 生成模板", hint_en="`ecoplan template air` writes a template",
        )
    lines = csv.lines
    out: dict[str, Any] = {}
    codes = table.column(inverse["station_code"]).cast(pa.string())
    codes = pc.utf8_trim_whitespace(codes)
    out["station_code"] = categorical_codes(codes)
    bad_code = ~pc.is_valid(codes).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(bad_code):
        problems.append(Problem(str(path), int(lines[i]), inverse["station_code"], None,
                                "缺少站点编码", "station code is missing", frame_index=int(i),
                                code="missing_station"))
    if "timestamp" in inverse:
        ts_col = table.column(inverse["timestamp"])
        ts, bad_ts = parse_timestamps(ts_col)
        ts_field = inverse["timestamp"]
        raw_ts = ts_col
    else:
        date_col = table.column(inverse["_date"]).cast(pa.string())
        if "_hour" in inverse:
            hour_col = table.column(inverse["_hour"]).cast(pa.string())
            hour_col = pc.utf8_lpad(pc.utf8_trim_whitespace(hour_col), 2, "0")
            raw_ts = pc.binary_join_element_wise(date_col, hour_col, " ")
            raw_ts = pc.binary_join_element_wise(raw_ts, pa.scalar(":00"), "")
        else:
            raw_ts = date_col
        ts, bad_ts = parse_timestamps(raw_ts)
        ts_field = inverse["_date"]
    if bad_ts.any():
        texts = raw_ts.cast(pa.string()).to_pylist() if bad_ts.sum() < 100000 else None
        for i in np.flatnonzero(bad_ts):
            val = texts[i] if texts is not None else None
            problems.append(Problem(
                str(path), int(lines[i]), ts_field, val,
                "时间无法识别（应为北京时间 YYYY-MM-DD HH:00，小时末标记）" if val else "缺少时间",
                "unreadable time (expected Beijing time YYYY-MM-DD HH:00, hour-ending label)"
                if val else "time is missing",
                frame_index=int(i), code="bad_timestamp"))
    out["timestamp"] = ts
    not_mon_parts: list[tuple[str, np.ndarray]] = []
    for canon in (*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]):
        if canon not in inverse:
            if canon in POLLUTANTS:
                out[canon] = np.full(n, np.nan)
            continue
        col = inverse[canon]
        nums, bad, not_mon = to_numbers(table.column(col))
        factor = unit_factor(canon, units.get(canon))
        if factor is None:
            problems.append(Problem(
                str(path), 1, col, units.get(canon),
                f"无法识别的单位：{units.get(canon)}（应为 {UNITS.get(canon, 'μg/m³')}）",
                f"unknown unit: {units.get(canon)} (expected {UNITS.get(canon, 'μg/m³')})",
                code="bad_unit"))
            bad = np.ones(n, bool)
            nums = np.full(n, np.nan)
        elif factor != 1.0:
            nums = nums * factor
        if bad.any():
            raw = table.column(col).cast(pa.string())
            for i in np.flatnonzero(bad):
                problems.append(Problem(
                    str(path), int(lines[i]), col, raw[int(i)].as_py(),
                    "数值字段中出现非数字内容", "text in a number field",
                    frame_index=int(i), code="not_a_number"))
        if canon in POLLUTANTS and not_mon.any():
            not_mon_parts.append((canon, not_mon))
        out[canon] = nums
    if "published_primary_pollutant" in inverse:
        prim = table.column(inverse["published_primary_pollutant"]).cast(pa.string())
        out["published_primary_pollutant"] = prim.to_numpy(zero_copy_only=False)
    out["source_row"] = lines.astype(np.int64)
    frame = pd.DataFrame(out)
    frame["not_monitored"] = _join_flags(n, not_mon_parts)
    return _finish(frame, path, fmt, problems, csv.encoding,
                   {"units": {k: v for k, v in units.items() if v}, "columns": inverse,
                    "ignored_columns": ignored})


def _join_flags(n: int, parts: list[tuple[str, np.ndarray]]) -> pd.Series:
    result = pd.Series(np.full(n, None, dtype=object), dtype=object)
    if not parts:
        return result
    lists: dict[int, list[str]] = {}
    for name, mask in parts:
        for i in np.flatnonzero(mask):
            lists.setdefault(int(i), []).append(name)
    for i, names in lists.items():
        result.iat[i] = ",".join(names)
    return result


_CHINA_SITES_TYPES = {
    "AQI": "published_aqi", "PM2.5": "pm25", "PM2.5_24h": "published_pm25_24h",
    "PM10": "pm10", "PM10_24h": "published_pm10_24h", "SO2": "so2", "SO2_24h":
    "published_so2_24h", "NO2": "no2", "NO2_24h": "published_no2_24h", "O3": "o3",
    "O3_24h": "published_o3_24h", "O3_8h": "published_o3_8h", "O3_8h_24h": "published_o3_8h_24h",
    "CO": "co", "CO_24h": "published_co_24h",
}


def _china_sites(path: Path, decoded: DecodedText) -> pd.DataFrame:
    """CNEMC ``date,hour,type,<stations>``: one line per (hour, type) → one row per station-hour."""
    head = [c.strip() for c in header_line(decoded.data).split(",")]
    csv = read_csv_table(path, decoded, column_types={"date": pa.string(), "hour": pa.string(),
                                                      "type": pa.string()},
                         try_types={c: pa.float64() for c in head[3:] if c})
    table, lines, problems = csv.table, csv.lines, list(csv.problems)
    stations = [c for c in table.column_names[3:] if c]
    S = len(stations)
    dates = pc.utf8_trim_whitespace(table.column("date")).to_numpy(zero_copy_only=False)
    hours = pc.utf8_trim_whitespace(table.column("hour")).to_numpy(zero_copy_only=False)
    types = pc.utf8_trim_whitespace(table.column("type")).to_numpy(zero_copy_only=False)
    kind = [_CHINA_SITES_TYPES.get(t) if t is not None else None for t in types]
    # hour-ending label of each line
    labels = pd.to_datetime(pd.Series(dates, dtype=object), format="%Y%m%d", errors="coerce")
    hrs = pd.to_numeric(pd.Series(hours, dtype=object), errors="coerce")
    good_h = hrs.between(0, 23) & (hrs == hrs.round())
    labels = labels + pd.to_timedelta(hrs.where(good_h), unit="h")
    label_ok = labels.notna().to_numpy()
    row_ok = np.ones(table.num_rows, bool)
    for i in range(table.num_rows):
        if not label_ok[i]:
            field = "date" if pd.isna(pd.to_datetime(dates[i], format="%Y%m%d", errors="coerce")) \
                else "hour"
            problems.append(Problem(str(path), int(lines[i]), field,
                                    str(dates[i] if field == "date" else hours[i]),
                                    "日期或小时无法识别（应为 YYYYMMDD 与 0–23）",
                                    "unreadable date or hour (expected YYYYMMDD and 0–23)",
                                    whole_row=True, code="bad_timestamp"))
            row_ok[i] = False
        elif kind[i] is None:
            problems.append(Problem(str(path), int(lines[i]), "type", str(types[i]),
                                    f"未知的数据类型：{types[i]}", f"unknown type: {types[i]}",
                                    whole_row=True, code="unknown_parameter"))
            row_ok[i] = False
    keys = labels.to_numpy(dtype="datetime64[ns]")
    uniq = np.unique(keys[row_ok])
    K = len(uniq)
    kidx = np.searchsorted(uniq, keys)
    targets = [*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]]
    tindex = {t: j for j, t in enumerate(targets)}
    cube = np.full((len(targets), K, S), np.nan)
    text_bad: list[tuple[int, int, int, str]] = []  # (line idx, k, s, raw)
    seen: dict[tuple[int, int], int] = {}
    # column-wise numbers (fast path: Arrow already parsed numeric station columns)
    mat = np.full((table.num_rows, S), np.nan)
    for s, name in enumerate(stations):
        nums, bad, _nm = to_numbers(table.column(name))
        mat[:, s] = nums
        if bad.any():
            raw = table.column(name).cast(pa.string())
            for i in np.flatnonzero(bad & row_ok):
                text_bad.append((int(i), int(kidx[i]), s, raw[int(i)].as_py()))
    for i in np.flatnonzero(row_ok):
        key = (int(kidx[i]), tindex[kind[i]])
        if key in seen:
            problems.append(Problem(str(path), int(lines[i]), "type", str(types[i]),
                                    f"同一小时同一类型重复出现（首次在第 {seen[key]} 行）",
                                    f"the same hour and type appears twice (first on line "
                                    f"{seen[key]})", whole_row=True, code="duplicate"))
            row_ok[i] = False
            continue
        seen[key] = int(lines[i])
    ok_idx = np.flatnonzero(row_ok)
    cube[np.array([tindex[kind[i]] for i in ok_idx], dtype=np.int64), kidx[ok_idx], :] = mat[ok_idx]
    flat = cube.reshape(len(targets), K * S)
    keep = ~np.all(np.isnan(flat), axis=0)
    bad_pos = {k * S + s for (_i, k, s, _r) in text_bad}
    for pos in bad_pos:
        keep[pos] = True
    positions = np.flatnonzero(keep)
    new_index = np.cumsum(keep) - 1
    # first line of each hour block, for locating a station-hour
    first_line = np.full(K, 0, dtype=np.int64)
    for i in ok_idx[::-1]:
        first_line[kidx[i]] = lines[i]
    line_of = {(int(kidx[i]), kind[i]): int(lines[i]) for i in ok_idx}
    if S and len(set(stations)) == S:
        station_col: Any = pd.Categorical.from_codes(positions % S, categories=pd.Index(
            stations, dtype=object))
    else:
        station_col = np.array(stations, dtype=object)[positions % S] if S else np.array([], object)
    out: dict[str, Any] = {
        "station_code": station_col,
        "timestamp": uniq[positions // S] if S else np.array([], "datetime64[ns]"),
    }
    for t, j in tindex.items():
        col = flat[j, positions]
        if t.startswith("published_") and np.all(np.isnan(col)):
            continue
        out[t] = col
    out["source_row"] = first_line[positions // S] if S else np.array([], np.int64)
    frame = pd.DataFrame(out)
    frame["not_monitored"] = pd.Series(np.full(len(frame), None, dtype=object), dtype=object)
    for i, k, s, raw in text_bad:
        problems.append(Problem(str(path), int(lines[i]), stations[s], raw,
                                f"数值字段中出现非数字内容（{types[i]}）",
                                f"text in a number field ({types[i]})",
                                frame_index=int(new_index[k * S + s]), code="not_a_number"))
    return _finish(frame, path, FORMAT_CHINA_SITES, problems, csv.encoding,
                   {"line_of": line_of, "hour_labels": uniq})


# ---------------------------------------------------------------------------- folders
AIR_SUFFIXES = (".csv", ".csv.gz", ".txt", ".parquet", ".pq", ".xlsx")


def air_files(path: str | Path) -> list[Path]:
    """The air files of a folder (sorted by name: china_sites files sort by date)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputFileError("路径不存在", "Path does not exist", location=Location(str(path)))
    return sorted(p for p in path.rglob("*")
                  if p.is_file() and p.name.lower().endswith(AIR_SUFFIXES)
                  and not p.name.startswith("."))


def read_air_folder(path: str | Path, progress: Callable[[int, int, Path], None] | None = None
                    ) -> Iterator[tuple[Path, pd.DataFrame]]:
    """Stream the files of a folder (e.g. 365 daily china_sites files = a year) one by one.

    ``progress(done, total, file)`` is called after each file.
    """
    files = air_files(path)
    total = len(files)
    for n, f in enumerate(files, start=1):
        frame = read_air_file(f)
        yield f, frame
        if progress is not None:
            progress(n, total, f)
