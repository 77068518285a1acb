"""XLSX templates a department fills in (``ecoplan template air|water|groundwater``).

Chinese headers with units, Excel data validation (site codes from the registry, time, numbers ≥ 0,
parameter and unit lists) and an instruction sheet. A filled template is read back by the same
readers as CSV files (``ecoplan ingest air|water|groundwater FILE.xlsx``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from ecoplan.errors import ValidationError
from ecoplan.ingest.registry import list_sites
from ecoplan.standards.water_units import parameters

AIR_HEADERS = ["站点编码", "时间", "PM2.5(μg/m³)", "PM10(μg/m³)", "SO2(μg/m³)", "NO2(μg/m³)",
               "O3(μg/m³)", "CO(mg/m³)"]
WATER_HEADERS = ["断面", "时间", "项目", "数值", "单位", "水体类型"]
GROUNDWATER_HEADERS = ["点位", "时间", "项目", "数值", "单位"]

_NOTES = {
    "air": [
        "环境空气小时数据填报模板 / hourly air data template",
        "站点编码：须为已登记的站点编码（下拉选择）；station code from the registry (drop-down).",
        "时间：北京时间，小时末标记（16:00 表示 15:00–16:00 的均值），格式 YYYY-MM-DD HH:00；"
        "Beijing time, hour-ending label.",
        "浓度单位：PM2.5、PM10、SO2、NO2、O3 为 μg/m³，CO 为 mg/m³（见表头）；units as in the header.",
        "缺测留空；未监测填 /；不得填负数。Leave missing values blank; '/' = not monitored.",
        "导入：ecoplan ingest air 本文件.xlsx；import with `ecoplan ingest air FILE.xlsx`.",
    ],
    "water": [
        "地表水监测数据填报模板（长表：每行一个断面、一个时间、一个项目）/ surface-water long table",
        "断面：断面名称或编码（须已登记，可用别名）；section name or code (registered, aliases ok).",
        "时间：北京时间 YYYY-MM-DD HH:MM；Beijing time.",
        "项目：如 pH值、溶解氧、高锰酸盐指数、氨氮、总磷（下拉选择）；parameter (drop-down).",
        "数值：低于检出限写作 0.01L；单位按表头下拉（mg/L，pH 无量纲）；"
        "below the detection limit write e.g. 0.01L.",
        "导入：ecoplan ingest water 本文件.xlsx",
    ],
    "groundwater": [
        "地下水监测数据填报模板（长表）/ groundwater long table",
        "点位：地下水监测点位或水源地名称/编码（须已登记）；groundwater point or source (registered).",
        "时间：北京时间 YYYY-MM-DD；项目、单位见下拉；低于检出限写作 0.01L。",
        "导入：ecoplan ingest groundwater 本文件.xlsx",
    ],
}

KINDS = ("air", "water", "groundwater")


def _water_parameter_names() -> list[str]:
    params = parameters()[0]
    return [p.name_zh for p in params.values()][:200]


def _site_codes(engine: Engine | None, kind: str) -> list[str]:
    if engine is None:
        return []

    if kind == "air":
        return [r["code"] for r in list_sites(engine, "station")]
    if kind == "water":
        return [r["name"] for r in list_sites(engine, "section")] + [
            r["name"] for r in list_sites(engine, "drinking_source") if r.get("kind") == "surface"]
    return [r["name"] for r in list_sites(engine, "groundwater_point")] + [
        r["name"] for r in list_sites(engine, "drinking_source") if r.get("kind") == "groundwater"]


def write_template(kind: str, path: str | Path, *, engine: Engine | None = None,
                   rows: int = 2000) -> Path:
    """Write the XLSX template for ``kind`` (air | water | groundwater) to ``path``."""
    import xlsxwriter  # deferred: the Excel writer loads only when a workbook is written

    if kind not in KINDS:
        raise ValidationError(f"未知的模板类型：{kind}（可用：air、water、groundwater）",
                              f"Unknown template kind: {kind} (air, water, groundwater)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = {"air": AIR_HEADERS, "water": WATER_HEADERS,
               "groundwater": GROUNDWATER_HEADERS}[kind]
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet({"air": "小时数据", "water": "地表水", "groundwater": "地下水"}[kind])
    lists = wb.add_worksheet("选项")
    notes = wb.add_worksheet("说明")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    tfmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for c, h in enumerate(headers):
        sheet.write(0, c, h, head)
        sheet.set_column(c, c, 16)
    sheet.freeze_panes(1, 0)
    last = rows
    sheet.set_column(1, 1, 18, tfmt)

    def list_validation(col: int, values: list[str], list_col: int, title: str) -> None:
        if not values:
            return
        lists.write(0, list_col, title, head)
        for r, v in enumerate(values, start=1):
            lists.write(r, list_col, v)
        letter = chr(ord("A") + list_col)
        sheet.data_validation(1, col, last, col, {
            "validate": "list", "source": f"=选项!${letter}$2:${letter}${len(values) + 1}",
            "error_title": "取值无效 / invalid value",
            "error_message": f"请从下拉列表选择{title} / choose from the list"})

    time_rule = {"validate": "date", "criteria": "between",
                 "minimum": datetime(2000, 1, 1),
                 "maximum": datetime(2100, 1, 1),
                 "input_title": "时间 / time",
                 "input_message": "北京时间，小时末标记 / Beijing time, hour-ending",
                 "error_message": "请填写 2000–2100 年之间的日期时间 / a date-time 2000–2100"}
    sheet.data_validation(1, 1, last, 1, time_rule)
    if kind == "air":
        list_validation(0, _site_codes(engine, kind), 0, "站点编码")
        for c in range(2, len(headers)):
            sheet.data_validation(1, c, last, c, {
                "validate": "custom",
                "value": f'=OR(AND(ISNUMBER({chr(65 + c)}2),{chr(65 + c)}2>=0),'
                         f'{chr(65 + c)}2="/")',
                "input_title": headers[c],
                "input_message": "非负数；缺测留空；未监测填 / / number ≥ 0, blank, or /",
                "error_title": "数值无效 / invalid value",
                "error_message": "浓度须为非负数或 / / a concentration is a number ≥ 0 or /"})
    else:
        list_validation(0, _site_codes(engine, kind), 0, "断面" if kind == "water" else "点位")
        list_validation(2, _water_parameter_names(), 1, "项目")
        list_validation(4, ["mg/L", "μg/L", "无量纲", "NTU", "μS/cm", "℃", "个/L", "MPN/100mL",
                            "CFU/mL", "Bq/L"], 2, "单位")
        if kind == "water":
            list_validation(5, ["河流", "湖库", "水库"], 3, "水体类型")
        sheet.data_validation(1, 3, last, 3, {
            "validate": "any", "input_title": "数值 / value",
            "input_message": "数字；低于检出限写作 0.01L / number; below detection limit 0.01L"})
    lists.hide()
    notes.set_column(0, 0, 110)
    for r, line in enumerate(_NOTES[kind]):
        notes.write(r, 0, line)
    wb.close()
    return path
