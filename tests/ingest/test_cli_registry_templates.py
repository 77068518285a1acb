"""The ingest CLI, registries (bundled, CSV/XLSX import, editing) and the XLSX templates."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ecoplan.cli import app
from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.registry import import_bundled, import_file, list_sites, lookup, set_site
from ecoplan.ingest.templates import write_template
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
runner = CliRunner()


def test_bundled_registries_and_aliases(ws: Workspace) -> None:
    import_bundled(ws.engine)
    stations = list_sites(ws.engine, "station")
    assert len(stations) == 59
    lvl = {s["code"]: s for s in stations}
    assert lvl["2183A"]["name"] == "环保局" and lvl["2183A"]["city"] == "吕梁市"
    assert lvl["2183A"]["longitude"] == pytest.approx(111.1, abs=0.2)
    sections = lookup(ws.engine, ["water_sections"])
    # the plan writes the river both 磁窑河 and 磁密河: both spellings find the same section
    assert sections["磁密河武良"] == sections["磁窑河武良"] == sections["武良"] == "JC-CYH-WL"
    assert sections["北峪口"] == "JC-WYH-BYK"
    sources = {s["name"]: s for s in list_sites(ws.engine, "drinking_source")}
    assert set(sources) == {"大营", "瓦窑"} and sources["瓦窑"]["kind"] == "groundwater"
    assert import_bundled(ws.engine) == []  # already there: nothing to do


def test_registry_import_xlsx_with_chinese_headers_and_located_problems(
        ws: Workspace, tmp_path: Path) -> None:
    p = tmp_path / "points.xlsx"
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["点位编码", "点位名称", "区县", "经度", "纬度", "目标类别", "别名"])
    sh.append(["JC-GW-01", "城区1号井", "交城县", 112.16, 37.55, "Ⅲ", "1号井|城区一号井"])
    sh.append(["JC-GW-02", "夏家营井", "交城县", "东经112", 37.5, "III", ""])
    sh.append([None, "无编码井", "交城县", None, None, None, None])
    wb.save(p)
    r = import_file(ws.engine, "groundwater_point", p)
    assert (r.inserted, r.aliases) == (1, 2)
    assert [(x["row"], x["field"]) for x in r.problems] == [(3, "经度"), (4, "点位编码")]
    (pt,) = list_sites(ws.engine, "groundwater_point")
    assert pt["target_class"] == 3 and pt["aliases"] == ["1号井", "城区一号井"]
    row = set_site(ws.engine, "groundwater_point", "JC-GW-01", {"latitude": "37.56"},
                   aliases=["一号井"])
    assert row["latitude"] == 37.56 and "一号井" in row["aliases"]


def test_air_template_round_trip(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("shanxi",))
    p = write_template("air", tmp_path / "air.xlsx", engine=ws.engine)
    wb = openpyxl.load_workbook(p)
    sh = wb["小时数据"]
    assert [c.value for c in sh[1]] == ["站点编码", "时间", "PM2.5(μg/m³)", "PM10(μg/m³)",
                                        "SO2(μg/m³)", "NO2(μg/m³)", "O3(μg/m³)", "CO(mg/m³)"]
    rules = [str(dv.sqref) for dv in sh.data_validations.dataValidation]
    assert any(r.startswith("A2") for r in rules) and any(r.startswith("H2") for r in rules)
    assert wb["选项"]["A2"].value == "1081A"  # the registered codes feed the drop-down
    sh.append(["2183A", datetime(2021, 7, 1, 9), 30, 55, 8, 20, 120, 0.6])
    sh.append(["2183A", datetime(2021, 7, 1, 10), 32, "/", 8, 21, 130, 0.6])
    sh.append(["2183A", datetime(2021, 7, 1, 11), "三十", 50, 8, 21, 130, 0.6])
    wb.save(p)
    s = ingest_file(ws, "air", p)
    # "三十" quarantines that PM2.5 value only; the hour's other five values are stored
    assert (s.format, s.rows_read, s.rows_accepted, s.rows_quarantined) == (
        "xlsx_template", 3, 3, 0)
    assert (s.values_read, s.values_accepted, s.values_quarantined) == (17, 16, 1)
    assert s.flags == {"not_monitored": 1}
    assert s.problems[0]["row"] == 4 and s.problems[0]["field"] == "PM2.5(μg/m³)"


def test_water_template_round_trip(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("jiaocheng",))
    p = write_template("water", tmp_path / "water.xlsx", engine=ws.engine)
    wb = openpyxl.load_workbook(p)
    sh = wb["地表水"]
    assert [c.value for c in sh[1]] == ["断面", "时间", "项目", "数值", "单位", "水体类型"]
    sh.append(["北峪口", datetime(2021, 7, 1), "氨氮", "0.025L", "mg/L", "河流"])
    sh.append(["武良", datetime(2021, 7, 1), "总磷", 0.21, "mg/L", "河流"])
    wb.save(p)
    s = ingest_file(ws, "water", p)
    assert (s.rows_read, s.rows_accepted, s.rows_quarantined) == (2, 2, 0)
    lake = ws.lake.read_arrow("water_samples").to_pandas().sort_values("site")
    assert lake["below_dl"].tolist() == [False, True]


def test_cli_ingest_show_list_and_json(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOPLAN_HOME", str(ws.settings.home))
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", ws.settings.effective_database_url)
    res = runner.invoke(app, ["registry", "import", "--bundled", "shanxi"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["ingest", "air", str(DATA / "dept_air_gbk.csv"), "--json"])
    assert res.exit_code == 3, res.output  # some rows and values quarantined
    (summary,) = json.loads(res.stdout[res.stdout.index("["):])
    # 九十, -5 and CO 1500 quarantine one value each; their rows keep the other pollutants
    assert (summary["rows_read"], summary["rows_quarantined"]) == (10, 4)
    # + the values of the unknown-station, duplicate and half-hour rows (the truncated line
    # produced no row)
    assert (summary["values_quarantined"], summary["values_held"]) == (3 + 3 * 6, 3)
    res = runner.invoke(app, ["ingest", "show", str(summary["batch_id"]), "--json"])
    data = json.loads(res.stdout)
    assert data["quarantine_total"] == 7 and {q["row"] for q in data["quarantine"]} == set(
        range(4, 11))
    res = runner.invoke(app, ["--lang", "en", "ingest", "show", str(summary["batch_id"])])
    assert res.exit_code == 0 and "Quarantined rows" in res.stdout
    res = runner.invoke(app, ["ingest", "list", "--json"])
    assert json.loads(res.stdout)[0]["rows_quarantined"] == 4
    res = runner.invoke(app, ["ingest", "air", str(sample_path("air", "china_sites_20190101.csv")),
                              "--dry-run"])
    # the national file against the Shanxi registry: stations of other provinces are unknown —
    # one summary line with their count, not one line per row
    assert res.exit_code == 3 and "试运行" in res.stdout
    unknown = [ln for ln in res.output.splitlines() if "个未知站点" in ln]
    assert len(unknown) == 1 and "1001A" in unknown[0], res.output
    res = runner.invoke(app, ["lake", "compact", "--json"])
    assert res.exit_code == 0
    for cmd in (["ingest", "--help"], ["template", "--help"], ["registry", "--help"],
                ["lake", "compact", "--help"], ["bench", "ingest", "--help"]):
        assert runner.invoke(app, cmd).exit_code == 0


def test_groundwater_template_round_trip(ws: Workspace, tmp_path: Path) -> None:
    import_bundled(ws.engine, ("jiaocheng",))
    set_site(ws.engine, "groundwater_point", "JC-GW-01", {"name": "城区1号井", "county": "交城县"})
    p = write_template("groundwater", tmp_path / "gw.xlsx", engine=ws.engine)
    wb = openpyxl.load_workbook(p)
    sh = wb["地下水"]
    assert [c.value for c in sh[1]] == ["点位", "时间", "项目", "数值", "单位"]
    assert {wb["选项"]["A2"].value, wb["选项"]["A3"].value} == {"城区1号井", "大营"}
    sh.append(["城区1号井", datetime(2021, 5, 10), "硝酸盐氮", 4.2, "mg/L"])
    sh.append(["瓦窑水源地", datetime(2021, 5, 10), "氟化物", 0.6, "mg/L"])
    sh.append(["不存在的井", datetime(2021, 5, 10), "氟化物", 0.6, "mg/L"])
    wb.save(p)
    s = ingest_file(ws, "groundwater", p)
    assert (s.rows_read, s.rows_accepted, s.rows_quarantined) == (3, 2, 1)
    lake = ws.lake.read_arrow("groundwater_samples").to_pandas()
    assert set(lake.site) == {"JC-GW-01", "JC-DWS-WY"}
    assert s.problems[0]["row"] == 4 and "不存在的井" in s.problems[0]["reason_zh"]
