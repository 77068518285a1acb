"""The progress-report workflow on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from ecoplan.assess import progress as pg
from ecoplan.errors import ValidationError
from ecoplan.store import db
from ecoplan.store.progress_models import ProgressRecordsAreAppendOnly

PLAN = "jiaocheng-2021-2025"


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _project(s: Session, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = dict(
        plan_code=PLAN, project_number=1, as_of="2025-12-31", percent_complete="80",
        invested_wan_yuan="2400.50", status="in_progress", reporter="li", department="生态环境分局",
        milestones=[{"name": "设备安装", "due": "2022-06-30", "done_on": "2022-05-20"}],
        evidence=[{"name": "验收报告.pdf", "sha256": "ab" * 32}])
    args.update(kw)
    return pg.submit_project_progress(s, **args)  # type: ignore[arg-type]


def test_full_workflow_and_only_approved_feed(session: Session) -> None:
    a = _project(session)
    b = _project(session, as_of="2026-06-30", percent_complete="100", status="completed",
                 invested_wan_yuan="3000")
    assert pg.state_of(session, "project", a.id) == "submitted"
    assert pg.approved_project_progress(session, PLAN) == {}
    pg.review(session, "project", a.id, actor="wang")
    pg.approve(session, "project", a.id, actor="zhao", note="同意")
    session.commit()
    got = pg.approved_project_progress(session, PLAN)
    assert got[1].record.id == a.id and got[1].record.invested_wan_yuan == Decimal("2400.50")
    pg.review(session, "project", b.id, actor="wang")
    pg.approve(session, "project", b.id, actor="zhao")
    assert pg.approved_project_progress(session, PLAN)[1].record.id == b.id
    # as_of cut-off picks the earlier one
    assert pg.approved_project_progress(session, PLAN, as_of=date(2025, 12, 31))[1].record.id == a.id
    states = [e.state for e in pg.history(session, "project", a.id)]
    assert states == ["submitted", "reviewed", "approved"]
    view = pg.list_reports(session, "project", state="approved")[0]
    d = view.as_dict()
    assert d["state"] == "approved" and len(d["history"]) == 3


def test_reject_needs_reason_and_is_final(session: Session) -> None:
    r = pg.submit_indicator_value(session, plan_code=PLAN, indicator_key="I05", year=2025,
                                  value="31.5", unit="%", reporter="li", department="自然资源局")
    with pytest.raises(ValidationError):
        pg.reject(session, "indicator", r.id, actor="wang", reason=" ")
    ev = pg.reject(session, "indicator", r.id, actor="wang", reason="缺少佐证材料")
    assert ev.reason == "缺少佐证材料"
    with pytest.raises(pg.WorkflowError):
        pg.review(session, "indicator", r.id, actor="wang")
    assert pg.approved_indicator_values(session, PLAN) == {}


def test_four_eyes_and_order(session: Session) -> None:
    t = pg.submit_task_progress(session, plan_code=PLAN, task_key="T01", as_of=date(2024, 12, 31),
                                status="completed", reporter="li", department="住建局")
    with pytest.raises(pg.WorkflowError):
        pg.approve(session, "task", t.id, actor="zhao")  # not reviewed yet
    with pytest.raises(pg.WorkflowError):
        pg.review(session, "task", t.id, actor="li")  # own report
    pg.review(session, "task", t.id, actor="wang")
    pg.approve(session, "task", t.id, actor="zhao")
    assert pg.approved_task_progress(session, PLAN)["T01"].record.status == "completed"


def test_reports_are_append_only(session: Session) -> None:
    a = _project(session)
    session.commit()
    a.percent_complete = Decimal("99")
    with pytest.raises(ProgressRecordsAreAppendOnly):
        session.flush()
    session.rollback()
    ev = pg.history(session, "project", a.id)[0]
    session.delete(ev)
    with pytest.raises(ProgressRecordsAreAppendOnly):
        session.flush()


@pytest.mark.parametrize("kw, field", [
    ({"percent_complete": "120"}, "percent_complete"),
    ({"percent_complete": "abc"}, "percent_complete"),
    ({"invested_wan_yuan": "-1"}, "invested_wan_yuan"),
    ({"status": "done"}, "status"),
    ({"status": "completed", "percent_complete": "90"}, "percent_complete"),
    ({"as_of": "2025-13-01"}, "as_of"),
    ({"evidence": [{"uri": "x"}]}, "evidence[0]"),
    ({"reporter": ""}, "reporter"),
])
def test_bad_input_names_the_field(session: Session, kw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _project(session, **kw)
    assert exc.value.location is not None and exc.value.location.field == field
    assert exc.value.zh and exc.value.en


@dataclass
class _P:
    number: int
    name: str
    end_year: int | None


@dataclass
class _T:
    key: str
    deadline: date | None
    department: str | None = None


def test_overdue_detection(session: Session) -> None:
    a = _project(session, project_number=1, status="in_progress")
    pg.review(session, "project", a.id, actor="wang")
    pg.approve(session, "project", a.id, actor="zhao")
    c = _project(session, project_number=2, status="completed", percent_complete="100")
    pg.review(session, "project", c.id, actor="wang")
    pg.approve(session, "project", c.id, actor="zhao")
    approved = pg.approved_project_progress(session, PLAN)
    projects = [_P(1, "焦化超低排放", 2022), _P(2, "水泥超低排放", 2023), _P(3, "污水厂", 2025),
                _P(4, "无期限", None)]
    od = pg.overdue_projects(projects, approved, as_of=date(2026, 1, 10))
    assert [o.subject.split()[0] for o in od] == ["1", "3"]
    assert od[0].days_overdue == (date(2026, 1, 10) - date(2022, 12, 31)).days
    assert od[0].last_status == "in_progress" and od[1].last_status is None
    assert "逾期" in od[0].describe("zh") and "overdue" in od[0].describe("en")
    tasks = [_T("T1", date(2023, 12, 31), "水利局"), _T("T2", None), _T("T3", date(2027, 1, 1))]
    ot = pg.overdue_tasks(tasks, {}, as_of=date(2026, 1, 1))
    assert [o.subject for o in ot] == ["T1"] and ot[0].department == "水利局"
