"""``ecoplan air warn`` on a forecast file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoplan.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "air"


def test_air_warn_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["air", "warn", str(DATA / "warning_forecast.csv"), "--json"])
    assert code == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    assert data["warning_level"] == "orange"
    levels = {e["site"]: e["warning_level"] for e in data["episodes"]}
    assert levels == {"吕梁市": "orange", "太原市": "yellow"}


def test_air_warn_bad_aqi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "f.csv"
    bad.write_text("date,aqi\n2019-01-01,250\n2019-01-02,abc\n", encoding="utf-8")
    code = main(["air", "warn", str(bad)])
    assert code == 1
    err = capsys.readouterr().err
    assert "f.csv" in err and "3" in err and "aqi" in err
