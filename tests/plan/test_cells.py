"""Reading table cells: property tests over generated values, and the phrases plans use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoplan.plan.cells import (
    CellError,
    parse_attribute,
    parse_baseline,
    parse_investment,
    parse_period,
    parse_target,
    split_departments,
    split_unit,
    water_class,
)

decimals = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(decimals, st.sampled_from(["≤", "<=", "≥", ">=", "<", ">"]))
def test_operator_targets(v: Decimal, op: str) -> None:
    t = parse_target(f"{op}{v}")
    assert t.kind == "value" and t.value == v and not t.implied_operator
    assert t.operator == {"≤": "<=", "≥": ">="}.get(op, op)


@given(decimals)
def test_bare_numbers_follow_the_direction(v: Decimal) -> None:
    assert parse_target(str(v), "increase").operator == ">="
    assert parse_target(str(v), "decrease").operator == "<="
    assert parse_baseline(str(v)).value == v
    assert parse_investment(str(v)) == v
    assert parse_investment(str(v), Decimal(10000)) == v * 10000
    with pytest.raises(CellError):
        parse_target(str(v), None)


@given(st.integers(2000, 2040), st.integers(0, 10))
def test_periods(start: int, span: int) -> None:
    for sep in ("-", "—", "～", "至"):
        assert parse_period(f"{start}{sep}{start + span}") == (start, start + span)
        assert parse_period(f"{start}年{sep}{start + span}年") == (start, start + span)
    assert parse_period(str(start)) == (start, start)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("基本消除", "eliminate"), ("持续保持", "maintain"), ("不降低", "not_decrease"),
     ("完成市下达的任务", "municipal"), ("有效保障", "ensure"), ("", "none"), ("/", "none")],
)
def test_phrases(text: str, kind: str) -> None:
    assert parse_target(text).kind == kind


@pytest.mark.parametrize(("text", "cls"), [("Ⅰ类", 1), ("Ⅱ类", 2), ("Ⅲ类", 3), ("Ⅳ类", 4), ("Ⅴ类", 5),
                                           ("劣Ⅴ类", 6), ("III类", 3), ("Ⅲ", 3), ("劣Ⅲ类", None), ("三类", None)])
def test_water_classes(text: str, cls: int | None) -> None:
    assert water_class(text) == cls


@pytest.mark.parametrize("bad", ["约33", "33左右", "较2020年下降", "≤", "Ⅵ类"])
def test_unreadable_targets_raise_with_both_languages(bad: str) -> None:
    with pytest.raises(CellError) as exc:
        parse_target(bad, "decrease")
    assert bad in exc.value.zh and bad in exc.value.en


def test_attribute_unit_and_departments() -> None:
    assert parse_attribute("约束性") == "binding" and parse_attribute("预期性") == "expected"
    with pytest.raises(CellError):
        parse_attribute("一般")
    assert split_unit("县城区细颗粒物（PM2.5）浓度（μg/m3）") == ("县城区细颗粒物（PM2.5）浓度", "μg/m³")
    assert split_unit("生态质量指数") == ("生态质量指数", None)
    assert split_unit("县城区细颗粒物（PM2.5）浓度") == ("县城区细颗粒物（PM2.5）浓度", None)
    assert split_departments("生态环境分局、西营镇，洪相镇") == ["生态环境分局", "西营镇", "洪相镇"]
    with pytest.raises(CellError):
        parse_period("2023-2021")
