"""Done-when of the enforcement loop, in Debian's Chromium: a complaint taken in on the public
page is dispatched, handled, answered and rated, opens a case that runs 立案 → … → 结案 with a
行政处罚决定书, and every step is in the audit log (hash chain intact). Screenshots at 1440 px
and 390 px go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from ecoplan.store import audit
from ecoplan.store.models import AuditEntry
from tests.web.test_browser import browser, server, sign_in, sign_out  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def _submit(page, form: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_public_complaint_to_closed_case(server: str, browser, web_ws,  # type: ignore[no-untyped-def]  # noqa: F811
                                         artifacts_dir: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/public")
    page.click("#complaint-link")
    page.fill("#pc-content", "化工园区东侧企业夜间排放刺鼻气体")
    page.select_option("#pc-category", "air")
    page.fill("#pc-town", "夏家营镇")
    page.fill("#pc-place", "化工园区东侧")
    _submit(page, "#public-complaint-form")
    number = re.search(r"TS\d{4}-\d{5}", page.inner_text("#message")).group(0)  # type: ignore[union-attr]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "public-complaint-390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    sign_in(page, server, "analyst")
    page.goto(server + "/complaints")
    page.click(f"text={number}")
    complaint_url = page.url
    page.select_option("#dispatch-form select[name=department]", "zjj")
    _submit(page, "#dispatch-form")
    assert page.get_attribute("#complaint-status", "data-status") == "dispatched"
    sign_out(page)

    sign_in(page, server, "zjj")  # the department it was dispatched to records the handling
    page.goto(complaint_url)
    page.fill("#handle-form textarea", "现场检查属实，企业废气收集设施未运行")
    _submit(page, "#handle-form")
    sign_out(page)

    sign_in(page, server, "analyst")
    page.goto(complaint_url)
    page.fill("#reply-form textarea", "经查属实，已立案查处并责令整改")
    _submit(page, "#reply-form")
    page.select_option("#rate-form select", "satisfied")
    _submit(page, "#rate-form")
    page.fill("#case-form input[name=title]", "未运行废气收集设施排放大气污染物")
    page.fill("#case-form input[name=party_name]", "示例化工有限公司")
    _submit(page, "#case-form")
    assert "/cases/" in page.url
    case_url = page.url
    for stage in ("investigation", "notice", "decision", "enforcement", "rectification",
                  "closed"):
        assert page.get_attribute("#advance-form input[name=stage]", "value") == stage
        if stage == "decision":
            page.select_option("#basis-select", "DQ99")
            page.fill("#fine-input", "120000")
            page.fill("#order-input", "立即恢复废气收集设施运行")
            page.check("#waived-box")  # the party waived its 5 working days in writing
            _submit(page, "#advance-form")
            with page.expect_download() as dl:
                page.click("#penalty-doc")
            doc_path = artifacts_dir / "penalty.docx"
            dl.value.save_as(doc_path)
            continue
        _submit(page, "#advance-form")
    assert page.get_attribute("#case-stage", "data-stage") == "closed"
    page.goto(case_url)
    page.screenshot(path=str(artifacts_dir / "case-closed-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "case-closed-390.png"), full_page=True)
    assert not errors, errors

    text = "\n".join(p.text for p in docx.Document(str(doc_path)).paragraphs)
    assert "行政处罚决定书" in text and "示例化工有限公司" in text and "120,000.00" in text

    with web_ws.session() as s:
        rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
        case_no = next(r.entity_id for r in rows if r.action == "case_open")
        steps = [r.action for r in rows if (r.entity, r.entity_id) in
                 (("complaint", number), ("case", case_no))]
        assert steps == ["complaint_intake", "complaint_dispatch", "complaint_handle",
                         "complaint_reply", "complaint_satisfaction", "case_open",
                         "complaint_case", "case_investigation", "case_notice",
                         "case_decision", "case_document", "case_enforcement",
                         "case_rectification", "case_closed"]
        assert [r.actor for r in rows if r.action == "complaint_handle"] == ["zjj"]
        assert audit.verify(s).problems == []
