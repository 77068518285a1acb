"""The web side of issue 21's workflow rules: status words in Chinese, four eyes, review flags,
the same identity as the command line."""

from __future__ import annotations

import re

from ecoplan.cli import main


def test_four_eyes_flags_and_chinese_status_on_the_web(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    zjj, analyst, admin = client_for("zjj"), client_for("analyst"), client_for("admin")
    # zjj leads project 26 (县住建局); money beyond its estimate is flagged, not refused
    from ecoplan.plan import bundled_plan_path, load_plan

    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    proj = next(p for p in plan.key_projects if any("住建" in d for d in p.lead_departments))
    over = proj.investment_wan_yuan * 2
    r = zjj.post("/entry/project", data={"project_number": proj.number, "as_of": "2024-12-31",
                                         "percent_complete": "60", "invested_wan_yuan": str(over),
                                         "status": "in_progress"}, follow_redirects=False)
    assert r.status_code == 303
    rid = int(re.search(r"[?&]id=(\d+)", r.headers["location"]).group(1))
    page = analyst.get("/entry").text
    row = page[page.index(f'id="report-project-{rid}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-flag="over_estimate"' in row and "超出规划估算" in row
    assert "实施中" in row and "in_progress" not in row
    assert analyst.post(f"/entry/project/{rid}/review").status_code in (200, 303)
    # the reviewer sees no approve button and cannot approve by posting
    page = analyst.get("/entry").text
    row = page[page.index(f'id="report-project-{rid}"'):]
    assert "act-approve" not in row[:row.index("</tr>")]
    r = analyst.post(f"/entry/project/{rid}/approve", follow_redirects=False)
    assert r.status_code >= 400 and "不能再批准" in r.text
    assert admin.post(f"/entry/project/{rid}/approve", follow_redirects=False).status_code == 303
    projects = admin.get("/projects").text
    assert "实施中" in projects and "in_progress" not in projects


def test_cli_and_web_record_one_identity(client_for, web_ws, capsys) -> None:  # type: ignore[no-untyped-def]
    # the demo account zjj is 住建局填报员: the CLI given that name records zjj, as the web does
    assert main(["progress", "task", "--key", "2.3-2", "--as-of", "2025-06-30", "--status",
                 "进行中", "--user", "住建局填报员", "--json"]) == 0
    assert '"reporter": "zjj"' in capsys.readouterr().out
    page = client_for("zjj").get("/entry").text
    assert "2.3-2" in page and ">zjj<" in page


def test_admin_changes_a_task_owner_and_the_department_may_report(client_for) -> None:  # type: ignore[no-untyped-def]
    zjj = client_for("zjj")
    r = zjj.post("/entry/task", data={"task_key": "3.1-1", "as_of": "2023-12-31",
                                      "status": "in_progress"}, follow_redirects=False)
    assert r.status_code == 403  # the plan names no department for task 3.1-1
    admin = client_for("admin")
    assert 'id="owners-form"' in admin.get("/admin").text
    r = admin.post("/admin/owners", data={"kind": "task", "subject": "3.1-1",
                                          "departments": ["zjj"]}, follow_redirects=False)
    assert r.status_code == 303
    assert client_for("analyst").post("/admin/owners", data={
        "kind": "task", "subject": "3.1-1", "departments": ["slj"]},
        follow_redirects=False).status_code == 403
    r = zjj.post("/entry/task", data={"task_key": "3.1-1", "as_of": "2023-12-31",
                                      "status": "in_progress"}, follow_redirects=False)
    assert r.status_code == 303
    assert "3.1-1" in zjj.get("/entry").text
    assert "县住建局" in admin.get("/projects").text
