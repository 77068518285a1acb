"""``ecoplan sources`` end to end: template → workbook import (with located errors) → lake
rows loaded through ``ingest online-monitoring`` → exceedances and indicators (SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from ecoplan.cli import main
from ecoplan.devices.device_registry import add_device
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import sources as S
from ecoplan.supervision.sources_excel import SHEETS, write_template

DATA = Path(__file__).parents[1] / "data" / "supervision"


def _code(body: str) -> str:
    body = body.ljust(17, "0")[:17]
    return body + S.credit_code_check_character(body)


E1, E2, E3 = _code("91141122EXAMPL001"), _code("91141122EXAMPL002"), _code("91141122EXAMPL003")

ROWS = {
    "enterprises": [
        {"credit_code": E1, "name": "测试焦化企业", "industry": "炼焦", "key_enterprise": "是"},
        {"credit_code": E2, "name": "测试水泥企业", "industry": "水泥", "key_enterprise": "是"},
        {"credit_code": E3, "name": "测试小企业", "key_enterprise": "否"},
        {"credit_code": "91141122EXAMPL0019", "name": "校验位错误"},
    ],
    "outlets": [
        {"code": "DA001", "enterprise": E1, "kind": "废气", "mns": ["88888880000001"]},
        {"code": "DW001", "enterprise": "测试焦化企业", "kind": "废水", "mns": ["MNW1"]},
        {"code": "DA009", "enterprise": "未登记企业", "kind": "废气"},
    ],
    "permits": [
        {"number": "T-2025", "enterprise": E1, "issued": "2025-01-01",
         "valid_until": "2025-12-31", "management_class": "重点"},
        {"number": "T-2026", "enterprise": E1, "issued": "2026-01-01",
         "valid_until": "2030-12-31", "management_class": "重点"},
        {"number": "T-E3", "enterprise": E3, "issued": "2024-01-01",
         "valid_until": "2026-12-31", "management_class": "登记"},
    ],
    "limits": [
        {"permit": "T-2025", "outlet": "DA001", "parameter": "二氧化硫", "limit_value": 30,
         "unit": "mg/m³", "basis": "许可证（测试）"},
        {"permit": "T-2026", "outlet": "DA001", "parameter": "a21026", "limit_value": 25,
         "unit": "mg/m³", "basis": "许可证（测试）"},
        {"permit": "T-2025", "outlet": "DW001", "parameter": "化学需氧量", "limit_value": 50,
         "unit": "mg/L", "basis": "许可证（测试）"},
        {"permit": "T-2025", "outlet": "DW001", "parameter": "cod", "limit_value": "五十",
         "unit": "mg/L"},
    ],
    "grades": [
        {"enterprise": E1, "grade": "C", "effective_from": "2021-06-01", "document": "测试文件1"},
        {"enterprise": E1, "grade": "B级", "effective_from": "2026-06-01",
         "document": "测试文件2"},
        {"enterprise": "测试水泥企业", "grade": "D", "effective_from": "2022-01-01",
         "document": "测试文件3"},
        {"enterprise": E2, "grade": "E", "effective_from": "2022-01-01", "document": "x"},
    ],
}


@pytest.fixture
def ws(workspace_home: Path) -> Workspace:
    init_workspace(workspace_home)
    return Workspace()


def lake_file(ws: Workspace, tmp_path: Path) -> Path:
    """Register the two loggers and write the hourly rows of the case file that the ingest
    path can carry (HJ 212 flag letters, units as sent) as an online-monitoring export."""
    add_device(ws.engine, "88888880000001", device_type="cems", station_code="DA001",
               enterprise="测试焦化企业")
    add_device(ws.engine, "MNW1", device_type="wastewater", station_code="DW001",
               enterprise="测试焦化企业")
    cases = pd.read_csv(DATA / "exceedance_cases.csv", comment="#", dtype=str,
                        keep_default_na=False)
    keep = cases[cases["case"].isin([
        "below_limit_zs", "zs_above_limit", "zs_above_limit_next_hour",
        "calibration_flag_not_judged", "no_zs_uses_value", "measured_above_zs_below",
        "stopped_flag_not_judged", "equal_to_limit_not_exceeding",
        "water_uses_value_not_zs", "water_second_hour", "water_below", "water_again"])]
    out = pd.DataFrame({
        "排放口编码": keep["outlet"], "数据类型": "小时", "监测时间": keep["time"],
        "监测因子": keep["parameter"], "实测浓度": keep["value"], "折算浓度": keep["zs_value"],
        "单位": keep["unit"],
        "数据标记": keep["flag"].str.removeprefix("hj212:").replace("", "N"),
    })
    path = tmp_path / "om.csv"
    out.to_csv(path, index=False)
    return path


def test_template_import_exceedances_summary(ws: Workspace, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    tpl = tmp_path / "tpl.xlsx"
    assert main(["sources", "template", "-o", str(tpl)]) == 0
    wb = load_workbook(tpl)
    assert [c.value for c in wb["企业"][1]][:2] == ["统一社会信用代码*", "企业名称*"]
    assert set(wb.sheetnames) >= {name for name, _ in SHEETS.values()}

    book = write_template(tmp_path / "book.xlsx", example_rows=ROWS)
    assert main(["sources", "import", str(book), "--json"]) == 1  # rows with errors
    rep = json.loads(capsys.readouterr().out)
    assert rep["added"] == {"enterprises": 3, "outlets": 2, "permits": 3, "limits": 3,
                            "grades": 3}
    located = {(e["sheet"], e["row"], e["field"]) for e in rep["errors"]}
    assert located == {("企业", 6, "credit_code"), ("排放口", 5, "enterprise"),
                       ("许可限值", 6, "limit_value"), ("绩效分级", 6, "grade")}
    assert all(e["file"] == "book.xlsx" and e["zh"] and e["en"] for e in rep["errors"])
    # importing again changes nothing, and appends no grade twice
    assert main(["sources", "import", str(book), "--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["added"] == {} and sum(again["unchanged"].values()) == 14

    assert main(["ingest", "online-monitoring", str(lake_file(ws, tmp_path)), "--json"]) == 0
    capsys.readouterr()
    assert main(["sources", "exceedances", "--from", "2025-03-01", "--to", "2025-03-01",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    got = sorted((e["outlet"], e["time"], round(e["exceedance_multiple"], 6))
                 for e in res["exceedances"])
    assert got == [("DA001", "2025-03-01T01:00:00", 0.2), ("DA001", "2025-03-01T02:00:00", 0.5),
                   ("DA001", "2025-03-01T04:00:00", 0.1), ("DW001", "2025-03-01T00:00:00", 0.2),
                   ("DW001", "2025-03-01T01:00:00", 0.1), ("DW001", "2025-03-01T03:00:00", 0.02)]
    assert sorted((e["outlet"], e["hours"]) for e in res["episodes"]) == [
        ("DA001", 1), ("DA001", 2), ("DW001", 1), ("DW001", 2)]
    status = {(r["outlet"], r["status"]): r["hours"] for r in res["hours_by_status"]}
    assert status[("DA001", "flagged")] == 2 and status[("DA001", "judged")] == 6
    assert main(["sources", "exceedances", "--from", "2025-03-01", "--to", "2025-03-01",
                 "--enterprise", "测试水泥企业", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exceedances"] == []
    assert main(["--lang", "en", "sources", "exceedances", "--from", "2025-03-01",
                 "--to", "2025-03-01"]) == 0
    assert "episodes" in capsys.readouterr().err

    assert main(["sources", "summary", "--on", "2026-11-28", "--expiring-days", "60",
                 "--json"]) == 0
    summ = json.loads(capsys.readouterr().out)
    assert (summ["permit_required"], summ["permit_held"]) == (3, 2)
    assert [e["name"] for e in summ["without_permit"]] == ["测试水泥企业"]
    assert (summ["key_enterprises"], summ["key_b_or_above"]) == (2, 1)
    assert [(e["name"], e["grade"]) for e in summ["grade_c_or_d"]] == [("测试水泥企业", "D")]
    assert [p["number"] for p in summ["expiring"]] == ["T-E3"]
    assert main(["sources", "summary", "--on", "2025-06-01", "--json"]) == 0
    early = json.loads(capsys.readouterr().out)
    assert {e["name"] for e in early["grade_c_or_d"]} == {"测试焦化企业", "测试水泥企业"}


def test_cli_add_list_and_errors(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "enterprises", "add", E1, "--name", "甲企业", "--key"]) == 0
    assert main(["sources", "outlets", "add", "DA001", "--enterprise", "甲企业", "--kind",
                 "废气", "--mn", "MN1"]) == 0
    assert main(["sources", "permits", "add", "P1", "--enterprise", E1, "--issued",
                 "2024-01-01", "--valid-until", "2029-01-01", "--class", "重点"]) == 0
    assert main(["sources", "permits", "add-limit", "P1", "--outlet", "DA001", "--parameter",
                 "so2", "--limit", "35", "--unit", "mg/m³", "--basis", "许可证正本"]) == 0
    assert main(["sources", "grades", "add", "--enterprise", E1, "--grade", "A", "--from",
                 "2025-01-01", "--document", "文件"]) == 0
    capsys.readouterr()
    assert main(["sources", "enterprises", "list", "--json"]) == 0
    [ent] = json.loads(capsys.readouterr().out)
    assert (ent["grade"], ent["permit"]) == ("A", "P1")
    assert main(["sources", "permits", "list", "--json"]) == 0
    [permit] = json.loads(capsys.readouterr().out)
    assert permit["limits"][0]["limit_value"] == 35.0
    assert main(["sources", "enterprises", "add", "123", "--name", "x"]) == 1
    assert "统一社会信用代码" in capsys.readouterr().err
    assert main(["sources", "grades", "add", "--enterprise", E1, "--grade", "Z", "--from",
                 "2025-01-01", "--document", "d"]) == 1
    for sub in ("enterprises", "outlets", "permits", "grades"):
        assert main(["sources", sub, "list", "--help"]) == 0
    assert main(["sources", "--help"]) == 0
    assert "污染源监管" in capsys.readouterr().out


def test_example_registry_is_labelled_and_idempotent(ws: Workspace) -> None:
    from ecoplan.demo.pollution_sources import load_example

    first = load_example(ws)
    assert first["errors"] == [] and first["added"]["enterprises"] == 5
    again = load_example(ws)
    assert again["added"] == {} and again["errors"] == []
    with ws.session() as s:
        ents = S.list_enterprises(s)
        assert all("EXAMPL" in e.credit_code and "示例" in (e.note or "") for e in ents)
        assert S.list_grades(s) == []  # no grade invented for a real enterprise
        assert [p.enterprise for p in S.list_permits(s)] == [
            e.credit_code for e in ents if e.name.startswith("示例企业")]
    wb = load_workbook(first["workbook"])
    assert "示例数据" in str(wb["说明"]["A2"].value)


def test_bench_sources_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "sources", "--outlets", "1", "--runs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 3 * 8760 and out["limits"] == 3
    assert 0 < out["exceedance_hours"] < out["rows"] and out["episodes"] > 0
