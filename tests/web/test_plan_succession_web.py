"""Several plans on the web: the plan selector, one plan's page, the succession view with the
2021–2025 plan and a constructed 2026–2030 draft side by side (browser, Debian's Chromium), and
the target-check page. The draft's baselines here are constructed (no monitoring data needed);
tests/reports/test_target_check.py computes them from the demo data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.web.conftest import login
from tests.web.test_browser import browser, server, sign_in  # noqa: F401 - fixtures


def _load_draft(ws, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    from ecoplan.plan import Baseline, Target, bundled_plan_path, load_plan
    from ecoplan.plan.model import BaselineFigure
    from ecoplan.plan.succession import build_draft, plan_to_yaml
    from ecoplan.store.plan_store import load_plan_into_db

    previous = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    base = {"1": Baseline(text="45", kind="value", value=Decimal(45), year=2025, source="computed",
                          ruleset="GB 3095-2012、HJ 633-2012、HJ 663-2013",
                          figures=[BaselineFigure(ruleset="2012", text="45", value=Decimal(45)),
                                   BaselineFigure(ruleset="2026", text="45", value=Decimal(45))])}
    draft = build_draft(previous, 2026, 2030, base,
                        targets={"1": Target(text="≤40", kind="value", operator="<=", value=Decimal(40))})
    path = tmp_path / "jiaocheng-2026-2030.yaml"
    path.write_text(plan_to_yaml(draft), "utf-8")
    load_plan_into_db(ws.engine, draft, source_file=path)
    return path


def test_plan_pages_and_target_check(web_ws, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    _load_draft(web_ws, tmp_path)
    c = TestClient(app)
    login(c, "analyst")
    r = c.get("/plans")
    assert r.status_code == 200 and "jiaocheng-2026-2030" in r.text and 'id="plan-select"' in r.text
    r = c.get("/plans/jiaocheng-2026-2030")
    assert r.status_code == 200 and "GB 3095-2026" in r.text and "待填报" in r.text
    r = c.get("/plans/jiaocheng-2026-2030/target-check")
    assert r.status_code == 200 and "年均所需变化" in r.text and "−2.33%" not in r.text
    assert "-2.33%" in r.text  # (40/45)^(1/5) − 1
    assert c.get("/plans/nope").status_code == 404
    # the 2021–2025 plan stays the assessed one
    assert c.get("/").status_code == 200 and "“十四五”" in c.get("/plans").text


@pytest.mark.browser
def test_two_plans_side_by_side(web_ws, server: str, browser, tmp_path: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                artifacts_dir: Path) -> None:
    _load_draft(web_ws, tmp_path)
    page = browser.new_page()
    sign_in(page, server, "analyst")
    page.goto(f"{server}/plans")
    page.select_option("#plan-select", "jiaocheng-2026-2030")
    page.wait_for_url("**/plans/jiaocheng-2026-2030")
    page.click("text=规划衔接")
    page.wait_for_selector("#succession-table")
    old = page.inner_text("#old-plan")
    new = page.inner_text("#new-plan")
    assert "2021—2025" in old and "十四五" in old
    assert "2026—2030" in new and "十五五" in new and "草稿" in new
    first = page.inner_text("#succession-table tbody tr:first-child")
    assert "县城区细颗粒物" in first and "61" in first and "≤44" in first  # the old plan's row
    assert "评价规则" in first and "GB 3095-2026" in first and "≤40" in first  # the change, the new row
    boxes = page.eval_on_selector_all("#old-plan, #new-plan", "els => els.map(e => e.getBoundingClientRect().top)")
    assert abs(boxes[0] - boxes[1]) < 2  # side by side at 1440 px
    page.screenshot(path=str(artifacts_dir / "succession-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0
    page.screenshot(path=str(artifacts_dir / "succession-390.png"), full_page=True)
