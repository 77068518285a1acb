"""Workflow rules of issue 21: departments and owners from the plan, four-eyes approval, review
flags for money beyond the estimate, one identity across CLI and web, status words in Chinese."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from ecoplan.assess import progress as pg
from ecoplan.assess.owners import all_owners, split_names, sync_plan_owners
from ecoplan.cli import main
from ecoplan.errors import ValidationError
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.store import db
from ecoplan.store.plan_store import load_plan_into_db

PLAN = "jiaocheng-2021-2025"


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    plan = load_plan(bundled_plan_path(PLAN))
    load_plan_into_db(engine, plan, source_file=bundled_plan_path(PLAN))
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_plan_departments_and_task_owners_created_and_editable(session: Session) -> None:
    plan = load_plan(bundled_plan_path(PLAN))
    first = sync_plan_owners(session, plan)
    session.commit()
    assert "生态环境分局" in first.departments_created and "县住建局" in first.departments_created
    owners = all_owners(session, PLAN)
    # a project's 牵头部门, a task's own department, a task of a project → the project's
    assert owners[("project", "1")] == ["生态环境分局"]
    assert owners[("task", "4.3-1")] == ["县交通运输局", "生态环境分局", "交警"]
    assert owners[("indicator", "6")] == ["县住建局"]
    assert owners[("task", "2.3-2")] == ["县住建局"]  # via indicator 6
    # re-running adds nothing; a hand edit survives a reload
    from ecoplan.assess.owners import assign

    assign(session, plan, "task", "3.1-1", ["slj"], actor="analyst")
    again = sync_plan_owners(session, plan)
    assert again.owners_added == 0 and again.departments_created == []
    assert all_owners(session, PLAN)[("task", "3.1-1")] == ["县水利局"]
    with pytest.raises(ValidationError):
        assign(session, plan, "task", "3.1-1", ["没有这个局"], actor="analyst")


def test_split_names_of_plan_cells() -> None:
    assert split_names("交通、生态环境、交警等部门") == ["县交通运输局", "生态环境分局", "交警"]
    assert split_names("市生态环境局交城分局") == ["生态环境分局"]


def test_reviewer_may_not_approve(session: Session) -> None:
    r = pg.submit_task_progress(session, plan_code=PLAN, task_key="3.1-1", as_of="2023-12-31",
                                status="进行中", reporter="li", department="生态环境分局")
    assert r.status == "in_progress"
    pg.review(session, "task", r.id, actor="wang")
    with pytest.raises(pg.WorkflowError, match="reviewer wang may not also approve"):
        pg.approve(session, "task", r.id, actor="wang")
    assert pg.approve(session, "task", r.id, actor="zhao").state == "approved"
    r2 = pg.submit_task_progress(session, plan_code=PLAN, task_key="3.1-1", as_of="2024-12-31",
                                 status="in progress", reporter="li", department="生态环境分局")
    pg.review(session, "task", r2.id, actor="wang")
    # configurable: ECOPLAN_DISTINCT_APPROVER=false lets the reviewer approve
    assert pg.approve(session, "task", r2.id, actor="wang", distinct_approver=False).state == "approved"


def test_status_words_in_both_languages() -> None:
    assert pg.parse_status("进行中") == "in_progress"
    assert pg.parse_status("实施中") == "in_progress"
    assert pg.parse_status("In progress") == "in_progress"
    assert pg.parse_status("已完成") == "completed"
    assert pg.parse_status("not_started") == "not_started"
    assert pg.parse_state("已批准") == "approved"
    with pytest.raises(ValidationError, match="not started, in progress"):
        pg.parse_status("半完成")


def test_money_beyond_the_estimate_is_flagged(session: Session) -> None:
    # project 1 is estimated at 3000 万元 in Table 2
    r = pg.submit_project_progress(session, plan_code=PLAN, project_number=1, as_of="2022-12-31",
                                   percent_complete="100", invested_wan_yuan="3600",
                                   status="已完成", reporter="li", department="生态环境分局")
    ok = pg.submit_project_progress(session, plan_code=PLAN, project_number=1,
                                    as_of="2021-12-31", percent_complete="50",
                                    invested_wan_yuan="1500", status="实施中", reporter="li",
                                    department="生态环境分局")
    views = {v.record.id: v for v in pg.list_reports(session, "project", plan_code=PLAN)}
    assert [f.code for f in views[r.id].flags] == ["over_estimate"]
    assert "超出规划估算 3000.00 万元（120%）" in views[r.id].flags[0].zh
    assert views[ok.id].flags == []
    assert views[r.id].as_dict()["flags"][0]["code"] == "over_estimate"


# ---------------------------------------------------------------- the command line
def _ws_with_accounts(workspace_home) -> None:  # type: ignore[no-untyped-def]
    assert main(["init", str(workspace_home)]) == 0
    assert main(["plan", "load"]) == 0
    assert main(["users", "add", "zhangsan", "--role", "department", "--department", "zjj",
                 "--password", "Zhujian-2026-ok", "--name", "张三"]) == 0
    assert main(["users", "add", "wang", "--role", "analyst", "--password",
                 "Fenju-2026-ok", "--name", "王审核"]) == 0


def test_cli_records_the_web_identity_and_takes_chinese_status(workspace_home, capsys,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    _ws_with_accounts(workspace_home)
    capsys.readouterr()
    # the display name 张三 given to the CLI is recorded as the web account zhangsan, with its
    # department; the status word 进行中 is accepted
    assert main(["progress", "task", "--key", "2.3-2", "--as-of", "2025-06-30",
                 "--status", "进行中", "--user", "张三", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reporter"] == "zhangsan"
    monkeypatch.setenv("ECOPLAN_USER", "zhangsan")
    assert main(["progress", "project", "--number", "1", "--as-of", "2022-12-31",
                 "--percent", "100", "--invested", "3600", "--status", "已完成"]) == 0
    out = capsys.readouterr().out
    assert "需审核关注" in out and "超出规划估算" in out
    monkeypatch.delenv("ECOPLAN_USER")
    # a name that is no account is refused (the CLI and the web must record the same person)
    assert main(["progress", "task", "--key", "2.3-2", "--as-of", "2025-06-30",
                 "--status", "进行中", "--user", "李四"]) == 1
    assert "不是本工作区的账号" in capsys.readouterr().err
    # four eyes: wang reviews, wang may not approve
    assert main(["progress", "review", "task", "1", "--user", "王审核"]) == 0
    assert main(["progress", "approve", "task", "1", "--user", "wang"]) == 1
    assert "不能再批准" in capsys.readouterr().err
    assert main(["progress", "list", "task", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["reporter"] == "zhangsan" and rows[0]["department"] == "县住建局"
    assert [h["actor"] for h in rows[0]["history"]] == ["zhangsan", "wang"]
    assert main(["progress", "list", "project", "--state", "已提交", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["flags"][0]["code"] == "over_estimate"
    from ecoplan.commands.assess import _content

    assert _content("project", row) == "100.00% / 3600.00 万元 / 已完成"
    monkeypatch.setenv("ECOPLAN_DISTINCT_APPROVER", "false")
    assert main(["progress", "approve", "task", "1", "--user", "wang"]) == 0
