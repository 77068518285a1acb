"""Analysis from the workspace and outputs as offices use them: ``air aqi|daily|stats`` and
``water classify|assess`` on the lake with filters (reviewers' flags applied as the assessment
applies them), real .xlsx workbooks, CSV with BOM at the standard's precision, validity
warnings, and ``flags list|export``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ecoplan.assess import air_pipeline
from ecoplan.cli import main
from ecoplan.ingest.flags import append_flag
from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace

CHINA_SITES = sample_path("air", "china_sites_20190101.csv")
REAL = sample_path("realdata", "shanxi_hourly_2019.csv.gz")


def _hours(tmp_path: Path) -> Path:
    """Three days of two Lüliang stations (constructed, in the range of the real data)."""
    rows = ["station_code,timestamp,PM2.5,PM10,SO2,NO2,O3,CO"]
    for code, base in (("2183A", 40), ("2185A", 60)):
        for h in range(1, 73):
            t = pd.Timestamp("2021-03-01") + pd.Timedelta(hours=h)
            rows.append(f"{code},{t:%Y-%m-%d %H:%M},{base + h % 7},{2 * base},9,30,{60 + h % 24},"
                        f"0.{5 + h % 4}")
    p = tmp_path / "three_days.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def cli_ws(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("ECOPLAN_HOME", str(ws.settings.home))
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", ws.settings.effective_database_url)
    import_bundled(ws.engine, ("shanxi", "jiaocheng"))
    return ws


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main([*args, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out[out.index("{"):])


def test_daily_from_the_workspace_with_filters_and_reviews(
        cli_ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _hours(tmp_path)
    ingest_file(cli_ws, "air", src)
    from_file = _json(capsys, "air", "daily", str(src), "--station", "2183A")
    lake = _json(capsys, "air", "daily", "--from-lake", "--station", "2183a", "--from",
                 "2021-03-01", "--to", "2021-03-03")
    assert [r["date"] for r in lake["records"]] == ["2021-03-01", "2021-03-02", "2021-03-03"]
    assert lake["records"] == from_file["records"][:3]
    # a reviewer marks eight PM2.5 hours of 2 March invalid: the lake figures follow, exactly as
    # the assessment's reader (air_pipeline.hourly_table on the lake dataset) applies it
    for h in range(1, 9):
        append_flag(cli_ws.engine, "air_hourly", "2183A", datetime(2021, 3, 2, h), "pm25",
                    "invalid", reason="仪器故障", actor="analyst")
    again = _json(capsys, "air", "daily", "--from-lake", "--station", "2183A")
    expected = air_pipeline.run_daily(cli_ws.analytics, "air_hourly")
    expected = expected[expected.station_code == "2183A"].reset_index(drop=True)
    got = [r["pm25"] for r in again["records"][:3]]
    assert got == [round(v) if v == v else None for v in expected["pm25"].tolist()[:3]]
    assert got[1] is None and lake["records"][1]["pm25"] is not None  # 16 hours < 20: invalid


def test_stats_by_city_from_the_workspace(cli_ws: Workspace, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    ingest_file(cli_ws, "air", _hours(tmp_path))
    res = _json(capsys, "air", "stats", "--from-lake", "--city", "吕梁", "--period", "month",
                "--by", "city")
    (row,) = res["records"]
    assert row["city"] == "吕梁市" and row["valid_days"] == 3
    assert isinstance(row["composite_rank"], int)
    # one month with 3 valid days: every statistic is invalid and says why
    assert any("PM2.5" in w and "3 月" in w for w in res["warnings"])


def test_aqi_from_the_workspace(cli_ws: Workspace, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    ingest_file(cli_ws, "air", _hours(tmp_path))
    res = _json(capsys, "air", "aqi", "air_hourly", "--station", "2185A", "--from", "2021-03-02",
                "--to", "2021-03-02")
    assert res["rows"] == 24 and res["stations"] == 1


def test_daily_xlsx_is_a_real_workbook(tmp_path: Path) -> None:
    out = tmp_path / "daily.xlsx"
    assert main(["air", "daily", str(CHINA_SITES), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)  # was CSV text in a .xlsx file
    sh = wb.worksheets[0]
    head = [c.value for c in sh[1]]
    assert head[:3] == ["站点编码", "日期", "规则版本"] and "PM2.5 (μg/m³)" in head
    assert sh.freeze_panes == "A2"
    dates = {r[1] for r in sh.iter_rows(min_row=2, values_only=True)}
    assert "2018-12-31" not in dates  # the single hour of the CNEMC day 2018-12-31: no row
    aqi = head.index("AQI")
    assert all(isinstance(r[aqi], int) for r in sh.iter_rows(min_row=2, values_only=True)
               if r[aqi] is not None)
    assert main(["--lang", "en", "air", "daily", str(CHINA_SITES), "-o", str(out)]) == 0
    assert [c.value for c in openpyxl.load_workbook(out).worksheets[0][1]][:2] == [
        "station code", "date"]


@pytest.mark.slow
def test_stats_csv_bom_precision_and_validity_warning(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stats.csv"
    assert main(["air", "stats", str(REAL), "--station", "2183A", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    # 2019 at 2183A: August and September have fewer than 27 valid PM2.5 days
    assert "PM2.5 年平均浓度无效：8 月、9 月有效天数不足 27 天" in err.replace("\n", "")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, encoding="utf-8-sig")
    text = raw.decode("utf-8-sig")
    assert "0000000" not in text and "9999999" not in text  # no binary noise
    row = frame.iloc[0]
    assert row["composite_rank"] == 1 and ",1," in text.replace(",1\n", ",1,")
    assert row["pm25_mean"] == 36 and row["co_p95"] == 1.6 and row["good_day_ratio"] == 79.4


def test_water_from_the_workspace(cli_ws: Workspace, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "sections.csv"
    lines = ["断面,时间,项目,数值,单位"]
    for site, nh3 in (("JC-WYH-BYK", "0.12"), ("JC-CYH-WL", "1.6")):
        for day in (5, 20):
            for item, v, u in (("pH值", "7.9", "无量纲"), ("溶解氧", "8.1", "mg/L"),
                               ("高锰酸盐指数", "3.1", "mg/L"), ("氨氮", nh3, "mg/L"),
                               ("总磷", "0.08", "mg/L")):
                lines.append(f"{site},2021-04-{day:02d} 10:00,{item},{v},{u}")
    clean.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(cli_ws, "water", clean)
    from_file = _json(capsys, "water", "assess", str(clean), "--period", "month")
    lake = _json(capsys, "water", "assess", "--from-lake", "--period", "month")
    key = ("site", "period", "label", "samples", "months")
    assert sorted(tuple(r[k] for k in key) for r in lake["rows"]) == sorted(
        tuple(r[k] for k in key) for r in from_file["rows"])
    one = _json(capsys, "water", "classify", "--from-lake", "--station", "北峪口")
    assert {r["site"] for r in one["rows"]} == {"JC-WYH-BYK"}


def test_flags_list_and_export(cli_ws: Workspace, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "spike.csv"
    body = "".join(f"2183A,2021-03-01 {h:02d}:00,{900 if h == 5 else 40},80,9,30,60,0.6\n"
                   for h in range(1, 10))
    p.write_text("station_code,timestamp,PM2.5,PM10,SO2,NO2,O3,CO\n" + body
                 + "2183A,2021-03-01 10:00,无效,80,9,30,60,0.6\n", encoding="utf-8")
    ingest_file(cli_ws, "air", p)
    res = _json(capsys, "flags", "list", "--flag", "suspect_spike")
    (spike,) = res["flagged"]
    assert spike["site"] == "2183A" and spike["parameter"] == "pm25"
    (held,) = res["quarantined"]
    assert held["value"] == "无效" and held["field"] == "PM2.5" and held["row"] == 11
    out = tmp_path / "flags.xlsx"
    assert main(["flags", "export", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["有质量标记的数值", "被隔离的行和数值"]
    assert wb.worksheets[1]["G2"].value.startswith("标记为")
