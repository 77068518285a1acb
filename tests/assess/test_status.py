"""The status rules on constructed cases (tests/data/assess/status_cases.yaml)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecoplan.assess.status import STATUSES, evaluate, expected_path, load_rules
from ecoplan.plan import Target, bundled_plan_path, load_plan

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "assess" / "status_cases.yaml").read_text("utf-8"))
PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['key']}-{c['year']}-{c['status']}")
def test_status_case(case: dict[str, Any]) -> None:
    ind = PLAN.indicator(case["key"])
    res = evaluate(ind, PLAN.effective_target(ind.key), year=case["year"],
                   baseline_year=PLAN.baseline_year, end_year=PLAN.end_year,
                   value=Decimal(str(case["value"])) if "value" in case else None,
                   value_text=case.get("value_text"),
                   reference=Decimal(case["reference"]) if "reference" in case else None)
    assert res.status == case["status"], res.rule_en
    assert res.rule_id == case["rule"]
    assert res.rules_version == load_rules().version
    assert res.rule_zh and res.rule_en and res.status in STATUSES
    if "expected" in case:
        assert res.expected == Decimal(case["expected"])
    if "gap" in case:
        assert res.gap == Decimal(case["gap"])


def test_rule_words_carry_the_numbers() -> None:
    ind = PLAN.indicator("1")
    res = evaluate(ind, ind.target, year=2023, baseline_year=2020, end_year=2025, value=52)
    assert "50.8" in res.rule_zh and "52" in res.rule_zh and "存在风险" in res.rule_zh
    assert "50.8" in res.rule_en and "at risk" in res.rule_en
    assert res.ratio == Decimal("0.8824")


def test_municipal_override_turns_qualitative_into_numeric() -> None:
    ind = PLAN.indicator("10")
    city = Target(text="≥19", kind="value", operator=">=", value=Decimal(19))
    assert evaluate(ind, city, year=2025, baseline_year=2020, end_year=2025,
                    value=Decimal("19.5")).status == "achieved"
    assert evaluate(ind, city, year=2025, baseline_year=2020, end_year=2025,
                    value=Decimal("18")).status == "off_track"


def test_expected_path_is_linear() -> None:
    assert expected_path(Decimal(61), Decimal(44), 2020, 2020, 2025) == Decimal(61)
    assert expected_path(Decimal(61), Decimal(44), 2021, 2020, 2025) == Decimal("57.6")
    assert expected_path(Decimal(61), Decimal(44), 2025, 2020, 2025) == Decimal(44)
