"""The water CLI and readers on real files: encodings, XLSX, located problems, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.ingest.readers.water import parse_value, read_surface_water
from ecoplan.sample_data import sample_path

DATA = Path(__file__).parent.parent / "data" / "water"
SNAPSHOT = sample_path("water", "cnemc_realtime", "2020-09-15.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("text", "expected"), [
    ("0.12", (0.12, False)), ("0.01L", (0.01, True)), ("<0.005", (0.005, True)),
    ("ND(0.02)", (0.02, True)), ("＜0.1", (0.1, True)), (3, (3.0, False)),
])
def test_parse_value(text: object, expected: tuple[float, bool]) -> None:
    v, nd, err = parse_value(text)
    assert (v, nd) == expected and err is None


def test_parse_value_errors() -> None:
    assert parse_value("abc")[2] == "not_a_number"
    assert parse_value("未检出")[1:] == (True, "nd_without_limit")
    assert parse_value(None)[2] == "empty"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_long_csv_encodings_and_located_problems(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / f"w-{encoding}.csv"
    src.write_text(
        "断面,监测时间,项目,数值,单位,水体类型\n"
        "武良,2024-06-01 10:00,氨氮,6.0,mg/L,河流\n"
        "武良,2024-06-01 10:00,w01019,12,mg/L,river\n"
        "武良,2024-06-01 10:00,总磷,abc,mg/L,river\n"
        "武良,2024-06-01 10:00,神秘指标,1,mg/L,river\n"
        "武良,2024-06-01 10:00,化学需氧量,35,kg,river\n"
        "水库A,not-a-date,总磷,0.04,mg/L,水库\n", encoding=encoding)
    frame, problems = read_surface_water(src)
    assert len(frame) == 6  # nothing dropped
    found = {(p.row, p.field, p.code) for p in problems}
    assert found == {(4, "value", "not_a_number"), (5, "parameter", "unknown_parameter"),
                     (6, "unit", "bad_unit"), (7, "time", "bad_time")}
    assert all(p.file == str(src) for p in problems)
    assert frame.loc[0, "parameter"] == "nh3_n" and frame.loc[1, "parameter"] == "codmn"
    assert frame.loc[5, "waterbody"] == "reservoir"
    unknown = next(p for p in problems if p.code == "unknown_parameter")
    assert "第 5 行" in unknown.message("zh") and "row 5" in unknown.message("en")


def test_xlsx_and_unit_conversion(tmp_path: Path) -> None:
    src = tmp_path / "w.xlsx"
    pd.DataFrame({"site": ["A", "A"], "time": ["2024-05-01", "2024-05-01"],
                  "parameter": ["Hg", "粪大肠菌群"], "value": [0.05, 500],
                  "unit": ["μg/L", "MPN/100mL"]}).to_excel(src, index=False)
    frame, problems = read_surface_water(src)
    assert problems == []
    hg = frame[frame.parameter == "hg"].iloc[0]
    assert hg.value == pytest.approx(0.00005) and hg.unit == "mg/L"
    fc = frame[frame.parameter == "fecal_coliform"].iloc[0]
    assert fc.value == 5000 and fc.unit == "个/L"
    from ecoplan.standards.surface_water import classify_item

    assert classify_item("hg", [hg.value])[0] == 1  # exactly the class Ⅰ limit after conversion


def test_cli_classify_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, "water", "classify", str(DATA / "section_monthly_example.csv"),
                       "-o", str(out))
    assert code == 0, err
    res = pd.read_csv(out)
    assert len(res) == 13 and {"water_class", "status_zh", "deciding_items",
                               "exceedance_multiples", "main_pollutants"} <= set(res.columns)
    jul = res[res.time.str.startswith("2024-07")].iloc[0]
    assert jul.label == "Ⅳ" and jul.deciding_items == "codmn"


def test_cli_realtime_json_reproduces(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "water", "realtime", str(SNAPSHOT), "--json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["published"] == 63 and summary["reproduced"] == 63 and summary["misses"] == []
    code, out, _ = run(capsys, "water", "classify", str(SNAPSHOT), "--json")
    assert code == 0 and json.loads(out)["summary"]["rate"] == 1.0


def test_cli_assess_with_winter_setting(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "wl.csv"
    src.write_text("site,time,parameter,value,unit\n"
                   "武良,2024-11-05,氨氮,7.0,mg/L\n武良,2024-11-05,COD,30,mg/L\n", encoding="utf-8")
    code, out, _ = run(capsys, "water", "assess", str(src), "--period", "month", "--json")
    assert code == 0
    row = json.loads(out)["rows"][0]
    assert row["season"] == "winter" and row["attained"] is True
    assert row["profile_id"] == "jiaocheng-2021-2025" and row["profile_version"] == 1
    code, out, _ = run(capsys, "water", "assess", str(src), "--period", "month", "--json",
                       "--winter-start", "12-01", "--winter-end", "02-28")
    doc = json.loads(out)
    assert doc["rows"][0]["season"] == "summer" and doc["rows"][0]["attained"] is False
    assert doc["profile"]["settings"]["winter_start"] == "12-01"
    assert doc["rows"][0]["profile_hash"] != row["profile_hash"]


def test_cli_groundwater_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "gw.csv"
    src.write_text("site,time,parameter,value,unit\n"
                   "井1,2024-05-01,总硬度,300,mg/L\n井1,2024-05-01,pH,8.7,无量纲\n",
                   encoding="utf-8")
    code, out, _ = run(capsys, "groundwater", "classify", str(src), "--json")
    assert code == 0
    row = json.loads(out)["rows"][0]
    assert row["label"] == "Ⅳ" and row["deciding_items"] == "ph" and row["attained"] is False
    code, _, err = run(capsys, "water", "classify", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "--lang", "en", "groundwater", "classify", str(bad))
    assert code == 1 and "missing required column" in err
    code, _, err = run(capsys, "water", "assess", str(src), "--profile", "nope")
    assert code == 1


def test_cli_groundwater_with_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "gw.csv"
    src.write_text("site,time,parameter,value,unit\n"
                   "大营水源地1号井,2024-05-01,硝酸盐,12,mg/L\n"
                   "城东监测井,2024-05-01,氨氮,0.8,mg/L\n", encoding="utf-8")
    code, out, _ = run(capsys, "groundwater", "classify", str(src), "--profile",
                       "jiaocheng-2021-2025", "--json")
    assert code == 0
    rows = {r["site"]: r for r in json.loads(out)["rows"]}
    assert rows["大营水源地1号井"]["target_site"] == "daying_source"
    assert rows["大营水源地1号井"]["attained"] is True  # nitrate 12 mg/L → Ⅲ
    assert rows["城东监测井"]["target_site"] == "groundwater_points"
    assert rows["城东监测井"]["label"] == "Ⅳ" and rows["城东监测井"]["attained"] is False
    assert rows["城东监测井"]["profile_version"] == 1


def test_cli_realtime_station_csv(capsys: pytest.CaptureFixture[str]) -> None:
    src = sample_path("water", "cnemc_station_csv", "山西省", "黄河流域", "北峪口", "2021-04",
                      "北峪口.csv")
    code, out, _ = run(capsys, "water", "classify", str(src), "--json")
    assert code == 0
    summary = json.loads(out)["summary"]
    # two misses, both explained in tests/data/water/realtime_station_csv_misses.csv
    assert summary["published"] - summary["reproduced"] == 2
    assert {m["time"][:10] for m in summary["misses"]} == {"2021-04-02", "2021-04-04"}
