"""``ecoplan emergency …`` end to end on a real workspace (SQLite), including the Word notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document

from ecoplan.cli import main
from tests.supervision.emergency_fixtures import COKE, STEEL, write_workbook


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_lifecycle_notice_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    # no station registry: `emergency evaluate` must ask for --stations (checked at the end)
    assert run(capsys, "init", "--no-registry")[0] == 0
    code, _, _ = run(capsys, "emergency", "measures", "template", str(tmp_path / "t.xlsx"))
    assert code == 0 and (tmp_path / "t.xlsx").exists()
    bad = write_workbook(tmp_path / "bad.xlsx",
                         [["企业", COKE, "测试焦化厂", "B", "", "", "紫色", "限产", 20] + [""] * 5])
    code, _, err = run(capsys, "emergency", "measures", "import", str(bad), "--valid-from",
                       "2021-10-01")
    assert code == 1 and "第 2 行" in err and "预警级别" in err and "bad.xlsx" in err
    wb = write_workbook(tmp_path / "list.xlsx")
    code, out, _ = run(capsys, "emergency", "measures", "import", str(wb), "--valid-from",
                       "2021-10-01", "--json")
    assert code == 0 and json.loads(out)["measures"] == 8
    code, out, _ = run(capsys, "emergency", "measures", "list", "--date", "2021-12-01",
                       "--level", "橙色", "--json")
    assert code == 0 and len(json.loads(out)) == 4
    code, out, _ = run(capsys, "emergency", "issue", "--level", "orange", "--from",
                       "2021-12-01 20:00", "--to", "2021-12-04 00:00", "--doc",
                       "交重污染应急〔2021〕1号", "--json")
    assert code == 0
    rid = json.loads(out)["id"]
    code, out, _ = run(capsys, "emergency", "status", "--at", "2021-12-02 08:00", "--json")
    state = json.loads(out)
    assert state["response"]["level"] == "orange" and len(state["measures"]) == 4
    assert {m["credit_code"]: m["status"] for m in state["measures"]}[STEEL] == "voluntary"
    code, out, err = run(capsys, "--lang", "en", "emergency", "status", "--at",
                         "2021-12-02 08:00")
    assert code == 0 and "Measures in force" in out and "orange (level II)" in out + err
    evidence = tmp_path / "photo.jpg"
    evidence.write_bytes(b"\xff\xd8\xff")
    code, out, _ = run(capsys, "emergency", "inspect", str(rid), "--enterprise", COKE, "--at",
                       "2021-12-02 10:00", "--complied", "--department", "县生态环境局",
                       "--inspector", "张三", "--evidence", str(evidence), "--json")
    assert code == 0 and json.loads(out)["id"] == 1
    code, _, err = run(capsys, "emergency", "inspect", str(rid), "--enterprise", COKE, "--at",
                       "2021-12-02 10:00", "--complied", "--department", "县生态环境局",
                       "--inspector", "张三", "--evidence", str(tmp_path / "missing.jpg"))
    assert code == 1 and "missing.jpg" in err
    notice = tmp_path / "notice.docx"
    code, _, _ = run(capsys, "emergency", "notice", "--at", "2021-12-02 08:00", "--out",
                     str(notice))
    assert code == 0
    doc = Document(str(notice))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "橙色预警（Ⅱ级）" in text and "交重污染应急〔2021〕1号" in text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "测试焦化厂" in cells and "限产 30%" in cells and "自主减排" in cells
    assert run(capsys, "emergency", "change", str(rid), "--level", "red", "--at",
               "2021-12-02 12:00", "--doc", "2号")[0] == 0
    assert run(capsys, "emergency", "lift", str(rid), "--at", "2021-12-03 12:00",
               "--doc", "3号")[0] == 0
    code, out, _ = run(capsys, "emergency", "history", "--json")
    assert [e["kind"] for e in json.loads(out)[0]["events"]] == ["issued", "upgraded", "lifted"]
    code, _, err = run(capsys, "emergency", "lift", str(rid), "--at", "2021-12-03 13:00",
                       "--doc", "4号")
    assert code == 1 and "未在执行" in err
    code, _, err = run(capsys, "emergency", "issue", "--level", "purple", "--from",
                       "2022-01-01", "--doc", "x")
    assert code == 1 and "purple" in err
    code, _, err = run(capsys, "emergency", "evaluate", str(rid))
    assert code == 1 and "--stations" in err
