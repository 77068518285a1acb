"""GB/T 14848-2017 groundwater classes and the 2011 river/basin evaluation."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.errors import StandardError
from ecoplan.standards.groundwater import (
    classify_groundwater_frame,
    classify_groundwater_item,
    classify_groundwater_point,
    gb14848,
)
from ecoplan.standards.river_evaluation import evaluate_river, status_from_proportions

DATA = Path(__file__).parent.parent / "data" / "water"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


GW = _rows("gb14848_boundaries.csv")


def test_gb14848_has_93_indicators_39_verified() -> None:
    table = gb14848()
    assert len(table) == 93
    assert sum(1 for i in table.values() if i.group == "conventional") == 39
    assert {i.code for i in table.values() if i.verification == "verified"} == \
        {r["item"] for r in GW}


@pytest.mark.parametrize("case", GW, ids=lambda r: f"{r['item']}-{r['value']}-{r['below_dl']}")
def test_gb14848_boundary(case: dict[str, str]) -> None:
    value: object = case["value"]
    if gb14848()[case["item"]].rule != "text":
        value = float(case["value"])
    got = classify_groundwater_item(case["item"], [value], case["below_dl"] == "true")[0]
    assert got == int(case["expected_class"]), case["note"]


def test_point_class_deciding_and_exceeding_indicators() -> None:
    res = classify_groundwater_point({"ph": 7.6, "total_hardness": 480.0, "nitrate_n": 22.0,
                                      "fe": 0.25, "codmn": 2.5, "mystery": 1.0})
    assert res.water_class == 4 and res.label == "Ⅳ"
    assert res.deciding_items == ["total_hardness", "nitrate_n"]
    assert res.exceeding_items == ["total_hardness", "nitrate_n"]
    assert res.attained is False and res.unknown_items == ["mystery"]
    ok = classify_groundwater_point({"ph": 7.0, "fe": 0.3, "dichloromethane": 0.015})
    assert ok.water_class == 3 and ok.attained is True
    assert ok.one_source_items == ["dichloromethane"]
    with pytest.raises(StandardError):
        classify_groundwater_item("nope", [1.0])


def test_groundwater_frame_from_reader(tmp_path: Path) -> None:
    from ecoplan.ingest.readers.water import read_groundwater

    src = tmp_path / "gw.csv"
    src.write_text(
        "点位,采样日期,指标,浓度,单位\n"
        "大营水源井,2024-05-10,总硬度,420,mg/L\n"
        "大营水源井,2024-05-10,三氯甲烷,80,μg/L\n"
        "大营水源井,2024-05-10,硝酸盐氮,3.1,mg/L\n"
        "大营水源井,2024-05-10,阴离子表面活性剂,0.05L,mg/L\n"
        "大营水源井,2024-05-10,放射性氡,12,Bq/L\n", encoding="gb18030")
    frame, problems = read_groundwater(src)
    assert [p.code for p in problems] == ["unknown_parameter"] and problems[0].row == 6
    assert len(frame) == 5  # nothing dropped
    res = classify_groundwater_frame(frame)
    row = res.iloc[0]
    assert row.water_class == 4 and row.deciding_items == "chloroform"  # 80 μg/L > 60 (Ⅲ)
    assert row.unknown_items == "放射性氡"
    assert row.attained is not None and not row.attained


def test_river_status_thresholds() -> None:
    cases = [([2, 2, 3, 3, 3, 3, 3, 3, 3, 3], "优"),            # 100 %
             ([2] * 9 + [4], "优"),                              # 90 % → 优 (≥ 90 %)
             ([2] * 3 + [4], "良好"),                            # 75 % → 良好
             ([3] * 7 + [4] * 2 + [6], "轻度污染"),              # 70 %, 劣Ⅴ 10 %
             ([3] * 6 + [6] * 2 + [4] * 2, "中度污染"),          # 60 %, 劣Ⅴ 20 %
             ([3] * 5 + [6] * 4 + [5], "重度污染")]              # 50 %, 劣Ⅴ 40 %
    for classes, status in cases:
        assert status_from_proportions(classes)["status_zh"] == status, classes
    with pytest.raises(StandardError):
        status_from_proportions([])


def test_river_methods() -> None:
    five = pd.DataFrame({"site": list("ABCDE"), "codmn": [3.0, 3.0, 5.0, 7.0, 16.0],
                         "nh3_n": [0.3, 0.3, 0.8, 0.9, 0.5]})
    res = evaluate_river(five)
    assert res.method == "proportion" and res.n_sections == 5
    assert res.good_share == pytest.approx(0.6) and res.status_zh == "中度污染"  # 劣Ⅴ 20 %
    assert res.main_pollutants[0] == {"item": "codmn", "exceedance_rate": 0.4}
    three = five.iloc[:3]
    res3 = evaluate_river(three)
    assert res3.method == "mean" and res3.water_class == 2  # codmn 3.67 Ⅱ, nh3_n 0.467 Ⅱ
    assert res3.status_zh == "优"


GW2 = _rows("gb14848_nonconventional_boundaries.csv")


def test_nonconventional_file_covers_54_indicators() -> None:
    assert len({r["item"] for r in GW2}) == 54


@pytest.mark.parametrize("case", GW2, ids=lambda r: f"{r['item']}-{r['value']}")
def test_gb14848_nonconventional_boundary(case: dict[str, str]) -> None:
    got = classify_groundwater_item(case["item"], [float(case["value"])])[0]
    assert got == int(case["expected_class"]), case["note"]


def _cases_2011() -> list[dict[str, str]]:
    path = Path(__file__).resolve().parent.parent / "data" / "water" / (
        "river_evaluation_2011_cases.csv")
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _values(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in (kv.split("=") for kv in text.split(";"))}


def _mains(mains: list[dict[str, object]]) -> str:
    return "|".join(f"{m['item']}({m['exceedance_multiple']})" for m in mains)


@pytest.mark.parametrize("case", _cases_2011(), ids=lambda c: f"{c['kind']}:{c['input']}")
def test_river_evaluation_2011_cases(case: dict[str, str]) -> None:
    from ecoplan.standards.surface_water import evaluate_section

    if case["kind"] == "status":
        classes = [int(c) for c in case["input"].split(";")]
        assert status_from_proportions(classes)["status_zh"] == case["expected"]
    elif case["kind"] == "section_mains":
        assert _mains(evaluate_section(_values(case["input"])).main_pollutants) == (
            case["expected"])
    else:
        frame = pd.DataFrame([_values(part) for part in case["input"].split("/")])
        res = evaluate_river(frame)
        assert res.method == "mean" and _mains(res.main_pollutants) == case["expected"]
