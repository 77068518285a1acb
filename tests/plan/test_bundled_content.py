"""The bundled Jiaocheng plan against its source text: Table 2, tasks, stated figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.plan.loader import PLANS_DIR

SOURCE = PLANS_DIR / "jiaocheng-2021-2025-eco-plan.txt"


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_plan(bundled_plan_path("jiaocheng-2021-2025"))


@pytest.fixture(scope="module")
def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def test_thirty_projects_and_exact_total(plan) -> None:  # type: ignore[no-untyped-def]
    assert len(plan.key_projects) == 30
    assert [p.number for p in plan.key_projects] == list(range(1, 31))
    # summed by hand from the plan's Table 2
    assert plan.total_investment() == Decimal("155804.95")
    assert plan.investment_by_category() == {
        "大气环境质量改善": Decimal("53675"),
        "水环境质量改善": Decimal("43900"),
        "土壤环境保护": Decimal("400"),
        "农村环境治理": Decimal("2216"),
        "固体废物利用与处置": Decimal("12371"),
        "生态保护与修复": Decimal("41242.95"),
        "生态环境监管能力建设": Decimal("2000"),
    }


@pytest.mark.parametrize(
    ("number", "investment", "start", "end", "leads"),
    [
        (2, "30000", 2021, 2022, ["生态环境分局"]),
        (15, "13000", 2021, 2022, ["能源局"]),
        (18, "1000", 2022, 2022, ["住建局"]),
        (22, "2216", 2021, 2025, ["生态环境分局", "西营镇", "洪相镇", "夏家营镇", "西社镇"]),
        (23, "8871", 2021, 2021, ["生态环境分局"]),
        (27, "10262.95", 2022, 2023, ["生态环境分局"]),
        (30, "500", 2021, 2025, ["应急管理局"]),
    ],
)
def test_project_rows(plan, number, investment, start, end, leads) -> None:  # type: ignore[no-untyped-def]
    p = next(p for p in plan.key_projects if p.number == number)
    assert p.investment_wan_yuan == Decimal(investment)
    assert (p.start_year, p.end_year, p.lead_departments) == (start, end, leads)


def test_project_text_is_verbatim(plan, source_text) -> None:  # type: ignore[no-untyped-def]
    for p in plan.key_projects:
        assert f"\t{p.content}" in source_text or p.content in source_text.replace("\n", "")
        assert p.name in source_text


def test_tasks_are_sentences_of_the_plan(plan, source_text) -> None:  # type: ignore[no-untyped-def]
    assert len(plan.tasks) >= 40
    chapters = {c.number for c in plan.chapters}
    for t in plan.tasks:
        assert t.text in source_text, t.key
        assert t.chapter in chapters
        if t.deadline is not None:
            assert date(plan.start_year, 1, 1) <= t.deadline <= date(plan.end_year, 12, 31)


def test_dated_deadlines(plan) -> None:  # type: ignore[no-untyped-def]
    by_deadline: dict[date, int] = {}
    for t in plan.tasks:
        if t.deadline:
            by_deadline[t.deadline] = by_deadline.get(t.deadline, 0) + 1
    assert by_deadline[date(2023, 12, 31)] == 3  # 焦炉, 城西扩容, 地下水监测井
    assert plan.task("5.1-5").target.value == Decimal("0.56")
    assert plan.task("5.1-4").target.operator == "<="


def test_stated_figures_quote_the_text(plan, source_text) -> None:  # type: ignore[no-untyped-def]
    for f in plan.stated_figures:
        assert f.text in source_text
        assert str(f.value) in f.text or f.quantity == "磁窑河流域合页坝数量"
