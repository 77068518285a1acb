"""Reader of the canonical long tables of the HJ 212 device datasets (CSV, CSV.gz, XLSX):
``online_monitoring`` (an enterprise's exported CEMS / waste-water outlet data) and the air
stations' and dust monitors' own ``air_minute`` / ``air_daily_device`` values.

Columns (Chinese headers accepted; see docs/ingest.md):

* ``online_monitoring``: ``outlet, interval, time, parameter, value`` required; ``enterprise, mn,
  min, max, cou, cou_unit, zs_value, unit, flag, code`` optional. ``interval`` is ``minute``,
  ``hour`` or ``day`` (分钟/小时/日 and the HJ 212 commands 2051/2061/2031 are understood).
* ``air_minute`` / ``air_daily_device``: ``station_code, time, parameter, value`` required;
  ``min, max, unit, flag, code, mn`` optional.

``time`` is the start of the period (HJ 212 DataTime), naive Beijing time. ``parameter`` is a
canonical name (``so2``, ``cod`` …) or an HJ 212 factor code (``a21026`` → ``so2``; codes
without a canonical name are kept as codes). ``flag`` is a lake flag code (``hj212:D``) or an
HJ 212 flag letter (``D`` → ``hj212:D``; ``N`` = normal). Values are kept in the unit given.
Every problem names the file, line and column; rows with a problem are kept for quarantine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.problems import Problem, ProblemList
from ecoplan.ingest.readers.water import _read_table
from ecoplan.standards.hj212_factors import factor_table
from ecoplan.standards.hj212_flags import source_flag

_COMMON = {
    "time": {"time", "datatime", "datetime", "timestamp", "时间", "监测时间", "数据时间"},
    "parameter": {"parameter", "factor", "pollutant", "polid", "监测项目", "项目", "因子", "污染物",
                  "监测因子", "污染物编码", "因子编码"},
    "value": {"value", "avg", "rtd", "数值", "均值", "平均值", "浓度", "监测值", "实测值", "实测浓度"},
    "min": {"min", "最小值"},
    "max": {"max", "最大值"},
    "unit": {"unit", "units", "单位", "浓度单位"},
    "flag": {"flag", "数据标记", "标记", "标识"},
    "code": {"code", "hj212_code", "编码"},
    "mn": {"mn", "设备编码", "数采仪编码", "数采仪mn"},
}
_ONLINE = {
    "outlet": {"outlet", "outlet_code", "station_code", "排放口", "排放口编码", "排口编码", "排口"},
    "enterprise": {"enterprise", "company", "企业", "企业名称", "排污单位", "单位名称"},
    "interval": {"interval", "cn", "数据类型", "数据间隔", "间隔", "类型"},
    "cou": {"cou", "排放量", "累计值", "累计量"},
    "cou_unit": {"cou_unit", "排放量单位"},
    "zs_value": {"zs_value", "zsavg", "zsrtd", "折算值", "折算浓度", "折算均值"},
}
_AIR = {"station_code": {"station_code", "station", "site", "站点编码", "站点", "监测点编码", "站号"}}
_INTERVALS = {"minute": "minute", "min": "minute", "分钟": "minute", "分钟数据": "minute",
              "2051": "minute", "hour": "hour", "小时": "hour", "小时数据": "hour", "2061": "hour",
              "day": "day", "日": "day", "天": "day", "日数据": "day", "2031": "day"}
_NUMERIC = ("value", "min", "max", "cou", "zs_value")


def _headers(dataset: str) -> dict[str, set[str]]:
    return {**(_ONLINE if dataset == "online_monitoring" else _AIR), **_COMMON}


@lru_cache(maxsize=4096)
def _parameter(raw: str) -> tuple[str, str | None]:
    """(parameter, HJ 212 code) of a parameter cell: HJ 212 codes → canonical names."""
    table = factor_table()
    info = table.get(raw)
    if info is not None:
        return info.canonical or raw, raw
    low = raw.lower()
    by_name = {f.canonical: f.code for f in table.values() if f.canonical}
    if low in by_name:
        return low, by_name[low]
    return raw, None


def _flag(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return None
    text = str(raw).strip()
    if not text:
        return None
    if ":" in text or "_" in text:  # already a lake flag code (hj212:D, suspect_high)
        return text
    return source_flag(text, "2017")


def read_device_long(path: str | Path, dataset: str) -> pd.DataFrame:
    """Read a canonical long table of ``dataset``; problems in ``frame.attrs["problems"]``."""
    path = Path(path)
    raw, lines, problems = _read_table(path)
    names = _headers(dataset)
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for col in raw.columns:
        key = str(col).strip().lstrip("\ufeff").lower()
        for canon, aliases in names.items():
            if key in {a.lower() for a in aliases} and canon not in mapping.values():
                mapping[col] = canon
                break
        else:
            ignored.append(str(col))
    site = "outlet" if dataset == "online_monitoring" else "station_code"
    required = [site, *(["interval"] if dataset == "online_monitoring" else []), "time",
                "parameter", "value"]
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        raise InputFileError(
            f"缺少必需的列：{', '.join(missing)}（需要 {','.join(required)}）",
            f"missing required column(s): {', '.join(missing)} (expected {','.join(required)})",
            location=Location(str(path), 1, missing[0]))
    frame = raw.rename(columns=mapping)[list(mapping.values())]
    header = {canon: str(col) for col, canon in mapping.items()}
    n = len(frame)
    out: dict[str, Any] = {}

    def text(col: str) -> list[str | None]:
        if col not in frame.columns:
            return [None] * n
        return [None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
                else str(v).strip() for v in frame[col]]

    out[site] = text(site)
    time_text = text("time")
    times = pd.to_datetime(pd.Series(time_text, dtype=object), errors="coerce",
                           format="mixed")
    for i in np.flatnonzero(times.isna().to_numpy()):
        problems.append(Problem(str(path), int(lines[i]), header["time"],
                                time_text[i], "时间无法识别", "unreadable time",
                                frame_index=int(i), code="bad_timestamp"))
    out["time"] = times
    params, codes = [], []
    for p in text("parameter"):
        name, code = _parameter(p) if p is not None else (None, None)
        params.append(name)
        codes.append(code)
    out["parameter"] = params
    given_codes = text("code")
    out["code"] = [g or c for g, c in zip(given_codes, codes, strict=True)]
    for col in _NUMERIC:
        if col not in names:
            continue
        cells = pd.Series(text(col), dtype=object)
        vals = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64, copy=True)
        bad = cells.notna().to_numpy() & ~np.isfinite(vals)  # text, NaN or ±inf
        for i in np.flatnonzero(bad):
            cell = cells.iat[i]
            problems.append(Problem(str(path), int(lines[i]), header.get(col, col), cell,
                                    f"数值无法识别：「{cell}」", f"not a number: '{cell}'",
                                    frame_index=int(i), code="not_a_number"))
        vals[bad] = np.nan
        out[col] = vals
    out["unit"] = text("unit")
    if "flag" in frame.columns:  # a file without flags neither sets nor clears one
        out["flag"] = [_flag(f) for f in text("flag")]
    out["mn"] = text("mn")
    if dataset == "online_monitoring":
        out["enterprise"] = text("enterprise")
        out["cou_unit"] = text("cou_unit")
        intervals = []
        for v in text("interval"):
            intervals.append(_INTERVALS.get(v.lower(), v) if v is not None else None)
        out["interval"] = intervals
    long = pd.DataFrame(out)
    long["source_row"] = np.asarray(lines[:n], dtype=np.int64)
    long.attrs["problems"] = ProblemList(problems)
    long.attrs["file"] = str(path)
    long.attrs["format"] = f"{dataset}_long"
    long.attrs["columns"] = header
    long.attrs["ignored_columns"] = ignored
    return long
