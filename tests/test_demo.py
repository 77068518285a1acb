"""The demo job must never break: run it end to end on a temporary workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ecoplan.cli import main


def test_demo_runs_end_to_end(tmp_path, capsys) -> None:
    home = tmp_path / "demo"
    assert main(["demo", "--home", str(home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "sample_lake" in result["steps"]
    assert result["outputs"]["plan"]["numbered_indicators"] == 18
    assert Path(result["outputs"]["plan_xlsx"]).exists()
    summary = pd.read_csv(result["outputs"]["lake_summary"])
    luliang = summary[summary["city"] == "吕梁市"]
    assert int(luliang["stations"].iloc[0]) == 3
    assert summary["rows"].sum() == 479_205
    # re-running the demo is harmless
    assert main(["demo", "--home", str(home), "--json"]) == 0
