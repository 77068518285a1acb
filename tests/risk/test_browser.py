"""The three 环境风险 tabs in Debian's Chromium at 1440 px and 390 px: content shown, no sideways
scrolling at phone width (tables scroll inside their cards). Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoplan.demo.risk import load_examples
from tests.web.conftest import template_home, web_ws  # noqa: F401 - fixtures
from tests.web.test_browser import browser, server, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_risk_tabs_at_desktop_and_phone_width(web_ws, server: str, browser,  # type: ignore[no-untyped-def]  # noqa: F811
                                              artifacts_dir: Path) -> None:
    load_examples(web_ws)
    page = browser.new_page()
    sign_in(page, server, "analyst")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path, needle in (("/risk", "示例焦化企业"), ("/risk/hazwaste", "物料平衡"),
                             ("/risk/radiation", "0114CS0EX001")):
            page.goto(server + path)
            assert needle in page.inner_text("main") if page.query_selector("main") else page.content()
            over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 0, (path, width, over)
            page.screenshot(path=str(artifacts_dir / f"risk{path.replace('/', '-')}-{width}.png"),
                            full_page=True)
