"""/inspections: roles and departments, the draw and its public result with the verifiable JSON,
and the phone form in Chromium at 390 px that keeps a record offline and sends it when online."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest

from ecoplan.supervision import inspection_draw as D
from ecoplan.supervision import inspections as I
from tests.supervision.test_inspection_draw import _code
from tests.web.test_browser import browser, server, sign_in  # noqa: F401


def _registry(ws) -> None:  # type: ignore[no-untyped-def]
    with ws.session() as s:
        D.S.add_enterprise(s, _code(1), "测试焦化企业", industry="炼焦", key_enterprise=True)
        D.S.add_enterprise(s, _code(2), "测试水泥企业", industry="水泥")
        for n, unit in enumerate(("执法一队", "执法二队", "监测站")):
            D.add_inspector(s, f"I{n}", f"人{n}", unit, certificate_no=f"C{n}",
                            certificate_expires=date(2030, 1, 1), actor="t")


def test_roles_departments_draw_and_public_result(web_ws, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _registry(web_ws)
    analyst, leader, zjj, slj = (client_for(u) for u in ("analyst", "leader", "zjj", "slj"))
    anonymous = client_for(None)
    year = date.today().year
    # the bureau draws; a leader and a department may not
    assert leader.post("/inspections/draws", data={"period": str(year)}).status_code == 403
    assert zjj.post("/inspections/draws", data={"period": str(year)}).status_code == 403
    r = analyst.post("/inspections/draws", data={"period": str(year)}, follow_redirects=True)
    assert r.status_code == 200 and "抽中" in r.text
    with web_ws.session() as s:
        draw = D.draw_document(D.list_draws(s)[0])
    # not public before publication (due in 20 days)
    assert anonymous.get(f"/public/inspections/{draw['draw_id']}.json").status_code == 404
    assert draw["seed"] not in anonymous.get("/public/inspections").text
    # nor to a department before publication (the drawn enterprises are not to be warned)
    assert zjj.get(f"/inspections/draws/{draw['draw_id']}").status_code == 403
    assert f"/inspections/draws/{draw['draw_id']}\"" not in zjj.get("/inspections").text
    assert leader.get(f"/inspections/draws/{draw['draw_id']}").status_code == 200
    assert analyst.post(f"/inspections/draws/{draw['draw_id']}/publish").status_code in (200, 303)
    page = anonymous.get("/public/inspections").text
    assert draw["seed"] in page and "测试焦化企业" in page
    got = anonymous.get(f"/public/inspections/{draw['draw_id']}.json")
    assert D.verify_document(got.json()).identical
    assert "✓" in analyst.get(f"/inspections/draws/{draw['draw_id']}").text
    # a department records for its own department; a leader may not record
    target = draw["result"][0]["credit_code"]
    form = {"enterprise": target, "inspected_at": f"{date.today()}T08:30",
            "inspectors": ["I0", "I1"], "item:permit": "problem", "findings": "许可证未公示\n",
            "latitude": "37.55", "longitude": "112.16", "draw_id": str(draw["draw_id"]),
            "representative": "张三", "confirmed": "on", "client_uuid": "phone-1"}
    assert leader.post("/inspections/records", data=form).status_code == 403
    r = zjj.post("/inspections/records", data=form, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    rid = r.json()["id"]
    again = zjj.post("/inspections/records", data=form, headers={"Accept": "application/json"})
    assert again.json()["id"] == rid  # the draft sent twice is stored once
    bad = zjj.post("/inspections/records", data=form | {"client_uuid": "phone-2",
                                                        "latitude": "north"},
                   headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "latitude" in bad.json()["detail_en"]
    # the other department neither lists nor opens it; the leader and analyst do
    assert slj.get(f"/inspections/{rid}").status_code == 403
    assert f'href="/inspections/{rid}"' not in slj.get("/inspections").text
    assert "许可证未公示" in leader.get(f"/inspections/{rid}").text
    html = analyst.get(f"/inspections?period={year}").text
    assert re.search(r'id="kpi-done">1<', html) and re.search(r'id="kpi-share">50\.0%<', html)
    assert 'href="/inspections"' in html  # in the navigation
    r = zjj.post(f"/inspections/{rid}/correct", data={"reason": "补充", "findings": "许可证未公示\n台账缺页"},
                 follow_redirects=True)
    assert r.status_code == 200 and 'id="version-2"' in r.text and "台账缺页" in r.text
    with web_ws.session() as s:
        d = I.inspection_dict(s, I.get_inspection(s, rid), history=True)
    assert "住建" in (d["department"] or "")  # the recording department
    assert [len(v["findings"]) for v in d["history"]] == [1, 2]


def _wait_outbox(page, n: int, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Wait until the phone's outbox holds ``n`` records (polled: the page's CSP forbids the
    eval behind wait_for_function)."""
    deadline = time.monotonic() + timeout
    js = "() => JSON.parse(localStorage.getItem('ecoplan.inspection.outbox') || '[]').length"
    while page.evaluate(js) != n:
        assert time.monotonic() < deadline, f"outbox never held {n} records"
        time.sleep(0.1)


@pytest.mark.slow
def test_phone_form_keeps_a_record_offline_and_sends_it_online(  # type: ignore[no-untyped-def]
        server: str, browser, web_ws, artifacts_dir: Path) -> None:  # noqa: F811
    _registry(web_ws)
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "zjj")
    page.goto(f"{server}/inspections/new")
    page.select_option("#enterprise", _code(1))
    assert page.locator('fieldset[data-checklist="coking"]').is_visible()
    page.check('input[name="inspectors"][value="I0"]')
    page.check('input[name="inspectors"][value="I1"]')
    page.check('input[name="item:coke_oven_sealing"][value="problem"]')
    page.fill('textarea[name="findings"]', "3号炉门冒烟")
    page.fill("#latitude", "37.55")
    page.fill("#longitude", "112.16")
    # a reload keeps the draft
    page.reload()
    assert page.input_value('textarea[name="findings"]') == "3号炉门冒烟"
    assert page.input_value("#enterprise") == _code(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(artifacts_dir / "inspection-form-390.png"), full_page=True)
    browser.set_offline(True)
    page.click("#submit-record")
    _wait_outbox(page, 1)
    assert "离线" in page.inner_text("#outbox-status")
    with web_ws.session() as s:
        assert I.list_inspections(s) == []
    browser.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_outbox(page, 0)
    with web_ws.session() as s:
        rows = I.list_inspections(s)
    assert len(rows) == 1 and rows[0]["latest"]["findings"][0]["description"] == "3号炉门冒烟"
    assert rows[0]["latest"]["items"] == {"coke_oven_sealing": "problem"}
    assert rows[0]["latest"]["latitude"] == 37.55
