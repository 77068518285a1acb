"""The pollution-source registry API: enterprises, outlets, permits (with limits), grades.

Every function takes an open SQLAlchemy session and leaves committing to the caller
(``with workspace.session() as s: ...`` commits). Bad values raise :class:`SourcesError`
(Chinese + English, with the field). Performance grades are append-only history
(:func:`record_grade`); :func:`grade_in_force` answers which grade applied on a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import Location, ValidationError
from ecoplan.standards.hj212_factors import factor_table
from ecoplan.store.supervision_models import (
    Enterprise,
    Outlet,
    PerformanceGrade,
    Permit,
    PermitLimit,
)

#: display names (zh, en)
OUTLET_KIND_NAMES = {"flue_gas": ("废气", "flue gas"), "waste_water": ("废水", "waste water")}
MANAGEMENT_CLASS_NAMES = {
    "key": ("重点管理", "key management"),
    "simplified": ("简化管理", "simplified management"),
    "registration": ("登记管理", "registration"),
}
GRADE_NAMES = {"leading": ("引领性", "leading"), "A": ("A级", "A"), "B": ("B级", "B"),
               "C": ("C级", "C"), "D": ("D级", "D")}
#: grades that meet the plan's "B级及以上" target
GRADES_B_OR_ABOVE = ("leading", "A", "B")

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class SourcesError(ValidationError):
    """A registry entry is invalid or refers to something that does not exist."""


def _err(zh: str, en: str, field: str | None = None,
         location: Location | None = None) -> SourcesError:
    loc = location or (Location(field=field) if field else None)
    if location is not None and field and location.field is None:
        loc = Location(location.file, location.row, field)
    return SourcesError(zh, en, location=loc)


# ---------------------------------------------------------------- value parsing
def credit_code_check_character(body: str) -> str:
    """The check character of the first 17 characters of a credit code (GB 32100-2015 §5)."""
    total = sum(_CREDIT_CHARS.index(ch) * w
                for ch, w in zip(body.upper(), _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def check_credit_code(code: str, location: Location | None = None) -> str:
    """Validate a 统一社会信用代码 (GB 32100-2015 §4: 18 characters, check character §5)."""
    c = (code or "").strip().upper()
    if len(c) != 18 or any(ch not in _CREDIT_CHARS for ch in c):
        raise _err(f"统一社会信用代码“{code}”应为 18 位数字或大写字母（不含 I O Z S V）",
                   f"Credit code '{code}' must be 18 digits/capital letters (no I O Z S V)",
                   "credit_code", location)
    check = credit_code_check_character(c[:17])
    if c[17] != check:
        raise _err(f"统一社会信用代码“{code}”校验位错误（应为 {check}）",
                   f"Credit code '{code}' has a wrong check character (expected {check})",
                   "credit_code", location)
    return c


_KIND_ALIASES = {"flue_gas": "flue_gas", "废气": "flue_gas", "gas": "flue_gas",
                 "waste_water": "waste_water", "废水": "waste_water", "water": "waste_water"}
_CLASS_ALIASES = {"key": "key", "重点": "key", "重点管理": "key",
                  "simplified": "simplified", "简化": "simplified", "简化管理": "simplified",
                  "registration": "registration", "登记": "registration",
                  "登记管理": "registration"}
_GRADE_ALIASES = {"leading": "leading", "引领性": "leading", "引领": "leading",
                  **{g: g for g in "ABCD"}, **{f"{g}级": g for g in "ABCD"},
                  **{g.lower(): g for g in "ABCD"}}


def parse_outlet_kind(value: str, location: Location | None = None) -> str:
    kind = _KIND_ALIASES.get(str(value).strip())
    if kind is None:
        raise _err(f"排放口类型“{value}”无效，应为 废气 或 废水",
                   f"Outlet kind '{value}' is invalid; use flue_gas (废气) or waste_water (废水)",
                   "kind", location)
    return kind


def parse_management_class(value: str, location: Location | None = None) -> str:
    cls = _CLASS_ALIASES.get(str(value).strip())
    if cls is None:
        raise _err(f"管理类别“{value}”无效，应为 重点、简化 或 登记",
                   f"Management class '{value}' is invalid; use key, simplified or "
                   "registration (重点/简化/登记)", "management_class", location)
    return cls


def parse_grade(value: str, location: Location | None = None) -> str:
    grade = _GRADE_ALIASES.get(str(value).strip())
    if grade is None:
        raise _err(f"绩效分级“{value}”无效，应为 引领性、A、B、C 或 D",
                   f"Performance grade '{value}' is invalid; use leading (引领性), A, B, C or D",
                   "grade", location)
    return grade


def parse_parameter(value: str, location: Location | None = None) -> str:
    """A pollutant as the lake names it: canonical name (so2, nox, smoke, cod, nh3_n …), from
    an HJ 212 factor code (a21026) or its Chinese name (二氧化硫) where factors.csv has one."""
    text = str(value or "").strip()
    if not text:
        raise _err("污染物不能为空", "Pollutant is required", "parameter", location)
    table = factor_table()
    if text.lower() in {f.canonical for f in table.values() if f.canonical}:
        return text.lower()
    info = table.get(text) or next((f for f in table.values() if f.name_zh == text), None)
    if info is not None:
        return info.canonical or info.code
    return text


def parse_date(value: Any, field: str, location: Location | None = None) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _err(f"日期“{value}”无效，应为 YYYY-MM-DD", f"Invalid date '{value}' (YYYY-MM-DD)",
                   field, location) from None


def parse_limit(value: Any, location: Location | None = None) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = Decimal("NaN")
    if not d.is_finite() or d <= 0:
        raise _err(f"限值“{value}”无效，应为正数", f"Limit '{value}' must be a positive number",
                   "limit_value", location)
    return d


# ---------------------------------------------------------------- enterprises
def add_enterprise(session: Session, credit_code: str, name: str, *,
                   industry: str | None = None, town: str | None = None,
                   key_enterprise: bool = False, permit_required: bool = True,
                   department: str | None = None, note: str | None = None,
                   location: Location | None = None) -> Enterprise:
    """Register an enterprise; its credit code must be new."""
    code = check_credit_code(credit_code, location)
    if not (name or "").strip():
        raise _err("企业名称不能为空", "Enterprise name is required", "name", location)
    if session.get(Enterprise, code) is not None:
        raise _err(f"企业 {code} 已登记", f"Enterprise {code} is already registered",
                   "credit_code", location)
    ent = Enterprise(credit_code=code, name=name.strip(), industry=industry or None,
                     town=town or None, key_enterprise=bool(key_enterprise),
                     permit_required=bool(permit_required), department=department or None,
                     note=note or None)
    session.add(ent)
    session.flush()
    return ent


_ENTERPRISE_FIELDS = ("name", "industry", "town", "key_enterprise", "permit_required",
                      "department", "note")


def edit_enterprise(session: Session, credit_code: str, **changes: Any) -> Enterprise:
    """Change an enterprise's descriptive fields (not its credit code)."""
    ent = get_enterprise(session, credit_code)
    for key, value in changes.items():
        if key not in _ENTERPRISE_FIELDS:
            raise _err(f"不能修改字段 {key}", f"Field {key} cannot be edited", key)
        if key == "name" and not (value or "").strip():
            raise _err("企业名称不能为空", "Enterprise name is required", "name")
        setattr(ent, key, value)
    session.flush()
    return ent


def get_enterprise(session: Session, credit_code: str) -> Enterprise:
    ent = session.get(Enterprise, (credit_code or "").strip().upper())
    if ent is None:
        raise _err(f"未登记的企业：{credit_code}", f"Unknown enterprise: {credit_code}",
                   "enterprise")
    return ent


def find_enterprise(session: Session, key: str) -> Enterprise:
    """An enterprise by credit code or exact name."""
    ent = session.get(Enterprise, (key or "").strip().upper())
    if ent is None:
        ent = session.scalars(select(Enterprise).where(Enterprise.name == key.strip())).first()
    if ent is None:
        raise _err(f"未登记的企业：{key}", f"Unknown enterprise: {key}", "enterprise")
    return ent


def list_enterprises(session: Session, *, key_only: bool = False) -> list[Enterprise]:
    q = select(Enterprise).order_by(Enterprise.name)
    if key_only:
        q = q.where(Enterprise.key_enterprise.is_(True))
    return list(session.scalars(q))


# ---------------------------------------------------------------- outlets
def add_outlet(session: Session, code: str, enterprise: str, kind: str, *,
               name: str | None = None, mns: Iterable[str] = (),
               location: Location | None = None) -> Outlet:
    """Register an outlet; ``code`` is the outlet code used in ``online_monitoring``."""
    code = (code or "").strip()
    if not code:
        raise _err("排放口编码不能为空", "Outlet code is required", "code", location)
    ent = _enterprise_at(session, enterprise, location)
    if session.get(Outlet, code) is not None:
        raise _err(f"排放口 {code} 已登记", f"Outlet {code} is already registered", "code",
                   location)
    outlet = Outlet(code=code, enterprise=ent.credit_code, name=name or None,
                    kind=parse_outlet_kind(kind, location),
                    mns=sorted({m.strip() for m in mns if m and m.strip()}))
    session.add(outlet)
    session.flush()
    return outlet


def edit_outlet(session: Session, code: str, *, name: str | None = None,
                kind: str | None = None, mns: Iterable[str] | None = None) -> Outlet:
    outlet = get_outlet(session, code)
    if name is not None:
        outlet.name = name or None
    if kind is not None:
        outlet.kind = parse_outlet_kind(kind)
    if mns is not None:
        outlet.mns = sorted({m.strip() for m in mns if m and m.strip()})
    session.flush()
    return outlet


def get_outlet(session: Session, code: str) -> Outlet:
    outlet = session.get(Outlet, (code or "").strip())
    if outlet is None:
        raise _err(f"未登记的排放口：{code}", f"Unknown outlet: {code}", "outlet")
    return outlet


def list_outlets(session: Session, enterprise: str | None = None) -> list[Outlet]:
    q = select(Outlet).order_by(Outlet.enterprise, Outlet.code)
    if enterprise:
        q = q.where(Outlet.enterprise == find_enterprise(session, enterprise).credit_code)
    return list(session.scalars(q))


def outlet_for_mn(session: Session, mn: str) -> Outlet | None:
    """The registered outlet an HJ 212 logger MN reports for, if any."""
    for outlet in session.scalars(select(Outlet)):
        if mn in (outlet.mns or []):
            return outlet
    return None


# ---------------------------------------------------------------- permits and limits
@dataclass(frozen=True)
class LimitInput:
    """One limit a permit states: outlet, pollutant (lake parameter name), value, unit, basis."""

    outlet: str
    parameter: str
    limit_value: Decimal | float | str
    unit: str
    basis: str | None = None


def add_permit(session: Session, number: str, enterprise: str, issued: Any,
               valid_until: Any, management_class: str, *,
               limits: Iterable[LimitInput] = (), note: str | None = None,
               location: Location | None = None) -> Permit:
    """Register a discharge permit (and the limits it states)."""
    number = (number or "").strip()
    if not number:
        raise _err("许可证编号不能为空", "Permit number is required", "number", location)
    ent = _enterprise_at(session, enterprise, location)
    if session.get(Permit, number) is not None:
        raise _err(f"许可证 {number} 已登记", f"Permit {number} is already registered",
                   "number", location)
    start = parse_date(issued, "issued", location)
    end = parse_date(valid_until, "valid_until", location)
    if end < start:
        raise _err("有效期截止日早于发证日期", "valid_until is before the issue date",
                   "valid_until", location)
    permit = Permit(number=number, enterprise=ent.credit_code, issued=start, valid_until=end,
                    management_class=parse_management_class(management_class, location),
                    note=note or None)
    session.add(permit)
    session.flush()
    for lim in limits:
        add_permit_limit(session, number, lim, location=location)
    return permit


def edit_permit(session: Session, number: str, *, valid_until: Any = None,
                management_class: str | None = None, note: str | None = None) -> Permit:
    """Correct a permit's validity / class / note (a renewal is a new permit number)."""
    permit = get_permit(session, number)
    if valid_until is not None:
        end = parse_date(valid_until, "valid_until")
        if end < permit.issued:
            raise _err("有效期截止日早于发证日期", "valid_until is before the issue date",
                       "valid_until")
        permit.valid_until = end
    if management_class is not None:
        permit.management_class = parse_management_class(management_class)
    if note is not None:
        permit.note = note or None
    session.flush()
    return permit


def add_permit_limit(session: Session, permit: str, limit: LimitInput, *,
                     location: Location | None = None) -> PermitLimit:
    """Add a limit the permit states for one of the permit holder's outlets."""
    p = session.get(Permit, (permit or "").strip())
    if p is None:
        raise _err(f"未登记的许可证：{permit}", f"Unknown permit: {permit}", "permit", location)
    outlet = session.get(Outlet, (limit.outlet or "").strip())
    if outlet is None:
        raise _err(f"未登记的排放口：{limit.outlet}", f"Unknown outlet: {limit.outlet}",
                   "outlet", location)
    if outlet.enterprise != p.enterprise:
        raise _err(f"排放口 {outlet.code} 不属于许可证持有企业",
                   f"Outlet {outlet.code} does not belong to the permit holder", "outlet",
                   location)
    parameter = parse_parameter(limit.parameter, location)
    unit = (limit.unit or "").strip()
    if not unit:
        raise _err("限值单位不能为空", "Limit unit is required", "unit", location)
    exists = session.scalars(select(PermitLimit).where(
        PermitLimit.permit == p.number, PermitLimit.outlet == outlet.code,
        PermitLimit.parameter == parameter)).first()
    if exists is not None:
        raise _err(f"许可证 {p.number} 已有排放口 {outlet.code} 的 {parameter} 限值",
                   f"Permit {p.number} already has a {parameter} limit for outlet {outlet.code}",
                   "parameter", location)
    row = PermitLimit(permit=p.number, outlet=outlet.code, parameter=parameter,
                      limit_value=parse_limit(limit.limit_value, location), unit=unit,
                      basis=(limit.basis or "").strip() or None)
    session.add(row)
    session.flush()
    return row


def get_permit(session: Session, number: str) -> Permit:
    permit = session.get(Permit, (number or "").strip())
    if permit is None:
        raise _err(f"未登记的许可证：{number}", f"Unknown permit: {number}", "permit")
    return permit


def list_permits(session: Session, enterprise: str | None = None) -> list[Permit]:
    q = select(Permit).order_by(Permit.enterprise, Permit.issued)
    if enterprise:
        q = q.where(Permit.enterprise == find_enterprise(session, enterprise).credit_code)
    return list(session.scalars(q))


def permit_limits(session: Session, permit: str) -> list[PermitLimit]:
    return list(session.scalars(select(PermitLimit).where(PermitLimit.permit == permit)
                                .order_by(PermitLimit.outlet, PermitLimit.parameter)))


def permit_in_force(session: Session, enterprise: str, on: date) -> Permit | None:
    """The enterprise's permit valid on ``on`` (the latest issued if several)."""
    return session.scalars(
        select(Permit).where(Permit.enterprise == enterprise, Permit.issued <= on,
                             Permit.valid_until >= on)
        .order_by(Permit.issued.desc(), Permit.number.desc())).first()


def limits_in_force(session: Session, on_from: date, on_to: date,
                    enterprise: str | None = None) -> list[dict[str, Any]]:
    """Every permit limit whose permit is valid on some day of [on_from, on_to], with its
    validity window — the limit table the exceedance rule joins on."""
    q = (select(PermitLimit, Permit, Outlet)
         .join(Permit, PermitLimit.permit == Permit.number)
         .join(Outlet, PermitLimit.outlet == Outlet.code)
         .where(Permit.issued <= on_to, Permit.valid_until >= on_from))
    if enterprise:
        q = q.where(Permit.enterprise == enterprise)
    rows: list[dict[str, Any]] = []
    for lim, permit, outlet in session.execute(q):
        rows.append({
            "enterprise": permit.enterprise, "outlet": lim.outlet, "outlet_kind": outlet.kind,
            "parameter": lim.parameter, "limit_value": float(lim.limit_value),
            "limit_unit": lim.unit, "basis": lim.basis or "", "permit": permit.number,
            "valid_from": permit.issued, "valid_until": permit.valid_until,
        })
    return _without_overlaps(rows)


def _without_overlaps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where two permits of an outlet state a limit for the same pollutant on the same day
    (a renewal issued before the old one expired), the later-issued permit applies from its
    issue date: the earlier one's window is cut to the day before."""
    rows = sorted(rows, key=lambda r: (r["outlet"], r["parameter"], r["valid_from"],
                                       r["permit"]))
    for a, b in zip(rows, rows[1:], strict=False):
        if (a["outlet"], a["parameter"]) == (b["outlet"], b["parameter"]) \
                and a["valid_until"] >= b["valid_from"]:
            a["valid_until"] = b["valid_from"] - timedelta(days=1)
    return [r for r in rows if r["valid_until"] >= r["valid_from"]]


# ---------------------------------------------------------------- performance grades
def record_grade(session: Session, enterprise: str, grade: str, effective_from: Any,
                 document: str, *, recorded_by: str | None = None,
                 location: Location | None = None) -> PerformanceGrade:
    """Append a performance grade (绩效分级) effective from a date under a document."""
    ent = _enterprise_at(session, enterprise, location)
    doc = (document or "").strip()
    if not doc:
        raise _err("请填写分级依据文件", "The grading document is required", "document",
                   location)
    row = PerformanceGrade(enterprise=ent.credit_code, grade=parse_grade(grade, location),
                           effective_from=parse_date(effective_from, "effective_from",
                                                     location),
                           document=doc, recorded_by=recorded_by)
    session.add(row)
    session.flush()
    return row


def grade_history(session: Session, enterprise: str) -> list[PerformanceGrade]:
    code = find_enterprise(session, enterprise).credit_code
    return list(session.scalars(
        select(PerformanceGrade).where(PerformanceGrade.enterprise == code)
        .order_by(PerformanceGrade.effective_from, PerformanceGrade.id)))


def list_grades(session: Session) -> list[PerformanceGrade]:
    return list(session.scalars(select(PerformanceGrade).order_by(
        PerformanceGrade.enterprise, PerformanceGrade.effective_from, PerformanceGrade.id)))


def grade_in_force(session: Session, enterprise: str, on: date) -> PerformanceGrade | None:
    """The grade in force on ``on``: latest effective date on or before it, then latest
    recorded (a later record for the same date supersedes an earlier one)."""
    code = (enterprise or "").strip().upper()
    return session.scalars(
        select(PerformanceGrade)
        .where(PerformanceGrade.enterprise == code, PerformanceGrade.effective_from <= on)
        .order_by(PerformanceGrade.effective_from.desc(), PerformanceGrade.id.desc())).first()


# ---------------------------------------------------------------- helpers
def _enterprise_at(session: Session, key: str, location: Location | None) -> Enterprise:
    try:
        return find_enterprise(session, key)
    except SourcesError:
        raise _err(f"未登记的企业：{key}", f"Unknown enterprise: {key}", "enterprise",
                   location) from None


def as_dict(obj: Enterprise | Outlet | Permit | PermitLimit | PerformanceGrade
            ) -> dict[str, Any]:
    """A JSON-friendly dict of a registry row (dates ISO, decimals float)."""
    out: dict[str, Any] = {}
    for col in obj.__table__.columns:  # type: ignore[union-attr]
        v = getattr(obj, col.key)
        if isinstance(v, date):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = float(v)
        out[col.key] = v
    return out


