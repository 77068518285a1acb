"""Hazardous waste (plan chapter 九 (二)): producers and operators, operating licences with the
categories/codes of the National Hazardous Waste List (2021), annual management plans, the ledger
(generated, stocktakes, self-utilised/disposed), transfer manifests with the quantity at each
hand-over, storage checks and the mass balance (:func:`ecoplan.assess.risk_records.mass_balance`).

Storage: the quantity on site against the unit's storage capacity, and the time limit (default
365 days: 固体废物污染环境防治法 第八十一条 “贮存危险废物不得超过一年”, the storage facility rules of
GB 18597-2023 《危险废物贮存污染控制标准》). Manifest hand-overs differing by more than the
tolerance are flagged (危险废物转移管理办法, 生态环境部令第23号).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.assess.risk_records import (
    Bilingual,
    balance_tolerance,
    ledger,
    licence_covering,
    mass_balance,
    overdue_stock,
    stock_on,
)
from ecoplan.errors import EcoplanError, Location, StandardError
from ecoplan.standards.hazardous_waste import category_of, waste_code
from ecoplan.store import audit
from ecoplan.store.hazwaste_models import (
    HANDOVER_STAGES,
    LEDGER_KINDS,
    UNIT_ROLES,
    HwHandover,
    HwLedgerEntry,
    HwLicence,
    HwManifest,
    HwPlan,
    HwUnit,
)
from ecoplan.supervision import registry_excel as X
from ecoplan.supervision.registry_rows import upsert
from ecoplan.supervision.risk import check_location, opt_date, to_date

ROLE_WORDS = {"产废单位": "producer", "产生单位": "producer", "producer": "producer",
              "经营单位": "operator", "operator": "operator", "利用处置单位": "operator",
              "产废及经营": "both", "both": "both"}
KIND_WORDS = {"产生": "generated", "generated": "generated", "库存": "stock", "盘点": "stock",
              "stock": "stock", "自行利用处置": "self_disposed", "自行利用": "self_disposed",
              "自行处置": "self_disposed", "self_disposed": "self_disposed"}


class HazwasteError(EcoplanError):
    """A hazardous-waste input is invalid."""


def _code(v: Any, field: str = "waste_code") -> str:
    try:
        return waste_code(str(v)).code
    except StandardError as err:
        raise HazwasteError(err.zh, err.en, location=Location(None, None, field)) from None


def _qty(v: Any, field: str) -> Decimal:
    d = Decimal(str(v))
    if not d.is_finite() or d < 0:
        raise HazwasteError(f"数量“{v}”应为非负数（吨）", f"Quantity “{v}” must be ≥ 0 t",
                            location=Location(None, None, field))
    return d


def unit(session: Session, ref: str, field: str = "unit") -> HwUnit:
    u = session.get(HwUnit, ref) or session.scalars(select(HwUnit).where(HwUnit.name == ref)).first()
    if u is None:
        raise HazwasteError(f"单位“{ref}”未登记", f"Unit “{ref}” is not registered",
                            location=Location(None, None, field))
    return u


def add_unit(session: Session, credit_code: str, name: str, role: str, *, actor: str,
             town: str | None = None, department: str | None = None, key_supervision: bool = False,
             storage_capacity_t: Any = None, storage_limit_days: int | None = None,
             longitude: float | None = None, latitude: float | None = None) -> tuple[HwUnit, bool]:
    r = ROLE_WORDS.get(str(role).strip())
    if r is None or r not in UNIT_ROLES:
        raise HazwasteError(f"单位类型“{role}”应为 产废单位/经营单位/产废及经营",
                            f"Role “{role}” must be producer, operator or both",
                            location=Location(None, None, "role"))
    check_location(longitude, latitude)
    values = {"name": name, "role": r, "town": town, "department": department,
              "key_supervision": key_supervision,
              "storage_capacity_t": None if storage_capacity_t in (None, "") else
              _qty(storage_capacity_t, "storage_capacity_t"),
              "storage_limit_days": int(storage_limit_days or 365), "longitude": longitude,
              "latitude": latitude}
    return upsert(session, session.get(HwUnit, credit_code), HwUnit, {"credit_code": credit_code}, values,
                  actor, "hazwaste.unit", "hw_unit", credit_code)


def add_licence(session: Session, number: str, ref: str, scope: list[str], issued: Any, valid_until: Any,
                *, actor: str, capacity_t: Any = None) -> tuple[HwLicence, bool]:
    u = unit(session, ref)
    items = []
    for it in scope:
        try:
            items.append(it.strip() if "-" in it else category_of(it))
            if "-" in it:
                _code(it, "scope")
        except StandardError as err:
            raise HazwasteError(err.zh, err.en, location=Location(None, None, "scope")) from None
    if not items:
        raise HazwasteError("经营范围（废物类别或代码）不能为空", "The licence scope is empty",
                            location=Location(None, None, "scope"))
    values = {"unit": u.credit_code, "scope": items, "issued": to_date(issued, "issued"),
              "valid_until": to_date(valid_until, "valid_until"),
              "capacity_t": None if capacity_t in (None, "") else _qty(capacity_t, "capacity_t")}
    return upsert(session, session.get(HwLicence, number), HwLicence, {"number": number}, values,
                  actor, "hazwaste.licence", "hw_licence", number)


def add_plan(session: Session, ref: str, year: int, code: str, planned_t: Any, *, actor: str,
             filed_on: Any = None) -> tuple[HwPlan, bool]:
    u = unit(session, ref)
    c = _code(code)
    q = _qty(planned_t, "planned_t")
    p = session.scalars(select(HwPlan).where(HwPlan.unit == u.credit_code, HwPlan.year == int(year),
                                             HwPlan.waste_code == c)).first()
    f_on = opt_date(filed_on, "filed_on")
    if p is None:
        p = HwPlan(unit=u.credit_code, year=int(year), waste_code=c, planned_t=q, filed_on=f_on)
        session.add(p)
        audit.record(session, actor, "hazwaste.plan.add", "hw_unit", u.credit_code,
                     after={"year": year, "waste_code": c, "planned_t": q})
        return p, True
    if p.planned_t == q and p.filed_on == f_on:
        return p, False
    before = {"planned_t": p.planned_t, "filed_on": p.filed_on}
    p.planned_t, p.filed_on = q, f_on
    audit.record(session, actor, "hazwaste.plan.update", "hw_unit", u.credit_code, before=before,
                 after={"planned_t": q, "filed_on": f_on})
    return p, True


def record(session: Session, ref: str, kind: str, code: str, on: Any, quantity_t: Any, *, actor: str,
           note: str | None = None, source_file: str | None = None, source_row: int | None = None
           ) -> tuple[HwLedgerEntry, bool]:
    """Append a ledger entry; the same entry from the same file row is not added twice."""
    u = unit(session, ref)
    k = KIND_WORDS.get(str(kind).strip())
    if k is None or k not in LEDGER_KINDS:
        raise HazwasteError(f"台账类型“{kind}”应为 产生/库存/自行利用处置",
                            f"Ledger kind “{kind}” must be generated, stock or self_disposed",
                            location=Location(None, None, "kind"))
    c, d, q = _code(code), to_date(on, "on"), _qty(quantity_t, "quantity_t")
    same = session.scalars(select(HwLedgerEntry).where(
        HwLedgerEntry.unit == u.credit_code, HwLedgerEntry.kind == k, HwLedgerEntry.waste_code == c,
        HwLedgerEntry.on == d, HwLedgerEntry.quantity_t == q)).first()
    if same is not None and (source_file is None or same.source_file == source_file):
        return same, False
    e = HwLedgerEntry(unit=u.credit_code, kind=k, waste_code=c, on=d, quantity_t=q, note=note,
                      source_file=source_file, source_row=source_row, recorded_by=actor)
    session.add(e)
    audit.record(session, actor, "hazwaste.ledger.add", "hw_unit", u.credit_code,
                 after={"kind": k, "waste_code": c, "on": d, "quantity_t": q})
    return e, True


def add_manifest(session: Session, number: str, code: str, producer: str, receiver: str, *, actor: str,
                 carrier: str | None = None, disposal_method: str | None = None,
                 handovers: dict[str, tuple[Any, Any]] | None = None, source_file: str | None = None,
                 source_row: int | None = None) -> tuple[HwManifest, bool]:
    """Register a manifest (or find it) and append the hand-overs not yet recorded."""
    c = _code(code)
    p = unit(session, producer, "producer")
    r = unit(session, receiver, "receiver")
    m = session.get(HwManifest, number)
    added = False
    if m is None:
        m = HwManifest(number=number, waste_code=c, producer=p.credit_code, carrier=carrier,
                       receiver=r.credit_code, disposal_method=disposal_method,
                       source_file=source_file, source_row=source_row)
        session.add(m)
        session.flush()
        audit.record(session, actor, "hazwaste.manifest.add", "hw_manifest", number,
                     after={"waste_code": c, "producer": p.credit_code, "carrier": carrier,
                            "receiver": r.credit_code})
        added = True
    elif (m.waste_code, m.producer, m.receiver) != (c, p.credit_code, r.credit_code):
        raise HazwasteError(f"联单 {number} 已登记，但废物代码或单位不同",
                            f"Manifest {number} is registered with another code or units",
                            location=Location(None, None, "number"))
    for stage, (on, qty) in (handovers or {}).items():
        if on in (None, "") and qty in (None, ""):
            continue
        if stage not in HANDOVER_STAGES:
            raise HazwasteError(f"交接环节“{stage}”无效", f"Unknown hand-over “{stage}”",
                                location=Location(None, None, "stage"))
        if on in (None, "") or qty in (None, ""):
            raise HazwasteError(f"联单 {number} 的{STAGE_NAMES[stage][0]}须同时填写日期和数量",
                                f"Manifest {number}: {stage} needs both date and quantity",
                                location=Location(None, None, f"{stage}_on"))
        have = session.scalars(select(HwHandover).where(HwHandover.manifest == number,
                                                        HwHandover.stage == stage)).first()
        d, q = to_date(on, f"{stage}_on"), _qty(qty, f"{stage}_t")
        if have is not None:
            if (have.on, have.quantity_t) != (d, q):
                raise HazwasteError(f"联单 {number} 的{STAGE_NAMES[stage][0]}已登记为 {have.on} {have.quantity_t} t，"
                                    "交接记录只能追加不能修改",
                                    f"Manifest {number} {stage} is recorded as {have.on} {have.quantity_t} t; "
                                    "hand-overs are append-only", location=Location(None, None, f"{stage}_t"))
            continue
        session.add(HwHandover(manifest=number, stage=stage, on=d, quantity_t=q, recorded_by=actor))
        audit.record(session, actor, "hazwaste.handover.add", "hw_manifest", number,
                     after={"stage": stage, "on": d, "quantity_t": q})
        added = True
    return m, added


STAGE_NAMES = {"shipped": ("移出", "shipped"), "carried": ("运输接收", "carried"),
               "received": ("接收", "received")}


def say(items: list[str], lang: str, sep: str = "；") -> str:
    """Findings in the user's language (Bilingual items carry their English wording)."""
    return sep.join(items if lang == "zh" else [getattr(x, "en", x) for x in items])


def tonnes(q: Decimal | None) -> str:
    """A quantity in tonnes as written (no trailing zeros)."""
    return "—" if q is None else format(q.normalize(), "f")


@dataclass
class ManifestCheck:
    number: str
    waste_code: str
    producer: str
    receiver: str
    quantities: dict[str, Decimal | None]
    flags: list[str]  # Bilingual: Chinese, with .en

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "waste_code": self.waste_code, "producer": self.producer,
                "receiver": self.receiver,
                "quantities": {k: None if v is None else str(v) for k, v in self.quantities.items()},
                "flags": list(self.flags), "flags_en": [getattr(f, "en", f) for f in self.flags]}


def check_manifests(session: Session, today: date, *, open_days: int = 30) -> list[ManifestCheck]:
    """Every manifest with the quantity at each hand-over, flagged where consecutive hand-overs
    differ beyond the tolerance (max(0.01 t, 1 %)) or the receipt is missing after ``open_days``."""
    out = []
    for m in session.scalars(select(HwManifest).order_by(HwManifest.number)):
        steps = {h.stage: h for h in session.scalars(select(HwHandover).where(HwHandover.manifest == m.number))}
        q = {s: (steps[s].quantity_t if s in steps else None) for s in HANDOVER_STAGES}
        flags = []
        prev = None
        for s in HANDOVER_STAGES:
            if q[s] is None:
                continue
            if prev is not None and abs(q[prev] - q[s]) > balance_tolerance(q[prev]):  # type: ignore[operator]
                a, b, d = tonnes(q[prev]), tonnes(q[s]), tonnes(q[prev] - q[s])  # type: ignore[operator]
                flags.append(Bilingual(f"{STAGE_NAMES[prev][0]} {a} t → {STAGE_NAMES[s][0]} {b} t，差 {d} t",
                                       f"{STAGE_NAMES[prev][1]} {a} t → {STAGE_NAMES[s][1]} {b} t, difference {d} t"))
            prev = s
        if "shipped" in steps and "received" not in steps and (today - steps["shipped"].on).days > open_days:
            days = (today - steps["shipped"].on).days
            flags.append(Bilingual(f"移出 {days} 天仍无接收记录", f"not received {days} days after shipping"))
        if "shipped" in steps:
            if licence_covering(session, m.receiver, m.waste_code, steps["shipped"].on) is None:
                flags.append(Bilingual(f"接收单位无覆盖 {m.waste_code} 的有效经营许可证",
                                       f"the receiver has no valid licence covering {m.waste_code}"))
        out.append(ManifestCheck(m.number, m.waste_code, m.producer, m.receiver, q, flags))
    return out


@dataclass
class StorageStatus:
    unit: str
    name: str
    stock_t: Decimal | None
    capacity_t: Decimal | None
    overdue_t: Decimal
    oldest: date | None
    limit_days: int
    flags: list[str]


def storage_status(session: Session, on: date) -> list[StorageStatus]:
    """Quantity on site vs storage capacity and time limit, per unit, on ``on``."""
    out = []
    for u in session.scalars(select(HwUnit).order_by(HwUnit.name)):
        entries = ledger(session, u.credit_code)
        if not entries:
            continue
        stock = stock_on(entries, None, on)
        codes = sorted({e.waste_code for e in entries})
        overdue, oldest = Decimal(0), None
        for c in codes:
            o, old = overdue_stock(session, u, c, on)
            overdue += o
            if old is not None and (oldest is None or old < oldest):
                oldest = old
        flags = []
        if stock is not None and u.storage_capacity_t is not None and stock > u.storage_capacity_t:
            flags.append(Bilingual(f"库存 {tonnes(stock)} t 超过贮存能力 {tonnes(u.storage_capacity_t)} t",
                                   f"stock {tonnes(stock)} t above the storage capacity {tonnes(u.storage_capacity_t)} t"))
        if overdue > 0:
            flags.append(Bilingual(f"{tonnes(overdue)} t 贮存超过 {u.storage_limit_days} 天",
                                   f"{tonnes(overdue)} t stored beyond {u.storage_limit_days} days"))
        out.append(StorageStatus(u.credit_code, u.name, stock, u.storage_capacity_t, overdue, oldest,
                                 u.storage_limit_days, flags))
    return out


def balances(session: Session, start: date, end: date) -> list[Any]:
    """The mass balance of every producer over [start, end] (all waste codes together)."""
    return [mass_balance(session, u.credit_code, start, end)
            for u in session.scalars(select(HwUnit).where(HwUnit.role.in_(("producer", "both")))
                                     .order_by(HwUnit.name))]


def plans_vs_generated(session: Session, year: int) -> list[dict[str, Any]]:
    """Each annual management-plan line of ``year`` with the quantity the ledger shows generated
    (the plan is filed before the year; a large excess means the plan should be amended)."""
    out = []
    for p in session.scalars(select(HwPlan).where(HwPlan.year == year).order_by(HwPlan.unit, HwPlan.waste_code)):
        gen = sum((e.quantity_t for e in ledger(session, p.unit) if e.kind == "generated"
                   and e.waste_code == p.waste_code and e.on.year == year), Decimal(0))
        u = session.get(HwUnit, p.unit)
        out.append({"unit": p.unit, "name": u.name if u else p.unit, "waste_code": p.waste_code,
                    "planned_t": p.planned_t, "generated_t": gen,
                    "share": None if not p.planned_t else (gen / p.planned_t * 100).quantize(Decimal("0.1"))})
    return out


@dataclass
class ExpiringLicence:
    number: str
    unit: str
    name: str
    valid_until: date
    days_left: int
    longitude: float | None
    latitude: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "hw_licence", "ref": self.number, "unit": self.unit, "name": self.name,
                "due": self.valid_until.isoformat(), "days_left": self.days_left,
                "longitude": self.longitude, "latitude": self.latitude}


def expiring(session: Session, today: date, within_days: int = 90) -> list[ExpiringLicence]:
    """Operating licences expiring within ``within_days`` (or expired, the latest per unit)."""
    horizon = today + timedelta(days=within_days)
    latest: dict[str, HwLicence] = {}
    for lic in session.scalars(select(HwLicence).order_by(HwLicence.valid_until)):
        latest[lic.unit] = lic
    out = []
    for lic in latest.values():
        if lic.valid_until <= horizon:
            u = session.get(HwUnit, lic.unit)
            assert u is not None
            out.append(ExpiringLicence(lic.number, u.credit_code, u.name, lic.valid_until,
                                       (lic.valid_until - today).days, u.longitude, u.latitude))
    return sorted(out, key=lambda x: x.valid_until)


# ------------------------------------------------------------------- Excel
C = X.Column
SHEETS: tuple[X.Sheet, ...] = (
    X.Sheet("units", "单位", (
        C("credit_code", "统一社会信用代码", required=True, aliases=("信用代码", "社会信用代码")),
        C("name", "单位名称", required=True, aliases=("企业名称", "名称")),
        C("role", "单位类型", required=True, hint="产废单位/经营单位/产废及经营"),
        C("town", "乡镇"), C("department", "监管部门"),
        C("key_supervision", "重点监管", "bool", hint="是/否"),
        C("storage_capacity_t", "贮存能力", "tonnes", hint="吨"),
        C("storage_limit_days", "贮存期限", "int", hint="天，默认 365"),
        C("longitude", "经度", "number"), C("latitude", "纬度", "number"))),
    X.Sheet("licences", "经营许可证", (
        C("number", "许可证编号", required=True),
        C("unit", "经营单位", required=True, hint="信用代码或名称"),
        C("scope", "核准经营类别", "list", True, "HW08;HW49 或 900-249-08", aliases=("经营类别", "废物类别")),
        C("capacity_t", "核准经营规模", "tonnes", hint="吨/年"),
        C("issued", "发证日期", "date", True), C("valid_until", "有效期至", "date", True))),
    X.Sheet("plans", "管理计划", (
        C("unit", "产废单位", required=True, hint="信用代码或名称"),
        C("year", "年度", "int", True),
        C("waste_code", "废物代码", required=True, hint="NNN-NNN-NN"),
        C("planned_t", "计划产生量", "tonnes", True, "吨"),
        C("filed_on", "备案日期", "date"))),
    X.Sheet("ledger", "台账", (
        C("unit", "单位", required=True, hint="信用代码或名称", aliases=("产废单位", "单位名称")),
        C("kind", "类型", required=True, hint="产生/库存/自行利用处置"),
        C("waste_code", "废物代码", required=True),
        C("on", "日期", "date", True),
        C("quantity_t", "数量", "tonnes", True, "吨", aliases=("重量",)),
        C("note", "备注"))),
    X.Sheet("manifests", "转移联单", (
        C("number", "联单编号", required=True, aliases=("联单号",)),
        C("waste_code", "废物代码", required=True),
        C("producer", "移出单位", required=True, hint="信用代码或名称", aliases=("产生单位", "移出单位名称")),
        C("carrier", "运输单位", aliases=("承运单位",)),
        C("receiver", "接收单位", required=True, aliases=("接受单位", "接收单位名称")),
        C("shipped_on", "移出日期", "date", True, aliases=("转移日期", "移出时间")),
        C("shipped_t", "移出数量", "tonnes", True, "吨", aliases=("转移数量", "数量移出", "移出量")),
        C("carried_on", "运输接收日期", "date", aliases=("运输日期",)),
        C("carried_t", "运输数量", "tonnes", aliases=("承运数量", "数量运输")),
        C("received_on", "接收日期", "date", aliases=("接受日期",)),
        C("received_t", "接收数量", "tonnes", aliases=("实际接收量", "接受数量", "数量接收")),
        C("disposal_method", "利用处置方式"))),
)


def _h_units(s: Session, r: X.Row, actor: str) -> bool:
    v = r.values
    return add_unit(s, v["credit_code"], v["name"], v["role"], actor=actor, town=v.get("town"),
                    department=v.get("department"), key_supervision=bool(v.get("key_supervision")),
                    storage_capacity_t=v.get("storage_capacity_t"),
                    storage_limit_days=v.get("storage_limit_days"),
                    longitude=_f(v.get("longitude")), latitude=_f(v.get("latitude")))[1]


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def _h_licences(s: Session, r: X.Row, actor: str) -> bool:
    v = r.values
    return add_licence(s, v["number"], v["unit"], v["scope"], v["issued"], v["valid_until"], actor=actor,
                       capacity_t=v.get("capacity_t"))[1]


def _h_plans(s: Session, r: X.Row, actor: str) -> bool:
    v = r.values
    return add_plan(s, v["unit"], v["year"], v["waste_code"], v["planned_t"], actor=actor,
                    filed_on=v.get("filed_on"))[1]


def _h_ledger(s: Session, r: X.Row, actor: str) -> bool:
    v = r.values
    return record(s, v["unit"], v["kind"], v["waste_code"], v["on"], v["quantity_t"], actor=actor,
                  note=v.get("note"), source_file=Path(r.file).name, source_row=r.row)[1]


def _h_manifests(s: Session, r: X.Row, actor: str) -> bool:
    v = r.values
    return add_manifest(s, v["number"], v["waste_code"], v["producer"], v["receiver"], actor=actor,
                        carrier=v.get("carrier"), disposal_method=v.get("disposal_method"),
                        handovers={"shipped": (v.get("shipped_on"), v.get("shipped_t")),
                                   "carried": (v.get("carried_on"), v.get("carried_t")),
                                   "received": (v.get("received_on"), v.get("received_t"))},
                        source_file=Path(r.file).name, source_row=r.row)[1]


HANDLERS = {"units": _h_units, "licences": _h_licences, "plans": _h_plans, "ledger": _h_ledger,
            "manifests": _h_manifests}


def import_workbook(session: Session, path: Path, *, actor: str) -> X.ImportReport:
    """Import a workbook (the template, or exports of the national solid-waste system)."""
    return X.run_import(session, path, SHEETS, HANDLERS, actor)


def write_template(path: Path) -> Path:
    return X.write_template(path, SHEETS, "危险废物登记导入模板 / hazardous-waste registry template", [
        "废物代码按《国家危险废物名录（2021年版）》填写（NNN-NNN-NN），经营类别可填 HW 类别或废物代码。",
        "数量单位为吨；表头写明单位（如“数量（千克）”）时自动换算。",
        "台账类型：产生 / 库存（盘点时的在库量）/ 自行利用处置。",
        "也可直接导入全国固体废物管理信息系统导出的转移联单表（表头可为两行合并）。"])
