"""Radiation sources over their whole life (plan chapter 九: 放射源全过程管理): user units and their
radiation-safety licences, sealed sources (decay and category from
:mod:`ecoplan.standards.radiation`), append-only life events, radiation workers and their training
certificates; expiring licences and certificates, sources past their working life.

Working life: the recommended working life the manufacturer states (推荐使用期限) counted from
the source's reference (出厂) date; a source past it and still held should be retired and returned
or sent to collection storage (放射性同位素与射线装置安全和防护条例 第三十二条).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.assess.risk_records import source_held
from ecoplan.errors import EcoplanError, Location, StandardError
from ecoplan.standards.radiation import decayed_activity, normalise_nuclide, source_category
from ecoplan.store import audit
from ecoplan.store.radiation_models import (
    CLOSING_EVENTS,
    SOURCE_EVENTS,
    RadCertificate,
    RadLicence,
    RadSource,
    RadSourceEvent,
    RadUnit,
    RadWorker,
)
from ecoplan.supervision import registry_excel as X
from ecoplan.supervision.registry_rows import upsert
from ecoplan.supervision.risk import check_location, to_date

EVENT_WORDS = {"购买": "purchase", "购入": "purchase", "转让": "transfer", "转出": "transfer",
               "使用": "use", "退役": "retirement", "送贮": "storage", "收贮": "storage",
               "返回": "return", "返回生产单位": "return"} | {k: k for k in SOURCE_EVENTS}
EVENT_NAMES = {"purchase": ("购买", "purchase"), "transfer": ("转让", "transfer"), "use": ("使用", "use"),
               "retirement": ("退役", "retirement"), "storage": ("送贮/收贮", "collection storage"),
               "return": ("返回生产单位", "return to producer")}
DAYS_PER_YEAR = 365.25


class RadiationError(EcoplanError):
    """A radiation-registry input is invalid."""


def unit(session: Session, ref: str, field: str = "unit") -> RadUnit:
    u = session.get(RadUnit, ref) or session.scalars(select(RadUnit).where(RadUnit.name == ref)).first()
    if u is None:
        raise RadiationError(f"核技术利用单位“{ref}”未登记", f"Unit “{ref}” is not registered",
                             location=Location(None, None, field))
    return u


def add_unit(session: Session, credit_code: str, name: str, *, actor: str, kind: str | None = None,
             town: str | None = None, department: str | None = None, longitude: float | None = None,
             latitude: float | None = None) -> tuple[RadUnit, bool]:
    check_location(longitude, latitude)
    values = {"name": name, "kind": kind, "town": town, "department": department,
              "longitude": longitude, "latitude": latitude}
    return upsert(session, session.get(RadUnit, credit_code), RadUnit, {"credit_code": credit_code},
                   values, actor, "radiation.unit", "rad_unit", credit_code)


def add_licence(session: Session, number: str, ref: str, scope: str, issued: Any, valid_until: Any, *,
                actor: str) -> tuple[RadLicence, bool]:
    u = unit(session, ref)
    i, v = to_date(issued, "issued"), to_date(valid_until, "valid_until")
    if v < i:
        raise RadiationError("有效期至早于发证日期", "valid_until is before issued",
                             location=Location(None, None, "valid_until"))
    values = {"unit": u.credit_code, "scope": scope, "issued": i, "valid_until": v}
    return upsert(session, session.get(RadLicence, number), RadLicence, {"number": number}, values, actor,
                   "radiation.licence", "rad_licence", number)


def add_source(session: Session, serial: str, ref: str, nuclide: str, activity_bq: Any, reference_date: Any,
               *, actor: str, working_life_years: Any = None, purpose: str | None = None,
               longitude: float | None = None, latitude: float | None = None) -> tuple[RadSource, bool]:
    u = unit(session, ref)
    check_location(longitude, latitude)
    try:
        nuc = normalise_nuclide(nuclide)
    except StandardError as err:
        raise RadiationError(err.zh, err.en, location=Location(None, None, "nuclide")) from None
    a = float(activity_bq)
    if not a > 0:
        raise RadiationError(f"活度“{activity_bq}”应为正数（Bq）", f"Activity “{activity_bq}” must be > 0 Bq",
                             location=Location(None, None, "activity_bq"))
    serial = str(serial).strip().upper()
    values = {"unit": u.credit_code, "nuclide": nuc, "activity_bq": a,
              "reference_date": to_date(reference_date, "reference_date"),
              "working_life_years": None if working_life_years in (None, "") else float(working_life_years),
              "purpose": purpose, "longitude": longitude, "latitude": latitude}
    return upsert(session, session.get(RadSource, serial), RadSource, {"serial": serial}, values, actor,
                   "radiation.source", "rad_source", serial)


def add_event(session: Session, serial: str, kind: str, on: Any, *, actor: str,
              counterparty: str | None = None, document: str | None = None) -> tuple[RadSourceEvent, bool]:
    """Append a life event; nothing may follow a transfer, storage or return of the source."""
    src = session.get(RadSource, str(serial).strip().upper())
    if src is None:
        raise RadiationError(f"放射源 {serial} 未登记", f"Source {serial} is not registered",
                             location=Location(None, None, "serial"))
    k = EVENT_WORDS.get(str(kind).strip())
    if k is None:
        raise RadiationError(f"事件“{kind}”应为 购买/转让/使用/退役/送贮/返回",
                             f"Event “{kind}” must be purchase, transfer, use, retirement, storage or return",
                             location=Location(None, None, "kind"))
    d = to_date(on, "on")
    hist = events(session, src.serial)
    same = next((e for e in hist if e.kind == k and e.on == d), None)
    if same is not None:
        return same, False
    if hist and hist[-1].kind in CLOSING_EVENTS:
        raise RadiationError(f"放射源 {src.serial} 已于 {hist[-1].on} {EVENT_NAMES[hist[-1].kind][0]}，不能再登记事件",
                             f"Source {src.serial} left the unit on {hist[-1].on}; no further events",
                             location=Location(None, None, "kind"))
    if hist and d < hist[-1].on:
        raise RadiationError(f"事件日期 {d} 早于上一事件 {hist[-1].on}", f"Date {d} is before the last event",
                             location=Location(None, None, "on"))
    e = RadSourceEvent(serial=src.serial, kind=k, on=d, counterparty=counterparty, document=document,
                       recorded_by=actor)
    session.add(e)
    audit.record(session, actor, "radiation.event.add", "rad_source", src.serial,
                 after={"kind": k, "on": d, "counterparty": counterparty, "document": document})
    return e, True


def events(session: Session, serial: str) -> list[RadSourceEvent]:
    return list(session.scalars(select(RadSourceEvent).where(RadSourceEvent.serial == serial)
                                .order_by(RadSourceEvent.on, RadSourceEvent.id)))


def add_worker(session: Session, ref: str, name: str, *, actor: str, post: str | None = None,
               active: bool = True) -> tuple[RadWorker, bool]:
    u = unit(session, ref)
    w = session.scalars(select(RadWorker).where(RadWorker.unit == u.credit_code, RadWorker.name == name)).first()
    obj, changed = upsert(session, w, RadWorker, {"unit": u.credit_code, "name": name},
                           {"post": post, "active": 1 if active else 0}, actor, "radiation.worker", "rad_unit",
                           u.credit_code)
    session.flush()
    return obj, changed


def add_certificate(session: Session, ref: str, worker: str, number: str, issued: Any, valid_until: Any, *,
                    actor: str) -> tuple[RadCertificate, bool]:
    u = unit(session, ref)
    w = session.scalars(select(RadWorker).where(RadWorker.unit == u.credit_code, RadWorker.name == worker)).first()
    if w is None:
        w, _ = add_worker(session, u.credit_code, worker, actor=actor)
    same = session.scalars(select(RadCertificate).where(RadCertificate.worker_id == w.id,
                                                        RadCertificate.number == number)).first()
    if same is not None:
        return same, False
    c = RadCertificate(worker_id=w.id, number=number, issued=to_date(issued, "issued"),
                       valid_until=to_date(valid_until, "valid_until"), recorded_by=actor)
    session.add(c)
    audit.record(session, actor, "radiation.certificate.add", "rad_unit", u.credit_code,
                 after={"worker": worker, "number": number, "valid_until": c.valid_until})
    return c, True


@dataclass
class SourceView:
    serial: str
    unit: str
    unit_name: str
    nuclide: str
    activity_ref_bq: float
    reference_date: date
    on: date
    activity_bq: float
    category: str | None
    category_basis: str
    held: bool
    last_event: str | None
    life_end: date | None
    past_life: bool
    longitude: float | None
    latitude: float | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("reference_date", "on", "life_end"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def source_view(session: Session, src: RadSource, on: date) -> SourceView:
    u = session.get(RadUnit, src.unit)
    act = decayed_activity(src.nuclide, src.activity_bq, src.reference_date, on)
    cat = source_category(src.nuclide, act)
    hist = events(session, src.serial)
    life_end = (src.reference_date + timedelta(days=round(src.working_life_years * DAYS_PER_YEAR))
                if src.working_life_years else None)
    held = source_held(session, src.serial, on)
    return SourceView(src.serial, src.unit, u.name if u else src.unit, src.nuclide, src.activity_bq,
                      src.reference_date, on, act, cat.category, cat.basis, held,
                      hist[-1].kind if hist else None, life_end,
                      bool(held and life_end is not None and life_end < on),
                      src.longitude if src.longitude is not None else (u.longitude if u else None),
                      src.latitude if src.latitude is not None else (u.latitude if u else None))


def sources(session: Session, on: date) -> list[SourceView]:
    return [source_view(session, s, on) for s in session.scalars(select(RadSource).order_by(RadSource.serial))]


def past_working_life(session: Session, today: date) -> list[SourceView]:
    """Sources still held on ``today`` beyond their recommended working life."""
    return [v for v in sources(session, today) if v.past_life]


@dataclass
class Expiring:
    kind: str  # rad_licence | certificate
    ref: str
    unit: str
    name: str
    due: date
    days_left: int
    longitude: float | None
    latitude: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "unit": self.unit, "name": self.name,
                "due": self.due.isoformat(), "days_left": self.days_left,
                "longitude": self.longitude, "latitude": self.latitude}


def expiring(session: Session, today: date, within_days: int = 90) -> list[Expiring]:
    """Licences and training certificates (the latest of each unit / worker) that expire within
    ``within_days`` of ``today`` or have expired."""
    horizon = today + timedelta(days=within_days)
    out: list[Expiring] = []
    latest: dict[str, RadLicence] = {}
    for lic in session.scalars(select(RadLicence).order_by(RadLicence.valid_until)):
        latest[lic.unit] = lic
    for lic in latest.values():
        if lic.valid_until <= horizon:
            u = session.get(RadUnit, lic.unit)
            assert u is not None
            out.append(Expiring("rad_licence", lic.number, u.credit_code, u.name, lic.valid_until,
                                (lic.valid_until - today).days, u.longitude, u.latitude))
    for w in session.scalars(select(RadWorker).where(RadWorker.active == 1)):
        c = session.scalars(select(RadCertificate).where(RadCertificate.worker_id == w.id)
                            .order_by(RadCertificate.valid_until.desc())).first()
        if c is not None and c.valid_until <= horizon:
            u = session.get(RadUnit, w.unit)
            assert u is not None
            out.append(Expiring("certificate", c.number, u.credit_code, f"{w.name}（{u.name}）", c.valid_until,
                                (c.valid_until - today).days, u.longitude, u.latitude))
    return sorted(out, key=lambda x: x.due)


# ------------------------------------------------------------------- Excel
C = X.Column
SHEETS: tuple[X.Sheet, ...] = (
    X.Sheet("units", "单位", (
        C("credit_code", "统一社会信用代码", required=True), C("name", "单位名称", required=True),
        C("kind", "类别", hint="医疗/工业/科研"), C("town", "乡镇"), C("department", "监管部门"),
        C("longitude", "经度", "number"), C("latitude", "纬度", "number"))),
    X.Sheet("licences", "辐射安全许可证", (
        C("number", "许可证编号", required=True), C("unit", "单位", required=True, hint="信用代码或名称"),
        C("scope", "种类和范围", required=True), C("issued", "发证日期", "date", True),
        C("valid_until", "有效期至", "date", True))),
    X.Sheet("sources", "放射源", (
        C("serial", "放射源编码", required=True), C("unit", "单位", required=True),
        C("nuclide", "核素", required=True, hint="如 Cs-137"),
        C("activity_bq", "出厂活度", "number", True, "Bq"),
        C("reference_date", "出厂日期", "date", True),
        C("working_life_years", "推荐使用期限", "number", hint="年"),
        C("purpose", "用途"), C("longitude", "经度", "number"), C("latitude", "纬度", "number"))),
    X.Sheet("events", "放射源事件", (
        C("serial", "放射源编码", required=True),
        C("kind", "事件", required=True, hint="购买/转让/使用/退役/送贮/返回"),
        C("on", "日期", "date", True), C("counterparty", "对方单位"), C("document", "审批备案文件"))),
    X.Sheet("certificates", "培训证书", (
        C("unit", "单位", required=True), C("worker", "姓名", required=True), C("post", "岗位"),
        C("number", "证书编号", required=True), C("issued", "发证日期", "date", True),
        C("valid_until", "有效期至", "date", True))),
)


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


HANDLERS: dict[str, X.Handler] = {
    "units": lambda s, r, a: add_unit(s, r.values["credit_code"], r.values["name"], actor=a,
                                      kind=r.values.get("kind"), town=r.values.get("town"),
                                      department=r.values.get("department"),
                                      longitude=_f(r.values.get("longitude")),
                                      latitude=_f(r.values.get("latitude")))[1],
    "licences": lambda s, r, a: add_licence(s, r.values["number"], r.values["unit"], r.values["scope"],
                                            r.values["issued"], r.values["valid_until"], actor=a)[1],
    "sources": lambda s, r, a: add_source(s, r.values["serial"], r.values["unit"], r.values["nuclide"],
                                          r.values["activity_bq"], r.values["reference_date"], actor=a,
                                          working_life_years=r.values.get("working_life_years"),
                                          purpose=r.values.get("purpose"),
                                          longitude=_f(r.values.get("longitude")),
                                          latitude=_f(r.values.get("latitude")))[1],
    "events": lambda s, r, a: add_event(s, r.values["serial"], r.values["kind"], r.values["on"], actor=a,
                                        counterparty=r.values.get("counterparty"),
                                        document=r.values.get("document"))[1],
    "certificates": lambda s, r, a: add_certificate(s, r.values["unit"], r.values["worker"], r.values["number"],
                                                    r.values["issued"], r.values["valid_until"], actor=a)[1],
}


def import_workbook(session: Session, path: Path, *, actor: str) -> X.ImportReport:
    return X.run_import(session, path, SHEETS, HANDLERS, actor)


def write_template(path: Path) -> Path:
    return X.write_template(path, SHEETS, "放射源登记导入模板 / radiation-source registry template", [
        "核素写法如 Co-60、Cs-137、Ir-192；活度单位 Bq，按出厂日期的活度填写，系统按半衰期计算衰变。",
        "放射源事件只追加：购买、转让、使用、退役、送贮（收贮）、返回生产单位。"])


