"""Demo step of plan succession: draft the 2026–2030 plan from the workspace's data (2025
baselines by the engines, example targets) and write its target check (目标可达性分析)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ecoplan.assess.succession import draft_baselines, target_check
from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.plan.succession import (
    build_draft,
    load_higher_targets,
    load_proposed_targets,
    plan_to_yaml,
)
from ecoplan.reports.evaluation import uses_demo_data
from ecoplan.reports.target_annex import write_target_annex
from ecoplan.store.plan_store import load_plan_into_db
from ecoplan.store.workspace import Workspace

PLAN_DATA = Path(str(files("ecoplan.plan").joinpath("data")))
EXAMPLE_TARGETS = PLAN_DATA / "example-targets-jiaocheng-2026-2030.yaml"
EXAMPLE_HIGHER = PLAN_DATA / "example-higher-targets-2026-2030.yaml"


def demo_step_next_plan(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """``ecoplan plan draft --from jiaocheng-2021-2025 --period 2026-2030 --targets <example>``,
    ``plan load`` of the draft (the web's plan selector then shows both plans) and
    ``plan target-check -o …docx --higher <example>``, sharing one computation of the data."""
    previous = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    db = draft_baselines(ws, previous, 2025)
    proposed, _ = load_proposed_targets(EXAMPLE_TARGETS, previous)
    draft = build_draft(previous, 2026, 2030, db.baselines, targets=proposed)
    draft.status_note = (draft.status_note or "") + "；目标值取自示例文件（构造的示例，非真实规划目标）"
    reports = Path(ws.settings.reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{draft.code}-draft.yaml"
    path.write_text(plan_to_yaml(draft, "# 由 make demo 生成的规划草稿（生成的示例数据，示例目标值）\n"), "utf-8")
    load_plan_into_db(ws.engine, draft, source_file=path)
    higher = load_higher_targets(EXAMPLE_HIGHER)
    report = target_check(ws, draft, baselines=db, higher=higher.targets, higher_example=higher.example,
                          higher_note=higher.note)
    annex = write_target_annex(report, reports / f"{draft.code}-目标可达性分析.docx",
                               example_data=uses_demo_data(ws))
    result.outputs["next_plan_draft"] = str(path)
    result.outputs["target_check"] = str(annex)
    b = {k: draft.indicator(k).baseline for k in ("1", "2")}
    say(f"“十五五”规划草稿：{path}（2025 年基准 PM2.5 {b['1'].text} μg/m³，优良天数比例 {b['2'].text}%，"
        f"按 2026 年规则 {b['2'].figure('2026').text if b['2'].figure('2026') else '—'}%）；"
        f"目标可达性分析：{annex}（示例目标与示例上级目标）",
        f"2026–2030 draft: {path}; target check: {annex} (example targets and higher-level targets)")
