"""Shared helpers of the emergency-response tests: a reduction-list workbook and a database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ecoplan.store import db
from ecoplan.supervision.emergency import MEASURE_COLUMNS, MEASURE_SHEET, RULE_COLUMNS, RULE_SHEET

# test enterprises (credit codes made up for the tests; 18 characters like real ones)
COKE = "91141122MA0K0C0016"
STEEL = "91141122MA0K0C0029"
SITE = "91141122MA0K0C003C"

MEASURE_ROWS: list[list[Any]] = [
    # 类型, 代码, 名称, 绩效等级, 生产线, 工序, 级别, 措施, 限产%, 说明, PM, SO2, NOx, VOCs
    ["企业", COKE, "测试焦化厂", "B", "1#焦炉", "装煤推焦", "黄色", "限产", 20, "", 12.5, 3, 8, ""],
    ["企业", COKE, "测试焦化厂", "B", "1#焦炉", "装煤推焦", "橙色", "限产", 30, "", 18, 4.5, 12, ""],
    ["企业", COKE, "测试焦化厂", "B", "", "", "橙色", "错峰运输", "", "重型柴油车停止运输", "", "", "", ""],
    ["企业", COKE, "测试焦化厂", "B", "1#焦炉", "", "红色", "停产", "", "焖炉", 40, 10, 25, ""],
    ["企业", STEEL, "测试钢铁公司", "A", "烧结机", "", "橙色", "限产", 30, "", 20, 15, 30, ""],
    ["企业", STEEL, "测试钢铁公司", "A", "烧结机", "", "红色", "限产", 50, "", 33, 25, 50, ""],
    ["工地", SITE, "测试安置房工地", "", "", "土方作业", "黄色", "停止土方作业", "", "", 2, "", "", ""],
    ["工地", SITE, "测试安置房工地", "", "", "土方作业", "橙色", "停止土方作业", "", "", 2, "", "", ""],
]
RULE_ROWS: list[list[Any]] = [
    ["A", "黄色", "豁免", "县应急预案配置（测试）"],
    ["A", "橙色", "自主减排", "县应急预案配置（测试）"],
]


def write_workbook(path: Path, measures: list[list[Any]] | None = None,
                   rules: list[list[Any]] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = MEASURE_SHEET
    ws.append([h + ("*" if req else "") for h, _k, req in MEASURE_COLUMNS])
    for row in MEASURE_ROWS if measures is None else measures:
        ws.append(row)
    ws2 = wb.create_sheet(RULE_SHEET)
    ws2.append([h for h, _k, _r in RULE_COLUMNS])
    for row in RULE_ROWS if rules is None else rules:
        ws2.append(row)
    wb.save(path)
    return path


def engine_for(url: str) -> Any:
    db.upgrade(url)
    return db.make_engine(url)
