"""The demo's enforcement-loop step on the example registry: complaint → case → decision
document → credit, and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import docx

from ecoplan.demo.cases import run_cases_demo
from ecoplan.demo.pollution_sources import load_example
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import cases as C
from ecoplan.supervision import credit as K


def test_demo_step_runs_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_workspace(home)
    ws = Workspace(load_settings(home=home))
    load_example(ws)
    said: list[str] = []
    out = run_cases_demo(ws, lambda zh, en: said.append(zh))
    # 100 − 10 (penalty) − 10 (fine ≥ 100,000) − 3 (complaint found true) = 77 → B (≥ 75);
    # the demo enterprise holds an example permit, so no deduction for a missing one
    assert out["case"] == "2026-0001" and out["grade"] == "B"
    text = "\n".join(p.text for p in docx.Document(out["document"]).paragraphs)
    assert "行政处罚决定书" in text and "120,000.00" in text
    with ws.session() as s:
        views = C.list_cases(s)
        assert [v.stage for v in views] == ["decision"]
        assert K.current_grades(s)[views[0].case.enterprise] == out["grade"]
    again = run_cases_demo(ws, lambda zh, en: said.append(zh))
    assert again == {"complaint": out["complaint"]} and "跳过" in said[-1]
