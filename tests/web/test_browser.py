"""End-to-end in Debian's Chromium (Playwright, no downloaded browser): public pages, sign-in,
overview, a department update → review → approval → the figure on the overview, the English
switch, a report download. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ecoplan.web.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The web app of ``settings`` under uvicorn on a free 127.0.0.1 port, in a thread, while
    the block runs (the browser tests' one way to start a server)."""
    import uvicorn

    from ecoplan.web.app import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                        log_level="warning", access_log=False))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=10)


@pytest.fixture
def server(web_ws) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """uvicorn on a free 127.0.0.1 port, in a thread, for the length of the test."""
    with serving(web_ws.settings) as base:
        yield base


@pytest.fixture
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1440, "height": 900}, locale="zh-CN",
            accept_downloads=True)
        ctx.set_default_timeout(120_000)  # first assessments are slow on a loaded 2-core machine
        ctx.set_default_navigation_timeout(180_000)
        try:
            yield ctx
        finally:
            ctx.close()


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/$"))


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header form[action='/logout'] button")
    page.wait_for_url(re.compile(r".*/login$"))


def test_public_pages_need_no_sign_in(server: str, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path, heading in [("/public", "信息公开"), ("/public/air", "信息公开"),
                          ("/public/water", "信息公开"), ("/public/progress", "重点工程")]:
        page.goto(server + path)
        assert heading in page.content()
        assert page.locator("text=管理").count() == 0  # no internal navigation for the public
    page.goto(server + "/public")
    page.wait_for_selector("#chart-status canvas")
    page.screenshot(path=str(artifacts_dir / "public.png"), full_page=True)
    page.goto(server + "/")
    assert "/login" in page.url
    assert not errors, errors


def test_department_update_is_approved_and_appears_on_the_overview(  # type: ignore[no-untyped-def]
        server: str, browser, artifacts_dir: Path, tmp_path: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the department (住建局) reports indicator 6 for 2025 with an evidence file
    sign_in(page, server, "zjj")
    assert page.locator("#indicator-table").is_visible()
    evidence = tmp_path / "黑臭水体核查.pdf"
    evidence.write_bytes(PDF)
    page.goto(server + "/entry")
    page.select_option("#indicator_key", "6")
    page.fill("#year", "2025")
    page.fill("#value", "0")
    page.set_input_files("#evidence", str(evidence))
    page.screenshot(path=str(artifacts_dir / "entry-form.png"), full_page=True)
    page.click("#submit-indicator")
    page.wait_for_selector("#entry-message")
    assert "已提交" in page.locator("#report-table").inner_text()
    assert page.locator("#report-table a", has_text="黑臭水体核查.pdf").count() == 1
    # not yet approved: the overview still has no value for indicator 6
    page.goto(server + "/")
    assert page.locator("#ind-6 .value").inner_text().strip() == "—"
    sign_out(page)
    # the bureau reviews, an administrator approves
    sign_in(page, server, "analyst")
    page.goto(server + "/entry")
    page.click("#report-table .act-review")
    page.wait_for_selector("text=已审核")
    sign_out(page)
    sign_in(page, server, "admin")
    page.goto(server + "/entry")
    page.click("#report-table .act-approve")
    page.wait_for_selector("#report-table >> text=已批准")
    # the approved figure is on the overview, with its status
    page.goto(server + "/")
    row = page.locator("#ind-6")
    assert row.locator(".value").inner_text().startswith("0")
    assert "部门填报" in row.inner_text() and "达标" in row.inner_text()
    page.wait_for_selector("#chart-status canvas")
    page.screenshot(path=str(artifacts_dir / "overview-zh.png"), full_page=True)
    # a wall display
    page.set_viewport_size({"width": 2560, "height": 1440})
    page.screenshot(path=str(artifacts_dir / "overview-wall.png"))
    page.set_viewport_size({"width": 1440, "height": 900})
    # the English switch
    page.click("#lang-switch")
    page.wait_for_selector("text=Plan indicators (binding first)")
    page.screenshot(path=str(artifacts_dir / "overview-en.png"), full_page=True)
    page.click("#lang-switch")
    # the audit log shows the chain
    page.goto(server + "/admin")
    audit = page.locator("#audit-table").inner_text()
    for action in ("submit", "review", "approve", "upload"):
        assert action in audit
    assert not errors, errors


@pytest.fixture
def demo_server(web_ws) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The server on a workspace with the bench demo data (air lake, approved reports)."""
    from ecoplan.bench.web import prepare_demo

    prepare_demo(web_ws.settings.home)
    with serving(web_ws.settings) as base:
        yield base


def test_air_and_water_pages_show_charts_tables_and_rules(  # type: ignore[no-untyped-def]
        demo_server: str, browser, artifacts_dir: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, demo_server, "leader")
    page.goto(demo_server + "/air", timeout=120_000)
    page.wait_for_selector("#chart-aqi-calendar canvas")
    page.wait_for_selector("#chart-composite canvas")
    assert page.locator("#station-table tbody tr").count() == 3
    assert page.locator("#ranking-table tbody tr").count() == 3
    card = page.locator("#card-aqi-calendar")
    card.locator("details.data-table summary").click()
    assert card.locator("details.data-table tbody tr").count() == 31
    card.locator("details.rule summary").click()
    assert "HJ 633" in card.locator("details.rule").inner_text()
    page.screenshot(path=str(artifacts_dir / "air-zh.png"), full_page=True)
    page.goto(demo_server + "/")
    assert "66" in page.locator("#kpi-1").inner_text()
    page.goto(demo_server + "/projects")
    assert page.locator("#project-table tbody tr").count() == 30
    page.screenshot(path=str(artifacts_dir / "projects-zh.png"), full_page=True)
    # the bureau generates the annual report and downloads it
    sign_out(page)
    sign_in(page, demo_server, "analyst")
    page.goto(demo_server + "/reports")
    page.select_option("#report-kind", "annual")
    page.click("#generate-report")
    page.wait_for_selector("#report-message", timeout=180_000)
    with page.expect_download() as dl:
        page.click("#report-files a[href$='.docx']")
    target = artifacts_dir / dl.value.suggested_filename
    dl.value.save_as(str(target))
    assert target.suffix == ".docx" and target.read_bytes()[:2] == b"PK"
    assert target.stat().st_size > 10_000
    page.screenshot(path=str(artifacts_dir / "reports-zh.png"), full_page=True)
    assert not errors, errors
