"""The monthly bulletin read back from Word and checked against the engines, and the daily data
audit changing what the bulletin uses (issue 15, "Done when")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from ecoplan.assess import air_pipeline
from ecoplan.assess.indicators import county_town_daily, county_town_stations
from ecoplan.cli import main
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.bulletin import Period, build_bulletin, due_periods
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.store import data_audit
from ecoplan.store.bulletin_audit_models import AuditRecordsAreAppendOnly
from ecoplan.store.data_audit import DataAuditError

PLAN = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
DAY = date(2025, 12, 2)


def _tables(path: Path) -> list[list[list[str]]]:
    doc = Document(str(path))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _city(ws: Any, period: str, label: str) -> Any:
    """The county town's HJ 663 statistics from the engine (the daily table the bulletin used)."""
    analytics, daily = county_town_daily(ws, [2024, 2025])
    s = air_pipeline.run_period_stats(analytics, None, period=period, by="city", daily=daily)
    return s[s.period.astype(str) == label].iloc[0]


def _city_month(ws: Any) -> Any:
    return _city(ws, "month", "2025-12")


def test_bulletin_figures_and_an_audited_day(demo_ws: Any, tmp_path: Path) -> None:
    out = build_bulletin(demo_ws, PLAN, Period.parse("2025-12"), out=tmp_path / "b1.docx",
                         issued=date(2026, 1, 6))
    eng = _city_month(demo_ws)
    t1 = {r[0]: r for r in _tables(out.path)[0][1:]}
    assert t1["PM2.5平均浓度"][2] == f"{int(eng['pm25_mean'])}"
    assert t1["优良天数比例"][2] == f"{gbt8170_round(float(eng['good_day_ratio_raw']), 2):.2f}"
    assert eng["good_days"] * 100 / eng["valid_days"] == pytest.approx(eng["good_day_ratio_raw"])
    # the year to date (December: the whole year) against the target path: the annual HJ 663
    # statistics the indicator assessment rounds (GB/T 8170; 2025: 45 μg/m³, 75.34 %)
    year = _city(demo_ws, "year", "2025")
    path = {r[0]: r for r in _tables(out.path)[1][1:]}
    assert path["县城区细颗粒物（PM2.5）浓度"][2] == f"{gbt8170_round(float(year['pm25_mean_raw'])):.0f}" == "45"
    assert path["县城区空气质量优良天数比例"][2] == "75.34" == \
        f"{gbt8170_round(float(year['good_day_ratio_raw']), 2):.2f}"
    assert path["县城区细颗粒物（PM2.5）浓度"][5] == "未达路径要求"  # 45 > 44
    text = _text(out.path)
    assert "HJ 633-2012" in text and "HJ 663-2013" in text and "2026年版" in text
    assert "0个站日" in text and "未审核" in text and "生成的示例数据" in text
    ranks = _tables(out.path)[2]  # stations ranked by composite index
    assert [r[0] for r in ranks[1:]] == ["1", "2", "3"]
    water = _tables(out.path)[3]
    assert water[0][3] == "本期类别" and len(water) > 1

    # the auditor takes out every PM2.5 hour of one day at the three stations and locks them
    stations = county_town_stations(demo_ws)
    with demo_ws.session() as s:
        for st in stations:
            for h in range(1, 25):
                data_audit.decide(s, dataset="air_hourly", site=st, parameter="pm25", code="A03",
                                  timestamp=datetime(2025, 12, 2) + timedelta(hours=h),
                                  actor="auditor")
    with demo_ws.session() as s:
        for st in stations:
            data_audit.lock(s, dataset="air_hourly", site=st, day=DAY, actor="auditor")
    demo_ws.forget_results()
    eng2 = _city_month(demo_ws)
    assert int(eng2["pm25_days"]) == int(eng["pm25_days"]) - 1
    out2 = build_bulletin(demo_ws, PLAN, Period.parse("2025-12"), out=tmp_path / "b2.docx")
    assert out2.data.audited_days == 3 and out2.data.total_days == 93
    assert "经数据审核并锁定3个站日" in _text(out2.path)
    t1b = {r[0]: r for r in _tables(out2.path)[0][1:]}
    assert t1b["PM2.5平均浓度"][2] == f"{int(eng2['pm25_mean'])}"
    assert out2.digest != out.digest

    # locked: no more decisions; re-opening needs a reason; records never change
    with pytest.raises(DataAuditError), demo_ws.session() as s:
        data_audit.decide(s, dataset="air_hourly", site=stations[0], parameter="pm10",
                          code="A01", timestamp=datetime(2025, 12, 2, 5), actor="auditor")
    with pytest.raises(DataAuditError), demo_ws.session() as s:
        data_audit.reopen(s, dataset="air_hourly", site=stations[0], day=DAY, actor="a", reason=" ")
    with demo_ws.session() as s:
        data_audit.reopen(s, dataset="air_hourly", site=stations[0], day=DAY, actor="a",
                          reason="运维补报校准记录")
        assert not data_audit.day_state(s, "air_hourly", stations[0], DAY).locked
        row = data_audit.decisions(s, "air_hourly", stations[0], DAY)[0]
        row.reason_code = "A01"
        with pytest.raises(AuditRecordsAreAppendOnly):
            s.flush()
        s.rollback()


def test_due_periods() -> None:
    assert due_periods(date(2026, 1, 5)) == []
    assert due_periods(date(2026, 1, 6)) == [Period(2025, 12), Period(2025)]
    assert due_periods(date(2026, 7, 20), after_day=10) == [Period(2026, 6)]


def test_cli_writes_approves_and_lists(demo_ws: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ECOPLAN_HOME", str(demo_ws.settings.home))
    out = tmp_path / "月报.docx"
    assert main(["bulletin", "--month", "2025-12", "--kind", "water", "-o", str(out),
                 "--user", "analyst"]) == 0
    assert out.is_file() and "地表水环境质量月报" in _text(out)
    assert main(["bulletin", "--month", "2025-13"]) == 1
    assert main(["bulletin", "approve", "1"]) == 1  # who approves must be said
    assert main(["bulletin", "approve", "1", "--user", "analyst"]) == 0
    assert main(["bulletin", "approve", "1", "--user", "analyst"]) == 1  # already published
    capsys.readouterr()
    assert main(["bulletin", "list", "--json"]) == 0
    assert '"state": "published"' in capsys.readouterr().out
    assert main(["audit-day", "decide", "JCDEMO1", "2025-12-03", "--hour", "8", "-p", "pm25",
                 "--reason", "Z99", "--user", "a"]) == 1  # unknown reason code
