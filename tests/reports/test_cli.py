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


def test_report_writes_exactly_the_path_asked_for(in_demo: Any, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "终期报告.docx"
    assert main(["report", "--kind", "final", "--year", "2025", "-o", str(out),
                 "--date", "2026-11-28"]) == 0
    err = capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "终期报告.docx", "终期报告.snapshot.json", "终期报告.xlsx"]
    # the example-data label stays in the console message (and in the document)
    assert str(out) in err.replace("\n", "") and "生成的示例数据" in err


def test_report_refuses_an_output_it_cannot_write_exactly(in_demo: Any, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--kind", "final", "--year", "2025", "-o",
                 str(tmp_path / "report.txt")]) == 1
    assert ".docx" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_report_pdf_without_libreoffice_writes_docx_and_xlsx(
        in_demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A machine without LibreOffice: soffice is not on PATH. The Word and Excel files are
    written, the command says once in both languages how to get PDFs, and exits 0."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out" / "final.pdf"
    assert main(["report", "--kind", "final", "--year", "2025", "-o", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["pdf"] is None and res["pdf_skipped"] is True
    assert Path(res["docx"]) == out.with_suffix(".docx") and Path(res["docx"]).exists()
    assert Path(res["xlsx"]).exists() and not out.exists()
    assert main(["report", "--kind", "final", "--year", "2025", "-o", str(out),
                 "--format", "pdf"]) == 0
    err = capsys.readouterr().err.replace("\n", "").replace("  ", " ")
    assert err.count("libreoffice-writer-nogui") == 2  # once in Chinese, once in English
    assert "未找到 LibreOffice" in err and "LibreOffice (soffice) not found" in err
    assert "make system-deps" in err


def test_demo_final_report_step_without_libreoffice(demo_ws: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from ecoplan.demo.result import DemoResult
    from ecoplan.demo.steps import _step_final_report

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    said: list[tuple[str, str]] = []
    result = DemoResult(home=demo_ws.settings.home)
    _step_final_report(demo_ws, lambda zh, en: said.append((zh, en)), result)
    docx = Path(result.outputs["final_report"])
    assert docx.exists() and docx.with_suffix(".xlsx").exists()
    assert result.outputs["final_report_pdf"] is None
    hints = [zh for zh, _ in said if "libreoffice-writer-nogui" in zh]
    assert len(hints) == 1 and "LibreOffice (soffice) not found" in hints[0]
