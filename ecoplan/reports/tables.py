"""Result tables written the way Chinese offices use them — one writer for every command.

``write_tables(path, tables)`` writes by the file's suffix:

* ``.xlsx`` — a real workbook (openpyxl): one sheet per table, headers in Chinese (English with
  ``--lang en``) with the unit in the header (``PM2.5 平均浓度 (μg/m³)``), numbers stored as
  numbers at the precision of the standard, counts and ranks as integers, the header row frozen,
  column widths fitted;
* ``.csv`` — UTF-8 with a byte-order mark (Excel on Chinese Windows then shows the Chinese
  correctly), the machine column names (stable for scripts), the same rounding. Several tables
  go to one CSV each (``x.csv``, ``x-<sheet>.csv``).

Reported figures are rounded at the precision the standard gives (GB/T 8170 digits of
``hj663-2013.yaml`` for period statistics; concentrations in μg/m³ as integers, CO in mg/m³ to one
decimal); an unrounded value only appears in a column named ``…_raw``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecoplan.errors import InputFileError, Location
from ecoplan.i18n import get_lang
from ecoplan.standards.air_period import hj663


@dataclass(frozen=True)
class Header:
    """How a column is shown: Chinese and English name, unit, decimals (None = as is;
    0 = integer)."""

    zh: str
    en: str
    unit: str | None = None
    digits: int | None = None


_POLLUTANT = {"pm25": ("PM2.5", "μg/m³", 0), "pm10": ("PM10", "μg/m³", 0),
              "so2": ("SO2", "μg/m³", 0), "no2": ("NO2", "μg/m³", 0), "o3": ("O3", "μg/m³", 0),
              "o3_8h": ("O3 日最大8小时", "μg/m³", 0), "o3_1h_max": ("O3 日最大1小时", "μg/m³", 0),
              "co": ("CO", "mg/m³", 1)}
_POLLUTANT_EN = {"o3_8h": "O3 daily max 8-h", "o3_1h_max": "O3 daily max 1-h"}
_STAT = {"mean": ("平均浓度", "mean"), "p95": ("第95百分位数", "95th percentile"),
         "p98": ("第98百分位数", "98th percentile"), "p90": ("第90百分位数", "90th percentile")}
_FIXED: dict[str, Header] = {
    "station_code": Header("站点编码", "station code"), "station_name": Header("站点名称",
                                                                          "station name"),
    "city": Header("城市", "city"), "site": Header("站点/断面", "site"),
    "timestamp": Header("时间", "time"), "time": Header("时间", "time"),
    "date": Header("日期", "date"), "period": Header("时段", "period"),
    "period_start": Header("时段起始", "period start"), "ruleset": Header("规则版本", "rule set"),
    "dust_deducted": Header("扣除沙尘", "dust deducted"),
    "aqi": Header("AQI", "AQI", digits=0), "aqi_computed": Header("AQI（计算值）",
                                                                  "AQI (computed)", digits=0),
    "level": Header("级别", "level", digits=0), "category": Header("类别", "category"),
    "category_en": Header("类别（英文）", "category (English)"), "colour": Header("颜色", "colour"),
    "primary_pollutants": Header("首要污染物", "primary pollutants"),
    "exceeding_pollutants": Header("超标污染物", "exceeding pollutants"),
    "complete": Header("数据完整", "complete"),
    "valid_days": Header("有效天数", "valid days", digits=0),
    "good_days": Header("优良天数", "good days", digits=0),
    "heavy_days": Header("重污染天数", "heavy-pollution days", digits=0),
    "good_day_ratio": Header("优良天数比例", "good-day ratio", "%", 1),
    "heavy_day_ratio": Header("重污染天数比例", "heavy-pollution-day ratio", "%", 1),
    "composite_index": Header("综合指数", "composite index", digits=2),
    "composite_rank": Header("综合指数排名", "composite-index rank", digits=0),
    "label": Header("水质类别", "class"), "water_class": Header("水质类别（数字）", "class number",
                                                             digits=0),
    "status_zh": Header("水质状况", "status (Chinese)"), "status": Header("水质状况（英文）", "status"),
    "target": Header("目标类别", "target"), "attained": Header("是否达标", "attained"),
    "season": Header("季节", "season"), "failing_items": Header("超标项目", "failing items"),
    "main_pollutants": Header("主要污染物", "main pollutants"),
    "deciding_items": Header("定类项目", "deciding items"),
    "samples": Header("样本数", "samples", digits=0), "months": Header("月数", "months", digits=0),
    "evaluated": Header("是否评价", "evaluated"), "reason": Header("原因", "reason"),
    "province": Header("省份", "province"), "basin": Header("流域", "basin"),
    "waterbody": Header("水体类型", "waterbody"), "station_status": Header("站点状态",
                                                                       "station status"),
    "published_class": Header("发布类别", "published class"), "match": Header("一致", "match"),
    "dataset": Header("数据集", "dataset"), "parameter": Header("项目", "parameter"),
    "value": Header("数值", "value"), "flag": Header("标记", "flag"),
    "file": Header("文件", "file"), "row": Header("行", "row", digits=0),
    "field": Header("字段", "field"), "batch_id": Header("批次", "batch", digits=0),
    "recorded_at": Header("记录时间", "recorded at"), "actor": Header("记录人", "by"),
    "kind": Header("类型", "kind"), "resolved": Header("已处理", "resolved"),
    "meaning": Header("含义", "meaning"), "warning": Header("警告", "warning"),
    "site_name": Header("名称", "name"),
}


def _digits_table() -> dict[str, int]:
    return {k: int(v) for k, v in hj663()["rounding"]["digits"].items()}


def header(column: str) -> Header:
    """How ``column`` is shown (known names, pollutant statistics, ``…_raw``)."""
    if column in _FIXED:
        return _FIXED[column]
    raw = column.endswith("_raw")
    base = column.removesuffix("_raw")
    h = _pattern_header(base)
    if raw:
        return Header(f"{h.zh}（未修约）", f"{h.en} (unrounded)", h.unit, None)
    return h


def _pattern_header(c: str) -> Header:  # noqa: PLR0911 - one branch per family of columns
    digits = _digits_table()
    if c in _POLLUTANT:
        name, unit, d = _POLLUTANT[c]
        return Header(name, _POLLUTANT_EN.get(c, name), unit, d)
    m = re.fullmatch(r"(pm25|pm10|so2|no2|co|o3_8h|o3)_(mean|p95|p98|p90)", c)
    if m:
        name, unit, _d = _POLLUTANT[m.group(1)]
        zh, en = _STAT[m.group(2)]
        d = digits["co"] if m.group(1) == "co" else digits["pm25"]
        return Header(f"{name} {zh}", f"{_POLLUTANT_EN.get(m.group(1), name)} {en}", unit, d)
    m = re.fullmatch(r"(pm25|pm10|so2|no2|co|o3_8h)_(days|valid)", c)
    if m:
        name = _POLLUTANT[m.group(1)][0]
        if m.group(2) == "days":
            return Header(f"{name} 有效天数", f"{name} valid days", None, 0)
        return Header(f"{name} 统计有效", f"{name} statistic valid", None, 0)
    m = re.fullmatch(r"single_index_(\w+)", c)
    if m:
        return Header(f"单项指数 {_POLLUTANT.get(m.group(1), (m.group(1),))[0]}",
                      f"single index {m.group(1)}", None, digits["single_index"])
    m = re.fullmatch(r"exceedance_multiple_(\w+?)_(mean|p\d\d)", c)
    if m:
        return Header(f"超标倍数 {_POLLUTANT.get(m.group(1), (m.group(1),))[0]} {_STAT[m.group(2)][0]}",
                      f"exceedance multiple {m.group(1)} {m.group(2)}", None,
                      digits["exceedance_multiple"])
    m = re.fullmatch(r"iaqi_(\w+)", c)
    if m:
        return Header(f"IAQI {_POLLUTANT.get(m.group(1), (m.group(1),))[0]}", f"IAQI {m.group(1)}",
                      None, 0)
    m = re.fullmatch(r"(days_level(\d)|primary_days_(\w+))", c)
    if m:
        if m.group(2):
            return Header(f"{m.group(2)} 级天数", f"level {m.group(2)} days", None, 0)
        name = _POLLUTANT.get(m.group(3), (m.group(3),))[0]
        return Header(f"首要污染物为 {name} 的天数", f"days with primary pollutant {name}",
                      None, 0)
    m = re.fullmatch(r"n_(\w+)", c)
    if m:
        name = _POLLUTANT.get(m.group(1), (m.group(1),))[0]
        return Header(f"{name} 有效小时数", f"{name} valid hours", None, 0)
    if c == "o3_8h_windows":
        return Header("O3 有效8小时滑动均值个数", "valid O3 8-h windows", None, 0)
    m = re.fullmatch(r"class_(\w+)", c)
    if m:
        return Header(f"{m.group(1)} 类别", f"class of {m.group(1)}", None, 0)
    return Header(c, c)


def title(column: str, lang: str | None = None) -> str:
    h = header(column)
    name = h.zh if (lang or get_lang()) == "zh" else h.en
    return f"{name} ({h.unit})" if h.unit else name


def round_half_even(values: np.ndarray, digits: int) -> np.ndarray:
    """GB/T 8170 §3.3 (half to even) on the decimal value, vectorised: the scaled value is first
    freed of binary noise (2.675 is stored as 2.67499…, × 100 = 267.49999…)."""
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore"):
        return np.round(np.round(values * scale, 6)) / scale


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers at the precision of their column (GB/T 8170 half-to-even), integers as
    integers, times as text; other float columns lose the binary noise (12 significant
    digits: no 1.2750000000000001)."""
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            ok = s.dropna()
            fmt = "%Y-%m-%d" if (ok.dt.normalize() == ok).all() else "%Y-%m-%d %H:%M"
            out[c] = s.dt.strftime(fmt)
            continue
        d = header(str(c)).digits
        if d is not None and s.dtype == object:  # integers with gaps come back as objects
            num = pd.to_numeric(s, errors="coerce")
            if num.notna().sum() == s.notna().sum():
                s = num
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        values = s.astype("float64").to_numpy()
        if d == 0:
            r = round_half_even(values, 0)
            out[c] = pd.Series(r, index=out.index).astype("Int64")
        elif d is not None:
            out[c] = round_half_even(values, d)
        elif pd.api.types.is_float_dtype(s):
            with np.errstate(invalid="ignore"):
                mag = np.floor(np.log10(np.abs(np.where(values == 0, 1.0, values))))
            out[c] = np.where(np.isnan(values), np.nan,
                              np.round(values * 10.0 ** (11 - mag)) / 10.0 ** (11 - mag))
    return out


def write_tables(path: Path | str, tables: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                 lang: str | None = None) -> list[Path]:
    """Write one or several tables to ``path`` (``.xlsx`` or ``.csv``); return the files."""
    path = Path(path)
    if isinstance(tables, pd.DataFrame):
        tables = {"结果" if (lang or get_lang()) == "zh" else "result": tables}
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputFileError(f"不支持的输出格式 {path.suffix}（应为 .xlsx 或 .csv）",
                             f"Unsupported output format {path.suffix} (expected .xlsx or .csv)",
                             location=Location(str(path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out = []
        for k, (name, frame) in enumerate(tables.items()):
            target = path if k == 0 else path.with_name(f"{path.stem}-{name}{path.suffix}")
            prepare(frame).to_csv(target, index=False, encoding="utf-8-sig")
            out.append(target)
        return out
    _write_xlsx(path, tables, lang or get_lang())
    return [path]


def _write_xlsx(path: Path, tables: Mapping[str, pd.DataFrame], lang: str) -> None:
    import openpyxl  # deferred: only Excel output needs it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in tables.items():
        ws = wb.create_sheet(_sheet_name(name))
        data = prepare(frame)
        heads = [title(str(c), lang) for c in data.columns]
        ws.append(heads)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in data.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for j, c in enumerate(data.columns, start=1):
            d = header(str(c)).digits
            if d is not None and d > 0:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "0." + "0" * d
            width = max([len(heads[j - 1]) * 2] + [len(str(v)) for v in data.iloc[:50, j - 1]])
            ws.column_dimensions[get_column_letter(j)].width = min(max(8, width + 2), 50)
        ws.freeze_panes = "A2"
    wb.save(path)


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"


def _cell(v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (list, tuple, dict, set)):
        return ", ".join(map(str, v)) if not isinstance(v, dict) else str(v)
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)
