"""The supervision chapter of the evaluation report: the figures of the period's inspections,
cases and complaints (supervision/report_sections.py), handed to the report writer, which
prints them under （附）生态环境监管执法."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ecoplan.demo.cases import run_cases_demo
from ecoplan.demo.pollution_sources import load_example
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.evaluation import report_period
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision.report_sections import supervision_sections

PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))


def test_the_enforcement_loop_reaches_the_report_chapter(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    with ws.session() as s:
        assert supervision_sections(s, date(2026, 1, 1), date(2026, 12, 31)) == []
    load_example(ws)
    run_cases_demo(ws, lambda zh, en: None)  # a complaint → a case decided with a fine (Nov 2026)
    assert report_period(PLAN, "annual", 2026) == (date(2026, 1, 1), date(2026, 12, 31))
    assert report_period(PLAN, "final", 2025) == (date(2021, 1, 1), date(2025, 12, 31))
    with ws.session() as s:
        [sec] = supervision_sections(s, date(2026, 1, 1), date(2026, 12, 31))
        assert supervision_sections(s, date(2025, 1, 1), date(2025, 12, 31)) == []
    text = "\n".join(sec.paragraphs)
    assert sec.title == "生态环境监管执法"
    assert "立案查处环境违法案件1件" in text and "罚款120000" in text
    assert "受理信访投诉" in text and "群众满意率100.0%" in text
