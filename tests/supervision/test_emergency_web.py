"""The /emergency page: banner in the level colour, measures in force, inspections entered by a
department (with an evidence file), read-only for the leader, closed to anonymous users."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ecoplan.supervision import emergency as em
from tests.supervision.emergency_fixtures import COKE, write_workbook
from tests.web.conftest import app, client_for, template_home, web_ws  # noqa: F401


def test_emergency_page_and_inspection(web_ws, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = web_ws.engine
    em.import_measures(engine, write_workbook(tmp_path / "list.xlsx"), valid_from=date(2026, 1, 1))
    anon = client_for(None)
    r = anon.get("/emergency", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]
    dept = client_for("zjj")
    page = dept.get("/emergency").text
    assert 'data-level="none"' in page and "重污染天气应急" in page
    now = em.now_local()
    st = em.issue(engine, level="orange", start=now - timedelta(hours=1),
                  planned_end=now + timedelta(days=1), doc_no="交重污染应急〔2026〕9号")
    page = dept.get("/emergency").text
    assert 'data-level="orange"' in page and em.LEVEL_COLOURS["orange"] in page
    assert "交重污染应急〔2026〕9号" in page and "测试焦化厂" in page and "自主减排" in page
    assert 'id="inspection-form"' in page
    r = dept.post("/emergency/inspections",
                  data={"credit_code": COKE, "complied": "no", "note": "未按要求错峰运输"},
                  files={"evidence": ("site.jpg", b"\xff\xd8\xff\xe0 test", "image/jpeg")},
                  follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    rows = em.inspections(engine, st.id)
    assert len(rows) == 1 and rows[0]["complied"] is False
    assert rows[0]["department"] == "县住建局" and rows[0]["evidence"][0]["name"] == "site.jpg"
    page = dept.get("/emergency").text
    assert "未按要求错峰运输" in page and "site.jpg" in page
    bad = dept.post("/emergency/inspections", data={"credit_code": COKE, "complied": "maybe"},
                    follow_redirects=False)
    assert bad.status_code == 400
    leader = client_for("leader")
    page = leader.get("/emergency?lang=en").text
    assert 'id="inspection-form"' not in page
    assert leader.post("/emergency/inspections", data={"credit_code": COKE, "complied": "yes"},
                       follow_redirects=False).status_code == 403
    assert 'href="/emergency"' in leader.get("/").text
