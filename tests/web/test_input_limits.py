"""Issue 19, finding 1 and 4: one bad value never takes the platform down.

Every write route validates at the boundary (shared schemas of ``ecoplan.web.inputs``), stored
bad values are formatted defensively, numeric URL parameters are bounded and notices come only
from the server's table of message keys.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ecoplan.web.inputs import NOTE_MAX

PAGES = ["/", "/public", "/public/water", "/public/air", "/public/progress", "/projects",
         "/api/v1/indicators", "/api/v1/assessments", "/api/v1/projects", "/entry"]


@pytest.mark.parametrize("value", ["1e400", "inf", "-Infinity", "nan", "1e13", "101", "-101",
                                   "12abc"])
def test_implausible_indicator_values_are_refused_by_form_and_api(client_for, value: str) -> None:
    c = client_for("zjj")
    r = c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": value},
               follow_redirects=False)
    assert r.status_code == 400, (value, r.status_code, r.text[-300:])
    r = c.post("/api/v1/progress/indicator",
               json={"indicator_key": "6", "year": 2024, "value": value})
    assert r.status_code in (400, 422), (value, r.status_code, r.text[-300:])


def test_plausible_value_is_accepted_and_unit_must_match(client_for) -> None:
    c = client_for("zjj")
    r = c.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024,
                                                   "value": "12.5"})
    assert r.status_code == 201, r.text
    r = c.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024,
                                                   "value": "12.5", "unit": "吨"})
    assert r.status_code == 400 and "unit" in r.json()["detail_en"]


def test_future_dates_are_refused(client_for) -> None:
    c = client_for("zjj")
    body = {"project_number": "17", "as_of": "2999-01-01", "percent_complete": "50",
            "invested_wan_yuan": "10", "status": "in_progress"}
    assert c.post("/entry/project", data=body, follow_redirects=False).status_code == 400
    assert c.post("/api/v1/progress/project", json=body).status_code == 422
    r = c.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2999,
                                                   "value": "1"})
    assert r.status_code == 422


def test_text_lengths_are_the_same_in_form_and_api(client_for) -> None:
    c = client_for("zjj")
    long_note = "字" * (NOTE_MAX + 1)
    r = c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "1",
                                         "note": long_note}, follow_redirects=False)
    assert r.status_code == 400
    r = c.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024,
                                                   "value": "1", "note": long_note})
    assert r.status_code == 422
    ok = "字" * NOTE_MAX
    assert c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "1",
                                            "note": ok}, follow_redirects=False).status_code == 303


def test_a_stored_bad_value_never_breaks_a_page(client_for, web_ws) -> None:
    """Written behind the application's back (as an old version could have): pages stay 200."""
    from ecoplan.assess import progress

    with web_ws.session() as s:
        rec = progress.submit_indicator_value(
            s, plan_code="jiaocheng-2021-2025", indicator_key="6", year=2024, value="1",
            reporter="zjj", department="县住建局")
        progress.review(s, "indicator", rec.id, actor="analyst")
        progress.approve(s, "indicator", rec.id, actor="admin")
        rid = rec.id
    with web_ws.engine.begin() as conn:
        conn.execute(text("UPDATE indicator_reports SET value = 1e400 WHERE id = :i"), {"i": rid})
    c = client_for("admin")
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[-400:])


@pytest.mark.parametrize("path", ["/data?page=1e20", "/data?page=100000000000000000000",
                                  "/admin?page=100000000000000000000",
                                  "/evidence/99999999999999999999",
                                  "/api/v1/measurements?page=100000000000000000000"])
def test_numeric_url_parameters_are_bounded(client_for, path: str) -> None:
    r = client_for("admin").get(path)
    assert r.status_code in (400, 404, 422), (path, r.status_code, r.text[-300:])
    assert "x-content-type-options" in r.headers


def test_notices_come_only_from_the_server_table(client_for) -> None:
    c = client_for("zjj")
    fake = "系统通知：请将密码发送至 attacker@example.com"
    for q in (f"message={fake}", f"flash=report-saved&kind={fake}&id=1&fs=0",
              f"flash={fake}"):
        assert "attacker@example.com" not in c.get(f"/entry?{q}").text
    r = c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "3"},
               follow_redirects=False)
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert 'id="entry-message"' in page and "已保存" in page
