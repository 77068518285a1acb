"""Risk-source and radiation registries: HJ 941 grading from stored inputs, plan filings, drills,
supplies, experts; sources with decay and category, append-only life events, licences,
certificates and the two radiation rates; expiring lists for the alerts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from ecoplan.assess.risk_records import radiation_rates
from ecoplan.store.radiation_models import RadiationRecordsAreAppendOnly, RadSourceEvent
from ecoplan.store.risk_models import RiskGrading, RiskRecordsAreAppendOnly
from ecoplan.supervision import radiation as RA
from ecoplan.supervision import risk as R
from tests.risk.conftest import ACTOR

TODAY = date(2026, 12, 6)
E1, U1, U2 = "91141122MA0RSK0001", "12141122MB0RAD0001", "91141122MA0RAD0002"


def test_risk_registry(session: Session) -> None:
    s = session
    R.add_enterprise(s, E1, "示例焦化企业", actor=ACTOR, industry="炼焦", heavy_metals=True,
                     longitude=112.16, latitude=37.55)
    R.add_grading(s, E1, "大气", 5, 30, "E1", "2025-06-01", actor=ACTOR, document="风险评估报告 2025")
    R.add_grading(s, E1, "水", "0.4", 12, "e2", "2025-06-01", actor=ACTOR)
    lv, gs = R.level_of(s, E1)
    assert lv is not None and lv.code == "较大[较大-大气(Q1-M2-E1)+一般-水(Q0)]" and len(gs) == 2
    R.add_grading(s, E1, "air", 120, 50, "E1", "2026-06-01", actor=ACTOR)  # a new assessment
    assert R.level_of(s, E1)[0].level == "重大"  # type: ignore[union-attr]
    assert R.level_of(s, E1, date(2025, 12, 31))[0].level == "较大"  # type: ignore[union-attr]
    p, added = R.file_plan(s, E1, "2024版", "141122-2024-001-M", "2024-01-15", actor=ACTOR)
    assert added and not R.file_plan(s, E1, "2024版", "141122-2024-001-M", "2024-01-15", actor=ACTOR)[1]
    assert p.review_due == date(2027, 1, 14)  # three years (环发〔2015〕4号 第十二条)
    with pytest.raises(R.RiskError):
        R.file_plan(s, E1, "2024版", "x", "2024-02-01", actor=ACTOR)
    R.add_drill(s, E1, "2025-05-20", "焦油储罐泄漏", actor=ACTOR, participants=40)
    assert len(R.drills(s, E1)) == 1
    R.add_supply(s, "吸油毡", 200, "kg", "县应急物资库", "生态环境分局", actor=ACTOR,
                 expires_on="2027-01-31", longitude=112.15, latitude=37.56)
    R.add_supply(s, "活性炭", 2, "t", "县应急物资库", "生态环境分局", actor=ACTOR, expires_on="2028-01-01")
    _, changed = R.add_supply(s, "吸油毡", 200, "kg", "县应急物资库", "生态环境分局", actor=ACTOR,
                              expires_on="2027-01-31", longitude=112.15, latitude=37.56)
    assert not changed
    R.add_expert(s, "张工", "化工安全", actor=ACTOR, organisation="示例研究院", phone="0358-0000000")
    exp = R.expiring(s, TODAY, 60)
    assert [(x.kind, x.days_left) for x in exp] == [("plan_review", 39), ("supply", 56)]
    assert exp[0].as_dict()["latitude"] == 37.55
    with pytest.raises(R.RiskError) as info:
        R.add_grading(s, E1, "土壤", 1, 1, "E1", "2025-01-01", actor=ACTOR)
    assert info.value.location is not None and info.value.location.field == "route"
    s.commit()
    g = s.query(RiskGrading).first()
    assert g is not None
    g.m_score = 1  # type: ignore[assignment]
    with pytest.raises(RiskRecordsAreAppendOnly):
        s.flush()
    s.rollback()


def test_radiation_registry(sqlite_session: Session) -> None:
    s = sqlite_session
    RA.add_unit(s, U1, "示例县人民医院", actor=ACTOR, kind="医疗", longitude=112.15, latitude=37.56)
    RA.add_unit(s, U2, "示例焦化厂（料位计）", actor=ACTOR, kind="工业")
    RA.add_licence(s, "晋环辐证[00001]", U1, "使用Ⅴ类放射源；使用Ⅱ类射线装置", "2022-01-10", "2027-01-09",
                   actor=ACTOR)
    RA.add_licence(s, "晋环辐证[00002]", U2, "使用Ⅳ类放射源", "2019-03-01", "2024-02-29", actor=ACTOR)
    RA.add_source(s, "0114CS012345", U2, "137Cs", 1.85e10, "2010-05-01", actor=ACTOR, working_life_years=15,
                  purpose="料位计")
    RA.add_source(s, "0114CO000001", U1, "Co-60", 3.7e8, "2020-01-01", actor=ACTOR, working_life_years=10)
    RA.add_event(s, "0114CS012345", "购买", "2010-06-01", actor=ACTOR, counterparty="示例生产单位")
    RA.add_event(s, "0114CS012345", "使用", "2010-07-01", actor=ACTOR)
    v = RA.source_view(s, s.get(RA.RadSource, "0114CS012345"), TODAY)  # type: ignore[arg-type]
    # 1.85e10 × 2^(−(2026-12-06 − 2010-05-01)/(30.08 × 365.25)) → 1.85e10 × 0.683 = 1.263e10 Bq
    assert 1.26e10 < v.activity_bq < 1.27e10 and v.category == "IV" and v.past_life  # life ended 2025-05
    assert [x.serial for x in RA.past_working_life(s, TODAY)] == ["0114CS012345"]
    RA.add_event(s, "0114CS012345", "退役", "2026-11-01", actor=ACTOR)
    RA.add_event(s, "0114CS012345", "送贮", "2026-11-20", actor=ACTOR, counterparty="山西省城市放射性废物库")
    assert RA.past_working_life(s, TODAY) == []  # no longer held
    with pytest.raises(RA.RadiationError):
        RA.add_event(s, "0114CS012345", "使用", "2026-12-01", actor=ACTOR)
    RA.add_certificate(s, U1, "李医师", "FS22-0001", "2022-03-01", "2027-02-28", actor=ACTOR)
    RA.add_certificate(s, U1, "王技师", "FS21-0002", "2021-05-01", "2026-04-30", actor=ACTOR)
    RA.add_worker(s, U2, "赵工", actor=ACTOR)
    rates = radiation_rates(s, TODAY)
    # holders on the day: U1 only (U2's source went to storage) → 1/1 licensed
    assert (rates.units, rates.licensed, str(rates.licence_rate)) == (1, 1, "100.0")
    assert (rates.workers, rates.certified, str(rates.certified_rate)) == (3, 1, "33.3")
    rates_2023 = radiation_rates(s, date(2023, 6, 1))
    assert (rates_2023.units, rates_2023.licensed) == (2, 2)
    exp = RA.expiring(s, TODAY, 90)
    assert [(x.kind, x.ref) for x in exp] == [("rad_licence", "晋环辐证[00002]"),
                                              ("certificate", "FS21-0002"), ("rad_licence", "晋环辐证[00001]"),
                                              ("certificate", "FS22-0001")]
    s.commit()
    e = s.query(RadSourceEvent).first()
    assert e is not None
    e.kind = "use"
    with pytest.raises(RadiationRecordsAreAppendOnly):
        s.flush()
    s.rollback()
