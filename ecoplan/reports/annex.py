"""The Excel data annex of a report: every number with its method, rules and evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ecoplan.reports.evaluation import ReportData
from ecoplan.store.data_labels import DEMO_LABEL

#: column headers of the annex in Chinese and English (internal keys never reach the sheet)
HEADERS: dict[str, tuple[str, str]] = {
    "data_label": ("数据性质", "data label"), "key": ("键", "key"), "number": ("序号", "no."),
    "name": ("名称", "name"), "category": ("类别", "category"), "unit": ("单位", "unit"),
    "attribute": ("属性代码", "attribute code"), "attribute_name": ("属性", "attribute"),
    "baseline": ("基准值", "baseline"), "target": ("目标值", "target"),
    "target_source": ("目标来源", "target source"), "value": ("数值", "value"),
    "expected": ("预期值", "expected"), "gap": ("差距", "gap"), "year": ("年份", "year"),
    "status": ("状态代码", "status code"), "status_name": ("状态", "status"),
    "rule": ("判定依据", "rule"), "rule_id": ("规则编号", "rule id"),
    "rules_version": ("规则版本", "rules version"), "rule_versions": ("标准与规则版本", "rule versions"),
    "method": ("数值来源", "method"), "source": ("来源", "source"),
    "evidence": ("证据", "evidence"), "details": ("明细", "details"),
    "chapter": ("章节", "chapter"), "completed": ("已完成", "completed"),
    "content": ("建设内容", "content"), "deadline": ("期限", "deadline"),
    "deadline_text": ("期限（原文）", "deadline (text)"), "department": ("责任部门", "department"),
    "invested_wan_yuan": ("完成投资（万元）", "invested (10⁴ CNY)"),
    "investment_wan_yuan": ("估算投资（万元）", "planned (10⁴ CNY)"),
    "planned_wan_yuan": ("估算投资（万元）", "planned (10⁴ CNY)"),
    "milestones": ("节点", "milestones"), "overdue": ("逾期", "overdue"),
    "overdue_days": ("逾期天数", "days overdue"), "percent": ("完成比例（%）", "percent"),
    "period": ("实施期", "period"), "report_as_of": ("填报截至", "report as of"),
    "report_id": ("填报编号", "report id"), "reporter": ("填报人", "reporter"),
    "projects": ("项目数", "projects"), "tasks": ("任务", "tasks"), "text": ("内容", "text"),
    "lead_department": ("牵头部门", "lead department"), "date": ("日期", "date"),
    "aqi": ("AQI", "AQI"), "indicator": ("指标", "indicator"),
    "days_2012": ("天数（2012年版规则）", "days (2012 rules)"),
    "days_2026": ("天数（2026年版规则）", "days (2026 rules)"),
    "rules_2012": ("2012年版规则", "2012 rules"), "rules_2026": ("2026年版规则", "2026 rules"),
    "kind": ("类型", "kind"), "id": ("编号", "id"), "sha256": ("SHA-256", "SHA-256"),
    "info": ("说明", "info"),
    "validity_warning": ("有效性警告", "validity warning"),
}


def header(key: str, lang: str = "zh") -> str:
    """The annex column header of ``key`` in ``lang`` (the key itself when unknown)."""
    words = HEADERS.get(key)
    return (words[0] if lang == "zh" else words[1]) if words else key


def _cell(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    if v is None:
        return ""
    return str(v) if not isinstance(v, (int, float, str)) else v


def _warning(details: dict[str, Any], lang: str) -> str:
    """The value's validity warning lines (GB 3095 Table 4 / HJ 663), "" when it is valid."""
    lines = details.get("warnings_zh" if lang == "zh" else "warnings_en") or []
    return ("；" if lang == "zh" else "; ").join(lines)


def write_xlsx(data: ReportData, out: Path, lang: str = "zh") -> Path:
    """Sheets: 说明, 指标评估, 指标时间序列, 重点工程, 任务, 问题与建议, 日AQI, 数据快照; column
    headers in Chinese (``lang="en"``: English, :data:`HEADERS`)."""
    label = DEMO_LABEL if data.demo else ""
    sheets: dict[str, pd.DataFrame] = {}
    sheets["说明"] = pd.DataFrame([
        {"项目": "报告", "内容": data.title},
        {"项目": "类型 / kind", "内容": data.kind},
        {"项目": "评估年份", "内容": data.year},
        {"项目": "数据快照 SHA-256", "内容": data.snapshot.digest},
        {"项目": "状态规则版本", "内容": data.assessment.status_rules_version},
        {"项目": "数据性质", "内容": label or "监测与填报数据"},
    ])
    ind_rows = []
    for r in data.assessment.rows:
        d = r.row("zh")
        d = {k: v for k, v in d.items() if k not in ("value_number",)}
        ind_rows.append({"data_label": label, **{k: _cell(v) for k, v in d.items()},
                         "validity_warning": _warning(r.value.details, lang)})
    sheets["指标评估"] = pd.DataFrame(ind_rows)
    series = []
    for r in data.assessment.rows:
        for y, iv in sorted(r.series.items()):
            series.append({"data_label": label, "key": r.indicator.key, "name": r.indicator.name_zh,
                           "year": y, "value": iv.display, "source": iv.source,
                           "method": iv.method_zh, "rule_versions": _cell(iv.rule_versions),
                           "validity_warning": _warning(iv.details, lang),
                           "evidence": _cell(iv.evidence), "details": _cell(iv.details)})
    sheets["指标时间序列"] = pd.DataFrame(series)
    sheets["重点工程"] = pd.DataFrame([{"data_label": label, **{k: _cell(v) for k, v in
                                                          p.row("zh").items()}}
                                   for p in data.projects.projects])
    sheets["工程分类投资"] = pd.DataFrame([{k: _cell(v) for k, v in g.items()}
                                     for g in data.projects.by_category])
    sheets["工程分部门投资"] = pd.DataFrame([{k: _cell(v) for k, v in g.items()}
                                      for g in data.projects.by_department])
    sheets["任务"] = pd.DataFrame([{"data_label": label, **{k: _cell(v) for k, v in
                                                      t.row("zh").items()}}
                                 for t in data.tasks.tasks])
    sheets["问题与建议"] = pd.DataFrame(
        [{"类型": "问题", "内容": p["text"], "依据": p["severity"]} for p in data.problems]
        + [{"类型": "建议", "内容": r["text"], "依据": r["basis"]} for r in data.recommendations])
    if data.next_baseline:
        sheets["下一规划期基准"] = pd.DataFrame(data.next_baseline)
    if data.daily_aqi:
        sheets["日AQI"] = pd.DataFrame([{"data_label": label, "date": d.isoformat(), "aqi": a}
                                       for d, a in sorted(data.daily_aqi.items())])
    snap = data.snapshot
    sheets["数据快照"] = pd.DataFrame(
        [{"kind": "lake_file", "id": f["path"], "sha256": f["sha256"], "info": f["bytes"]}
         for f in snap.lake_files]
        + [{"kind": "batch", "id": b["id"], "sha256": b["file_hash"],
            "info": f"{b['dataset']} {b['source_file']}"} for b in snap.batches]
        + [{"kind": f"approved_{r['kind']}_report", "id": r["id"], "sha256": "",
            "info": f"approval event {r['approval_event']}"} for r in snap.approved_reports])
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df = df.rename(columns={c: header(str(c), lang) for c in df.columns})
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.2), 60)
    return out
