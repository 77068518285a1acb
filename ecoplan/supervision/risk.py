"""Risk sources and emergency preparedness (plan chapter 九): risk enterprises graded with
HJ 941-2018 from stored inputs, emergency-plan filings (备案) with review due dates and drills,
emergency supplies, the expert team and the key construction-land plots.

Review due date of a filed plan: three years after filing unless stated — 《企业事业单位突发环境
事件应急预案备案管理办法（试行）》（环发〔2015〕4号）第十二条, the plan is reviewed at least every
three years. Every write goes to the audit log (:mod:`ecoplan.store.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError, Location
from ecoplan.standards import land_use
from ecoplan.standards.risk_level import EnterpriseLevel, enterprise_level, route_level
from ecoplan.store import audit
from ecoplan.store.risk_models import (
    EmergencyDrill,
    EmergencyExpert,
    EmergencyPlanFiling,
    EmergencySupply,
    LandPlot,
    RiskEnterprise,
    RiskGrading,
)
from ecoplan.supervision import registry_excel as X
from ecoplan.supervision.registry_excel import parse_value
from ecoplan.supervision.registry_rows import upsert

REVIEW_YEARS = 3
ROUTES = {"air": "air", "大气": "air", "water": "water", "水": "water"}


class RiskError(EcoplanError):
    """A risk-registry input is invalid."""


def to_date(v: Any, field: str) -> date:
    d = parse_value("date", v, Location(None, None, field))
    if d is None:
        raise RiskError(f"{field} 不能为空", f"{field} is required", location=Location(None, None, field))
    return d  # type: ignore[no-any-return]


def opt_date(v: Any, field: str) -> date | None:
    return None if v in (None, "") else to_date(v, field)


def check_location(lon: float | None, lat: float | None) -> None:
    """WGS84 degrees, both or neither."""
    if (lon is None) != (lat is None):
        raise RiskError("经度和纬度须同时填写", "Give both longitude and latitude",
                        location=Location(None, None, "longitude"))
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RiskError(f"坐标 {lon}, {lat} 不是 WGS84 经纬度", f"{lon}, {lat} are not WGS84 degrees",
                        location=Location(None, None, "longitude"))


def enterprise(session: Session, ref: str) -> RiskEnterprise:
    e = session.get(RiskEnterprise, ref) or session.scalars(
        select(RiskEnterprise).where(RiskEnterprise.name == ref)).first()
    if e is None:
        raise RiskError(f"风险企业“{ref}”未登记", f"Risk enterprise “{ref}” is not registered",
                        location=Location(None, None, "enterprise"))
    return e


def add_enterprise(session: Session, credit_code: str, name: str, *, actor: str, industry: str | None = None,
                   town: str | None = None, department: str | None = None, hazardous: bool = True,
                   heavy_metals: bool = False, longitude: float | None = None,
                   latitude: float | None = None, note: str | None = None) -> tuple[RiskEnterprise, bool]:
    """Register (or update) a risk enterprise; returns it and whether anything changed."""
    check_location(longitude, latitude)
    values = {"name": name, "industry": industry, "town": town, "department": department,
              "hazardous": hazardous, "heavy_metals": heavy_metals, "longitude": longitude,
              "latitude": latitude, "note": note}
    return upsert(session, session.get(RiskEnterprise, credit_code), RiskEnterprise, {"credit_code": credit_code}, values,
                  actor, "risk.enterprise", "risk_enterprise", credit_code)


def add_grading(session: Session, ref: str, route: str, q: Any, m: Any, e_type: str, assessed_on: Any,
                *, actor: str, document: str | None = None) -> tuple[RiskGrading, bool]:
    """Append the HJ 941-2018 inputs of one route (the level is computed, never stored); the
    same inputs on the same date are not appended twice."""
    ent = enterprise(session, ref)
    r = ROUTES.get(str(route).strip().lower())
    if r is None:
        raise RiskError(f"途径“{route}”应为 大气/air 或 水/water", f"Route “{route}” must be air or water",
                        location=Location(None, None, "route"))
    qd, md = Decimal(str(q)), Decimal(str(m))
    lvl = route_level(r, qd, md, e_type)  # validates the inputs
    on = to_date(assessed_on, "assessed_on")
    et = str(e_type).strip().upper()
    same = session.scalars(select(RiskGrading).where(
        RiskGrading.enterprise == ent.credit_code, RiskGrading.route == r, RiskGrading.assessed_on == on,
        RiskGrading.q_value == qd, RiskGrading.m_score == md, RiskGrading.e_type == et)).first()
    if same is not None:
        return same, False
    g = RiskGrading(enterprise=ent.credit_code, assessed_on=on, route=r, q_value=qd, m_score=md, e_type=et,
                    document=document, recorded_by=actor)
    session.add(g)
    audit.record(session, actor, "risk.grading.add", "risk_enterprise", ent.credit_code,
                 after={"route": r, "q": qd, "m": md, "e": g.e_type, "level": lvl.code})
    return g, True


def level_of(session: Session, credit_code: str, on: date | None = None) -> tuple[EnterpriseLevel | None,
                                                                                  list[RiskGrading]]:
    """The enterprise's level from its latest grading of each route on or before ``on``."""
    q = select(RiskGrading).where(RiskGrading.enterprise == credit_code)
    if on is not None:
        q = q.where(RiskGrading.assessed_on <= on)
    latest: dict[str, RiskGrading] = {}
    for g in session.scalars(q.order_by(RiskGrading.assessed_on, RiskGrading.id)):
        latest[g.route] = g
    if not latest:
        return None, []
    gs = sorted(latest.values(), key=lambda g: g.route)
    return enterprise_level([route_level(g.route, g.q_value, g.m_score, g.e_type) for g in gs]), gs


def file_plan(session: Session, ref: str, version: str, filing_number: str, filed_on: Any, *, actor: str,
              review_due: Any = None, risk_level: str | None = None) -> tuple[EmergencyPlanFiling, bool]:
    """Record a filed plan version (append-only); the same filing again changes nothing."""
    ent = enterprise(session, ref)
    f_on = to_date(filed_on, "filed_on")
    due = opt_date(review_due, "review_due") or f_on.replace(year=f_on.year + REVIEW_YEARS) - timedelta(days=1)
    dup = session.scalars(select(EmergencyPlanFiling).where(
        EmergencyPlanFiling.enterprise == ent.credit_code, EmergencyPlanFiling.version == version)).first()
    if dup is not None and (dup.filing_number, dup.filed_on) == (filing_number, f_on):
        return dup, False
    if dup is not None:
        raise RiskError(f"{ent.name} 的预案版本 {version} 已备案", f"Version {version} is already filed",
                        location=Location(None, None, "version"))
    p = EmergencyPlanFiling(enterprise=ent.credit_code, version=version, filing_number=filing_number,
                            filed_on=f_on, review_due=due, risk_level=risk_level, recorded_by=actor)
    session.add(p)
    audit.record(session, actor, "risk.plan.file", "risk_enterprise", ent.credit_code,
                 after={"version": version, "filing_number": filing_number, "filed_on": f_on,
                        "review_due": due})
    return p, True


def current_plan(session: Session, credit_code: str) -> EmergencyPlanFiling | None:
    return session.scalars(select(EmergencyPlanFiling).where(EmergencyPlanFiling.enterprise == credit_code)
                           .order_by(EmergencyPlanFiling.filed_on.desc(), EmergencyPlanFiling.id.desc())
                           ).first()


def add_drill(session: Session, ref: str, held_on: Any, scenario: str, *, actor: str,
              participants: int | None = None, record: str | None = None) -> tuple[EmergencyDrill, bool]:
    ent = enterprise(session, ref)
    plan = current_plan(session, ent.credit_code)
    if plan is None:
        raise RiskError(f"{ent.name} 尚无备案的应急预案，无法登记演练",
                        f"{ent.name} has no filed plan to record a drill under",
                        location=Location(None, None, "enterprise"))
    held = to_date(held_on, "held_on")
    same = session.scalars(select(EmergencyDrill).where(EmergencyDrill.filing_id == plan.id,
                                                        EmergencyDrill.held_on == held,
                                                        EmergencyDrill.scenario == scenario)).first()
    if same is not None:
        return same, False
    d = EmergencyDrill(filing_id=plan.id, held_on=held, scenario=scenario,
                       participants=participants, record=record, recorded_by=actor)
    session.add(d)
    audit.record(session, actor, "risk.drill.add", "risk_enterprise", ent.credit_code,
                 after={"plan": plan.version, "held_on": d.held_on, "scenario": scenario})
    return d, True


def drills(session: Session, credit_code: str) -> list[EmergencyDrill]:
    ids = [p.id for p in session.scalars(select(EmergencyPlanFiling).where(
        EmergencyPlanFiling.enterprise == credit_code))]
    return list(session.scalars(select(EmergencyDrill).where(EmergencyDrill.filing_id.in_(ids))
                                .order_by(EmergencyDrill.held_on))) if ids else []


def add_supply(session: Session, name: str, quantity: Any, unit: str, place: str, owner: str, *,
               actor: str, expires_on: Any = None, department: str | None = None,
               longitude: float | None = None, latitude: float | None = None) -> tuple[EmergencySupply, bool]:
    """Register a supply stock; the same name, place and owner updates it (audited)."""
    check_location(longitude, latitude)
    qty = Decimal(str(quantity))
    if qty < 0:
        raise RiskError("数量不能为负", "Quantity cannot be negative", location=Location(None, None, "quantity"))
    values = {"quantity": qty, "unit": unit, "expires_on": opt_date(expires_on, "expires_on"),
              "department": department, "longitude": longitude, "latitude": latitude}
    s = session.scalars(select(EmergencySupply).where(EmergencySupply.name == name,
                                                      EmergencySupply.place == place,
                                                      EmergencySupply.owner == owner)).first()
    if s is None:
        s = EmergencySupply(name=name, place=place, owner=owner, **values)
        session.add(s)
        session.flush()
        audit.record(session, actor, "risk.supply.add", "risk_supply", s.id, after={"name": name, **values})
        return s, True
    before = {k: getattr(s, k) for k in values}
    if before == values:
        return s, False
    for k, v in values.items():
        setattr(s, k, v)
    audit.record(session, actor, "risk.supply.update", "risk_supply", s.id, before=before, after=values)
    return s, True


def add_expert(session: Session, name: str, speciality: str, *, actor: str, organisation: str | None = None,
               phone: str | None = None, available: bool = True, longitude: float | None = None,
               latitude: float | None = None) -> tuple[EmergencyExpert, bool]:
    check_location(longitude, latitude)
    values = {"speciality": speciality, "organisation": organisation, "phone": phone,
              "available": available, "longitude": longitude, "latitude": latitude}
    x = session.scalars(select(EmergencyExpert).where(EmergencyExpert.name == name,
                                                      EmergencyExpert.organisation == organisation)).first()
    if x is None:
        x = EmergencyExpert(name=name, **values)
        session.add(x)
        session.flush()
        audit.record(session, actor, "risk.expert.add", "risk_expert", x.id, after={"name": name, **values})
        return x, True
    before = {k: getattr(x, k) for k in values}
    if before == values:
        return x, False
    for k, v in values.items():
        setattr(x, k, v)
    audit.record(session, actor, "risk.expert.update", "risk_expert", x.id, before=before, after=values)
    return x, True


def add_plot(session: Session, code: str, name: str, planned_use: str, *, actor: str, **fields: Any
             ) -> tuple[LandPlot, bool]:
    """Register or update a construction-land plot (states as in land_use.SURVEY/CONTROL_STATES)."""
    check_location(fields.get("longitude"), fields.get("latitude"))
    survey = fields.get("survey_state") or "none"
    control = fields.get("control_state") or "none"
    if survey not in land_use.SURVEY_STATES:
        raise RiskError(f"调查结论“{survey}”应为 {'/'.join(land_use.SURVEY_STATES)}",
                        f"Survey state “{survey}” must be one of {', '.join(land_use.SURVEY_STATES)}",
                        location=Location(None, None, "survey_state"))
    if control not in land_use.CONTROL_STATES:
        raise RiskError(f"管控修复状态“{control}”应为 {'/'.join(land_use.CONTROL_STATES)}",
                        f"Control state “{control}” must be one of {', '.join(land_use.CONTROL_STATES)}",
                        location=Location(None, None, "control_state"))
    values = {"name": name, "planned_use": planned_use.strip().upper(), "town": fields.get("town"),
              "former_use": fields.get("former_use"), "survey_state": survey,
              "survey_on": opt_date(fields.get("survey_on"), "survey_on"), "control_state": control,
              "control_done_on": opt_date(fields.get("control_done_on"), "control_done_on"),
              "delisted_on": opt_date(fields.get("delisted_on"), "delisted_on"),
              "reused_on": opt_date(fields.get("reused_on"), "reused_on"),
              "department": fields.get("department"), "longitude": fields.get("longitude"),
              "latitude": fields.get("latitude")}
    return upsert(session, session.get(LandPlot, code), LandPlot, {"code": code}, values,
                  actor, "risk.plot", "land_plot", code)


@dataclass
class Expiring:
    kind: str  # plan_review | supply
    ref: str
    name: str
    due: date
    days_left: int
    longitude: float | None
    latitude: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "name": self.name, "due": self.due.isoformat(),
                "days_left": self.days_left, "longitude": self.longitude, "latitude": self.latitude}


def expiring(session: Session, today: date, within_days: int = 90) -> list[Expiring]:
    """Plans due for review and supplies expiring within ``within_days`` of ``today`` (overdue
    ones included, with negative days left). Pure read: no side effects."""
    horizon = today + timedelta(days=within_days)
    out: list[Expiring] = []
    for e in session.scalars(select(RiskEnterprise).order_by(RiskEnterprise.name)):
        p = current_plan(session, e.credit_code)
        if p is not None and p.review_due <= horizon:
            out.append(Expiring("plan_review", f"{e.credit_code}/{p.version}", e.name, p.review_due,
                                (p.review_due - today).days, e.longitude, e.latitude))
    for s in session.scalars(select(EmergencySupply).where(EmergencySupply.expires_on.is_not(None),
                                                           EmergencySupply.expires_on <= horizon)):
        assert s.expires_on is not None
        out.append(Expiring("supply", str(s.id), f"{s.name}（{s.place}）", s.expires_on,
                            (s.expires_on - today).days, s.longitude, s.latitude))
    return sorted(out, key=lambda x: x.due)


def enterprises_without_plan(session: Session) -> list[RiskEnterprise]:
    """涉危涉重 enterprises with no filed plan (the plan wants electronic filing for all)."""
    return [e for e in session.scalars(select(RiskEnterprise).order_by(RiskEnterprise.name))
            if current_plan(session, e.credit_code) is None]


# ------------------------------------------------------------------- Excel
def _f(x: Any) -> float | None:
    return None if x is None else float(x)


_C = X.Column
SHEETS: tuple[X.Sheet, ...] = (
    X.Sheet("enterprises", "风险企业", (
        _C("credit_code", "统一社会信用代码", required=True), _C("name", "企业名称", required=True),
        _C("industry", "行业"), _C("town", "乡镇"), _C("department", "监管部门"),
        _C("hazardous", "涉危", "bool", hint="是/否"), _C("heavy_metals", "涉重", "bool", hint="是/否"),
        _C("longitude", "经度", "number"), _C("latitude", "纬度", "number"))),
    X.Sheet("gradings", "风险分级", (
        _C("enterprise", "企业", required=True, hint="信用代码或名称"),
        _C("route", "途径", required=True, hint="大气/水"),
        _C("q", "Q值", "number", True, "风险物质数量与临界量比值"),
        _C("m", "M值", "number", True, "生产工艺与风险控制水平得分"),
        _C("e", "E类型", required=True, hint="E1/E2/E3"),
        _C("assessed_on", "评估日期", "date", True), _C("document", "评估报告"))),
    X.Sheet("plans", "应急预案备案", (
        _C("enterprise", "企业", required=True), _C("version", "版本", required=True),
        _C("filing_number", "备案编号", required=True), _C("filed_on", "备案日期", "date", True),
        _C("review_due", "评估到期日", "date", hint="默认备案后三年"), _C("risk_level", "风险等级"))),
    X.Sheet("drills", "演练", (
        _C("enterprise", "企业", required=True), _C("held_on", "演练日期", "date", True),
        _C("scenario", "情景", required=True), _C("participants", "参演人数", "int"), _C("record", "记录"))),
    X.Sheet("supplies", "应急物资", (
        _C("name", "物资名称", required=True), _C("quantity", "数量", "number", True),
        _C("unit", "单位", required=True, hint="如 吨、套、个"), _C("place", "存放地点", required=True),
        _C("owner", "管理单位", required=True), _C("department", "监管部门"),
        _C("expires_on", "有效期至", "date"),
        _C("longitude", "经度", "number"), _C("latitude", "纬度", "number"))),
    X.Sheet("experts", "应急专家", (
        _C("name", "姓名", required=True), _C("speciality", "专业", required=True),
        _C("organisation", "工作单位"), _C("phone", "联系电话"), _C("available", "可调用", "bool"),
        _C("longitude", "经度", "number"), _C("latitude", "纬度", "number"))),
    X.Sheet("plots", "建设用地地块", (
        _C("code", "地块编码", required=True), _C("name", "地块名称", required=True),
        _C("planned_use", "规划用途", required=True, hint="GB 50137-2011 类别，如 R2、A33、M1"),
        _C("town", "乡镇"), _C("former_use", "原用途"),
        _C("survey_state", "调查结论", hint="none/clean/contaminated"), _C("survey_on", "调查完成日期", "date"),
        _C("control_state", "管控修复", hint="none/in_progress/completed"),
        _C("control_done_on", "效果评估通过日期", "date"), _C("delisted_on", "移出名录日期", "date"),
        _C("reused_on", "再开发利用日期", "date"), _C("department", "监管部门"),
        _C("longitude", "经度", "number"), _C("latitude", "纬度", "number"))),
)
_SURVEY_WORDS = {"未调查": "none", "未污染": "clean", "非污染地块": "clean", "污染地块": "contaminated"}
_CONTROL_WORDS = {"未开展": "none", "实施中": "in_progress", "已完成": "completed"}


def _v(r: X.Row, k: str) -> Any:
    return r.values.get(k)


HANDLERS: dict[str, X.Handler] = {
    "enterprises": lambda s, r, a: add_enterprise(
        s, _v(r, "credit_code"), _v(r, "name"), actor=a, industry=_v(r, "industry"), town=_v(r, "town"),
        department=_v(r, "department"), hazardous=_v(r, "hazardous") is not False,
        heavy_metals=bool(_v(r, "heavy_metals")), longitude=_f(_v(r, "longitude")),
        latitude=_f(_v(r, "latitude")))[1],
    "gradings": lambda s, r, a: add_grading(s, _v(r, "enterprise"), _v(r, "route"), _v(r, "q"),
                                            _v(r, "m"), _v(r, "e"), _v(r, "assessed_on"), actor=a,
                                            document=_v(r, "document"))[1],
    "plans": lambda s, r, a: file_plan(s, _v(r, "enterprise"), _v(r, "version"), _v(r, "filing_number"),
                                       _v(r, "filed_on"), actor=a, review_due=_v(r, "review_due"),
                                       risk_level=_v(r, "risk_level"))[1],
    "drills": lambda s, r, a: add_drill(s, _v(r, "enterprise"), _v(r, "held_on"), _v(r, "scenario"),
                                        actor=a, participants=_v(r, "participants"),
                                        record=_v(r, "record"))[1],
    "supplies": lambda s, r, a: add_supply(s, _v(r, "name"), _v(r, "quantity"), _v(r, "unit"), _v(r, "place"),
                                           _v(r, "owner"), actor=a, expires_on=_v(r, "expires_on"),
                                           department=_v(r, "department"), longitude=_f(_v(r, "longitude")),
                                           latitude=_f(_v(r, "latitude")))[1],
    "experts": lambda s, r, a: add_expert(s, _v(r, "name"), _v(r, "speciality"), actor=a,
                                          organisation=_v(r, "organisation"), phone=_v(r, "phone"),
                                          available=_v(r, "available") is not False,
                                          longitude=_f(_v(r, "longitude")), latitude=_f(_v(r, "latitude")))[1],
    "plots": lambda s, r, a: add_plot(
        s, _v(r, "code"), _v(r, "name"), _v(r, "planned_use"), actor=a, town=_v(r, "town"),
        former_use=_v(r, "former_use"),
        survey_state=_SURVEY_WORDS.get(_v(r, "survey_state") or "", _v(r, "survey_state")),
        survey_on=_v(r, "survey_on"),
        control_state=_CONTROL_WORDS.get(_v(r, "control_state") or "", _v(r, "control_state")),
        control_done_on=_v(r, "control_done_on"), delisted_on=_v(r, "delisted_on"),
        reused_on=_v(r, "reused_on"), department=_v(r, "department"), longitude=_f(_v(r, "longitude")),
        latitude=_f(_v(r, "latitude")))[1],
}


def import_workbook(session: Session, path: Path, *, actor: str) -> X.ImportReport:
    """Import the risk workbook (template sheets; each sheet optional)."""
    return X.run_import(session, path, SHEETS, HANDLERS, actor)


def write_template(path: Path) -> Path:
    return X.write_template(path, SHEETS, "环境风险源与应急登记导入模板 / risk-source registry template", [
        "风险分级按 HJ 941-2018 录入 Q、M、E，系统计算风险等级，不直接填写等级。",
        "预案备案、风险分级和演练只追加；地块调查结论：none 未调查 / clean 未污染 / contaminated 污染地块。"])
