"""Issue 21 deliverable 5 and issue 20 points 3/6 in the outputs: an invalid PM2.5 annual mean
gets a visible warning line in the evaluation report and on the web pages, and the report states
the conventions of its air figures. The workspace is the demo with the county town's PM2.5 of
August and September 2025 blanked in the lake (those months fall below 27 valid days)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from docx import Document
from fastapi.testclient import TestClient

from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.build import build_report

PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
WARNING = "PM2.5 年平均浓度无效：8 月、9 月有效天数不足 27 天"


@pytest.fixture(scope="module")
def invalid_ws(demo_ws: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace

    home = tmp_path_factory.mktemp("invalid-pm25") / "home"
    shutil.copytree(demo_ws.settings.home, home)
    ws = Workspace(load_settings(home=home))
    files = [f for f in ws.lake.files("air_hourly") if "year=2025" in f.parts]
    assert files
    for f in files:
        t = pq.read_table(f)
        month = pc.month(t["timestamp"])
        blank = pc.and_(pc.greater_equal(month, 8), pc.less_equal(month, 9))
        pm25 = pc.if_else(blank, pa_null(t["pm25"].type), t["pm25"])
        pq.write_table(t.set_column(t.schema.get_field_index("pm25"), "pm25", pm25), f)
    yield ws
    ws.engine.dispose()


def pa_null(typ: Any) -> Any:
    import pyarrow as pa

    return pa.scalar(None, type=typ)


def _text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_report_warns_of_the_invalid_annual_mean_and_states_conventions(
        invalid_ws: Any, tmp_path: Path) -> None:
    res = build_report(invalid_ws, PLAN, kind="final", year=2025, out=tmp_path / "r.docx")
    doc = Document(str(res.docx))
    paras = [p.text for p in doc.paragraphs]
    warn = [p for p in paras if "警告" in p and WARNING in p]
    assert warn, [p for p in paras if "PM2.5" in p]
    assert warn[0].startswith("⚠ 警告：2025 PM2.5")
    text = _text(doc)
    assert "统计口径" in text and "沙尘扣除口径=none（不扣沙（实况））" in text
    for word in ("点位集合=assessment", "不完整日规则=count", "综合指数输入=raw",
                 "超标倍数限值=2012"):
        assert word in text, word


def test_web_pages_show_the_warning(invalid_ws: Any) -> None:
    from ecoplan.web.accounts import DEMO_PASSWORD
    from ecoplan.web.app import create_app
    from ecoplan.web.seed import seed_demo_accounts

    seed_demo_accounts(invalid_ws, lambda zh, en: None)
    c = TestClient(create_app(invalid_ws.settings))
    c.get("/public")
    r = c.post("/login", data={"username": "analyst", "password": DEMO_PASSWORD,
                               "csrf_token": c.cookies.get("ecoplan_csrf"), "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/?year=2025").text
    assert 'class="validity-warning"' in page and WARNING in page
    air = c.get("/air?year=2025").text
    assert "县城 2025 " + WARNING in air
    assert "沙尘扣除口径=none" in air


def test_conventions_name_the_alternative_limits_of_a_period_spanning_the_switch() -> None:
    from ecoplan.assess.air_validity import conventions_text

    row = {"dust_convention": "bulletin", "station_set": "assessment", "incomplete_days": "count",
           "composite_inputs": "raw", "limits_ruleset": "2026", "alt_limits_ruleset": "2012",
           "alt_exceedance_multiple_pm25": 0.17, "alt_exceedance_multiple_pm10": float("nan")}
    zh = conventions_text(row, "zh")
    assert zh.startswith("沙尘扣除口径=bulletin（通报口径") and "超标倍数限值=2026" in zh
    assert "时段跨 2026-03-01，另按 GB 3095-2012 限值的超标倍数：PM2.5 0.17" in zh
    assert "PM10" not in zh.split("超标倍数：")[-1]
    en = conventions_text({**row, "alt_limits_ruleset": None}, "en")
    assert "dust deduction=bulletin (bulletin" in en and "2026-03-01" not in en


def test_an_invalid_annual_mean_decides_no_status(invalid_ws: Any, tmp_path: Path) -> None:
    """The figure is shown with its warning, but the status is "no data" (rule value.invalid) in
    the assessment, the summary paragraph and the Excel annex."""
    from openpyxl import load_workbook

    from ecoplan.assess.indicators import assess_indicators

    row = next(r for r in assess_indicators(invalid_ws, PLAN, 2025).rows
               if r.indicator.key == "1")
    assert row.value.value is not None
    assert (row.status.status, row.status.rule_id) == ("no_data", "value.invalid")
    assert WARNING in row.status.rule_zh and "not valid" in row.status.rule_en
    res = build_report(invalid_ws, PLAN, kind="final", year=2025, out=tmp_path / "r.docx")
    paras = [p.text for p in Document(str(res.docx)).paragraphs]
    assert any("项数值不满足数据有效性要求，未据以判定" in p for p in paras)
    assert any(p.startswith("2025年县城区PM2.5年均浓度") and "（无效：" in p for p in paras)
    wb = load_workbook(res.xlsx, read_only=True)
    sheet = list(wb["指标评估"].values)
    col = sheet[0].index("有效性警告")
    pm = next(r for r in sheet[1:] if r[sheet[0].index("键")] == "1")
    assert WARNING in pm[col]
    assert pm[sheet[0].index("状态")] == "无数据"
