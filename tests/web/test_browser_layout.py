"""Issue 19, UI findings, in Debian's Chromium: the navigation fits one line at 1280 px and
links only to pages the role may open; no page scrolls sideways at phone width (390 px);
times are Beijing time to the second. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import (  # noqa: F401 - fixtures
    browser,
    demo_server,
    server,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

PAGES = ["/", "/air", "/water", "/projects", "/entry", "/data", "/devices", "/sources",
         "/emergency", "/reports", "/admin", "/account", "/public", "/public/progress"]
ROLES = {"admin": True, "leader": True, "analyst": False, "zjj": False}


def test_navigation_fits_and_links_only_to_allowed_pages(server: str, browser,  # type: ignore[no-untyped-def]  # noqa: F811
                                                         artifacts_dir: Path) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    for user, sees_admin in ROLES.items():
        sign_in(page, server, user)
        nav = page.eval_on_selector("header.top", """h => {
            const bar = [...h.querySelectorAll('nav > a, nav > details.menu > summary')];
            const tops = new Set(bar.map(a => Math.round(a.getBoundingClientRect().top)));
            return {lines: tops.size, headerHeight: h.getBoundingClientRect().height,
                    hrefs: [...h.querySelectorAll('nav a')].map(a => a.getAttribute('href')),
                    menus: [...h.querySelectorAll('nav details.menu')].map(d => d.dataset.menu),
                    overflow: document.documentElement.scrollWidth - window.innerWidth};
        }""")
        assert nav["lines"] == 1, (user, nav)
        assert nav["headerHeight"] < 70, (user, nav)
        assert nav["overflow"] <= 0, (user, nav)
        assert ("/admin" in nav["hrefs"]) is sees_admin, (user, nav["hrefs"])
        for href in nav["hrefs"]:
            resp = page.request.get(server + href)
            assert resp.status == 200, (user, href, resp.status)
        # each menu opens on a click, shows its pages, and one menu is open at a time
        for key in nav["menus"]:
            page.click(f"header nav details[data-menu={key}] > summary")
            links = page.locator(f"header nav details[data-menu={key}] .menu-items a")
            assert links.count() >= 2 and links.first.is_visible(), (user, key)
            # the toggle event closing the other menus fires after the click returns: wait for it
            # (a locator assertion retries without evaluating a string: the page's CSP forbids
            # eval, which wait_for_function needs once it has to poll)
            expect(page.locator("header nav details.menu[open]")).to_have_count(1, timeout=5000)
        if nav["menus"]:
            page.keyboard.press("Escape")
            expect(page.locator("header nav details.menu[open]")).to_have_count(0, timeout=5000)
        page.screenshot(path=str(artifacts_dir / f"nav-1280-{user}.png"))
        sign_out(page)


def test_phone_width_has_no_sideways_scrolling(demo_server: str, browser,  # type: ignore[no-untyped-def]  # noqa: F811
                                               artifacts_dir: Path) -> None:
    """With the demo data (charts, calendars, long tables): the overview was 409 px wide."""
    base = demo_server
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "admin")
    wide = {}
    for path in PAGES:
        page.goto(base + path)
        page.wait_for_load_state("load")
        over = page.evaluate("""() => {
            const w = window.innerWidth;
            const bad = [...document.querySelectorAll('body *')].filter(e => {
                const r = e.getBoundingClientRect();
                return r.width > 0 && r.right > w + 1 && !e.closest('.scroll, table, pre, .chart');
            }).slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
            return {scroll: document.documentElement.scrollWidth - w, bad};
        }""")
        if over["scroll"] > 1:
            wide[path] = over
    page.goto(base + "/")
    page.screenshot(path=str(artifacts_dir / "overview-390.png"), full_page=True)
    assert not wide, wide


def test_times_are_beijing_time_to_the_second(server: str, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page()
    sign_in(page, server, "admin")
    page.goto(server + "/admin")
    first = page.inner_text("#audit-table tbody tr td")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", first.strip()), first
    shown = datetime.strptime(first.strip(), "%Y-%m-%d %H:%M:%S")
    beijing_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    assert abs(shown - beijing_now) < timedelta(minutes=10), (shown, beijing_now)
    for path in ("/admin", "/data", "/reports", "/account"):
        page.goto(server + path)
        text = page.inner_text("main")
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00|UTC", text), path
