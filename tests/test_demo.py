"""The demo job must never break: run it end to end on a temporary workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.cli import main
from ecoplan.demo.steps import STEPS


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys) -> None:
    home = tmp_path / "demo"
    assert main(["demo", "--home", str(home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == [name for name, _ in STEPS]
    outputs = result["outputs"]
    assert outputs["plan"]["numbered_indicators"] == 18
    assert Path(outputs["plan_xlsx"]).exists()
    assert outputs["ingest_sample_year"]["rows_read"] == 479_205
    summary = pd.read_csv(outputs["lake_summary"])
    assert int(summary.loc[summary["city"] == "吕梁市", "stations"].iloc[0]) == 3
    assert summary["rows"].sum() == 479_205
    aqi = outputs["hourly_aqi"]
    assert aqi["published"] > 24_000 and aqi["published"] - aqi["reproduced"] <= 6
    # the same figures as computed straight from the sample file (tests/air/test_period_demo.py)
    assert outputs["air_statistics"]["lvliang"]["pm25_mean"] == 40
    assert outputs["air_statistics"]["cities"] == 11
    report = Path(outputs["final_report"])
    assert report.suffix == ".docx" and report.exists()
    assert outputs["hj212_live"]["answered"] > 0
    assert [c["status"] for c in outputs["hj212_commands"]["commands"]] == ["ok", "ok", "ok"]
    assert outputs["online_monitoring_rows"] > 0
    dust = outputs["dust_spraying"]["actions"]
    assert "on" in dust and "off" in dust and dust.index("on") < dust.index("off")
    assert outputs["emergency"]["during"]["daily_aqi_mean"] > outputs["emergency"]["before"]["daily_aqi_mean"]
    assert Path(outputs["emergency"]["files"][0]).exists()
    draw = outputs["inspection_draw"]
    assert draw["identical"] and draw["objects"] > 0 and Path(draw["file"]).exists()
    assert Path(outputs["enforcement_loop"]["document"]).exists()
    assert outputs["enforcement_loop"]["grade"] in ("A", "B", "C", "D")
    assert {a["username"] for a in outputs["web_logins"]} >= {"admin", "analyst", "leader"}
    # re-running the demo is harmless: nothing is loaded twice
    assert main(["demo", "--home", str(home), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["outputs"]["ingest_sample_year"]["rows_accepted"] == 0
    assert again["outputs"]["online_monitoring_rows"] == 0
