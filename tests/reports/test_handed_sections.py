"""A chapter handed to the evaluation report from above the reports layer (e.g. the
supervision chapter, supervision/report_sections.py) is printed as a subsection of 四."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx

from ecoplan.plan import bundled_plan_path, load_plan

PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))


def test_the_report_prints_a_handed_chapter(demo_ws: Any, tmp_path: Path) -> None:
    from ecoplan.reports.build import build_report
    from ecoplan.reports.evaluation import ReportSection

    sec = ReportSection(title="生态环境监管执法", paragraphs=["段落一：立案查处环境违法案件1件。"],
                        source="测试")
    res = build_report(demo_ws, PLAN, kind="annual", year=2025, out=tmp_path / "r.docx",
                       sections=[sec])
    paras = [p.text for p in docx.Document(str(res.docx)).paragraphs]
    i = paras.index("（附）生态环境监管执法")
    assert paras[i + 1] == "段落一：立案查处环境违法案件1件。" and paras[i + 2] == "数据来源：测试。"
    assert i < paras.index("五、存在的问题")
