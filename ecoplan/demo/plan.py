"""Demo step of the plan: load the bundled Jiaocheng plan, export it and write its check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecoplan.assess.owners import sync_plan_owners
from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.plan.check import check_plan
from ecoplan.plan.export import export_plan
from ecoplan.plan.importer import read_document
from ecoplan.store.plan_store import load_plan_into_db
from ecoplan.store.workspace import Workspace


def load_bundled_plan(workspace: Workspace, code: str = "jiaocheng-2021-2025") -> dict[str, Any]:
    """Demo step: load a bundled plan into the workspace database and return a summary."""
    path = bundled_plan_path(code)
    plan = load_plan(path)
    result = load_plan_into_db(workspace.engine, plan, source_file=path)
    with workspace.session() as s:
        owners = sync_plan_owners(s, plan)  # the workflow layer, as plan load does
    return {**result.as_dict(), "owners": owners.as_dict(), "title": plan.title_zh,
            "numbered_indicators": len(plan.indicators_by_number()),
            "total_investment_wan_yuan": str(plan.total_investment())}


def demo_step_plan(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Demo step (``ecoplan/demo/steps.py``): load the bundled Jiaocheng plan into the workspace, export
    it to Excel and write the plan check as JSON into the reports folder."""
    code = "jiaocheng-2021-2025"
    summary = load_bundled_plan(ws, code)
    plan = load_plan(bundled_plan_path(code))
    reports = Path(ws.settings.reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    xlsx = reports / f"plan-{code}.xlsx"
    export_plan(plan, "xlsx", xlsx)
    source = bundled_plan_path(code).parent / (plan.source or "")
    report = check_plan(plan, read_document(source) if plan.source and source.is_file() else None)
    check_file = reports / f"plan-check-{code}.json"
    check_file.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n",
                          encoding="utf-8")
    counts = report.counts()
    say(f"规划已载入（{summary['status']}）：指标 {summary['numbered_indicators']} 项，重点工程 "
        f"{summary['counts']['key_projects']} 项（合计 {summary['total_investment_wan_yuan']} 万元），任务 "
        f"{summary['counts']['tasks']} 条；审校：错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}",
        f"Plan loaded ({summary['status']}): {summary['numbered_indicators']} indicators, "
        f"{summary['counts']['key_projects']} projects ({summary['total_investment_wan_yuan']} ×10⁴ CNY), "
        f"{summary['counts']['tasks']} tasks; check: {counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['info']} notes")
    result.outputs["plan"] = summary
    result.outputs["plan_xlsx"] = str(xlsx)
    result.outputs["plan_check"] = {"file": str(check_file), **counts}
