"""Pure rules: the waste list 2021, decay against published half-lives, source categories
(放射源分类办法 2005, A/D), HJ 941-2018 levels, key construction land."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ecoplan.errors import StandardError
from ecoplan.standards import hazardous_waste as hw
from ecoplan.standards import land_use, radiation, risk_level

DATA = Path(__file__).parent.parent / "data" / "risk"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_waste_list_is_versioned_and_complete_in_categories() -> None:
    wl = hw.waste_list()
    assert wl["year"] == 2021 and "第15号" in wl["source"] and wl["codes_bundled_of"] == 467
    cats = wl["categories"]
    assert len(cats) == 46 and "HW41" not in cats and cats["HW08"] == "废矿物油与含矿物油废物"
    assert all(c[-2:] == code[-2:] for code in wl["codes"] for c in [hw.category_of(code)])


def test_waste_codes() -> None:
    c = hw.waste_code("900-249-08")
    assert c.category == "HW08" and c.bundled
    other = hw.waste_code("900-999-49")  # well-formed, outside the bundled subset
    assert other.category == "HW49" and not other.bundled
    for bad in ("900-249-8", "900-249-41", "abc"):
        with pytest.raises(StandardError):
            hw.waste_code(bad)
    assert hw.covers(["HW08", "900-041-49"], "900-249-08")
    assert hw.covers(["HW08", "900-041-49"], "900-041-49")
    assert not hw.covers(["HW08"], "252-002-11")
    assert hw.category_of("hw8") == "HW08"


@pytest.mark.parametrize("row", _rows("half_lives_published.csv"), ids=lambda r: r["nuclide"])
def test_half_lives_match_the_published_values(row: dict[str, str]) -> None:
    days = float(row["half_life"]) * (365.25 if row["unit"] == "a" else 1)
    assert radiation.half_life_days(row["nuclide"]) == pytest.approx(days, rel=1e-9)
    # one half-life later the activity has halved; ten later it is 1/1024
    ref = date(2000, 1, 1)
    one = date.fromordinal(ref.toordinal() + round(days))
    assert radiation.decayed_activity(row["nuclide"], 1000.0, ref, one) == pytest.approx(500, rel=2e-3)


def test_decay_worked_by_hand() -> None:
    # Co-60, 1.11e11 Bq on 2016-03-01; 2026-03-01 is 3652 days later (leap days 2020, 2024):
    # 1.11e11 × 2^(−3652/1925.28) = 1.11e11 × 0.268 = 2.977e10 Bq
    a = radiation.decayed_activity("60Co", 1.11e11, date(2016, 3, 1), date(2026, 3, 1))
    assert a == pytest.approx(1.11e11 * 2 ** (-3652 / 1925.28)) and 2.97e10 < a < 2.99e10
    # Ir-192 after 3 half-lives (221.487 d ≈ 221 d): about one eighth
    b = radiation.decayed_activity("Ir192", 3.7e12, date(2026, 1, 1), date(2026, 8, 10))
    assert b == pytest.approx(3.7e12 / 8, rel=0.01)


@pytest.mark.parametrize(("nuclide", "activity", "category"), [
    ("Co-60", 3.7e14, "I"),      # teletherapy head, A/D ≈ 12 333
    ("Ir-192", 3.7e12, "II"),    # industrial gamma radiography, A/D ≈ 46
    ("Cs-137", 3.7e11, "III"),   # A/D = 3.7
    ("Cs-137", 1.85e9, "IV"),    # level gauge, A/D = 0.0185
    ("Am-241", 3.7e4, "V"),      # above the 1e4 Bq exemption, A/D ≈ 6e-7
    ("Co-60", 3.0e10, "III"),    # A/D = 1 exactly: the lower bound belongs to III
    ("Co-60", 3.0e13, "I"),      # A/D = 1000 exactly: I
])
def test_source_category_by_a_over_d(nuclide: str, activity: float, category: str) -> None:
    got = radiation.source_category(nuclide, activity)
    assert got.category == category and "A/D" in got.basis


def test_below_exemption_is_not_categorised() -> None:
    assert radiation.source_category("H-3", 1e8).category is None
    with pytest.raises(StandardError):
        radiation.normalise_nuclide("Xx-999")


@pytest.mark.parametrize("row", _rows("hj941_cases.csv"), ids=lambda r: r["code"])
def test_hj941_route_levels(row: dict[str, str]) -> None:
    r = risk_level.route_level(row["route"], float(row["q"]), float(row["m"]), row["e"])
    assert (r.level, r.code) == (row["level"], row["code"])


def test_hj941_enterprise_level_is_the_higher_route() -> None:
    lv = risk_level.enterprise_level([risk_level.route_level("water", 0.3, 0, "E2"),
                                      risk_level.route_level("air", 5, 30, "E1")])
    assert lv.code == "较大[较大-大气(Q1-M2-E1)+一般-水(Q0)]" and lv.level_en == "larger"
    with pytest.raises(StandardError):
        risk_level.route_level("air", 5, 30, "E4")


def test_key_land_rule() -> None:
    d = date
    # housing on a contaminated plot, remediated, evaluated and delisted before reuse: safe
    j = land_use.judge_plot("R2", "contaminated", d(2022, 1, 1), "completed", d(2023, 5, 1), d(2023, 6, 1),
                            d(2024, 3, 1))
    assert j.key and j.safe
    # delisted after the reuse: not safe
    assert not land_use.judge_plot("A33", "contaminated", d(2022, 1, 1), "completed", d(2023, 5, 1),
                                   d(2024, 6, 1), d(2024, 3, 1)).safe
    # surveyed clean before the reuse: safe; no survey: not safe; industrial: not key
    assert land_use.judge_plot("R", "clean", d(2024, 1, 1), "none", None, None, d(2024, 3, 1)).safe
    assert not land_use.judge_plot("R", "none", None, "none", None, None, d(2024, 3, 1)).safe
    assert not land_use.judge_plot("M1", "clean", d(2024, 1, 1), "none", None, None, d(2024, 3, 1)).key
