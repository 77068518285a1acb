"""Hazardous waste: hand-worked mass balances, manifests, storage, indicator 15, append-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from ecoplan.assess import risk_records as RR
from ecoplan.store import audit
from ecoplan.store.hazwaste_models import HazwasteRecordsAreAppendOnly, HwLedgerEntry
from ecoplan.supervision import hazwaste as H
from tests.risk.conftest import ACTOR, R1, A, B, build_hazwaste

Y0, Y1 = date(2025, 1, 1), date(2025, 12, 31)


def test_mass_balance_worked_by_hand(session: Session) -> None:
    build_hazwaste(session)
    a = RR.mass_balance(session, A, Y0, Y1)
    # generated 9.0 = Δstored (5.5 − 2.0 = 3.5) + transferred 4.5 + self-disposed 1.0 → gap 0
    assert (a.generated, a.delta_stored, a.transferred, a.self_disposed) == (
        Decimal("9.0"), Decimal("3.5"), Decimal("4.5"), Decimal("1.0"))
    assert a.gap == 0 and a.ok and a.tolerance == Decimal("0.09")  # max(0.01, 1 % × 9.0)
    b = RR.mass_balance(session, B, Y0, Y1)
    # 10.0 − (3.0 − 0) − 6.0 − 0 = 1.0 t unexplained, beyond max(0.01, 0.1) → flagged
    assert b.gap == Decimal("1.0") and not b.ok and b.tolerance == Decimal("0.100")
    assert any("期初库存按 0 计" in n for n in b.notes)
    assert {x.unit for x in H.balances(session, Y0, Y1)} == {A, B}


def test_indicator_15_worked_by_hand(session: Session) -> None:
    build_hazwaste(session)
    r = RR.safe_disposal_rate(session, 2025)
    assert r is not None
    la, lb = r.lines
    # A: safe = self 1.0 + received 4.48 (R1 licence covers HW08) + stock in time 5.5 = 10.98
    assert (la.safe, la.unsafe) == (Decimal("10.98"), Decimal("0"))
    # B: R2's licence does not cover HW11 → 6.0 unsafe; gap 1.0 unsafe; stock 3.0 safe
    assert (lb.safe, lb.unsafe) == (Decimal("3.0"), Decimal("7.0"))
    assert len(lb.reasons) == 2
    # 13.98 / (13.98 + 7.0) = 66.63… % → 66.6
    assert r.rate == Decimal("66.6")
    assert RR.safe_disposal_rate(session, 2023) is None  # no records: the department entry applies


def test_manifest_differences_and_append_only(sqlite_session: Session) -> None:
    s = sqlite_session
    build_hazwaste(s)
    checks = {c.number: c for c in H.check_manifests(s, date(2026, 12, 6))}
    assert checks["M-2025-001"].flags == []  # 4.5 → 4.48 is within max(0.01, 0.045)
    f2 = checks["M-2025-002"].flags
    assert any("差 1 t" in f for f in f2) and any("许可证" in f for f in f2)
    with pytest.raises(H.HazwasteError):  # a recorded hand-over cannot be changed
        H.add_manifest(s, "M-2025-002", "252-002-11", B, "示例处置公司二", actor=ACTOR,
                       handovers={"received": ("2025-05-02", "6.0")})
    s.rollback()
    e = s.query(HwLedgerEntry).first()
    assert e is not None
    e.quantity_t = Decimal("99")
    with pytest.raises(HazwasteRecordsAreAppendOnly):
        s.flush()
    s.rollback()
    assert any(x.action == "hazwaste.manifest.add" for x in audit.entries(s, limit=500)[1])


def test_storage_limits_and_expiring(sqlite_session: Session) -> None:
    s = sqlite_session
    build_hazwaste(s)
    H.record(s, A, "产生", "900-041-49", date(2024, 6, 1), "3.0", actor=ACTOR)
    H.record(s, A, "库存", "900-041-49", date(2025, 12, 31), "3.0", actor=ACTOR)
    st = {x.unit: x for x in H.storage_status(s, Y1)}
    # A holds 5.5 + 3.0 = 8.5 t > capacity 8 t; the 3.0 t generated 2024-06-01 is over 365 days
    assert st[A].stock_t == Decimal("8.5") and st[A].overdue_t == Decimal("3.0")
    assert len(st[A].flags) == 2 and st[A].oldest == date(2024, 6, 1)
    exp = H.expiring(s, date(2026, 12, 6), 60)
    assert [x.number for x in exp] == ["HW-LIC-1"] and exp[0].days_left == 25
    assert exp[0].as_dict()["longitude"] == 112.1
    with pytest.raises(H.HazwasteError) as info:
        H.record(s, A, "产生", "900-249-41", date(2025, 1, 1), "1", actor=ACTOR)
    assert info.value.location is not None and info.value.location.field == "waste_code"
    assert R1 in {x.credit_code for x in [H.unit(s, "示例处置公司一")]}
