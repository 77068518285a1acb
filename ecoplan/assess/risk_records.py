"""Plan indicators computed from the risk registries (store tables, no supervision imports).

* **Indicator 15, 危险废物安全处置率** for a year, from the hazardous-waste ledger and the transfer
  manifests (ecoplan's rule, stated with every value): for each producer with records in the year
  and each waste code, the mass balance of the year (:func:`mass_balance`) and

  - safe = self-utilised/disposed + quantities *received* by a receiver whose operating licence
    is valid on the shipping date and covers the code + stock at the year's end still within the
    storage time limit;
  - unsafe = quantities shipped but not received (or received short), shipped to a receiver
    without a covering licence, stock held beyond the time limit (FIFO by generation date;
    固体废物污染环境防治法 §81 “贮存危险废物不得超过一年”, the storage rules of GB 18597-2023),
    and a positive balance gap beyond the tolerance (waste generated and not accounted for);
  - rate = safe / (safe + unsafe) × 100 %.

* **Indicator 14, 重点建设用地安全利用** for a year: key construction-land plots reused in the year,
  each judged by :func:`ecoplan.standards.land_use.judge_plot`; 有效保障 when every one was reused
  safely.

* The radiation-safety licence rate and the certified-staff rate on a date (plan chapter 九).

A year without records returns ``None`` so the assessment falls back to the department entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.standards.hazardous_waste import covers
from ecoplan.standards.land_use import judge_plot
from ecoplan.store.hazwaste_models import HwHandover, HwLedgerEntry, HwLicence, HwManifest, HwUnit
from ecoplan.store.radiation_models import (
    CLOSING_EVENTS,
    RadCertificate,
    RadLicence,
    RadSource,
    RadSourceEvent,
    RadUnit,
    RadWorker,
)
from ecoplan.store.risk_models import EmergencyPlanFiling, EmergencySupply, LandPlot, RiskEnterprise

ZERO = Decimal("0")
#: tolerance of the mass balance: max(absolute, relative × generated) — ecoplan's rule
BALANCE_TOLERANCE_T = Decimal("0.01")
BALANCE_TOLERANCE_SHARE = Decimal("0.01")


class Bilingual(str):
    """A finding worded in Chinese (the string itself) with its English wording in ``en``."""

    en: str

    def __new__(cls, zh: str, en: str) -> Bilingual:
        obj = super().__new__(cls, zh)
        obj.en = en
        return obj


def _t(q: Decimal) -> str:
    return format(q.normalize(), "f")


def balance_tolerance(generated: Decimal) -> Decimal:
    """Tolerance of a balance: max(0.01 t, 1 % of the quantity generated)."""
    return max(BALANCE_TOLERANCE_T, (generated * BALANCE_TOLERANCE_SHARE).quantize(Decimal("0.001")))


# ------------------------------------------------------------------- hazardous-waste balance
@dataclass
class Balance:
    """generated = Δstored + transferred + self-disposed (+ gap), per producer and period."""

    unit: str
    start: date
    end: date
    waste_code: str | None
    generated: Decimal = ZERO
    stock_start: Decimal = ZERO
    stock_end: Decimal = ZERO
    transferred: Decimal = ZERO
    self_disposed: Decimal = ZERO
    notes: list[str] = field(default_factory=list)

    @property
    def delta_stored(self) -> Decimal:
        return self.stock_end - self.stock_start

    @property
    def gap(self) -> Decimal:
        return self.generated - self.delta_stored - self.transferred - self.self_disposed

    @property
    def tolerance(self) -> Decimal:
        return balance_tolerance(self.generated)

    @property
    def ok(self) -> bool:
        return abs(self.gap) <= self.tolerance

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "waste_code": self.waste_code, "generated": str(self.generated),
                "stock_start": str(self.stock_start), "stock_end": str(self.stock_end),
                "delta_stored": str(self.delta_stored), "transferred": str(self.transferred),
                "self_disposed": str(self.self_disposed), "gap": str(self.gap),
                "tolerance": str(self.tolerance), "ok": self.ok, "notes": list(self.notes),
                "notes_en": [getattr(n, "en", n) for n in self.notes]}


def ledger(session: Session, unit: str) -> list[HwLedgerEntry]:
    return list(session.scalars(select(HwLedgerEntry).where(HwLedgerEntry.unit == unit)
                                .order_by(HwLedgerEntry.on, HwLedgerEntry.id)))


def _shipments(session: Session, unit: str) -> list[tuple[HwManifest, dict[str, HwHandover]]]:
    mans = list(session.scalars(select(HwManifest).where(HwManifest.producer == unit)))
    out = []
    for m in mans:
        steps = {h.stage: h for h in session.scalars(
            select(HwHandover).where(HwHandover.manifest == m.number))}
        out.append((m, steps))
    return out


def stock_on(entries: list[HwLedgerEntry], code: str | None, on: date) -> Decimal | None:
    """The stock on site on ``on``: the latest stocktake per waste code (None: none recorded)."""
    latest: dict[str, HwLedgerEntry] = {}
    for e in entries:
        if e.kind == "stock" and e.on <= on and (code is None or e.waste_code == code):
            latest[e.waste_code] = e  # entries are sorted by date, then id (a correction wins)
    if not latest:
        return None
    return sum((e.quantity_t for e in latest.values()), ZERO)


def mass_balance(session: Session, unit: str, start: date, end: date,
                 waste_code: str | None = None) -> Balance:
    """The balance of ``unit`` over [start, end] (one waste code, or all together)."""
    entries = ledger(session, unit)
    b = Balance(unit, start, end, waste_code)
    s0 = stock_on(entries, waste_code, start - timedelta(days=1))
    s1 = stock_on(entries, waste_code, end)
    if s0 is None:
        b.notes.append(Bilingual(f"{start - timedelta(days=1)} 前无库存盘点记录，期初库存按 0 计",
                                 f"no stocktake on or before {start - timedelta(days=1)}: opening stock 0"))
    if s1 is None:
        b.notes.append(Bilingual(f"{end} 前无库存盘点记录，期末库存按 0 计",
                                 f"no stocktake on or before {end}: closing stock 0"))
    b.stock_start, b.stock_end = s0 or ZERO, s1 or ZERO
    for e in entries:
        if start <= e.on <= end and (waste_code is None or e.waste_code == waste_code):
            if e.kind == "generated":
                b.generated += e.quantity_t
            elif e.kind == "self_disposed":
                b.self_disposed += e.quantity_t
    for m, steps in _shipments(session, unit):
        sh = steps.get("shipped")
        if sh is not None and start <= sh.on <= end and (waste_code is None or m.waste_code == waste_code):
            b.transferred += sh.quantity_t
    return b


def overdue_stock(session: Session, unit: HwUnit, code: str, on: date) -> tuple[Decimal, date | None]:
    """Quantity of ``code`` held on ``on`` longer than the unit's storage limit (FIFO), and the
    generation date of the oldest quantity still held."""
    entries = [e for e in ledger(session, unit.credit_code) if e.waste_code == code and e.on <= on]
    inflows = [(e.on, e.quantity_t) for e in entries if e.kind == "generated"]
    first_stock = next((e for e in entries if e.kind == "stock"), None)
    if first_stock is not None and not [d for d, _ in inflows if d <= first_stock.on]:
        inflows.append((first_stock.on, first_stock.quantity_t))  # opening stock, age unknown
        inflows.sort()
    out = sum((e.quantity_t for e in entries if e.kind == "self_disposed"), ZERO)
    for m, steps in _shipments(session, unit.credit_code):
        sh = steps.get("shipped")
        if m.waste_code == code and sh is not None and sh.on <= on:
            out += sh.quantity_t
    held: list[tuple[date, Decimal]] = []
    for d, q in inflows:
        take = min(q, out)
        out -= take
        if q - take > 0:
            held.append((d, q - take))
    cutoff = on - timedelta(days=unit.storage_limit_days)
    over = sum((q for d, q in held if d < cutoff), ZERO)
    s = stock_on(entries, code, on)
    if s is not None:
        over = min(over, s)
    return over, (held[0][0] if held else None)


@dataclass
class DisposalLine:
    unit: str
    name: str
    waste_code: str
    safe: Decimal
    unsafe: Decimal
    reasons: list[str]
    balance: Balance


@dataclass
class DisposalRate:
    year: int
    rate: Decimal | None
    safe: Decimal
    unsafe: Decimal
    lines: list[DisposalLine]


def licence_covering(session: Session, receiver: str, code: str, on: date) -> HwLicence | None:
    for lic in session.scalars(select(HwLicence).where(HwLicence.unit == receiver)):
        if lic.issued <= on <= lic.valid_until and covers(list(lic.scope or []), code):
            return lic
    return None


def safe_disposal_rate(session: Session, year: int) -> DisposalRate | None:
    """Indicator 15 for ``year`` (None when no ledger entry or shipment falls in the year)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    lines: list[DisposalLine] = []
    for unit in session.scalars(select(HwUnit).order_by(HwUnit.credit_code)):
        entries = ledger(session, unit.credit_code)
        ships = _shipments(session, unit.credit_code)
        codes = sorted({e.waste_code for e in entries if start <= e.on <= end and e.kind != "stock"}
                       | {m.waste_code for m, st in ships
                          if "shipped" in st and start <= st["shipped"].on <= end})
        for code in codes:
            bal = mass_balance(session, unit.credit_code, start, end, code)
            reasons: list[str] = []
            safe, unsafe = bal.self_disposed, ZERO
            for m, st in ships:
                sh = st.get("shipped")
                if m.waste_code != code or sh is None or not start <= sh.on <= end:
                    continue
                rc = st.get("received")
                if licence_covering(session, m.receiver, code, sh.on) is None:
                    unsafe += sh.quantity_t
                    reasons.append(Bilingual(f"联单 {m.number}：接收单位无覆盖 {code} 的有效经营许可证",
                                           f"manifest {m.number}: the receiver has no valid licence covering {code}"))
                    continue
                if rc is None:
                    unsafe += sh.quantity_t
                    reasons.append(Bilingual(f"联单 {m.number}：尚无接收记录", f"manifest {m.number}: not received"))
                    continue
                safe += min(rc.quantity_t, sh.quantity_t)
                if rc.quantity_t < sh.quantity_t - balance_tolerance(sh.quantity_t):
                    unsafe += sh.quantity_t - rc.quantity_t
                    short = _t(sh.quantity_t - rc.quantity_t)
                    reasons.append(Bilingual(f"联单 {m.number}：接收量少于转出量 {short} t",
                                             f"manifest {m.number}: received {short} t less than shipped"))
            over, _oldest = overdue_stock(session, unit, code, end)
            safe += bal.stock_end - over
            if over > 0:
                unsafe += over
                reasons.append(Bilingual(f"超过贮存期限（{unit.storage_limit_days} 天）的库存 {_t(over)} t",
                                         f"{_t(over)} t stored beyond {unit.storage_limit_days} days"))
            if bal.gap > bal.tolerance:
                unsafe += bal.gap
                reasons.append(Bilingual(f"物料平衡缺口 {_t(bal.gap)} t（容差 {_t(bal.tolerance)} t）",
                                         f"mass-balance gap {_t(bal.gap)} t (tolerance {_t(bal.tolerance)} t)"))
            lines.append(DisposalLine(unit.credit_code, unit.name, code, safe, unsafe, reasons, bal))
    if not lines:
        return None
    s = sum((ln.safe for ln in lines), ZERO)
    u = sum((ln.unsafe for ln in lines), ZERO)
    rate = None if s + u == 0 else (s / (s + u) * 100).quantize(Decimal("0.1"))
    return DisposalRate(year, rate, s, u, lines)


# ------------------------------------------------------------------- key construction land
@dataclass
class LandUseResult:
    year: int
    plots: list[dict[str, Any]]
    safe: int
    total: int

    @property
    def ensured(self) -> bool:
        return self.safe == self.total


def key_land_safe_use(session: Session, year: int) -> LandUseResult | None:
    """Indicator 14 for ``year`` (None when no key plot was reused in the year)."""
    rows = []
    for p in session.scalars(select(LandPlot).order_by(LandPlot.code)):
        if p.reused_on is None or p.reused_on.year != year:
            continue
        j = judge_plot(p.planned_use, p.survey_state, p.survey_on, p.control_state,
                       p.control_done_on, p.delisted_on, p.reused_on)
        if not j.key:
            continue
        rows.append({"code": p.code, "name": p.name, "planned_use": p.planned_use,
                     "reused_on": p.reused_on.isoformat(), "safe": bool(j.safe),
                     "reason_zh": j.reason_zh, "reason_en": j.reason_en})
    if not rows:
        return None
    return LandUseResult(year, rows, sum(1 for r in rows if r["safe"]), len(rows))


# ------------------------------------------------------------------- radiation
@dataclass
class RadiationRates:
    on: date
    units: int
    licensed: int
    workers: int
    certified: int
    unlicensed: list[str]
    uncertified: list[str]

    @property
    def licence_rate(self) -> Decimal | None:
        return None if not self.units else (Decimal(self.licensed) / self.units * 100).quantize(Decimal("0.1"))

    @property
    def certified_rate(self) -> Decimal | None:
        return None if not self.workers else (Decimal(self.certified) / self.workers * 100).quantize(Decimal("0.1"))


def source_held(session: Session, serial: str, on: date) -> bool:
    """Whether a source is still held by its unit on ``on`` (no transfer, storage or return)."""
    ev = session.scalars(select(RadSourceEvent).where(RadSourceEvent.serial == serial,
                                                      RadSourceEvent.on <= on)
                         .order_by(RadSourceEvent.on, RadSourceEvent.id)).all()
    return not ev or ev[-1].kind not in CLOSING_EVENTS


def radiation_rates(session: Session, on: date) -> RadiationRates:
    """辐射安全许可证发放率 (units holding a source or a licence on ``on``: share with a valid one) and
    持证上岗率 (active workers with a certificate valid on it)."""
    holders = defaultdict(int)
    for s in session.scalars(select(RadSource)):
        if s.reference_date <= on and source_held(session, s.serial, on):
            holders[s.unit] += 1
    valid = {lic.unit for lic in session.scalars(select(RadLicence).where(
        RadLicence.issued <= on, RadLicence.valid_until >= on))}
    # units that need a licence on the day: those holding a source, and those licensed (ray
    # devices are not registered here, so a valid licence counts the unit in)
    units = [u for u in session.scalars(select(RadUnit).order_by(RadUnit.credit_code))
             if holders.get(u.credit_code) or u.credit_code in valid]
    licensed, unlicensed = 0, []
    for u in units:
        if u.credit_code in valid:
            licensed += 1
        else:
            unlicensed.append(u.name)
    workers = list(session.scalars(select(RadWorker).where(RadWorker.active == 1)))
    certified, uncertified = 0, []
    for w in workers:
        ok = session.scalars(select(RadCertificate).where(
            RadCertificate.worker_id == w.id, RadCertificate.issued <= on,
            RadCertificate.valid_until >= on)).first()
        if ok:
            certified += 1
        else:
            uncertified.append(w.name)
    return RadiationRates(on, len(units), licensed, len(workers), certified, unlicensed, uncertified)


# ------------------------------------------------------------------- report summary
def registry_summary(session: Session, year: int) -> dict[str, Any] | None:
    """The figures the annual report states for the registries at the end of ``year`` (None when
    all registries are empty): indicators 14/15, the radiation rates, counts and flags."""
    end = date(year, 12, 31)
    ents = list(session.scalars(select(RiskEnterprise)))
    units = list(session.scalars(select(HwUnit)))
    rad = list(session.scalars(select(RadUnit)))
    if not ents and not units and not rad and not session.scalars(select(LandPlot)).first():
        return None
    filed = {f.enterprise for f in session.scalars(select(EmergencyPlanFiling).where(
        EmergencyPlanFiling.filed_on <= end))}
    d15 = safe_disposal_rate(session, year)
    d14 = key_land_safe_use(session, year)
    rr = radiation_rates(session, end)
    gaps = [mass_balance(session, u.credit_code, date(year, 1, 1), end) for u in units
            if u.role in ("producer", "both")]
    return {"year": year, "risk_enterprises": len(ents), "filed": len(filed & {e.credit_code for e in ents}),
            "supplies": len(list(session.scalars(select(EmergencySupply)))),
            "hw_units": len(units), "balance_gaps": [b.unit for b in gaps if not b.ok and b.generated],
            "ind15": None if d15 is None else {"rate": d15.rate, "safe": _t(d15.safe), "unsafe": _t(d15.unsafe)},
            "ind14": None if d14 is None else {"safe": d14.safe, "total": d14.total, "ensured": d14.ensured},
            "rad_units": rr.units, "licence_rate": rr.licence_rate, "certified_rate": rr.certified_rate,
            "workers": rr.workers}
