"""Input schemas shared by the HTML forms and the REST API: one model per submission, so a
value the API refuses is refused by the form too (same types, ranges and text lengths).

Checks made here, at the boundary, before anything is stored:

* numbers are finite decimals with at most 6 decimal places and |x| < 10¹² (what the
  ``Numeric(18, 6)`` column holds) — ``1e400``, ``inf`` and ``nan`` are refused;
* an indicator value lies in the plausible range of the indicator's unit
  (:data:`PLAUSIBLE_RANGES`) and a stated unit is the indicator's unit;
* ``as_of`` is never after today (Beijing date), the indicator year never after this year,
  other dates at most :attr:`ecoplan.settings.Settings.future_tolerance_days` ahead;
* text fields have the same maximum length in the form and the API (:data:`NOTE_MAX` …);
* numeric query and path parameters are bounded (:data:`PageNo`, :data:`RowId`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from fastapi import Query
from pydantic import BaseModel, Field, ValidationError, field_validator

from ecoplan.errors import Location
from ecoplan.errors import ValidationError as EcoValidationError

BEIJING = timezone(timedelta(hours=8))
NOTE_MAX = 2000
VALUE_TEXT_MAX = 256
KEY_MAX = 32
UNIT_MAX = 32
#: the largest magnitude a reported number may have (the database column is Numeric(18, 6))
NUMBER_LIMIT = Decimal(10) ** 12
#: plausible range of a reported indicator value by the indicator's unit (anything outside is a
#: typing error, not a measurement: a share is within ±100 %, a concentration is not negative …)
PLAUSIBLE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "%": (Decimal(-100), Decimal(100)),
    "个百分点": (Decimal(-100), Decimal(100)),
    "μg/m³": (Decimal(0), Decimal(2000)),
    "mg/m³": (Decimal(0), Decimal(1000)),
    "mg/L": (Decimal(0), Decimal(10000)),
    "天": (Decimal(0), Decimal(366)),
    "吨": (Decimal(0), Decimal(10) ** 8),
}
#: indicators without a unit (indices, classes): any finite number of sensible size
DEFAULT_RANGE = (Decimal(-(10 ** 9)), Decimal(10 ** 9))
#: page numbers and database ids in URLs (larger values are refused with 400/422, not a 500)
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1

PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Year = Annotated[int | None, Query(ge=1990, le=2100)]
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Status = Literal["not_started", "in_progress", "completed", "suspended", "cancelled"]


def beijing_today() -> date:
    """Today's date in Beijing (the date a county user means)."""
    return datetime.now(BEIJING).date()


def finite_decimal(value: Any, field: str = "value") -> Decimal:
    """A finite decimal of sensible size with at most 6 decimal places, or a located error."""
    if isinstance(value, float):
        value = repr(value)
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _err(field, f"“{str(value)[:40]}”不是数字", f"“{str(value)[:40]}” is not a number") \
            from None
    if not d.is_finite() or abs(d) >= NUMBER_LIMIT:
        raise _err(field, f"“{str(value)[:40]}”不是有效数值（须为有限数且绝对值小于 10¹²）",
                   f"“{str(value)[:40]}” is not a valid number (finite, |x| < 10¹²)")
    return d.quantize(Decimal("0.000001"))


def _err(field: str, zh: str, en: str) -> EcoValidationError:
    return EcoValidationError(zh, en, location=Location(field=field))


def _not_after_today(value: date, field: str) -> date:
    if value > beijing_today():
        raise ValueError(f"{field} {value} is after today / 不能晚于今天")
    return value


def _number(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return finite_decimal(value)
    except EcoValidationError as exc:
        raise ValueError(exc.message("en") + " / " + exc.message("zh")) from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


class IndicatorValueIn(BaseModel):
    """A department's value of a plan indicator for a year (number or words)."""

    indicator_key: str = Field(max_length=KEY_MAX)
    year: int = Field(ge=1990, le=2100)
    value: Decimal | None = None
    value_text: str | None = Field(default=None, max_length=VALUE_TEXT_MAX)
    unit: str | None = Field(default=None, max_length=UNIT_MAX)
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    _num = field_validator("value", mode="before")(lambda v: _number(v))
    _txt = field_validator("value_text", "unit", "note", mode="before")(lambda v: _text(v))

    @field_validator("year")
    @classmethod
    def _year_not_future(cls, v: int) -> int:
        if v > beijing_today().year:
            raise ValueError(f"year {v} is in the future / 年份不能晚于今年")
        return v


class ProjectProgressIn(BaseModel):
    """A key project's progress as of a date."""

    project_number: int = Field(ge=1, le=100_000)
    as_of: date
    percent_complete: Decimal = Field(ge=0, le=100)
    invested_wan_yuan: Decimal = Field(ge=0)
    status: Status
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    _num = field_validator("percent_complete", "invested_wan_yuan", mode="before")(
        lambda v: _number(v))
    _txt = field_validator("note", mode="before")(lambda v: _text(v))
    _today = field_validator("as_of")(lambda v: _not_after_today(v, "as_of"))


class TaskProgressIn(BaseModel):
    """A task's status as of a date."""

    task_key: str = Field(max_length=KEY_MAX)
    as_of: date
    status: Status
    percent_complete: Decimal | None = Field(default=None, ge=0, le=100)
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    _num = field_validator("percent_complete", mode="before")(lambda v: _number(v))
    _txt = field_validator("note", mode="before")(lambda v: _text(v))
    _today = field_validator("as_of")(lambda v: _not_after_today(v, "as_of"))


class StepIn(BaseModel):
    """A workflow step's reason (required to reject)."""

    reason: str | None = Field(default=None, max_length=NOTE_MAX)


def parse_form(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """Validate form fields with the API's model; a refusal is a located 400 in zh and en."""
    try:
        return model.model_validate({k: v for k, v in data.items() if v not in (None, "")})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "form"
        raise _err(field, f"字段 {field} 无效：{err['msg']}",
                   f"Field {field} is invalid: {err['msg']}") from None


def check_indicator_value(indicator: Any, value: Decimal | None, unit: str | None) -> None:
    """The value must lie in the plausible range of the indicator's unit; a stated unit must
    be the indicator's."""
    ind_unit = getattr(indicator, "unit", None)
    if unit and ind_unit and unit.strip() != ind_unit:
        raise _err("unit", f"单位 {unit} 与指标单位 {ind_unit} 不符",
                   f"unit {unit} is not the indicator's unit {ind_unit}")
    if value is None:
        return
    lo, hi = PLAUSIBLE_RANGES.get(ind_unit or "", DEFAULT_RANGE)
    if not lo <= value <= hi:
        u = ind_unit or ""
        raise _err("value", f"数值 {value.normalize()} 超出该指标的合理范围 {lo}–{hi} {u}",
                   f"value {value.normalize()} is outside the plausible range {lo}–{hi} {u} "
                   "of this indicator")


def check_not_future(value: date | datetime, field: str, tolerance_days: int) -> None:
    """Dates other than ``as_of`` may lie at most ``tolerance_days`` in the future."""
    day = value.date() if isinstance(value, datetime) else value
    limit = beijing_today() + timedelta(days=tolerance_days)
    if day > limit:
        raise _err(field, f"日期 {day} 晚于允许的最晚日期 {limit}",
                   f"date {day} is later than the latest allowed date {limit}")
