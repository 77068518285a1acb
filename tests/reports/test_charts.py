"""Report charts draw Chinese: every glyph of the Chinese titles, labels and legends comes from a
CJK font (Debian fonts-noto-cjk, found and configured in ecoplan/reports/charts.py). Any
matplotlib "Glyph … missing from font(s)" warning fails the test."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

from ecoplan.reports import charts


def test_charts_render_chinese_without_missing_glyphs(tmp_path: Path) -> None:
    daily = {date(2025, 1, 1) + timedelta(days=i): 30 + (i * 7) % 280 for i in range(365)}
    panels = [{"title": "细颗粒物（PM2.5）年均浓度", "unit": "微克/立方米", "years": [2020, 2021, 2022],
               "values": [61.0, 55.0, 49.0], "baseline_year": 2020, "baseline": 61.0,
               "end_year": 2025, "target": 44.0, "operator": "≤"}]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing")
        out = [charts.aqi_calendar(daily, 2025, tmp_path / "aqi.png", title="2025年县城区逐日AQI",
                                   demo_label="生成的示例数据"),
               charts.water_class_chart({"文峪河北峪口": {"202501": 2, "202502": 6}},
                                        tmp_path / "water.png", title="断面逐月水质类别"),
               *charts.indicator_grid(panels, tmp_path / "ind.png")]
    assert charts.cjk_font_family() in charts.CJK_FAMILIES
    for png in out:
        with Image.open(png) as im:
            assert im.width > 400 and im.height > 100
