"""Export a plan: JSON (the whole model), CSV (one file per table) and Excel laid out like the
plan's own tables (表1 指标体系, 表2 重点工程表) plus a tasks sheet, with Chinese headers."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecoplan.errors import Location
from ecoplan.i18n import get_lang
from ecoplan.plan.loader import PlanFileError
from ecoplan.plan.model import Indicator, Plan

INDICATOR_HEADERS = ["类别", "序号", "指标", "{b}年", "{t}年", "属性"]
PROJECT_HEADERS = ["类别", "项目名称", "项目建设内容", "投资估算（万元）", "实施时间", "牵头部门"]
TASK_HEADERS = ["编号", "章节", "章节标题", "任务（原文）", "期限", "期限原文", "周期", "责任部门",
                "目标量", "运算符", "目标值", "上限", "单位", "关联指标", "关联项目"]
#: the indicator CSV's headers: Chinese by default, the field names with ``--lang en``
INDICATOR_FLAT_HEADERS = ["键", "序号", "分项", "类别", "指标名称", "英文名称", "单位",
                          "属性", "基准值（原文）", "基准值类型", "基准值", "基准水质类别",
                          "目标值（原文）", "目标值类型", "目标运算符", "目标值", "目标水质类别",
                          "获取方式", "统计量", "责任部门"]
INDICATOR_FLAT_FIELDS = ["key", "number", "part", "category", "name_zh", "name_en", "unit",
                         "attribute", "baseline_text", "baseline_kind", "baseline_value",
                         "baseline_water_class", "target_text", "target_kind", "target_operator",
                         "target_value", "target_water_class", "measurement_kind", "statistic",
                         "department"]


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "indicators": len(plan.indicators),
        "numbered_indicators": len(plan.indicators_by_number()),
        "key_projects": len(plan.key_projects),
        "total_investment_wan_yuan": str(plan.total_investment()),
        "investment_by_category": {k: str(v) for k, v in plan.investment_by_category().items()},
        "tasks": len(plan.tasks),
        "dated_tasks": sum(1 for t in plan.tasks if t.deadline),
    }


def plan_as_json(plan: Plan) -> dict[str, Any]:
    """The whole plan as JSON-ready data: every model field (``indicators`` has one entry per
    assessable row, 4a and 4b separately), ``table1`` (the 18 numbered rows as the plan lays them
    out) and ``summary`` (counts and investment totals)."""
    data = plan.model_dump(mode="json")
    data["table1"] = [
        {"number": number, "category": parts[0].category, "keys": [p.key for p in parts],
         "name": [_name_with_unit(p) for p in parts], "baseline": [p.baseline.text for p in parts],
         "target": [p.target.text for p in parts], "attribute": parts[0].attribute}
        for number, parts in sorted(plan.indicators_by_number().items())
    ]
    data["summary"] = plan_summary(plan)
    return data


def _name_with_unit(ind: Indicator) -> str:
    return f"{ind.name_zh}（{ind.unit}）" if ind.unit else ind.name_zh


def _num(v: Decimal | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if v == v.to_integral() else float(v)


def indicator_rows(plan: Plan) -> list[list[Any]]:
    """Rows of 表1 as the plan lays them out: one per number, parts on separate lines of a cell."""
    rows = []
    for number, parts in sorted(plan.indicators_by_number().items()):
        rows.append([
            parts[0].category, number,
            "\n".join(_name_with_unit(p) for p in parts),
            "\n".join(p.baseline.text for p in parts),
            "\n".join(p.target.text for p in parts),
            "约束性" if parts[0].attribute == "binding" else "预期性",
        ])
    return rows


def project_rows(plan: Plan) -> list[list[Any]]:
    return [[p.category, p.name, p.content, p.investment_wan_yuan, p.period_text or "",
             "、".join(p.lead_departments)] for p in plan.key_projects]


def task_rows(plan: Plan) -> list[list[Any]]:
    rows = []
    for t in plan.tasks:
        tg = t.target
        rows.append([
            t.key, t.chapter, plan.chapter_title(t.chapter) or "", t.text,
            t.deadline.isoformat() if t.deadline else "", t.deadline_text or "", t.recurring or "",
            t.department or "", tg.quantity if tg else "", tg.operator if tg else "",
            tg.value if tg and tg.value is not None else (f"{tg.water_class}类" if tg and tg.water_class else ""),
            tg.value_max if tg and tg.value_max is not None else "", tg.unit if tg and tg.unit else "",
            t.indicator_key or "", t.project_number or "",
        ])
    return rows


def _flat_indicator(ind: Indicator) -> list[Any]:
    m = ind.measurement
    return [ind.key, ind.number, ind.part or "", ind.category, ind.name_zh, ind.name_en or "",
            ind.unit or "", ind.attribute, ind.baseline.text, ind.baseline.kind,
            ind.baseline.value if ind.baseline.value is not None else "",
            ind.baseline.water_class or "", ind.target.text, ind.target.kind,
            ind.target.operator or "", ind.target.value if ind.target.value is not None else "",
            ind.target.water_class or "", m.kind if m else "", (m.statistic or "") if m else "",
            (m.department or "") if m else ""]


def _write_csv(path: Path, headers: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow(["" if v is None else str(v) for v in r])


def export_csv(plan: Plan, out: Path) -> list[Path]:
    """Three CSV files (UTF-8 with BOM so Excel reads the Chinese): ``out`` holds the indicators,
    ``<stem>_key_projects.csv`` and ``<stem>_tasks.csv`` the other two tables."""
    projects = out.with_name(f"{out.stem}_key_projects.csv")
    tasks = out.with_name(f"{out.stem}_tasks.csv")

    zh = get_lang() == "zh"
    _write_csv(out, INDICATOR_FLAT_HEADERS if zh else INDICATOR_FLAT_FIELDS,
               [_flat_indicator(i) for i in plan.indicators])
    _write_csv(projects, ["序号" if zh else "number", *PROJECT_HEADERS], [[p.number, *r] for p, r in
                                                         zip(plan.key_projects, project_rows(plan), strict=True)])
    _write_csv(tasks, TASK_HEADERS, task_rows(plan))
    return [out, projects, tasks]


def export_json(plan: Plan, out: Path) -> list[Path]:
    out.write_text(json.dumps(plan_as_json(plan), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [out]


def export_xlsx(plan: Plan, out: Path) -> list[Path]:
    """Excel workbook: 表1 and 表2 as in the plan (merged category cells, a total row), and tasks."""
    import xlsxwriter  # deferred: the Excel writer loads only when a workbook is written

    wb = xlsxwriter.Workbook(str(out))
    title = wb.add_format({"bold": True, "font_size": 13, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                          "text_wrap": True, "bg_color": "#E8EEF4"})
    cell = wb.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    center = wb.add_format({"border": 1, "valign": "vcenter", "align": "center", "text_wrap": True})
    money = wb.add_format({"border": 1, "valign": "vcenter", "num_format": "0.00"})
    bold_money = wb.add_format({"border": 1, "bold": True, "num_format": "0.00"})
    bold = wb.add_format({"border": 1, "bold": True})

    # 表1
    ws = wb.add_worksheet("表1 指标体系")
    heads = [h.format(b=plan.baseline_year, t=plan.end_year) for h in INDICATOR_HEADERS]
    ws.merge_range(0, 0, 0, len(heads) - 1, f"表1  {plan.region.name_zh}规划指标体系", title)
    ws.write_row(1, 0, heads, head)
    rows = indicator_rows(plan)
    start = 2
    for i, r in enumerate(rows):
        ws.write_row(start + i, 0, r, center)
        ws.write(start + i, 2, r[2], cell)
    _merge_runs(ws, start, [r[0] for r in rows], 0, center)
    if plan.municipal_override_note:
        ws.merge_range(start + len(rows), 0, start + len(rows), len(heads) - 1,
                       plan.municipal_override_note, wb.add_format({"italic": True, "text_wrap": True}))
    for col, width in enumerate([12, 6, 44, 12, 18, 10]):
        ws.set_column(col, col, width)

    # 表2
    ws = wb.add_worksheet("表2 重点工程表")
    ws.merge_range(0, 0, 0, len(PROJECT_HEADERS) - 1, f"表2  {plan.region.name_zh}重点工程表", title)
    ws.write_row(1, 0, PROJECT_HEADERS, head)
    prow = project_rows(plan)
    for i, r in enumerate(prow):
        ws.write(start + i, 0, r[0], center)
        ws.write(start + i, 1, r[1], cell)
        ws.write(start + i, 2, r[2], cell)
        ws.write_number(start + i, 3, float(r[3]), money) if r[3] is not None else ws.write(start + i, 3, "", cell)
        ws.write(start + i, 4, r[4], center)
        ws.write(start + i, 5, r[5], cell)
    _merge_runs(ws, start, [r[0] for r in prow], 0, center)
    _merge_runs(ws, start, [f"{r[0]}|{r[1]}" for r in prow], 1, cell, labels=[r[1] for r in prow])
    end = start + len(prow)
    ws.write(end, 0, "合计", bold)
    ws.write_formula(end, 3, f"=SUM(D{start + 1}:D{end})", bold_money, float(plan.total_investment()))
    for col, width in enumerate([14, 30, 60, 14, 12, 22]):
        ws.set_column(col, col, width)
    # per-category totals next to the table
    ws.write(1, 7, "类别合计（万元）", head)
    for i, (cat, total) in enumerate(plan.investment_by_category().items()):
        ws.write(2 + i, 7, cat, cell)
        ws.write_number(2 + i, 8, float(total), money)
    ws.set_column(7, 7, 20)
    ws.set_column(8, 8, 12)

    # tasks
    ws = wb.add_worksheet("任务")
    ws.write_row(0, 0, TASK_HEADERS, head)
    for i, r in enumerate(task_rows(plan)):
        for j, v in enumerate(r):
            if isinstance(v, Decimal):
                ws.write_number(i + 1, j, float(v), cell)
            else:
                ws.write(i + 1, j, v, cell)
    for col, width in enumerate([8, 6, 20, 70, 11, 12, 8, 16, 24, 6, 8, 6, 8, 8, 8]):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    wb.close()
    return [out]


def _merge_runs(ws: Any, start: int, keys: list[str], col: int, fmt: Any,
                labels: list[str] | None = None) -> None:
    """Merge vertical runs of equal ``keys`` in ``col`` (the plan's merged category cells)."""
    labels = labels or keys
    i = 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and keys[j + 1] == keys[i]:
            j += 1
        if j > i:
            ws.merge_range(start + i, col, start + j, col, labels[i], fmt)
        i = j + 1


EXPORTERS = {"xlsx": export_xlsx, "csv": export_csv, "json": export_json}


def export_plan(plan: Plan, fmt: str, out: str | Path) -> list[Path]:
    """Write ``plan`` as ``fmt`` (xlsx, csv, json) to ``out``; returns the files written."""
    if fmt not in EXPORTERS:
        raise PlanFileError(f"不支持的导出格式 {fmt}（可选 xlsx、csv、json）",
                            f"Unsupported export format {fmt!r} (xlsx, csv or json)")
    path = Path(out)
    if not path.parent.exists():
        raise PlanFileError(f"输出目录不存在：{path.parent}", f"Output folder does not exist: {path.parent}",
                            location=Location(str(path)))
    return EXPORTERS[fmt](plan, path)
