"""``water assess`` on the files a bureau has: the CNEMC real-time JSON, the CNEMC station CSV and
the department template; readings CNEMC gives no class are 未评价 with the reason; annual classes
say how many samples and months they rest on."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from ecoplan.cli import main
from ecoplan.commands.water import realtime_usable
from ecoplan.ingest.readers.water import read_cnemc_snapshot
from ecoplan.ingest.templates import write_template
from ecoplan.sample_data import sample_path

SNAPSHOTS = sorted(sample_path("water", "cnemc_realtime").glob("*.json"))
STATION_CSV = sample_path("water", "cnemc_station_csv", "山西省", "黄河流域", "北峪口", "2021-04",
                          "北峪口.csv")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out[out.index("{"):])


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.name)
def test_assessed_exactly_where_cnemc_publishes_a_class(snapshot: Path) -> None:
    wide, _ = read_cnemc_snapshot(snapshot)
    usable, reasons = realtime_usable(wide)
    published = wide["published_class"].fillna("").astype(str).str.len().gt(0).to_numpy()
    assert (usable == published).all()
    assert all(r for r, u in zip(reasons, usable, strict=True) if not u)


def test_assess_reads_the_json_snapshot_and_leaves_maintenance_unassessed(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, res = _json(capsys, "water", "assess", str(sample_path(
        "water", "cnemc_realtime", "2020-06-15.json")), "--period", "month")
    assert code == 0
    rows = {r["site"]: r for r in res["rows"]}
    guohe = rows["果河桥"]  # under maintenance with only pH and DO: CNEMC publishes no class
    assert guohe["label"] == "未评价" and "维护" in guohe["reason"] and "总磷" in guohe["reason"]
    assert rows["岗南水库"]["label"] == "Ⅱ" and rows["岗南水库"]["samples"] == 1


def test_assess_reads_the_station_csv_and_says_what_an_annual_class_rests_on(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, res = _json(capsys, "water", "assess", str(STATION_CSV), "--period", "year")
    assert code == 0
    (row,) = res["rows"]
    assert row["site"] == "北峪口" and row["months"] == 1 and row["samples"] > 20
    (warning,) = res["warnings"]
    assert "1 个月" in warning and "12 个月" in warning
    main(["water", "assess", str(STATION_CSV), "--period", "year"])
    assert "仅依据" in capsys.readouterr().err  # a visible line on the terminal


def test_assess_reads_the_department_template(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    p = write_template("water", tmp_path / "water.xlsx")
    wb = openpyxl.load_workbook(p)
    sh = wb.worksheets[0]
    for item, value in (("pH值", 7.9), ("溶解氧", 8.1), ("高锰酸盐指数", 2.5), ("氨氮", "0.12"),
                        ("总磷", 0.05)):
        sh.append(["北峪口", datetime(2021, 4, 10, 10), item, value, "mg/L" if item != "pH值"
                   else "无量纲", "河流"])
    wb.save(p)
    code, res = _json(capsys, "water", "assess", str(p), "--period", "month")
    assert code == 0
    (row,) = res["rows"]
    assert row["site"] == "北峪口" and row["label"] in ("Ⅰ", "Ⅱ") and row["samples"] == 1


def test_assess_xlsx_output(tmp_path: Path) -> None:
    out = tmp_path / "assess.xlsx"
    assert main(["water", "assess", str(STATION_CSV), "--period", "year", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["断面水质评价", "说明"]
    head = [c.value for c in wb.worksheets[0][1]]
    assert "水质类别" in head and "样本数" in head and "月数" in head
    assert wb.worksheets[0].freeze_panes == "A2"
