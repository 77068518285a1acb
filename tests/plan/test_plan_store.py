"""Loading the plan into the metadata database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ecoplan.plan import Target, bundled_plan_path, load_plan
from ecoplan.store import db
from ecoplan.store.models import (
    IndicatorRecord,
    KeyProjectRecord,
    MunicipalTarget,
    PlanRecord,
    TaskRecord,
)
from ecoplan.store.plan_store import (
    load_plan_into_db,
    municipal_targets_from_db,
    plan_with_db_overrides,
    record_municipal_target,
)


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_load_is_idempotent_and_updates_in_place(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    path = bundled_plan_path("jiaocheng-2021-2025")
    plan = load_plan(path)

    first = load_plan_into_db(engine, plan, source_file=path)
    assert first.status == "loaded"
    assert (_count(engine, IndicatorRecord), _count(engine, KeyProjectRecord), _count(engine, TaskRecord)) == (
        19, 30, len(plan.tasks))
    with engine.connect() as conn:
        total = conn.execute(select(func.sum(KeyProjectRecord.investment_wan_yuan))).scalar_one()
        assert Decimal(total) == Decimal("155804.95")
        rec = conn.execute(select(PlanRecord)).one()
        assert rec.source_file == str(path.resolve()) and rec.region_code == "141122"
        ind = conn.execute(select(IndicatorRecord).where(IndicatorRecord.key == "4b")).one()
        assert ind.target["water_class"] == 3 and ind.measurement["statistic"] == "water.section_class"
        ids_before = dict(conn.execute(select(IndicatorRecord.key, IndicatorRecord.id)).all())

    again = load_plan_into_db(engine, plan, source_file=path)
    assert again.status == "unchanged" and again.plan_id == first.plan_id
    assert _count(engine, IndicatorRecord) == 19

    # a changed plan (one target edited, one task dropped) updates rows in place
    changed = plan.model_copy(deep=True)
    changed.indicators[0].target = Target(text="≤42", kind="value", operator="<=", value=Decimal("42"))
    changed.tasks = changed.tasks[:-1]
    upd = load_plan_into_db(engine, changed, source_file=path)
    assert upd.status == "updated"
    with engine.connect() as conn:
        ids_after = dict(conn.execute(select(IndicatorRecord.key, IndicatorRecord.id)).all())
        t1 = conn.execute(select(IndicatorRecord.target).where(IndicatorRecord.key == "1")).scalar_one()
    assert ids_after == ids_before
    assert t1["value"] == "42"
    assert _count(engine, TaskRecord) == len(plan.tasks) - 1
    assert _count(engine, PlanRecord) == 1


def test_municipal_targets_are_history(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    load_plan_into_db(engine, plan)
    t1 = Target(text="≥13.5", kind="value", operator=">=", value=Decimal("13.5"))
    t2 = Target(text="≥14", kind="value", operator=">=", value=Decimal("14"))
    assert record_municipal_target(engine, plan, "11", t1, date(2022, 4, 1), "吕政办发〔2022〕12号")
    assert not record_municipal_target(engine, plan, "11", t1, date(2022, 4, 1), "吕政办发〔2022〕12号")
    assert record_municipal_target(engine, plan, "11", t2, date(2023, 6, 1), "吕政办发〔2023〕30号")
    # re-loading the YAML keeps the history
    load_plan_into_db(engine, plan)
    assert _count(engine, MunicipalTarget) == 2
    history = municipal_targets_from_db(engine, plan.code)
    assert [m.document for m in history] == ["吕政办发〔2022〕12号", "吕政办发〔2023〕30号"]
    merged = plan_with_db_overrides(engine, plan)
    assert merged.effective_target("11", date(2021, 12, 31)).kind == "none"
    assert merged.effective_target("11", date(2022, 12, 31)).value == Decimal("13.5")
    assert merged.effective_target("11", date(2025, 12, 31)).value == Decimal("14")


def test_two_plans_with_their_periods(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Plans are versioned by period: a 2026–2030 draft loads next to the 2021–2025 plan, its
    links and baseline provenance survive the database, and each is found by its code."""
    import pytest

    from ecoplan.errors import PlanError
    from ecoplan.plan import Baseline
    from ecoplan.plan.succession import build_draft, plan_to_yaml
    from ecoplan.store.plan_store import loaded_plans, plan_source

    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    path = bundled_plan_path("jiaocheng-2021-2025")
    old = load_plan(path)
    draft = build_draft(old, 2026, 2030, {"1": Baseline(text="45", kind="value", value=Decimal(45),
                                                        year=2025, source="computed")})
    dpath = tmp_path / "draft.yaml"
    dpath.write_text(plan_to_yaml(draft), "utf-8")
    load_plan_into_db(engine, draft, source_file=dpath)
    load_plan_into_db(engine, old, source_file=path)
    plans = loaded_plans(engine)
    assert [(p.code, p.period, p.baseline_year) for p in plans] == [
        ("jiaocheng-2021-2025", "2021-2025", 2020), ("jiaocheng-2026-2030", "2026-2030", 2025)]
    assert plan_source(engine, "jiaocheng-2026-2030") == dpath.resolve()
    with engine.connect() as conn:
        ind = conn.execute(select(IndicatorRecord).join(PlanRecord, PlanRecord.id == IndicatorRecord.plan_id)
                           .where(PlanRecord.code == "jiaocheng-2026-2030", IndicatorRecord.key == "1")).one()
        assert ind.baseline["source"] == "computed" and ind.baseline["year"] == 2025
    assert load_plan(plan_source(engine, "jiaocheng-2026-2030")).indicator("1").predecessor.key == "1"
    with pytest.raises(PlanError):
        plan_source(engine, "jiaocheng-2031-2035")
