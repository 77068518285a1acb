"""Readers for surface-water and groundwater monitoring data.

Formats:

* **Long table** (CSV in UTF-8, UTF-8 with BOM, GBK/GB18030, optionally gzip; or XLSX):
  ``site,time,parameter,value,unit[,waterbody]`` — Chinese headers are accepted
  (断面/点位/站点, 时间/监测时间/采样时间, 项目/指标/参数, 数值/浓度/监测值, 单位, 水体类型).
  Parameters may be named in Chinese, English or by HJ 212 code (``w21003`` = NH3-N);
  values below the detection limit may be written ``0.01L``, ``<0.01``, ``ND(0.01)``, ``未检出``.
* **CNEMC real-time snapshot JSON** (``{"thead": …, "tbody": [[省份, 流域, 断面, 时间, 类别, …]]}``)
  with the unrounded value in each cell's ``title='原始值：…'``; and the station CSVs
  ``省份,流域,断面名称,监测时间,水质类别,…`` (values already rounded by the release).

Every reader returns ``(frame, problems)``. The long frame has the columns :data:`WATER_COLUMNS`:
``site, time, parameter`` (canonical code, see ``water_parameters.csv``), ``value`` (float, in the
canonical unit), ``unit`` (canonical), ``waterbody`` (river|lake|reservoir), plus ``below_dl``
(the value is a detection limit), ``raw_parameter``, ``raw_value``, ``known`` (parameter and unit
understood) and ``source_row`` (file line). Problems are
:class:`~ecoplan.ingest.readers.Problem` records naming file, row and field; rows with a problem
are kept (never dropped), and ``frame.attrs["problems"]`` holds the same list.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.problems import Problem
from ecoplan.ingest.readers.text import DecodedText, decoded_bytes, read_csv_table
from ecoplan.standards.water_units import canonical_unit, normalise_long

WATER_COLUMNS = ("site", "time", "parameter", "value", "unit", "waterbody")

_HEADER_ALIASES = {
    "site": {"site", "station", "section", "point", "断面", "断面名称", "点位", "点位名称", "站点",
             "站点名称", "监测点位", "监测断面", "测站", "井号", "监测井"},
    "time": {"time", "datetime", "date", "timestamp", "时间", "监测时间", "采样时间", "采样日期",
             "日期", "监测日期"},
    "parameter": {"parameter", "item", "indicator", "pollutant", "factor", "项目", "指标", "参数",
                  "监测项目", "监测指标", "因子", "污染物"},
    "value": {"value", "concentration", "result", "数值", "浓度", "监测值", "结果", "测定值", "值"},
    "unit": {"unit", "units", "单位"},
    "waterbody": {"waterbody", "water_body", "type", "水体类型", "水体", "类型"},
}
_ND_WORDS = {"nd", "未检出", "n.d.", "<dl", "bdl"}
_DL_RE = re.compile(r"^\s*(?:<|＜|nd\(|nd|未检出\(?)?\s*([0-9.eE+-]+)\s*(?:l|\))?\s*$", re.I)
_NUM_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_WATERBODY = {"river": "river", "河流": "river", "河": "river", "lake": "lake", "湖": "lake",
              "湖泊": "lake", "湖库": "lake", "reservoir": "reservoir", "水库": "reservoir",
              "库": "reservoir", "": "river"}


def parse_value(text: Any) -> tuple[float, bool, str | None]:
    """(value, below_dl, error) from a cell: '0.12', '0.01L', '<0.01', 'ND(0.01)', '未检出'."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return np.nan, False, "empty"
    if isinstance(text, int | float | np.integer | np.floating):
        return float(text), False, None
    s = str(text).strip()
    if _NUM_RE.match(s):
        return float(s), False, None
    low = s.lower()
    if low in _ND_WORDS:
        return np.nan, True, "nd_without_limit"
    if low.endswith("l") or low.startswith(("<", "＜", "nd", "未检出")):
        m = _DL_RE.match(low)
        if m and _NUM_RE.match(m.group(1)):
            return float(m.group(1)), True, None
    return np.nan, False, "not_a_number"


def _rename_columns(columns: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for col in columns:
        key = str(col).strip().lstrip("\ufeff").lower()
        for canon, names in _HEADER_ALIASES.items():
            if key in {n.lower() for n in names} and canon not in mapping.values():
                mapping[col] = canon
                break
    return mapping


def _read_table(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith((".xlsx", ".xlsm")):
        try:
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - any openpyxl failure is a bad file
            raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the Excel file: {exc}",
                                 location=Location(str(path))) from exc
        lines = np.arange(2, 2 + len(frame), dtype=np.int64)
        return frame, lines, []
    decoded = decoded_bytes(path)
    skip = 0  # leading comment lines ("# provenance …") before the header
    for line in decoded.data.splitlines():
        if line.strip().startswith(b"#"):
            skip += 1
        else:
            break
    if skip:
        lines_all = decoded.data.splitlines(keepends=True)
        body = b"".join(lines_all[skip:])
        table = read_csv_table(path, DecodedText(body, decoded.encoding), string_columns=True)
        table.lines = table.lines + skip
        for pr in table.problems:
            if pr.row is not None:
                pr.row += skip
    else:
        table = read_csv_table(path, decoded, string_columns=True)
    frame = table.table.to_pandas()
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, table.lines, table.problems


def read_water_long(path: str | Path, *, medium: str = "surface",
                    default_waterbody: str = "river") -> tuple[pd.DataFrame, list[Problem]]:
    """Read a long water table (CSV/XLSX) into the canonical frame plus located problems."""
    path = Path(path)
    frame, lines, problems = _read_table(path)
    mapping = _rename_columns(list(frame.columns))
    frame = frame.rename(columns=mapping)
    missing = [c for c in ("site", "time", "parameter", "value") if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"缺少必需的列：{', '.join(missing)}（需要 site,time,parameter,value,unit[,waterbody]）",
            f"missing required column(s): {', '.join(missing)} "
            "(expected site,time,parameter,value,unit[,waterbody])",
            location=Location(str(path), 1, missing[0]))
    if "unit" not in frame.columns:
        frame["unit"] = ""
    if "waterbody" not in frame.columns:
        frame["waterbody"] = default_waterbody
    n = len(frame)
    values = np.full(n, np.nan)
    below = np.zeros(n, dtype=bool)
    raw_values = frame["value"].tolist()
    for i, raw in enumerate(raw_values):
        v, nd, err = parse_value(raw)
        values[i] = v
        below[i] = nd
        if err == "not_a_number":
            problems.append(Problem(str(path), int(lines[i]), "value", str(raw),
                                    f"数值无法识别：「{raw}」", f"not a number: '{raw}'",
                                    frame_index=i, code="not_a_number"))
        elif err == "empty":
            problems.append(Problem(str(path), int(lines[i]), "value", None, "数值为空",
                                    "empty value", frame_index=i, code="missing"))
        elif err == "nd_without_limit":
            problems.append(Problem(str(path), int(lines[i]), "value", str(raw),
                                    "未检出但未给出检出限，无法按 1/2 检出限参与统计",
                                    "below detection limit without the limit; cannot use half "
                                    "the limit", frame_index=i, code="nd_without_limit"))
    times = pd.to_datetime(pd.Series(frame["time"], dtype=object).astype(str), errors="coerce",
                           format="mixed")
    for i in np.flatnonzero(times.isna().to_numpy()):
        problems.append(Problem(str(path), int(lines[i]), "time", str(frame["time"].iloc[i]),
                                "时间无法识别", "unreadable time", frame_index=int(i),
                                code="bad_time"))
    wb_raw = [("" if w is None else str(w).strip().lower()) for w in frame["waterbody"]]
    waterbody = []
    for i, w in enumerate(wb_raw):
        if w in _WATERBODY:
            waterbody.append(_WATERBODY[w])
        else:
            problems.append(Problem(str(path), int(lines[i]), "waterbody", w,
                                    f"水体类型「{w}」应为 river|lake|reservoir（按河流处理）",
                                    f"waterbody '{w}' should be river|lake|reservoir (taken as "
                                    "river)", frame_index=i, code="bad_waterbody"))
            waterbody.append("river")
    long = pd.DataFrame({
        "site": [("" if s is None else str(s).strip()) for s in frame["site"]],
        "time": times,
        "parameter": [("" if p is None else str(p).strip()) for p in frame["parameter"]],
        "value": values,
        "unit": [("" if u is None else str(u).strip()) for u in frame["unit"]],
        "waterbody": waterbody,
        "below_dl": below,
        "raw_value": [None if r is None else str(r) for r in raw_values],
        "source_row": lines[:n].astype(np.int64),
    })
    long, unit_problems = normalise_long(long, file=str(path), row_numbers=lines[:n].tolist())
    index_of_line = {int(line): i for i, line in enumerate(lines[:n])}
    for err in unit_problems:
        loc = err.location or Location(str(path))
        problems.append(Problem(str(path), loc.row, loc.field,
                                str(long["raw_parameter"].iloc[index_of_line.get(loc.row or -1, 0)]),
                                err.zh, err.en, frame_index=index_of_line.get(loc.row or -1),
                                code="unknown_parameter" if loc.field == "parameter"
                                else "bad_unit"))
    long["medium"] = medium
    long.attrs["problems"] = problems
    return long, problems


def read_surface_water(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Surface-water long table (``ecoplan ingest water``)."""
    return read_water_long(path, medium="surface")


def read_groundwater(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Groundwater long table (``ecoplan ingest groundwater``); waterbody is 'groundwater'."""
    frame, problems = read_water_long(path, medium="groundwater")
    frame["waterbody"] = "groundwater"
    return frame, problems


# ------------------------------------------------------------------ CNEMC real-time release

#: CNEMC column headers (without unit) → canonical code.
CNEMC_COLUMNS = {"水温": "temp", "pH": "ph", "溶解氧": "do", "电导率": "conductivity",
                 "浊度": "turbidity", "高锰酸盐指数": "codmn", "氨氮": "nh3_n", "总磷": "tp",
                 "总氮": "tn", "叶绿素α": "chla", "藻密度": "algae_density"}
_TITLE_RE = re.compile(r"title='([^']*)'")
_RAW_RE = re.compile(r"原始值：\s*([^'<\s]+)")
_TAG_RE = re.compile(r"<[^>]+>")
_META_RE = re.compile(r"所在地市:([^&\n]*)(?:&#10;|\n)所属河流:([^'\n]*)")


def _cnemc_cell(cell: Any) -> tuple[float, str]:
    """(unrounded value, displayed text) from a cell; NaN for '--', '*', '' or None."""
    if cell is None:
        return np.nan, ""
    s = str(cell)
    shown = html.unescape(_TAG_RE.sub("", s)).strip()
    m = _RAW_RE.search(s)
    raw = m.group(1) if m else shown
    try:
        return float(raw), shown
    except ValueError:
        return np.nan, shown


def _cnemc_header(h: str) -> str:
    return _TAG_RE.sub("", h.split("<br", 1)[0]).strip()


def read_cnemc_snapshot(path: str | Path, *, year: int | None = None
                        ) -> tuple[pd.DataFrame, list[Problem]]:
    """CNEMC real-time JSON snapshot → one row per station (wide: raw values per item, published class)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"无法读取 JSON：{exc}", f"Cannot read the JSON snapshot: {exc}",
                             location=Location(str(path))) from exc
    if not isinstance(doc, dict) or "tbody" not in doc or "thead" not in doc:
        raise InputFileError("不是国家地表水自动站实时数据快照（缺少 thead/tbody）",
                             "not a CNEMC real-time snapshot (no thead/tbody)",
                             location=Location(str(path)))
    heads = [_cnemc_header(h) for h in doc["thead"]]
    if year is None:
        m = re.search(r"(20\d\d)", path.name)
        year = int(m.group(1)) if m else None
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for i, rec in enumerate(doc["tbody"]):
        if len(rec) != len(heads):
            problems.append(Problem(str(path), i + 1, None, str(rec)[:200],
                                    f"记录字段数 {len(rec)} 与表头 {len(heads)} 不符",
                                    f"record has {len(rec)} fields, header {len(heads)}",
                                    whole_row=True, code="bad_line"))
            continue
        rec_map = dict(zip(heads, rec, strict=True))
        name_cell = str(rec_map.get("断面名称") or "")
        meta = _META_RE.search(html.unescape(name_cell)) or _META_RE.search(name_cell)
        row: dict[str, Any] = {
            "record": i + 1,
            "province": rec_map.get("省份"), "basin": rec_map.get("流域"),
            "site": html.unescape(_TAG_RE.sub("", name_cell)).strip(),
            "city": meta.group(1).strip() if meta else None,
            "river": meta.group(2).strip() if meta else None,
            "time_text": rec_map.get("监测时间"),
            "published_class": (rec_map.get("水质类别") or "").strip(),
            "station_status": rec_map.get("站点情况"),
        }
        t = rec_map.get("监测时间")
        try:
            row["time"] = pd.Timestamp(f"{year}-{t}") if (t and year) else pd.NaT
        except ValueError:
            row["time"] = pd.NaT
        for head, code in CNEMC_COLUMNS.items():
            value, shown = _cnemc_cell(rec_map.get(head))
            row[code] = value
            row[f"shown_{code}"] = shown
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["problems"] = problems
    return frame, problems


def read_cnemc_station_csv(path: str | Path, *, year: int | None = None
                           ) -> tuple[pd.DataFrame, list[Problem]]:
    """CNEMC station CSV (``省份,流域,断面名称,监测时间,水质类别,水温(℃),…``) → wide rows (values as published, rounded)."""
    path = Path(path)
    frame, lines, problems = _read_table(path)
    cols = {c: _cnemc_header(re.sub(r"\(.*\)$", "", str(c))) for c in frame.columns}
    frame = frame.rename(columns=cols)
    if year is None:
        m = re.search(r"(20\d\d)-\d\d", str(path))
        year = int(m.group(1)) if m else None
    out = pd.DataFrame({
        "province": frame.get("省份"), "basin": frame.get("流域"),
        "site": frame.get("断面名称"), "time_text": frame.get("监测时间"),
        "published_class": frame.get("水质类别").fillna("").astype(str).str.strip()
        if "水质类别" in frame else "",
        "station_status": frame.get("站点情况"),
        "source_row": lines[: len(frame)],
    })
    out["time"] = pd.to_datetime(f"{year}-" + out["time_text"].astype(str), errors="coerce",
                                 format="%Y-%m-%d %H:%M") \
        if year else pd.NaT
    for head, code in CNEMC_COLUMNS.items():
        if head in frame.columns:
            out[code] = pd.to_numeric(frame[head], errors="coerce")
    out.attrs["problems"] = problems
    return out, problems


def cnemc_to_long(wide: pd.DataFrame) -> pd.DataFrame:
    """Wide CNEMC rows → the canonical long frame (site, time, parameter, value, unit, waterbody)."""
    codes = [c for c in CNEMC_COLUMNS.values() if c in wide.columns]
    wb = wide["waterbody"] if "waterbody" in wide.columns else pd.Series("river", index=wide.index)
    long = (wide.assign(waterbody=wb)[["site", "time", "waterbody", *codes]]
            .melt(id_vars=["site", "time", "waterbody"], var_name="parameter", value_name="value")
            .dropna(subset=["value"]))
    long["unit"] = long["parameter"].map(canonical_unit)
    long["below_dl"] = False
    return long[["site", "time", "parameter", "value", "unit", "waterbody", "below_dl"]] \
        .reset_index(drop=True)
