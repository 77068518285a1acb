"""The Chinese working-day calendar (工作日) and deadline arithmetic for administrative procedure.

The calendar of each year is a data file ``data/workdays/<year>.yaml`` transcribed from the
State Council General Office notice on that year's holidays (国务院办公厅关于 YYYY 年部分节假日
安排的通知, cited in the file): the days off of each holiday period (weekends inside the period
included) and the adjusted workdays (调休上班的周六、周日). A day is a working day when it is an
adjusted workday, or a Monday–Friday that is not a holiday.

A year without a file is an error (:class:`CalendarYearMissing`): deadlines in an unknown year
are never silently counted on weekends only. A caller may choose that explicitly with
``Calendar(weekends_only_years=True)`` (the results then say so in ``assumed_years``), or add
the year with ``Calendar(extra={2027: YearCalendar(...)})`` / a directory of its own files.

Counting rules (中华人民共和国行政处罚法 2021 第八十五条: "本法中'二日''三日''五日''七日'的
规定是指工作日，不含法定节假日"; 民法典 第二百零一条、第二百零三条 for periods in days):

* the day on which a period starts is not counted; the period begins the next day;
* a period of N working days ends on the N-th working day after the start day;
* a period of N natural days ends on the N-th day after the start day; when that day is not a
  working day (a weekend or statutory holiday) the period ends on the first working day after
  it (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

from ecoplan.errors import StandardError

DATA_DIR = Path(__file__).parent / "data" / "workdays"
#: the kinds of a legal period
UNITS = ("working_days", "natural_days")


class CalendarError(StandardError):
    """A calendar file or a deadline request is not usable."""


class CalendarYearMissing(CalendarError):
    """The calendar has no data for a year it was asked about."""


@dataclass(frozen=True)
class YearCalendar:
    """One year's statutory holidays and adjusted workdays, with the notice they come from."""

    year: int
    holidays: dict[date, str]
    workdays: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        for d in list(self.holidays) + list(self.workdays):
            if d.year != self.year:
                raise CalendarError(f"{self.year} 年日历中出现其他年份的日期 {d}",
                                    f"calendar of {self.year} holds a date of another year: {d}")
        both = set(self.holidays) & self.workdays
        if both:
            d = min(both)
            raise CalendarError(f"{d} 同时登记为节假日和调休上班日",
                                f"{d} is both a holiday and an adjusted workday")


def _as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"{where}：日期格式无效 {value!r}（应为 YYYY-MM-DD）",
                            f"{where}: not a date {value!r} (expected YYYY-MM-DD)") from None


def load_year_file(path: Path) -> YearCalendar:
    """Read one year's calendar file (format of ``data/workdays/2026.yaml``)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        year = int(raw["year"])
        holidays: dict[date, str] = {}
        for i, h in enumerate(raw.get("holidays") or [], start=1):
            start = _as_date(h["from"], f"{path.name} holidays[{i}].from")
            end = _as_date(h["to"], f"{path.name} holidays[{i}].to")
            if end < start:
                raise CalendarError(f"{path.name} holidays[{i}]：结束日早于开始日",
                                    f"{path.name} holidays[{i}]: ends before it starts")
            d = start
            while d <= end:
                holidays[d] = str(h["name"])
                d += timedelta(days=1)
        workdays = frozenset(_as_date(w["date"], f"{path.name} workdays[{i}].date")
                             for i, w in enumerate(raw.get("workdays") or [], start=1))
        return YearCalendar(year, holidays, workdays, str(raw["source"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarError(f"日历文件 {path} 格式无效：{exc}",
                            f"calendar file {path} is not valid: {exc}") from exc


@cache
def bundled_years() -> dict[int, YearCalendar]:
    """The years shipped with ecoplan (one file per State Council notice)."""
    years = [load_year_file(p) for p in sorted(DATA_DIR.glob("*.yaml"))]
    return {y.year: y for y in years}


def years_in(directory: Path) -> dict[int, YearCalendar]:
    """Calendar files of a directory (a workspace's own years)."""
    return {y.year: y for y in (load_year_file(p) for p in sorted(directory.glob("*.yaml")))}


@dataclass
class Calendar:
    """Working days over the configured years.

    ``extra`` adds or replaces years; ``weekends_only_years=True`` treats a year without data as
    Monday–Friday working days (recorded in ``assumed_years``) instead of raising.
    """

    extra: Mapping[int, YearCalendar] = field(default_factory=dict)
    weekends_only_years: bool = False
    assumed_years: set[int] = field(default_factory=set)

    def year(self, year: int) -> YearCalendar | None:
        if year in self.extra:
            return self.extra[year]
        known = bundled_years()
        if year in known:
            return known[year]
        if self.weekends_only_years:
            self.assumed_years.add(year)
            return None
        have = sorted(set(known) | set(self.extra))
        raise CalendarYearMissing(
            f"工作日历中没有 {year} 年的节假日安排（已有：{'、'.join(map(str, have))}）。请按国务院"
            f"办公厅关于 {year} 年部分节假日安排的通知补充日历文件，或明确选择仅按周末计算。",
            f"The working-day calendar has no holidays for {year} (known: "
            f"{', '.join(map(str, have))}). Add the year from the State Council notice, or choose "
            "weekends-only counting explicitly.")

    def known_years(self) -> list[int]:
        return sorted(set(bundled_years()) | set(self.extra))

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (调休 workdays count, holidays do not)."""
        y = self.year(d.year)
        if y is not None:
            if d in y.workdays:
                return True
            if d in y.holidays:
                return False
        return d.weekday() < 5

    def holiday_name(self, d: date) -> str | None:
        y = self.year(d.year)
        return y.holidays.get(d) if y is not None else None

    def add_workdays(self, start: date, n: int) -> date:
        """The N-th working day after ``start`` (the start day itself not counted).

        行政处罚法 第八十五条: periods of days are working days, statutory holidays excluded."""
        if n < 0:
            raise CalendarError("工作日数不能为负", "a number of working days cannot be negative")
        d, left = start, n
        while left > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        return d

    def add_natural_days(self, start: date, n: int) -> date:
        """The end of a period of N natural days from ``start`` (start day not counted); an end
        on a rest day moves to the next working day (民法典 第二百零三条)."""
        if n < 0:
            raise CalendarError("天数不能为负", "a number of days cannot be negative")
        d = start + timedelta(days=n)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def deadline(self, start: date, n: int, unit: str) -> date:
        """The last day of a period of ``n`` ``unit`` (``working_days`` / ``natural_days``)."""
        if unit == "working_days":
            return self.add_workdays(start, n)
        if unit == "natural_days":
            return self.add_natural_days(start, n)
        raise CalendarError(f"期限单位无效：{unit}（应为 {' / '.join(UNITS)}）",
                            f"unknown period unit {unit} (expected {' / '.join(UNITS)})")

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_workday(d):
                n += 1
        return n

    def workdays(self, start: date, end: date) -> Iterable[date]:
        d = start
        while d <= end:
            if self.is_workday(d):
                yield d
            d += timedelta(days=1)


def default_calendar() -> Calendar:
    """The bundled calendar: unknown years are an error."""
    return Calendar()
