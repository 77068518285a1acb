"""Cases, complaints and credit on the web: the public complaint form (CSRF, limit per client),
authorization per role and department on every page and step, and the document download."""

from __future__ import annotations

import io
from datetime import date

from ecoplan.supervision import cases as C
from ecoplan.supervision import complaints as Q


def _complaint_and_case(web_ws) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with web_ws.session() as s:
        c = Q.intake(s, channel="phone", content="工地夜间施工扬尘严重", actor="analyst",
                     received_on=date(2026, 11, 2), category="dust", town="天宁镇", place="某工地")
        Q.dispatch(s, c, department="zjj", actor="analyst", on_date=date(2026, 11, 2))
        case = C.open_case(s, source_kind="dust", source_id="D-1", title="未采取防尘措施",
                           party_name="某建筑公司", department="zjj", actor="analyst",
                           opened_on=date(2026, 11, 3))
        C.add_task(s, case, department="slj", task="核查河道堆土", actor="analyst",
                   due=date(2026, 11, 20), on_date=date(2026, 11, 3))
        return c.id, case.id


def test_public_complaint_form_needs_csrf_and_is_limited(client_for) -> None:  # type: ignore[no-untyped-def]
    anon = client_for(None)
    assert anon.get("/public/complaint").status_code == 200
    token = anon.headers.pop("X-CSRF-Token")
    r = anon.post("/public/complaint", data={"content": "河边有人倾倒垃圾"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    for i in range(3):
        r = anon.post("/public/complaint", data={"content": f"河边有人倾倒垃圾{i}", "category": "water",
                                                 "csrf_token": token}, follow_redirects=True)
        assert r.status_code == 200 and "已受理" in r.text
    r = anon.post("/public/complaint", data={"content": "第四次提交", "csrf_token": token})
    assert r.status_code == 400 and "12369" in r.text
    page = anon.get("/public/complaint").text
    assert "水污染" in page  # the public statistics by type
    assert anon.get("/complaints", follow_redirects=False).status_code in (303, 401)
    assert anon.post("/complaints", data={"content": "x" * 10, "csrf_token": token},
                     follow_redirects=False).status_code in (303, 401)


def test_authorization_per_role_and_department(web_ws, client_for) -> None:  # type: ignore[no-untyped-def]
    cid, case_id = _complaint_and_case(web_ws)
    zjj, slj, lyj = client_for("zjj"), client_for("slj"), client_for("lyj")
    leader, analyst = client_for("leader"), client_for("analyst")
    # reading: the leading department, the helping department and the bureau; not others
    for c in (zjj, slj, leader, analyst):
        assert c.get(f"/cases/{case_id}").status_code == 200
    assert lyj.get(f"/cases/{case_id}").status_code == 403
    assert "未采取防尘措施" not in lyj.get("/cases").text
    assert "未采取防尘措施" in slj.get("/cases").text
    # complaints: the department it was dispatched to, not another one
    assert zjj.get(f"/complaints/{cid}").status_code == 200
    assert slj.get(f"/complaints/{cid}").status_code == 403
    assert slj.post(f"/complaints/{cid}/handle", data={"note": "x"}).status_code == 403
    assert zjj.post(f"/complaints/{cid}/reply", data={"text": "x"}).status_code == 403
    assert zjj.post(f"/complaints/{cid}/handle", data={"note": "已责令停工整改"},
                    follow_redirects=False).status_code == 303
    # stages: the case's own department and the bureau; the helper and the leader cannot
    for c in (slj, leader):
        r = c.post(f"/cases/{case_id}/advance", data={"stage": "investigation"})
        assert r.status_code == 403
    assert zjj.post(f"/cases/{case_id}/advance", data={"stage": "investigation"},
                    follow_redirects=False).status_code == 303
    # a joint task is completed by its department only
    with web_ws.session() as s:
        task_id = C.case_view(s, C.get_case(s, case_id)).tasks[0]["id"]
    assert zjj.post(f"/cases/{case_id}/tasks/{task_id}/done", data={"result": "x"}).status_code == 403
    assert slj.post(f"/cases/{case_id}/tasks/{task_id}/done", data={"result": "已核查"},
                    follow_redirects=False).status_code == 303
    # a department opens cases only for itself; credit is managed by the bureau
    r = zjj.post("/cases", data={"source_kind": "manual", "title": "t", "party_name": "p",
                                 "department": "slj"})
    assert r.status_code == 403
    assert zjj.post("/credit/evaluate").status_code == 403
    assert leader.get("/credit").status_code == 200
    assert analyst.post("/credit/evaluate", follow_redirects=False).status_code == 303
    assert zjj.get("/credit/dishonest.xlsx").status_code == 403
    assert analyst.get("/credit/dishonest.xlsx").status_code == 200
    # the import names file, row and field; the form's CSRF goes outside the body
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["工单编号", "受理时间", "诉求内容"])
    wb.active.append(["GD9", "不是日期", "噪声扰民严重"])
    buf = io.BytesIO()
    wb.save(buf)
    token = analyst.headers["X-CSRF-Token"]
    r = analyst.post(f"/complaints/import?csrf_token={token}",
                     files={"file": ("gd.xlsx", buf.getvalue())}, follow_redirects=True)
    assert "gd.xlsx" in r.text and "第 2 行" in r.text and "受理时间" in r.text
