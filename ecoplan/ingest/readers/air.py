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

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.layout import find_layout, note_rows
from ecoplan.ingest.readers.problems import Problem, ProblemList, SharedMapping
from ecoplan.ingest.readers.text import (
    AIR_NULL_MARKERS,
    DASHES,
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
    # HJ 212-2017 / HJ 212-2025 factor codes (Table B.1) as some exports name their columns
    "a34004": "pm25", "a34002": "pm10", "a21026": "so2", "a21004": "no2", "a05024": "o3",
    "a21005": "co",
    "finesuspendedparticles": "pm25", "inhalableparticles": "pm10", "sulfurdioxide": "so2",
    "sulphurdioxide": "so2", "nitrogendioxide": "no2", "ozone": "o3", "carbonmonoxide": "co",
}
_STATION_NAMES = {"station_code", "stationcode", "station", "code", "site", "site_code",
                  "站点编码", "监测点编码", "站点代码", "站号", "点位编码", "站点编号", "监测点位编码",
                  "站点", "监测点位", "点位", "站点名称", "监测点名称", "监测站点", "子站", "子站名称",
                  "stationname", "station_name"}
_TIME_NAMES = {"timestamp", "timepoint", "time", "datetime", "date_time", "时间", "监测时间",
               "日期时间", "时间戳", "数据时间", "采样时间"}
_DATE_NAMES = {"date", "日期", "监测日期"}
_HOUR_NAMES = {"hour", "小时", "时", "时段"}
_PRIMARY_NAMES = {"primarypollutant", "primary_pollutant", "primary_pollutants", "首要污染物"}
_AQI_NAMES = {"aqi", "空气质量指数"}
#: Site metadata columns that may accompany hourly data; they are not values (the registry
#: holds site metadata), so leaving them out of the lake is not a loss worth reporting.
_METADATA_NAMES = {"name", "city", "城市",
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


#: Words that stand for a value that is not a measurement (quarantined with their own reason).
INVALID_WORDS = {"无效": ("标记为“无效”", "marked 无效 (invalid)"),
                 "invalid": ("标记为“invalid”", "marked invalid"),
                 "未检出": ("“未检出”且未给出检出限，不能作为数值", "未检出 (not detected) without a "
                           "detection limit is not a number"),
                 "nd": ("“ND”（未检出）且未给出检出限，不能作为数值", "ND (not detected) without a "
                        "detection limit is not a number"),
                 "缺测": ("标记为“缺测”", "marked 缺测 (missing)"),
                 "停运": ("标记为“停运”", "marked 停运 (station out of service)"),
                 "维护": ("标记为“维护”", "marked 维护 (maintenance)"),
                 "校准": ("标记为“校准”", "marked 校准 (calibration)")}
_THOUSANDS = r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$"


def value_reason(raw: str | None) -> tuple[str, str, str]:
    """Why a cell of a number column is not a value: (zh, en, problem code)."""
    word = (raw or "").strip().lower()
    if word in INVALID_WORDS:
        zh, en = INVALID_WORDS[word]
        return zh, en, "invalid_marker"
    return "数值字段中出现非数字内容", "text in a number field", "not_a_number"


def to_numbers(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of a column, with masks of text-in-number-field and of ``/`` (not monitored).

    Thousands separators (``1,234``) are read as numbers; dashes (``—``, ``--``) are missing
    values (counted by :func:`dash_mask`)."""
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
    s = pc.if_else(pc.fill_null(pc.match_substring_regex(s, _THOUSANDS), False),
                   pc.replace_substring_regex(s, "[,，]", ""), s)
    not_mon = pc.fill_null(pc.equal(s, NOT_MONITORED), False).to_numpy(zero_copy_only=False)
    dash = pc.fill_null(pc.is_in(s, pa.array(sorted(DASHES))), False).to_numpy(
        zero_copy_only=False)
    present = pc.is_valid(s).to_numpy(zero_copy_only=False) & ~dash
    nums = pd.to_numeric(pd.Series(s.to_numpy(zero_copy_only=False), dtype=object),
                         errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    nums = np.where(dash, np.nan, nums)
    bad = present & np.isnan(nums) & ~not_mon
    # "nan"/"NA" already became nulls through the CSV reader's null markers
    return nums, bad, not_mon


def dash_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Cells written as a dash (``—``, ``--`` …): missing, to be counted and said."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        return np.zeros(len(values), bool)
    s = pc.utf8_trim_whitespace(values)
    return pc.fill_null(pc.is_in(s, pa.array(sorted(DASHES))), False).to_numpy(
        zero_copy_only=False)


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
    serial = _excel_serials(s)
    s = pc.replace_substring(s, "/", "-")
    s = _normalise_text_dates(s)
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
    if serial is not None:
        got = ~np.isnat(serial) & todo
        out[got] = serial[got]
        todo &= ~got
    if pc.any(is24).as_py():
        add = is24.to_numpy(zero_copy_only=False) & ~todo & present
        out[add] += np.timedelta64(1, "D")
    bad = todo & present
    missing = ~present
    return out, bad | missing


def _normalise_text_dates(s: pa.Array) -> pa.Array:
    """``2019年1月1日 1时`` / ``2019-1-1 1:00`` / ``2019-01-01 01`` → ``2019-01-01 01:00``."""
    s = pc.replace_substring_regex(s, r"^(\d{4})年(\d{1,2})月(\d{1,2})日?\s*", r"\1-\2-\3 ")
    s = pc.replace_substring_regex(s, r"\s(\d{1,2})\s*[时点](\s*0{1,2}分)?$", r" \1:00")
    s = pc.utf8_trim_whitespace(s)
    s = pc.replace_substring_regex(s, r"^(\d{4})-(\d)-", r"\1-0\2-")
    s = pc.replace_substring_regex(s, r"^(\d{4})-(\d{2})-(\d)(\D|$)", r"\1-\2-0\3\4")
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d{2}-\d{2}) (\d{1,2})$", r"\1 \2:00")
    return pc.replace_substring_regex(s, r"^(\d{4}-\d{2}-\d{2}) (\d):", r"\1 0\2:")


def _excel_serials(s: pa.Array) -> np.ndarray | None:
    """Excel serial date-times (``43466.041666…`` = 2019-01-01 01:00, a cell formatted as a
    number) rounded to the minute; NaT elsewhere; None when there are none."""
    is_serial = pc.fill_null(pc.match_substring_regex(s, r"^\d{5}(\.\d+)?$"), False)
    if not pc.any(is_serial).as_py():
        return None
    days = pd.to_numeric(pd.Series(s.to_numpy(zero_copy_only=False), dtype=object),
                         errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    days[~is_serial.to_numpy(zero_copy_only=False)] = np.nan
    days[(days < 20000) | (days > 80000)] = np.nan  # 1954 … 2119
    minutes = np.round(days * 1440)
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(minutes)
    out[ok] = np.datetime64("1899-12-30T00:00", "ns") + minutes[ok].astype(np.int64) \
        .astype("timedelta64[m]")
    return out


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
    if not _header_is_first_line(header_line(decoded.data)):
        return _long_table(path, read_text_grid(path, decoded), FORMAT_CANONICAL)
    head = [c.strip().strip('"') for c in re.split(r"[,\t;]", header_line(decoded.data))]
    numeric = {c: pa.float64() for c in head
               if (canonical_name(c)[0] or "").removeprefix("published_") in (*POLLUTANTS, *PUBLISHED)}
    text = {c: pa.string() for c in head if canonical_name(c)[0] in {"station_code", "timestamp"}}
    csv = read_csv_table(path, decoded, column_types=text, try_types=numeric,
                         null_values=AIR_NULL_MARKERS)
    return _long_table(path, csv, FORMAT_CANONICAL)


def _air_header_ok(found: set[str]) -> bool:
    return "station_code" in found and bool({"timestamp", "_date"} & found)


def _classify(name: str) -> str | None:
    return canonical_name(name)[0]


def _excel_cell(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[union-attr]
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v).strip()
    return text or None


def grid_table(path: Path, grid: list[list[str | None]], encoding: str,
               first_line: int = 1) -> CsvTable:
    """A grid of text cells (a sheet, a CSV file read line by line) as a table: the header found
    by :func:`~ecoplan.ingest.readers.layout.find_layout` (title rows, two-row merged headers,
    units row), note rows at the end left out and reported, empty rows skipped. ``lines`` are
    the 1-based line/row numbers in the file."""
    layout = find_layout(grid, _classify, _air_header_ok)
    if layout is None:
        head = [c for c in (grid[0] if grid else []) if c]
        raise InputFileError(
            "找不到表头：前 15 行中没有同时含站点编码（station_code）和时间（timestamp）列的行"
            f"（现有首行：{', '.join(head) or '空'}）",
            "No header found: none of the first 15 rows names both the station code "
            f"(station_code) and the time (timestamp) (first row: {', '.join(head) or 'empty'})",
            location=Location(str(path), 1, "station_code"),
            hint_zh="可用 ecoplan template air 生成模板", hint_en="`ecoplan template air` writes a template")
    names = _unique_names(layout.names)
    skip = note_rows(layout)
    rows = [(k, r) for k, r in enumerate(grid) if k >= layout.data_start and k not in skip
            and any(c is not None and str(c).strip() for c in r)]
    cols: dict[str, list[str | None]] = {n: [] for n in names}
    for _k, r in rows:
        for j, n in enumerate(names):
            cols[n].append(r[j] if j < len(r) else None)
    table = pa.table({n: pa.array(v, type=pa.string()) for n, v in cols.items()}) if names \
        else pa.table({})
    lines = np.array([k + first_line for k, _ in rows], dtype=np.int64)
    return CsvTable(table, lines, [], encoding,
                    notes=[(k + first_line, text) for k, text in layout.notes],
                    titles=[(k + first_line, text) for k, text in layout.titles])


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for j, n in enumerate(names):
        n = n or f"列{j + 1}"
        while n in out:
            n = f"{n}_{j + 1}"
        out.append(n)
    return out


def read_xlsx_table(path: Path) -> CsvTable:
    """The first sheet of a workbook (a filled ``ecoplan template air`` or a department's own
    layout: title rows, merged two-row headers, a units row, notes) as text cells."""
    import openpyxl  # deferred: only Excel input needs it

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
        sheet = wb.worksheets[0]
        grid = [[_excel_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        wb.close()
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means an unreadable file
        raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the Excel file: {exc}",
                             location=Location(str(path))) from exc
    return grid_table(path, grid, "xlsx")


def _header_is_first_line(head: str) -> bool:
    """Whether line 1 is a complete header (no title, no group row over empty cells)."""
    cols = [c.strip().strip('"') for c in re.split(r"[,\t;]", head)]
    found = {k for k in (_classify(c) for c in cols) if k}
    values = {k for k in found if k in POLLUTANTS or k.startswith("published_")}
    return _air_header_ok(found) and bool(values) and all(cols)


def read_text_grid(path: Path, decoded: DecodedText) -> CsvTable:
    """A delimited file whose header is not its first line, read line by line into a grid."""

    text = decoded.data.decode("utf-8", errors="replace")
    head = header_line(decoded.data)
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    grid: list[list[str | None]] = []
    for rec in csv.reader(io.StringIO(text), delimiter=delimiter):
        grid.append([c.strip() or None for c in rec])
    return grid_table(path, grid, decoded.encoding)


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


def _map_columns(table: pa.Table) -> tuple[dict[str, str], dict[str, str | None], list[str]]:
    """Header → canonical column, canonical → unit, and the headers not recognised."""
    mapping: dict[str, str] = {}
    units: dict[str, str | None] = {}
    ignored: list[str] = []
    for col in table.column_names:
        canon, unit = canonical_name(col)
        if canon == "station_code" and canon in mapping.values():
            continue  # a name column beside the code column: the registry holds names
        if canon is None or canon in mapping.values():
            if _key(_split_unit(col)[0]) not in _METADATA_NAMES:
                ignored.append(col)
            continue
        mapping[col] = canon
        units[canon] = unit
    return mapping, units, ignored


def _numeric_share(column: pa.ChunkedArray | pa.Array) -> float:
    nums, bad, _nm = to_numbers(column)
    given = (~np.isnan(nums)).sum() + bad.sum()
    return float((~np.isnan(nums)).sum() / given) if given else 0.0


def _refuse_unmapped(path: Path, table: pa.Table, inverse: dict[str, str],
                     ignored: list[str]) -> None:
    """A sheet whose value columns cannot all be mapped is refused, naming them: loading it
    would store station-hours without the values of those columns (the merged-header case)."""
    if "station_code" not in inverse or ("timestamp" not in inverse and "_date" not in inverse):
        missing = [c for c in ("station_code", "timestamp") if c not in inverse]
        raise InputFileError(
            f"表头缺少必需的列：{', '.join(missing)}（现有列：{', '.join(table.column_names)}）",
            f"The header lacks required columns: {', '.join(missing)} (found: "
            f"{', '.join(table.column_names)})",
            location=Location(str(path), 1, missing[0]),
            hint_zh="可用 ecoplan template air 生成模板", hint_en="`ecoplan template air` writes a template",
        )
    unmapped = [c for c in ignored if _numeric_share(table.column(c)) >= 0.5]
    values = [c for c in inverse if c in POLLUTANTS or c.startswith("published_")]
    if unmapped or not values:
        names = ", ".join(unmapped) or "—"
        raise InputFileError(
            f"有数值列无法对应到污染物，拒收整个表（以免只存入空的站点小时）：{names}；"
            "请按模板改列名（PM2.5、PM10、SO2、NO2、O3、CO，或中文名、HJ 212 编码）",
            f"Value columns that cannot be mapped to a pollutant; the sheet is refused (it would "
            f"store empty station-hours): {names}; rename them as in the template (PM2.5, PM10, "
            "SO2, NO2, O3, CO, Chinese names or HJ 212 codes)",
            location=Location(str(path), 1, unmapped[0] if unmapped else None),
            hint_zh="可用 ecoplan template air 生成模板", hint_en="`ecoplan template air` writes a template")


def _station_column(path: Path, table: pa.Table, inverse: dict[str, str], lines: np.ndarray,
                    problems: list[Problem]) -> pd.Categorical:
    codes = pc.utf8_trim_whitespace(table.column(inverse["station_code"]).cast(pa.string()))
    for i in np.flatnonzero(~pc.is_valid(codes).to_numpy(zero_copy_only=False)):
        problems.append(Problem(str(path), int(lines[i]), inverse["station_code"], None,
                                "缺少站点编码", "station code is missing", frame_index=int(i),
                                code="missing_station"))
    return categorical_codes(codes)


def _date_hour(table: pa.Table, inverse: dict[str, str]) -> pa.Array:
    """``date`` + ``hour`` columns joined (``2019/1/1`` + ``1时`` → ``2019/1/1 01:00``)."""
    date_col = table.column(inverse["_date"]).cast(pa.string())
    date_col = pc.replace_substring_regex(pc.utf8_trim_whitespace(date_col),
                                          r"\s+00:00(:00)?$", "")
    if "_hour" not in inverse:
        return date_col
    hour_col = pc.utf8_trim_whitespace(table.column(inverse["_hour"]).cast(pa.string()))
    hour_col = pc.replace_substring_regex(hour_col, r"(\s*[时点]|:00(:00)?)$", "")
    hour_col = pc.utf8_lpad(hour_col, 2, "0")
    joined = pc.binary_join_element_wise(date_col, hour_col, " ")
    return pc.binary_join_element_wise(joined, pa.scalar(":00"), "")


def _time_column(path: Path, table: pa.Table, inverse: dict[str, str], lines: np.ndarray,
                 problems: list[Problem]) -> np.ndarray:
    if "timestamp" in inverse:
        raw_ts = table.column(inverse["timestamp"])
        ts_field = inverse["timestamp"]
    else:
        raw_ts = _date_hour(table, inverse)
        ts_field = inverse["_date"]
    ts, bad_ts = parse_timestamps(raw_ts)
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
    return ts


def _value_column(path: Path, table: pa.Table, col: str, canon: str, unit: str | None,
                  lines: np.ndarray, problems: list[Problem], notes: list[Problem]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of one value column in the canonical unit, and its ``/`` mask; each cell that is
    not a number is a problem of that value only (``parameter``), each dash a note."""
    n = table.num_rows
    nums, bad, not_mon = to_numbers(table.column(col))
    factor = unit_factor(canon, unit)
    if factor is None:
        notes.append(Problem(
            str(path), 1, col, unit,
            f"无法识别的单位：{unit}（应为 {UNITS.get(canon, 'μg/m³')}），该列数值全部隔离",
            f"unknown unit: {unit} (expected {UNITS.get(canon, 'μg/m³')}); every value of the "
            "column is quarantined", code="bad_unit_header"))
        bad = bad | ~np.isnan(nums)
        nums = np.full(n, np.nan)
    elif factor != 1.0:
        nums = nums * factor
    if bad.any():
        raw = table.column(col).cast(pa.string())
        for i in np.flatnonzero(bad):
            text = raw[int(i)].as_py()
            zh, en, code = value_reason(text)
            if factor is None:
                zh, en, code = f"单位 {unit} 无法识别", f"unknown unit {unit}", "bad_unit"
            problems.append(Problem(str(path), int(lines[i]), col, text, zh, en,
                                    frame_index=int(i), code=code, parameter=canon))
    dashes = dash_mask(table.column(col))
    for i in np.flatnonzero(dashes):
        notes.append(Problem(str(path), int(lines[i]), col, "—", "写作“—”，按缺测处理",
                             "written as a dash, read as missing", frame_index=int(i),
                             code="dash_missing", parameter=canon))
    return nums, not_mon


def _long_table(path: Path, csv: CsvTable, fmt: str) -> pd.DataFrame:
    """A table with one row per station-hour (canonical CSV, Parquet, XLSX, live snapshot)."""
    table, problems = csv.table, list(csv.problems)
    mapping, units, ignored = _map_columns(table)
    inverse = {v: k for k, v in mapping.items()}
    _refuse_unmapped(path, table, inverse, ignored)
    lines = csv.lines
    notes: list[Problem] = [Problem(str(path), line, None, text[:200], "表尾说明行，不是数据",
                                    "note row at the end of the sheet, not data",
                                    code="note_row") for line, text in csv.notes]
    out: dict[str, Any] = {
        "station_code": _station_column(path, table, inverse, lines, problems),
        "timestamp": _time_column(path, table, inverse, lines, problems)}
    not_mon_parts: list[tuple[str, np.ndarray]] = []
    for canon in (*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]):
        if canon not in inverse:
            if canon in POLLUTANTS:
                out[canon] = np.full(table.num_rows, np.nan)
            continue
        out[canon], not_mon = _value_column(path, table, inverse[canon], canon,
                                            units.get(canon), lines, problems, notes)
        if canon in POLLUTANTS and not_mon.any():
            not_mon_parts.append((canon, not_mon))
    if "published_primary_pollutant" in inverse:
        prim = table.column(inverse["published_primary_pollutant"]).cast(pa.string())
        out["published_primary_pollutant"] = prim.to_numpy(zero_copy_only=False)
    out["source_row"] = lines.astype(np.int64)
    frame = pd.DataFrame(out)
    frame["not_monitored"] = _join_flags(table.num_rows, not_mon_parts)
    return _finish(frame, path, fmt, problems, csv.encoding,
                   {"units": {k: v for k, v in units.items() if v}, "columns": inverse,
                    "ignored_columns": ignored, "notes": ProblemList(notes),
                    "titles": csv.titles})


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


@dataclass
class _WideLines:
    """The lines of a CNEMC wide file: text of date/hour/type, the canonical column of each
    line's type, its hour-ending label and whether it holds usable values."""

    dates: np.ndarray
    hours: np.ndarray
    types: np.ndarray
    kind: list[str | None]
    keys: np.ndarray
    row_ok: np.ndarray


def _china_sites_lines(path: Path, table: pa.Table, lines: np.ndarray,
                       problems: list[Problem]) -> _WideLines:
    """Label each line with its hour-ending time and type; unreadable ones become problems."""
    dates = pc.utf8_trim_whitespace(table.column("date")).to_numpy(zero_copy_only=False)
    hours = pc.utf8_trim_whitespace(table.column("hour")).to_numpy(zero_copy_only=False)
    types = pc.utf8_trim_whitespace(table.column("type")).to_numpy(zero_copy_only=False)
    kind = [_CHINA_SITES_TYPES.get(t) if t is not None else None for t in types]
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
    return _WideLines(dates, hours, types, kind, labels.to_numpy(dtype="datetime64[ns]"), row_ok)


def _china_sites_duplicates(path: Path, w: _WideLines, lines: np.ndarray, kidx: np.ndarray,
                            tindex: dict[str, int], problems: list[Problem]) -> None:
    """A second line for the same hour and type is a problem (the first is kept)."""
    seen: dict[tuple[int, int], int] = {}
    for i in np.flatnonzero(w.row_ok):
        key = (int(kidx[i]), tindex[str(w.kind[i])])
        if key in seen:
            problems.append(Problem(str(path), int(lines[i]), "type", str(w.types[i]),
                                    f"同一小时同一类型重复出现（首次在第 {seen[key]} 行）",
                                    f"the same hour and type appears twice (first on line "
                                    f"{seen[key]})", whole_row=True, code="duplicate"))
            w.row_ok[i] = False
            continue
        seen[key] = int(lines[i])


def _china_sites_matrix(table: pa.Table, stations: list[str], w: _WideLines, kidx: np.ndarray
                        ) -> tuple[np.ndarray, list[tuple[int, int, int, str]]]:
    """Numbers line × station (Arrow already parsed numeric station columns) and the cells that
    are text: (line index, hour index, station index, text)."""
    mat = np.full((table.num_rows, len(stations)), np.nan)
    text_bad: list[tuple[int, int, int, str]] = []
    for s, name in enumerate(stations):
        nums, bad, _nm = to_numbers(table.column(name))
        mat[:, s] = nums
        if bad.any():
            raw = table.column(name).cast(pa.string())
            for i in np.flatnonzero(bad & w.row_ok):
                text_bad.append((int(i), int(kidx[i]), s, raw[int(i)].as_py()))
    return mat, text_bad


def _china_sites(path: Path, decoded: DecodedText) -> pd.DataFrame:
    """CNEMC ``date,hour,type,<stations>``: one line per (hour, type) → one row per station-hour."""
    head = [c.strip() for c in header_line(decoded.data).split(",")]
    csv = read_csv_table(path, decoded, column_types={"date": pa.string(), "hour": pa.string(),
                                                      "type": pa.string()},
                         try_types={c: pa.float64() for c in head[3:] if c})
    table, lines, problems = csv.table, csv.lines, list(csv.problems)
    stations = [c for c in table.column_names[3:] if c]
    w = _china_sites_lines(path, table, lines, problems)
    uniq = np.unique(w.keys[w.row_ok])
    kidx = np.searchsorted(uniq, w.keys)
    targets = [*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]]
    tindex = {t: j for j, t in enumerate(targets)}
    mat, text_bad = _china_sites_matrix(table, stations, w, kidx)
    _china_sites_duplicates(path, w, lines, kidx, tindex, problems)
    ok_idx = np.flatnonzero(w.row_ok)
    S, K = len(stations), len(uniq)
    cube = np.full((len(targets), K, S), np.nan)
    cube[np.array([tindex[str(w.kind[i])] for i in ok_idx], dtype=np.int64), kidx[ok_idx], :] = \
        mat[ok_idx]
    flat = cube.reshape(len(targets), K * S)
    keep = ~np.all(np.isnan(flat), axis=0)
    for _i, k, s, _r in text_bad:  # a station-hour whose only cells are text is still read
        keep[k * S + s] = True
    positions = np.flatnonzero(keep)
    new_index = np.cumsum(keep) - 1
    first_line = np.full(K, 0, dtype=np.int64)  # first line of each hour block
    for i in ok_idx[::-1]:
        first_line[kidx[i]] = lines[i]
    frame = _china_sites_frame(stations, uniq, positions, flat, tindex, first_line)
    for i, k, s, raw in text_bad:
        zh, en, code = value_reason(raw)
        problems.append(Problem(str(path), int(lines[i]), stations[s], raw,
                                f"{zh}（{w.types[i]}）", f"{en} ({w.types[i]})",
                                frame_index=int(new_index[k * S + s]), code=code,
                                parameter=w.kind[i]))
    line_of = {(int(kidx[i]), w.kind[i]): int(lines[i]) for i in ok_idx}
    return _finish(frame, path, FORMAT_CHINA_SITES, problems, csv.encoding,
                   {"line_of": line_of, "hour_labels": uniq})


def _china_sites_frame(stations: list[str], uniq: np.ndarray, positions: np.ndarray,
                       flat: np.ndarray, tindex: dict[str, int], first_line: np.ndarray
                       ) -> pd.DataFrame:
    """The station-hours kept (``positions`` in the hour × station grid) as the canonical frame."""
    S = len(stations)
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
    return frame


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
