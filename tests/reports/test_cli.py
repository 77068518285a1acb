"""``ecoplan assess``, ``ecoplan report`` and ``ecoplan progress`` on the demo workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecoplan.cli import main


@pytest.fixture
def in_demo(demo_ws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ECOPLAN_HOME", str(demo_ws.settings.home))
    return demo_ws


def test_assess_json_agrees_with_the_engine(in_demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from ecoplan.assess.indicators import air_annual_statistics

    assert main(["assess", "--year", "2025", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["key"]: r for r in out["indicators"]}
    stats = air_annual_statistics(in_demo, [2025]).iloc[0]
    assert rows["1"]["value"] == str(int(stats["pm25_mean"])) == "45"
    assert rows["1"]["status"] == "off_track" and "≤44" in rows["1"]["rule"]
    assert float(rows["2"]["value"]) == round(float(stats["good_day_ratio_raw"]), 2)
    assert list(rows)[:8] == ["1", "2", "3", "4a", "4b", "9", "10", "11"]  # binding first
    assert out["counts"]["achieved"] >= 10


def test_assess_table_in_english(in_demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "assess", "--year", "2023"]) == 0
    text = capsys.readouterr().out
    assert "[on track]" in text and "linear path" in text


def test_report_command_rejects_unknown_kind(in_demo: Any, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--kind", "yearly", "--year", "2025", "-o",
                 str(tmp_path / "x.docx")]) == 1
    assert "yearly" in capsys.readouterr().err


def test_progress_cli_workflow(in_demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress", "project", "--number", "3", "--as-of", "2026-06-30", "--percent", "100",
                 "--invested", "2000", "--status", "completed", "--reporter", "li",
                 "--department", "生态环境分局", "--milestone", "竣工验收,2023-12-31,2026-06-01",
                 "--evidence", "验收报告.pdf=files/a.pdf", "--json"]) == 0
    rid = json.loads(capsys.readouterr().out)["id"]
    assert main(["progress", "approve", "project", str(rid), "--actor", "zhao"]) == 1  # not reviewed
    capsys.readouterr()
    assert main(["progress", "review", "project", str(rid), "--actor", "wang", "--json"]) == 0
    assert main(["progress", "approve", "project", str(rid), "--actor", "zhao", "--json"]) == 0
    capsys.readouterr()
    assert main(["progress", "list", "project", "--state", "approved", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert any(d["id"] == rid and d["milestones"][0]["done_on"] == "2026-06-01" for d in listed)
    assert main(["progress", "indicator", "--key", "8", "--year", "2026", "--value", "abc",
                 "--reporter", "li", "--department", "x"]) == 1
    assert "value" in capsys.readouterr().err
    assert main(["progress", "overdue", "--as-of", "2026-01-31", "--json"]) == 0
    od = json.loads(capsys.readouterr().out)
    assert {o["kind"] for o in od} <= {"project", "task"} and any(o["kind"] == "project" for o in od)
