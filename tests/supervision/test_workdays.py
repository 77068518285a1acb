"""The working-day calendar: hand-worked deadlines across 春节, 国庆 and 调休 weekends
(tests/data/workdays/deadlines.yaml), unknown years, and the calendar files themselves."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from ecoplan.standards.workdays import (
    Calendar,
    CalendarError,
    CalendarYearMissing,
    YearCalendar,
    bundled_years,
    load_year_file,
)

CASES = yaml.safe_load((Path(__file__).parents[1] / "data" / "workdays" / "deadlines.yaml")
                       .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['start']}+{c['n']}{c['unit'][0]}" for c in CASES])
def test_hand_worked_deadlines(case: dict) -> None:
    assert Calendar().deadline(case["start"], case["n"], case["unit"]) == case["due"], case["why"]


def test_bundled_years_match_the_notices() -> None:
    years = bundled_years()
    assert set(years) >= {2025, 2026}
    y26 = years[2026]
    # 春节 2026: 9 days 2-15..2-23; 调休 Saturdays 2-14 and 2-28
    assert sum(1 for d in y26.holidays if y26.holidays[d] == "春节") == 9
    assert {d for d in y26.workdays if d.month == 2} == {date(2026, 2, 14), date(2026, 2, 28)}
    assert all(d.weekday() >= 5 for d in y26.workdays)  # adjusted workdays are weekend days
    assert len(years[2025].holidays) == 1 + 8 + 3 + 5 + 3 + 8
    assert "国办发明电〔2024〕12号" in years[2025].source


def test_working_days_of_2026_count() -> None:
    cal = Calendar()
    # 365 days: 261 Mon–Fri, minus weekday holidays, plus 6 adjusted weekend workdays
    weekday_holidays = sum(1 for d in bundled_years()[2026].holidays if d.weekday() < 5)
    n = sum(1 for _ in cal.workdays(date(2026, 1, 1), date(2026, 12, 31)))
    assert n == 261 - weekday_holidays + 6
    assert cal.workdays_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_unknown_year_is_an_error_unless_chosen() -> None:
    with pytest.raises(CalendarYearMissing) as info:
        Calendar().add_workdays(date(2026, 12, 31), 2)
    assert "2027" in info.value.zh and "2027" in info.value.en
    cal = Calendar(weekends_only_years=True)
    assert cal.add_workdays(date(2026, 12, 31), 2) == date(2027, 1, 4)
    assert cal.assumed_years == {2027}


def test_extra_year_and_bad_input(tmp_path: Path) -> None:
    y = YearCalendar(2027, {date(2027, 1, 1): "元旦"}, frozenset(), "test")
    assert Calendar(extra={2027: y}).add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    with pytest.raises(CalendarError):
        YearCalendar(2027, {date(2027, 1, 2): "x"}, frozenset({date(2027, 1, 2)}), "t")
    bad = tmp_path / "2028.yaml"
    bad.write_text("year: 2028\nsource: t\nholidays:\n  - {name: x, from: 2028-13-01, to: 2028-01-02}\n",
                   encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        load_year_file(bad)
    assert "2028.yaml" in info.value.zh
    with pytest.raises(CalendarError):
        Calendar().deadline(date(2026, 1, 5), 3, "weeks")
    with pytest.raises(CalendarError):
        Calendar().add_workdays(date(2026, 1, 5), -1)


def test_natural_period_never_ends_on_a_rest_day() -> None:
    cal = Calendar()
    start = date(2026, 1, 1)
    for n in range(0, 60):
        due = cal.add_natural_days(start, n)
        assert cal.is_workday(due) and due >= start + timedelta(days=n)
