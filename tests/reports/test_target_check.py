"""Plan succession on the demo workspace: the 2026–2030 draft's baselines are the final
assessment's 2025 figures; the target check, its Word annex and the implied good-day ratio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ecoplan.cli import main

DATA = Path(__file__).resolve().parents[2] / "ecoplan" / "plan" / "data"
TARGETS = DATA / "example-targets-jiaocheng-2026-2030.yaml"
HIGHER = DATA / "example-higher-targets-2026-2030.yaml"


@pytest.fixture(scope="module")
def drafted(demo_ws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`plan draft` and `plan target-check -o annex.docx` run once on the demo workspace."""
    import contextlib
    import io
    import os

    out = tmp_path_factory.mktemp("draft")
    old = os.environ.get("ECOPLAN_HOME")
    os.environ["ECOPLAN_HOME"] = str(demo_ws.settings.home)
    try:
        assert main(["plan", "draft", "--from", "jiaocheng-2021-2025", "--period", "2026-2030",
                     "-o", str(out / "draft.yaml"), "--targets", str(TARGETS)]) == 0
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["plan", "target-check", str(out / "draft.yaml"), "--higher", str(HIGHER),
                         "-o", str(out / "annex.docx"), "--json"]) == 0
    finally:
        if old is None:
            os.environ.pop("ECOPLAN_HOME", None)
        else:
            os.environ["ECOPLAN_HOME"] = old
    return {"dir": out, "check": json.loads(buf.getvalue())}


def test_baselines_equal_the_final_assessment_2025(demo_ws: Any, drafted: dict[str, Any]) -> None:
    from ecoplan.assess.indicators import assess_indicators
    from ecoplan.plan import bundled_plan_path, load_plan
    from ecoplan.reports.evaluation import next_plan_baseline

    draft = load_plan(drafted["dir"] / "draft.yaml")
    previous = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    final = {r.indicator.key: r for r in assess_indicators(demo_ws, previous, 2025).rows}
    assert draft.baseline_year == 2025 and draft.predecessor == previous.code
    for ind in draft.indicators:
        row = final[ind.key]
        b = ind.baseline
        if row.value.value is None and not row.value.value_text:
            assert b.to_enter and b.source == "entry", ind.key
            continue
        if row.value.details.get("is_class"):
            assert b.water_class == int(row.value.value), ind.key
        elif row.value.value is not None:
            assert b.value == row.value.value, ind.key
        else:
            assert b.text == row.value.value_text, ind.key
        assert b.source == row.value.source and b.source_text == row.value.method_zh
    # the demo's published figures (docs/assessment.md): 45 μg/m³, 75.34 %, 0.82 %
    assert [str(draft.indicator(k).baseline.value) for k in ("1", "2", "3")] == ["45", "75.34", "0.82"]
    # air figures under both rule sets; the 2026 ones equal the final report's next-plan baseline
    nxt = {r["indicator"]: r for r in next_plan_baseline(demo_ws, 2025)}
    two = {k: {f.ruleset: f.value for f in draft.indicator(k).baseline.figures} for k in ("1", "2", "3")}
    assert two["1"]["2012"] == nxt["县城区PM2.5年均浓度"]["rules_2012"] == 45
    assert float(two["1"]["2026"]) == nxt["县城区PM2.5年均浓度"]["rules_2026"]
    assert float(two["2"]["2026"]) == nxt["县城区空气质量优良天数比例"]["rules_2026"]
    assert float(two["3"]["2026"]) == nxt["县城重污染天数比例"]["rules_2026"]
    assert two["2"]["2026"] < two["2"]["2012"]  # stricter PM2.5/PM10 good-day breakpoints
    assert "GB 3095-2026" in (draft.indicator("1").baseline.figure("2026").rule_versions or "")
    assert draft.indicator("4b").baseline.text == "Ⅲ类"
    assert draft.indicator("4b").baseline.ruleset and "GB 3838-2002" in draft.indicator("4b").baseline.ruleset


def test_implied_ratios_reproduce_the_engine_at_factor_one(demo_ws: Any, drafted: dict[str, Any]) -> None:
    """Scaling by 1 must give the engine's own 2025 day counts under both rule sets."""
    from ecoplan.assess.indicators import air_annual_statistics
    from ecoplan.assess.succession import county_town_daily_values, implied_ratios

    daily = county_town_daily_values(demo_ws, 2025)
    for rs in ("2012", "2026"):
        stats = air_annual_statistics(demo_ws, [2025], rs).iloc[0]
        got = implied_ratios(daily, 1.0, rs)
        assert (got.valid_days, got.good_days, got.heavy_days) == \
            (int(stats["valid_days"]), int(stats["good_days"]), int(stats["heavy_days"])), rs


def test_implied_good_day_ratio_hand_worked() -> None:
    """Four days, k = 0.8: PM2.5 40, 70, 90, 130 → 32, 56, 72, 104; PM10 50, 80, 100, 150 →
    40, 64, 80, 120. HJ 633-2026: PM2.5 IAQI 100 at 60, PM10 at 120 → good: 32, 56 → 2/4 = 50 %.
    HJ 633-2012: PM2.5 IAQI 100 at 75 → good: 32, 56, 72 → 75 %. No day is above 200."""
    from ecoplan.assess.succession import implied_ratios

    daily = pd.DataFrame({"date": pd.date_range("2025-01-01", periods=4), "so2": 10.0, "no2": 20.0,
                          "co": 0.5, "o3_8h": 80.0, "pm25": [40.0, 70, 90, 130],
                          "pm10": [50.0, 80, 100, 150]})
    new, old = implied_ratios(daily, 0.8, "2026"), implied_ratios(daily, 0.8, "2012")
    assert (new.valid_days, new.good_days, new.heavy_days) == (4, 2, 0) and new.good_ratio == 50
    assert (old.good_days, old.good_ratio) == (3, 75)
    # k = 1.2: PM2.5 156 on day 4 → IAQI (200−150)/(250−150)·(156−150)+200 = 203 > 200: heavy
    assert implied_ratios(daily, 1.2, "2026").heavy_days == 1


def test_target_check_json_and_annex(drafted: dict[str, Any]) -> None:
    from docx import Document

    out = drafted["check"]
    assert out["files"] == [str(drafted["dir"] / "annex.docx")]
    trends = {t["key"]: t for t in out["trends"]}
    assert trends["1"]["baseline_value"] == 45 and trends["1"]["required_per_year"] == pytest.approx(-1)
    assert trends["1"]["history_ruleset"] == "2026" and len(trends["1"]["history"]) == 6
    assert trends["2"]["baseline_ruleset"] == "2026"  # the new plan's basis
    assert out["higher_example"] is True
    pm_gd = out["consistency"][0]
    assert pm_gd["keys"] == ["1", "2"] and pm_gd["values"]["factor"] == pytest.approx(40 / pm_gd["values"]["pm25_2025_mean_raw"], abs=1e-3)
    assert pm_gd["values"]["implied_good_ratio_2026"] < pm_gd["values"]["implied_good_ratio_2012"]
    doc = Document(str(drafted["dir"] / "annex.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "目标可达性分析" in text and "【示例】" in text and "HJ 633-2026" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "年均所需变化率" in cells and "示例〔2026〕1号" in cells
    header = doc.sections[0].header.paragraphs[0].text
    assert "生成的示例数据" in header
