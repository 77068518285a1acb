"""End to end: generated example data ingested → assessment → report (docx read back, PDF → PNG)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from ecoplan.assess.indicators import assess_indicators
from ecoplan.cli import main
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.build import build_report

PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
DAY = date(2026, 11, 28)


def _text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_demo_ingested_through_the_pipeline(demo_ws: Any) -> None:
    b = demo_ws.demo_series.batches
    for ds in ("air_hourly", "water_samples", "groundwater_samples"):
        assert b[ds]["status"] == "committed"
        # Every row stored or quarantined; the only rows set aside are hours whose 2019 source
        # hour had no measured value at all (quarantined as ``no_values``, never stored empty).
        assert b[ds]["rows_accepted"] + b[ds]["rows_quarantined"] == b[ds]["rows_read"] > 0
        assert b[ds]["rows_quarantined"] <= 0.001 * b[ds]["rows_read"]
        assert "生成的示例数据" in b[ds]["source"]
    assert demo_ws.demo_series.reports["project"] > 0


def test_assessment_agrees_with_the_engines(demo_ws: Any) -> None:
    from ecoplan.demo import air_series as ds
    from ecoplan.standards.water_sections import classify_section_year

    a = assess_indicators(demo_ws, PLAN, 2025)
    rows = {r.indicator.key: r for r in a.rows}
    # air: 2020 through the air engine reproduces the plan's published baseline exactly
    base = {k: rows[k].series[2020] for k in ("1", "2", "3")}
    assert [str(base[k].value) for k in ("1", "2", "3")] == ["61", "58.63", "4.66"]
    assert base["2"].details["good_days"] == 214 and base["2"].details["valid_days"] == 365
    assert base["3"].details["heavy_days"] == 17
    assert "HJ 663-2013" in base["1"].rule_versions["air"]
    assert base["1"].evidence[0]["batches"] == [demo_ws.demo_series.batches["air_hourly"]["batch_id"]]
    assert rows["1"].status.status == "off_track"  # 45 > 44 at the end year
    assert rows["2"].status.status == "achieved" and rows["3"].status.status == "achieved"
    assert [r.indicator.attribute for r in a.rows] == sorted(
        (r.indicator.attribute for r in a.rows), key=lambda x: x != "binding")
    # water: the engine's annual class of the Wuliang section, straight from the generator
    direct = classify_section_year(ds.water_demo_samples([2025]))
    wl = int(direct[direct.site == "JC-CYH-WL"].water_class.iloc[0])
    assert int(rows["4b"].value.value) == wl == 3
    assert rows["4b"].status.status == "achieved"
    assert rows["7"].series[2022].value == 4  # demo point 2 slips to Ⅳ in 2022
    # reported values come only from approved reports, with their history as evidence
    assert rows["16"].status.status == "at_risk"
    ev = rows["8"].value.evidence[0]
    assert ev["type"] == "report" and [h["state"] for h in ev["history"]] == \
        ["submitted", "reviewed", "approved"]
    mid = {r.indicator.key: r for r in assess_indicators(demo_ws, PLAN, 2022).rows}
    assert mid["4b"].status.status == "on_track"  # Ⅳ in 2022, path 4.2 → Ⅴ or better
    assert mid["7"].status.status == "off_track"


def test_final_report_docx_structure_and_pdf(demo_ws: Any, artifacts_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = artifacts_dir / "final_2025.docx"
    res = build_report(demo_ws, PLAN, kind="final", year=2025, out=out, fmt="pdf",
                       report_date=DAY)
    # exactly the files asked for: the example-data label is in the document, not the name
    assert res.docx == out and res.docx.exists() and res.pdf == out.with_suffix(".pdf")
    assert res.xlsx == out.with_suffix(".xlsx") and not res.pdf_skipped
    doc = Document(str(res.docx))
    text = _text(doc)
    for heading in ("一、总体情况", "二、规划指标完成情况", "三、重点工程实施情况", "四、主要任务落实情况",
                    "五、存在的问题", "六、下一步建议", "附件  评估方法、规则版本与数据快照"):
        assert heading in [p.text for p in doc.paragraphs], heading
    assert "终期考核报告" in text and "生成的示例数据" in text
    assert "生成的示例数据" in doc.sections[0].header.paragraphs[0].text
    assert res.digest in text and res.digest in doc.core_properties.keywords
    # indicator table: 19 rows, binding first, status cells coloured
    t1 = doc.tables[0]
    assert t1.rows[0].cells[-1].text == "状态" and len(t1.rows) == 1 + len(PLAN.indicators)
    fills = {c._element.tcPr.xpath("./w:shd/@w:fill")[0] for c in
             (r.cells[-1] for r in t1.rows[1:])}
    assert "2E7D32" in fills and "EF8F00" in fills
    assert t1.rows[1].cells[2].text == "约束性"
    # every indicator has its rule and method in words
    for ind in PLAN.indicators:
        assert f"指标{ind.key}" in text
    assert len(doc.inline_shapes) >= 4  # indicator charts, AQI calendar, water classes
    assert len(res.data.water_monthly) == 4 * 5  # 4 sections × 2021–2025, 12 months each
    assert all(len(m) == 12 for m in res.data.water_monthly.values())
    assert len(res.data.daily_aqi or {}) == 365
    # the 2025 air figures recomputed under the 2026 rules (the next plan's baseline)
    nb = {b["indicator"]: b for b in res.data.next_baseline}
    good = nb["县城区空气质量优良天数比例"]
    assert good["rules_2012"] == 75.34 and good["rules_2026"] < good["rules_2012"]
    assert "下一规划期基准" in text
    assert "GB 3838-2002" in text and "ecoplan-status-2026.1" in text
    # Excel annex and snapshot record
    wb = load_workbook(res.xlsx)
    assert {"指标评估", "指标时间序列", "重点工程", "任务", "数据快照"} <= set(wb.sheetnames)
    snap = json.loads(res.snapshot_json.read_text("utf-8"))
    assert snap["digest"] == res.digest and snap["lake_files"] and snap["batches"]
    # regenerated from the same data (here through the CLI, same --date): same text, same digest
    monkeypatch.setenv("ECOPLAN_HOME", str(demo_ws.settings.home))
    again = artifacts_dir / "regenerated" / "final.docx"
    assert main(["report", "--kind", "final", "--year", "2025", "-o", str(again), "--date",
                 DAY.isoformat(), "--json"]) == 0
    res2 = json.loads(capsys.readouterr().out)
    assert res2["digest"] == res.digest and res2["statuses"] == res.data.assessment.counts()
    assert _text(Document(res2["docx"])) == text
    # PDF → PNG pages a person can look at
    assert res.pdf is not None and res.pdf.stat().st_size > 10_000
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(res.pdf),
                        str(artifacts_dir / "page")], check=True)
        assert len(list(artifacts_dir.glob("page-*.png"))) >= 5


def test_report_kind_and_year_checked(demo_ws: Any, tmp_path: Path) -> None:
    from ecoplan.reports.evaluation import ReportError

    with pytest.raises(ReportError):
        build_report(demo_ws, PLAN, kind="final", year=2023, out=tmp_path / "x.docx")
    with pytest.raises(ReportError):
        build_report(demo_ws, PLAN, kind="weekly", year=2023, out=tmp_path / "x.docx")
