"""GB 3838-2002 single items and the 2011 section evaluation, driven by tests/data/water files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ecoplan.errors import StandardError
from ecoplan.standards.surface_water import (
    class_label,
    class_status,
    classify_item,
    evaluate_section,
    exceedance_multiple,
    gb3838,
    parse_class,
)

DATA = Path(__file__).parent.parent / "data" / "water"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


BOUNDARIES = _rows("gb3838_boundaries.csv")


def test_boundary_file_covers_every_item_and_limit() -> None:
    items = {r["item"] for r in BOUNDARIES}
    assert items == set(gb3838().items) - {"temp"}
    assert {r["waterbody"] for r in BOUNDARIES if r["item"] == "tp"} == {"river", "lake"}
    assert len(BOUNDARIES) > 150


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda r: f"{r['item']}-{r['waterbody']}-{r['value']}")
def test_table1_boundary(case: dict[str, str]) -> None:
    got = classify_item(case["item"], [float(case["value"])], case["waterbody"])[0]
    assert got == int(case["expected_class"]), case["note"]


def test_limit_reached_through_float_noise_stays_in_class() -> None:
    # 150 μg/L converted to mg/L in binary floating point is 0.15000000000000002
    assert classify_item("nh3_n", [150 * 0.001])[0] == 1
    assert classify_item("tp", [0.1 + 0.2 - 0.1], "river")[0] == 3  # 0.20000000000000004
    assert classify_item("nh3_n", [0.1500001])[0] == 2


def test_missing_values_are_class_zero_and_tn_not_for_rivers() -> None:
    assert classify_item("codmn", [np.nan, 3.0]).tolist() == [0, 2]
    assert classify_item("tn", [0.4], "river")[0] == 0
    assert classify_item("tn", [0.4], "lake")[0] == 2
    assert classify_item("temp", [25.0])[0] == 0
    with pytest.raises(StandardError):
        classify_item("nonsense", [1.0])


def test_reservoir_uses_lake_tp_column() -> None:
    assert classify_item("tp", [0.05, 0.05, 0.05], ["river", "lake", "reservoir"]).tolist() == [2, 3, 3]


def test_labels_status_and_colours() -> None:
    assert [class_label(c) for c in range(1, 7)] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    assert class_status(2)["status_zh"] == "优" and class_status(3)["status_zh"] == "良好"
    assert class_status(4)["status_zh"] == "轻度污染" and class_status(5)["status_zh"] == "中度污染"
    assert class_status(6)["status_zh"] == "重度污染" and class_status(6)["colour"] == "red"
    assert parse_class("劣V") == 6 and parse_class("Ⅲ类") == 3 and parse_class(4) == 4
    with pytest.raises(StandardError):
        parse_class("VII")


def test_exceedance_multiple_against_class_iii_and_not_for_ph_do() -> None:
    assert exceedance_multiple("codmn", [13.2])[0] == pytest.approx(1.2)
    assert np.isnan(exceedance_multiple("codmn", [6.0])[0])
    assert np.isnan(exceedance_multiple("do", [1.0])[0])
    assert np.isnan(exceedance_multiple("ph", [10.0])[0])
    assert exceedance_multiple("nh3_n", [3.0], reference_class=2)[0] == pytest.approx(5.0)


def test_evaluate_section_worst_item_main_pollutants_and_target() -> None:
    values = {"ph": 7.8, "do": 6.5, "codmn": 7.2, "cod": 32.0, "bod5": 3.5, "nh3_n": 2.5,
              "tp": 0.31, "tn": 5.0, "fecal_coliform": 30000.0, "temp": 18.0}
    res = evaluate_section(values, "river")
    assert res.water_class == 6 and res.label == "劣Ⅴ" and res.status_zh == "重度污染"
    assert res.deciding_items == ["nh3_n"]
    assert [p["item"] for p in res.main_pollutants] == ["nh3_n", "cod", "tp"]
    assert res.exceedance_multiples["nh3_n"] == 1.5
    assert "tn" not in res.item_classes and res.separate["fecal_coliform"] == 5
    assert "hg" in res.missing_items
    good = evaluate_section({"ph": 7.5, "do": 8.0, "codmn": 3.0, "nh3_n": 0.3, "tp": 0.05},
                            target_class=2)
    assert good.water_class == 2 and good.attained is True and good.main_pollutants == []
    bad = evaluate_section({"nh3_n": 0.8}, target_class=2)
    # 超标倍数 against class Ⅲ (环办〔2011〕22号): 0.8 ≤ 1.0 is none; against the target Ⅱ: 0.6
    assert bad.attained is False and "nh3_n" not in bad.exceedance_multiples
    assert bad.target_exceedance_multiples["nh3_n"] == 0.6


def test_surface_drinking_source_tables_2_and_3() -> None:
    from ecoplan.standards.surface_water import evaluate_drinking_source

    ok = evaluate_drinking_source({"ph": 7.5, "do": 7.0, "codmn": 3.0, "nh3_n": 0.3, "tp": 0.05,
                                   "sulfate": 250.0, "mn": 0.1, "benzene": 0.01})
    assert ok.attained is True and ok.section.water_class == 2
    bad = evaluate_drinking_source({"ph": 7.5, "nh3_n": 0.3, "fe": 0.45, "benzene": 0.012,
                                    "tl": 0.0001})
    assert bad.attained is False and bad.table2_exceeding == {"fe": 0.5}
    assert bad.table3_exceeding == {"benzene": 0.2}
    with pytest.raises(StandardError):
        evaluate_drinking_source({"ph": 7.0}, table3_items=["nonsense"])


TABLES23 = _rows("gb3838_tables23_boundaries.csv")


@pytest.mark.parametrize("case", TABLES23, ids=lambda r: f"{r['item']}-{r['value']}")
def test_tables_2_and_3_single_limits(case: dict[str, str]) -> None:
    from ecoplan.standards.surface_water import evaluate_drinking_source

    code = case["item"]
    in_t2 = code in gb3838().table2
    res = evaluate_drinking_source({"ph": 7.5, code: float(case["value"])},
                                   table3_items=[] if in_t2 else [code])
    exceeding = res.table2_exceeding if in_t2 else res.table3_exceeding
    assert (code in exceeding) is (case["exceeds"] == "true"), case["note"]


def test_table3_has_80_items() -> None:
    assert len(gb3838().table3) == 80 and len(gb3838().table2) == 5


def test_lake_tn_reported_separately_in_period_results() -> None:
    import pandas as pd

    from ecoplan.standards.surface_water import classify_section_period

    df = pd.DataFrame({"site": ["湖心"] * 3, "time": ["2024-05-01"] * 3,
                       "parameter": ["tp", "tn", "codmn"], "value": [0.04, 1.8, 3.0],
                       "waterbody": ["lake"] * 3})
    res = classify_section_period(df, "month").iloc[0]
    assert res.water_class == 3 and res.deciding_items == "tp"  # lake TP 0.04 → Ⅲ
    assert res.separate_tn == 5  # TN 1.8 → Ⅴ, not in the class


def test_non_detect_sample_at_limit_statistics_at_half() -> None:
    import pandas as pd

    from ecoplan.standards.surface_water import classify_section_period

    df = pd.DataFrame({"site": ["A"], "time": ["2024-05-01"], "parameter": ["hg"],
                       "value": [0.00008], "below_dl": [True], "waterbody": ["river"]})
    sample = classify_section_period(df, "sample").iloc[0]
    month = classify_section_period(df, "month").iloc[0]
    assert sample.water_class == 3  # < 0.00008 ≤ 0.0001: class Ⅲ is certain, Ⅰ is not
    assert month.water_class == 1   # statistics: 0.00004 (half the limit)
