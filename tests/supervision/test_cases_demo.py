"""The demo's enforcement-loop step on the example registry (complaint → case → decision
document → credit; a second run changes nothing) and the ``ecoplan cases|complaints|credit``
commands on the workspace it leaves."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest

from ecoplan.cli import main
from ecoplan.demo.cases import run_cases_demo
from ecoplan.demo.pollution_sources import load_example
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import cases as C
from ecoplan.supervision import credit as K


def _json(capsys: pytest.CaptureFixture[str], args: list[str]):  # type: ignore[no-untyped-def]
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_step_and_commands(workspace_home: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
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
    capsys.readouterr()

    # the fine decided on 2026-11-18 was due on 12-03: overdue on 12-06 for the bureau
    overdue = _json(capsys, ["cases", "overdue", "--on", "2026-12-06"])
    assert [r["period"] for r in overdue["sthjj"]] == ["payment_15"]
    shown = _json(capsys, ["cases", "show", "2026-0001"])
    assert shown["decision"]["basis"] == "DQ99" and shown["stage"] == "decision"
    assert main(["cases", "advance", "2026-0001", "closed"]) == 1  # not the next stage
    assert "执行" in capsys.readouterr().err
    assert _json(capsys, ["cases", "deadline", "2026-09-30", "5"])["due"] == "2026-10-13"
    assert main(["cases", "deadline", "2026-12-30", "3"]) == 1  # 2027 has no data
    assert "2027" in capsys.readouterr().err
    res = _json(capsys, ["cases", "deadline", "2026-12-30", "3", "--weekends-only"])
    assert res["due"] == "2027-01-04" and res["assumed_years"] == [2027]
    assert _json(capsys, ["complaints", "stats"])["type"] == [["air", 1]]
    ind = _json(capsys, ["complaints", "indicators", "--from", "2026-11-01", "--to",
                         "2026-11-30"])
    assert ind["in_time_rate"] == 1.0 and ind["satisfaction_rate"] == 1.0
    added = _json(capsys, ["complaints", "add", "--content", "夜间施工噪声扰民严重",
                           "--category", "噪声", "--channel", "visit", "--on", "2026-12-01"])
    assert added["category"] == "noise" and added["status"] == "received"
    evs = _json(capsys, ["credit", "evaluate", "--on", "2026-12-06"])
    assert len(evs) == len(_json(capsys, ["credit", "grades"]))
    xlsx = tmp_path / "dishonest.xlsx"
    assert main(["credit", "dishonest", "-o", str(xlsx)]) == 0
    ws_x = openpyxl.load_workbook(xlsx).active
    assert ws_x["A1"].value == "序号" and ws_x["C1"].value == "企业名称"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert main(["complaints", "import", str(bad)]) == 1
    assert "bad.xlsx" in capsys.readouterr().err
