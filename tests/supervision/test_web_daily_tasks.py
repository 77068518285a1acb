"""Issue 21 deliverable 11: the web does what the roles do every day — the bureau issues,
upgrades, downgrades, extends and lifts a warning on /emergency (same append-only events and
Word notice as the CLI), /sources offers the template and the import with its error report,
and no page tells a user to run a command line. Chromium drives it per role."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from ecoplan.supervision import emergency as em
from tests.supervision.emergency_fixtures import write_workbook
from tests.web.conftest import app, client_for, template_home, web_ws  # noqa: F401
from tests.web.test_browser import browser, server, sign_in  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[2] / "ecoplan" / "web" / "templates"


def _fmt(d) -> str:  # type: ignore[no-untyped-def]
    return d.strftime("%Y-%m-%dT%H:%M")


def test_no_page_tells_a_user_to_run_a_command() -> None:
    offenders = [f"{p.name}:{n}" for p in TEMPLATES.glob("*.html")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"ecoplan [a-z]", line)]
    assert offenders == []


def test_bureau_runs_the_warning_lifecycle_on_the_web(web_ws, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = web_ws.engine
    em.import_measures(engine, write_workbook(tmp_path / "list.xlsx"), valid_from=date(2026, 1, 1))
    analyst, dept, leader = client_for("analyst"), client_for("zjj"), client_for("leader")
    page = analyst.get("/emergency").text
    assert 'id="issue-form"' in page and "ecoplan emergency" not in page
    assert 'id="issue-form"' not in dept.get("/emergency").text
    assert 'id="issue-form"' not in leader.get("/emergency").text
    now = em.now_local()
    form = {"level": "yellow", "start": _fmt(now - timedelta(hours=2)),
            "planned_end": _fmt(now + timedelta(days=1)), "doc_no": "交重污染应急〔2026〕21号"}
    assert dept.post("/emergency/issue", data=form, follow_redirects=False).status_code == 403
    assert leader.post("/emergency/issue", data=form, follow_redirects=False).status_code == 403
    r = analyst.post("/emergency/issue", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[-400:]
    st = em.active_response(engine)
    assert st is not None and st.level == "yellow"
    # a second warning while one is in force is refused with the reason
    bad = analyst.post("/emergency/issue", data=form, follow_redirects=False)
    assert bad.status_code == 400 and "已有应急响应" in bad.text
    steps = [("orange", None, "upgraded"), ("yellow", None, "downgraded"),
             ("yellow", _fmt(now + timedelta(days=2)), "extended")]
    for i, (level, end, kind) in enumerate(steps):
        data = {"level": level, "at": _fmt(now - timedelta(hours=1, minutes=30 - 10 * i)),
                "doc_no": f"交重污染应急〔2026〕{22 + i}号", **({"planned_end": end} if end else {})}
        r = analyst.post(f"/emergency/{st.id}/change", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text[-400:]
        assert em.response_state(engine, st.id).events[-1]["kind"] == kind  # type: ignore[union-attr]
    page = analyst.get("/emergency").text
    assert "升级" in page and "降级" in page and "延长" in page and 'id="lift-form"' in page
    # the Word notice, as `ecoplan emergency notice` writes it
    r = analyst.get("/emergency/notice.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "应急响应" in text and "交城县" in text
    r = analyst.post(f"/emergency/{st.id}/lift",
                     data={"at": _fmt(now - timedelta(minutes=5)), "doc_no": "交重污染应急〔2026〕30号"},
                     follow_redirects=False)
    assert r.status_code == 303
    assert em.active_response(engine) is None
    kinds = [e["kind"] for e in em.response_state(engine, st.id).events]  # type: ignore[union-attr]
    assert kinds == ["issued", "upgraded", "downgraded", "extended", "lifted"]
    assert 'data-level="none"' in analyst.get("/emergency").text


def test_sources_template_and_import_error_report(client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    analyst = client_for("analyst")
    page = analyst.get("/sources").text
    assert 'href="/sources/template.xlsx"' in page and "ecoplan sources" not in page
    r = analyst.get("/sources/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert {"企业", "排放口", "许可证", "许可限值", "绩效分级"} <= set(wb.sheetnames)
    ws = wb["企业"]
    assert any(c.value and "统一社会信用代码" in str(c.value) for c in ws[1])
    first = ws.max_row + 1
    ws.cell(first, 1, "91141122MA0K0C0016")
    ws.cell(first, 2, "测试焦化厂")
    ws.cell(first + 1, 1, "12345")  # not an 18-character credit code
    ws.cell(first + 1, 2, "坏代码企业")
    buf = io.BytesIO()
    wb.save(buf)
    r = analyst.post("/sources/import",
                     files={"file": ("登记.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200
    html = r.text
    assert 'id="import-errors"' in html and "新增 1" in html
    row = re.search(r'<table id="import-errors">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "登记.xlsx" in row and "企业" in row and f">{first + 1}<" in row
    assert "统一社会信用代码" in row and "credit_code" not in row
    assert client_for("leader").get("/sources").text.count('id="import-form"') == 0


@pytest.mark.browser
def test_roles_do_their_daily_tasks_in_chromium(server: str, browser, web_ws, tmp_path: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                               artifacts_dir: Path) -> None:
    em.import_measures(web_ws.engine, write_workbook(tmp_path / "list.xlsx"),
                       valid_from=date(2026, 1, 1))
    page = browser.new_page()
    # the analyst issues an orange warning, upgrades it to red, downloads the notice, lifts it
    sign_in(page, server, "analyst")
    page.goto(f"{server}/emergency")
    page.select_option("#issue-form select[name=level]", "orange")
    page.fill("#issue-form input[name=doc_no]", "交重污染应急〔2026〕40号")
    page.click("#issue-button")
    page.wait_for_selector('#emergency-banner[data-level="orange"]')
    page.select_option("#change-form select[name=level]", "red")
    page.fill("#change-form input[name=doc_no]", "交重污染应急〔2026〕41号")
    page.click("#change-button")
    page.wait_for_selector('#emergency-banner[data-level="red"]')
    page.screenshot(path=str(artifacts_dir / "emergency-analyst-1440.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#notice-link")
    assert dl.value.suggested_filename.endswith(".docx")
    page.fill("#lift-form input[name=doc_no]", "交重污染应急〔2026〕42号")
    page.click("#lift-button")
    page.wait_for_selector('#emergency-banner[data-level="none"]')
    # … and downloads the sources template
    page.goto(f"{server}/sources")
    with page.expect_download() as dl:
        page.click("#template-link")
    assert dl.value.suggested_filename.endswith(".xlsx")
    page.context.clear_cookies()
    # a department reads, enters inspections, but issues no warnings; at 390 px too
    sign_in(page, server, "zjj")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/emergency")
    assert page.locator("#issue-form").count() == 0
    assert "ecoplan " not in page.inner_text("body")
    page.screenshot(path=str(artifacts_dir / "emergency-department-390.png"), full_page=True)
    page.context.clear_cookies()
    sign_in(page, server, "leader")
    page.goto(f"{server}/sources")
    assert page.locator("#import-form").count() == 0
