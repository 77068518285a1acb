"""Migrations and metadata tables, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from ecoplan.store import db
from ecoplan.store.models import (
    AuditEntry,
    AuditLogIsAppendOnly,
    IndicatorRecord,
    KeyProjectRecord,
    PlanRecord,
    Role,
    Station,
)

EXPECTED_TABLES = {
    "stations", "water_sections", "drinking_water_sources", "groundwater_points",
    "site_aliases", "plans", "indicators", "key_projects", "tasks", "municipal_targets",
    "departments", "roles", "users", "api_tokens", "audit_log", "ingest_batches", "quarantine",
}


def test_upgrade_creates_schema_and_is_idempotent(db_url: str) -> None:
    heads = db.upgrade(db_url)
    assert heads == db.head_revisions()
    engine = db.make_engine(db_url)
    assert EXPECTED_TABLES <= set(inspect(engine).get_table_names())
    assert db.upgrade(db_url) == heads  # second run changes nothing
    db.require_current(engine)


def test_roles_are_seeded(db_url: str) -> None:
    db.upgrade(db_url)
    with db.session_scope(db.make_engine(db_url)) as s:
        names = set(s.scalars(select(Role.name)))
    assert names == {"admin", "analyst", "department", "leader"}


def test_round_trip_of_plan_entities_keeps_exact_money(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        plan = PlanRecord(code="jc", name="交城县规划", region_name="交城县", region_code="141122",
                          start_year=2021, end_year=2025, baseline_year=2020)
        s.add(plan)
        s.flush()
        s.add(IndicatorRecord(plan_id=plan.id, key="1", number=1, category="环境治理",
                              name_zh="PM2.5", name_en="PM2.5", unit="μg/m³",
                              attribute="binding", baseline={"value": 61},
                              target={"op": "<=", "value": 41}, measurement={}))
        s.add(KeyProjectRecord(plan_id=plan.id, number=1, category="大气", name="项目",
                               content="内容", investment_wan_yuan=Decimal("12345.67"),
                               start_year=2021, end_year=2025, lead_departments=["住建局"]))
        s.add(Station(code="2183A", name="环保局", city="吕梁市", network_level="national"))
    with db.session_scope(engine) as s:
        money = s.scalar(select(KeyProjectRecord.investment_wan_yuan))
        assert money == Decimal("12345.67")
        ind = s.scalar(select(IndicatorRecord))
        assert ind.target == {"op": "<=", "value": 41}
        assert ind.unit == "μg/m³"


def test_audit_log_is_append_only(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        s.add(AuditEntry(actor="admin", action="create", entity="user", entity_id="1",
                         before=None, after={"username": "wang"}))
    with pytest.raises(AuditLogIsAppendOnly), db.session_scope(engine) as s:
        entry = s.scalar(select(AuditEntry))
        entry.actor = "someone-else"
    with pytest.raises(AuditLogIsAppendOnly), db.session_scope(engine) as s:
        s.delete(s.scalar(select(AuditEntry)))
    with db.session_scope(engine) as s:
        assert s.scalar(select(AuditEntry.actor)) == "admin"


def test_schema_behind_code_is_reported(tmp_path) -> None:
    from ecoplan.errors import DatabaseError

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = db.make_engine(url)
    with pytest.raises(DatabaseError) as info:
        db.require_current(engine)
    assert "ecoplan db upgrade" in info.value.message("zh")
