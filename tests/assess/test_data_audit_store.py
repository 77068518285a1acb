"""The daily data audit's records on SQLite and PostgreSQL: decisions count only for a locked
day, a valid decision overrides a reviewer's exclusion, re-opening needs a reason, records are
append-only; the bulletin register's draft → published life."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from ecoplan.ingest.flags import append_flag
from ecoplan.settings import load_settings
from ecoplan.standards.audit_reasons import audit_reasons
from ecoplan.store import bulletins, data_audit
from ecoplan.store.bulletin_audit_models import AuditRecordsAreAppendOnly
from ecoplan.store.reviewed_flags import excluded_values
from ecoplan.store.workspace import Workspace, init_workspace

DAY = date(2025, 12, 2)


def _ws(home: Path, db_url: str) -> Workspace:
    init_workspace(home, database_url=db_url)
    return Workspace(load_settings(home=home, database_url=db_url))


def _keys(ws: Workspace, audited: bool = True) -> set[tuple[str, str, str]]:
    f = excluded_values(ws.engine, audited=audited)
    return {(r.station_code, r.timestamp.strftime("%H"), r.parameter) for r in f.itertuples()}


def test_audit_records_and_their_effect(db_url: str, tmp_path: Path) -> None:
    ws = _ws(tmp_path / "home", db_url)
    append_flag(ws.engine, "air_hourly", "S1", datetime(2025, 12, 2, 9), "pm10", "invalid",
                reason="drift", actor="reviewer")
    with ws.session() as s:
        data_audit.decide(s, dataset="air_hourly", site="S1", timestamp=datetime(2025, 12, 2, 8),
                          parameter="pm25", code="A01", actor="auditor")
        data_audit.decide(s, dataset="air_hourly", site="S1", timestamp=datetime(2025, 12, 2, 9),
                          parameter="pm10", code="V02", actor="auditor")
    assert _keys(ws) == {("S1", "09", "pm10")}  # open day: the real-time version
    with ws.session() as s:
        data_audit.lock(s, dataset="air_hourly", site="S1", day=DAY, actor="auditor")
        with pytest.raises(data_audit.DataAuditError):
            data_audit.lock(s, dataset="air_hourly", site="S1", day=DAY, actor="auditor")
    assert _keys(ws) == {("S1", "08", "pm25")}  # locked: the audited version
    assert _keys(ws, audited=False) == {("S1", "09", "pm10")}  # the real-time one is kept
    with ws.session() as s:
        with pytest.raises(data_audit.DataAuditError):
            data_audit.reopen(s, dataset="air_hourly", site="S1", day=DAY, actor="a", reason="")
        data_audit.reopen(s, dataset="air_hourly", site="S1", day=DAY, actor="a", reason="复核")
    assert _keys(ws) == {("S1", "09", "pm10")}
    assert data_audit.day_of(datetime(2025, 12, 3, 0)) == DAY  # 24:00 belongs to the day
    with ws.session() as s, pytest.raises(data_audit.DataAuditError):
        data_audit.decide(s, dataset="water_samples", site="W", timestamp=datetime(2025, 12, 2, 8),
                          parameter="codmn", code="W01", actor="a")
    with ws.session() as s:
        ev = s.get(data_audit.AuditDayEvent, 1)
        ev.actor = "someone else"
        with pytest.raises(AuditRecordsAreAppendOnly):
            s.flush()
        s.rollback()
    assert all(r.source.startswith(("HJ 818", "HJ 817", "HJ 915")) for r in audit_reasons().values())


def test_bulletin_register(db_url: str, tmp_path: Path) -> None:
    ws = _ws(tmp_path / "home", db_url)
    with ws.session() as s:
        b = bulletins.register(s, kind="both", period="2025-12", file="/x.docx", digest="0" * 64,
                               actor="scheduler", audited_days=1, total_days=93)
        bid = b.id
    with ws.session() as s:
        assert bulletins.listing(s, published_only=True) == []
        assert bulletins.due_missing(s, ["2025-12", "2025"], "both") == ["2025"]
        row = bulletins.approve(s, bid, "analyst", "同意")
        assert row.state == "published" and row.approved_by == "analyst"
        with pytest.raises(bulletins.BulletinStateError):
            bulletins.approve(s, bid, "analyst")
        with pytest.raises(bulletins.BulletinStateError):
            bulletins.get(s, 999)
    with ws.session() as s:
        assert [r.id for r in bulletins.listing(s, published_only=True)] == [bid]
