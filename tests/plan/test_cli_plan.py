"""The ``ecoplan plan`` commands, through the real CLI entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from ecoplan.cli import main
from ecoplan.plan import load_plan

DATA = Path(__file__).resolve().parent.parent / "data" / "plan"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_json(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["numbered_indicators"] == 18
    assert len({i["number"] for i in data["indicators"]}) == 18
    assert len(data["table1"]) == 18
    assert data["table1"][3]["keys"] == ["4a", "4b"] and data["table1"][3]["target"] == ["Ⅱ类", "Ⅲ类"]
    assert [r["attribute"] for r in data["table1"]].count("binding") == 7
    assert len(data["key_projects"]) == 30 and data["summary"]["total_investment_wan_yuan"] == "155804.95"
    assert len(data["tasks"]) >= 40
    ind2 = next(i for i in data["indicators"] if i["key"] == "2")
    assert ind2["baseline"]["value"] == "58.63" and ind2["target"]["text"] == "≥75"
    assert ind2["attribute"] == "binding" and ind2["measurement"]["statistic"] == "air.good_day_ratio"


def test_show_table_in_both_languages(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", "show")
    assert code == 0 and "表1 指标体系" in out and "约束性" in out
    code, out, _ = run(capsys, "--lang", "en", "plan", "show")
    assert code == 0 and "Table 1 indicators" in out and "binding" in out


def test_list(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", "list", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["code"] == "jiaocheng-2021-2025" and row["indicators"] == 18 and row["key_projects"] == 30


def test_export_xlsx_laid_out_like_the_plan(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "plan.xlsx"
    code, _, _ = run(capsys, "plan", "export", "--format", "xlsx", "-o", str(out_file))
    assert code == 0
    wb = openpyxl.load_workbook(out_file)
    assert wb.sheetnames == ["表1 指标体系", "表2 重点工程表", "任务"]
    t1 = wb["表1 指标体系"]
    assert [c.value for c in t1[2]] == ["类别", "序号", "指标", "2020年", "2025年", "属性"]
    rows = [[c.value for c in r] for r in t1.iter_rows(min_row=3, max_row=20)]
    assert [r[1] for r in rows] == list(range(1, 19))
    assert rows[3][2] == "文峪河三断面水质\n磁窑河武良断面水质" and rows[3][4] == "Ⅱ类\nⅢ类"
    assert rows[0][2] == "县城区细颗粒物（PM2.5）浓度（μg/m³）"
    assert any(str(m) == "A3:A11" for m in t1.merged_cells.ranges)  # 环境治理 spans indicators 1–9
    t2 = wb["表2 重点工程表"]
    assert [c.value for c in t2[2]][:6] == ["类别", "项目名称", "项目建设内容", "投资估算（万元）", "实施时间", "牵头部门"]
    invest = [t2.cell(row=r, column=4).value for r in range(3, 33)]
    assert sum(invest) == pytest.approx(155804.95)
    assert t2.cell(row=33, column=1).value == "合计"
    assert t2.cell(row=33, column=4).value.startswith("=SUM(D3:D32)")
    tasks = wb["任务"]
    assert tasks.cell(row=1, column=4).value == "任务（原文）"
    assert tasks.max_row - 1 >= 40


def test_export_csv_and_json(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", "export", "-f", "csv", "-o", str(tmp_path / "p.csv"), "--json")
    assert code == 0
    files = json.loads(out)["files"]
    assert [Path(f).name for f in files] == ["p.csv", "p_key_projects.csv", "p_tasks.csv"]
    with open(files[0], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 19 and rows[0]["目标值（原文）"] == "≤44"  # Chinese headers by default
    code, out, _ = run(capsys, "--lang", "en", "plan", "export", "-f", "csv", "-o",
                       str(tmp_path / "e.csv"), "--json")
    with open(json.loads(out)["files"][0], encoding="utf-8-sig", newline="") as fh:
        assert list(csv.DictReader(fh))[0]["target_text"] == "≤44"
    with open(files[1], encoding="utf-8-sig", newline="") as fh:
        projects = list(csv.DictReader(fh))
    assert projects[26]["投资估算（万元）"] == "10262.95"
    code, _, _ = run(capsys, "plan", "export", "-f", "json", "-o", str(tmp_path / "p.json"))
    assert code == 0
    data = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert data["summary"]["key_projects"] == 30


def test_export_bad_format_is_a_user_error(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "plan", "export", "-f", "pdf", "-o", str(tmp_path / "p.pdf"))
    assert code == 1 and "pdf" in err


def test_check_json_and_fail_on(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", "check", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["error"] == 4 and data["source"].endswith("jiaocheng-2021-2025-eco-plan.txt")
    codes = {f["code"] for f in data["findings"]}
    assert {"days_vs_ratio", "category_count", "name_written_two_ways", "target_missing"} <= codes
    code, out, _ = run(capsys, "plan", "check", "--fail-on", "error")
    assert code == 1 and "days_vs_ratio" in out


def test_check_clean_plan(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "--lang", "en", "plan", "check", str(DATA / "example-county-2021-2025.yaml"),
                       "--fail-on", "warning")
    assert code == 0 and "0 errors, 0 warnings, 0 notes" in out


def test_check_broken_plan_names_file_line_field(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / "example-county-2021-2025.yaml").read_text(encoding="utf-8").replace(
        "attribute: binding", "attribute: bindng", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "bindng" in s)
    code, _, err = run(capsys, "plan", "check", str(bad))
    assert code == 1 and "Traceback" not in err
    flat = err.replace("\n", "")
    assert str(bad) in flat and f"第 {line} 行" in flat and "indicators[0].attribute" in flat
    assert "取值应为 'binding' 或 'expected' 之一" in flat or "取值应为" in flat


def test_import_writes_a_loadable_draft(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "draft.yaml"
    code, out, _ = run(capsys, "plan", "import", str(DATA / "example-county-plan.txt"), "-o", str(out_file),
                       "--code", "example-2021-2025", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] and data["problems"] == [] and data["indicators"] == 6
    assert load_plan(out_file).code == "example-2021-2025"


def test_import_reports_bad_cells(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.txt"
    bad.write_text((DATA / "example-county-plan.txt").read_text(encoding="utf-8").replace("\t≤33", "\t约33"),
                   encoding="utf-8")
    code, out, _ = run(capsys, "plan", "import", str(bad), "-o", str(tmp_path / "d.yaml"))
    assert code == 0 and "约33" in out and "表1/第1行/2025年" in out


def test_load_into_workspace(capsys, workspace_home: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "plan", "load", "--json")
    assert code == 0 and json.loads(out)["status"] == "loaded"
    code, out, _ = run(capsys, "plan", "load", "--json")
    assert json.loads(out)["status"] == "unchanged"
    code, out, err = run(capsys, "plan", "load", str(DATA / "example-county-2021-2025.yaml"))
    assert code == 0 and "example-2021-2025" in err


def test_load_without_workspace_is_a_user_error(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "plan", "load")
    assert code == 1 and "ecoplan init" in err


def test_override_is_appended_to_history(capsys, workspace_home: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "plan", "override", "10", "≥18", "--date", "2022-05-01",
                       "--document", "吕政发〔2022〕9号", "--json")
    assert code == 0 and json.loads(out)["added"] is True
    code, out, _ = run(capsys, "plan", "override", "10", "≥19.5", "--date", "2023-05-01",
                       "--document", "吕政发〔2023〕4号", "--json")
    history = json.loads(out)["history"]
    assert [h["target"]["value"] for h in history] == ["18", "19.5"]
    code, out, _ = run(capsys, "plan", "override", "10", "≥18", "--date", "2022-05-01",
                       "--document", "吕政发〔2022〕9号", "--json")
    assert json.loads(out)["added"] is False
    code, _, err = run(capsys, "plan", "override", "10", "大约18", "--date", "2022-05-01", "--document", "x")
    assert code == 1 and "大约18" in err
    code, _, err = run(capsys, "plan", "override", "99", "≥1", "--date", "2022-05-01", "--document", "x")
    assert code == 1 and "99" in err


def test_two_plans_in_the_workspace_by_code(capsys, workspace_home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 2026–2030 draft loaded next to the 2021–2025 plan; commands name either by its code."""
    from decimal import Decimal

    from ecoplan.plan import Baseline, bundled_plan_path
    from ecoplan.plan.succession import build_draft, plan_to_yaml

    assert run(capsys, "init")[0] == 0
    assert run(capsys, "plan", "load")[0] == 0
    draft = build_draft(load_plan(bundled_plan_path("jiaocheng-2021-2025")), 2026, 2030,
                        {"1": Baseline(text="45", kind="value", value=Decimal(45), year=2025)})
    path = tmp_path / "draft.yaml"
    path.write_text(plan_to_yaml(draft), "utf-8")
    assert run(capsys, "plan", "load", str(path))[0] == 0
    code, out, _ = run(capsys, "plan", "list", "--loaded", "--json")
    assert [(r["code"], r["period"], r["status"]) for r in json.loads(out)] == [
        ("jiaocheng-2021-2025", "2021-2025", "issued"), ("jiaocheng-2026-2030", "2026-2030", "draft")]
    code, out, _ = run(capsys, "plan", "show", "--plan", "jiaocheng-2026-2030", "--json")
    assert code == 0 and json.loads(out)["indicators"][0]["baseline"]["text"] == "45"
    code, out, _ = run(capsys, "plan", "succession", "jiaocheng-2026-2030", "--json")
    assert code == 0 and json.loads(out)["rows"][0]["old_target"] == "≤44"
    code, _, err = run(capsys, "plan", "succession", "jiaocheng-2031-2035")
    assert code == 1 and "jiaocheng-2031-2035" in err
