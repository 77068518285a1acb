"""ECharts options built in Python (the browser only draws them), each with its data table and
the rule behind it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from ecoplan.web.render import STATUS_COLOURS, STATUS_LABELS, chart


def _f(x: Any) -> float | None:
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def status_pie(rows: list[Any], t: Any) -> dict[str, Any]:
    counts = Counter(r.status for r in rows)
    order = [s for s in STATUS_LABELS if counts.get(s)]
    data = [{"name": t(*STATUS_LABELS[s]), "value": counts[s],
             "itemStyle": {"color": STATUS_COLOURS[s]}} for s in order]
    option = {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["40%", "70%"], "data": data,
                    "label": {"formatter": "{b}: {c}"}}],
    }
    return chart("status", t("指标状态分布", "Indicator status"), option,
                 [t("状态", "status"), t("指标数", "indicators")],
                 [[t(*STATUS_LABELS[s]), counts[s]] for s in order],
                 t("每个指标取最新年份的数值（监测计算值或已批准的部门填报值），按评估规则与"
                   "目标比较：达标、进展顺利、存在风险、滞后、无数据。",
                   "Each indicator's latest value (computed from monitoring or an approved "
                   "department report) is compared with its target by the assessment rules: "
                   "achieved, on track, at risk, off track, no data."))


def investment_bar(summary: dict[str, Any], projects: list[dict[str, Any]], t: Any
                   ) -> dict[str, Any]:
    cats = list(summary["by_category"].keys())
    invested: dict[str, Decimal] = {c: Decimal(0) for c in cats}
    for p in projects:
        if p["invested_wan_yuan"] is not None:
            invested[p["category"]] = invested.get(p["category"], Decimal(0)) + Decimal(
                str(p["invested_wan_yuan"]))
    planned = [_f(summary["by_category"][c]) for c in cats]
    done = [_f(invested.get(c)) for c in cats]
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [t("计划投资", "planned"), t("已完成投资", "invested")]},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 80},
        "xAxis": {"type": "category", "data": cats, "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": {"type": "value", "name": t("万元", "10⁴ CNY")},
        "series": [{"name": t("计划投资", "planned"), "type": "bar", "data": planned},
                   {"name": t("已完成投资", "invested"), "type": "bar", "data": done}],
    }
    return chart("investment", t("重点工程投资（万元）", "Key-project investment (10⁴ CNY)"),
                 option, [t("类别", "category"), t("计划", "planned"), t("已完成", "invested")],
                 [[c, p, d] for c, p, d in zip(cats, planned, done, strict=True)],
                 t("计划投资为规划附表的投资估算；已完成投资为各工程最新一次已批准进展填报中的"
                   "累计完成投资，未经批准的填报不计入。",
                   "Planned: the plan's investment estimate. Invested: cumulative investment in "
                   "each project's latest approved progress report; unapproved reports do not "
                   "count."))


def progress_bar(projects: list[dict[str, Any]], t: Any) -> dict[str, Any]:
    names = [f"{p['number']} {p['name'][:14]}" for p in projects]
    pct = [_f(p["percent_complete"]) or 0 for p in projects]
    option = {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 180, "right": 30, "top": 10, "bottom": 30},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [{"type": "bar", "data": pct, "itemStyle": {"color": "#0b6e4f"}}],
    }
    return chart("progress", t("重点工程完成比例", "Key-project completion"), option,
                 [t("工程", "project"), t("完成比例 %", "complete %")],
                 [[n, v] for n, v in zip(names, pct, strict=True)],
                 t("每个工程最新一次已批准填报的完成比例；无已批准填报计为 0。",
                   "Percent complete in each project's latest approved report; 0 without one."))
