"""``ecoplan dust …`` commands: sites, one control pass, replay over the lake's air_minute, log."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from ecoplan.cli import main
from ecoplan.ingest.pipeline import air_device_schema
from ecoplan.store.workspace import Workspace

MONITOR = "DUST0000000001"


def _minute_history(ws: Workspace) -> None:
    """One hour of PM10 minute values of the monitor: low, a dust episode, a calibration."""
    t0 = datetime(2026, 11, 27, 8, 0)
    values = [60.0] * 10 + [200.0] * 15 + [70.0] * 15 + [900.0] * 5 + [50.0] * 15
    flags = [None] * 40 + ["hj212:C"] * 5 + [None] * 15
    n = len(values)
    table = pa.table({
        "station_code": ["DUST1"] * n, "time": [t0 + timedelta(minutes=i) for i in range(n)],
        "parameter": ["pm10"] * n, "value": values, "min": [None] * n, "max": [None] * n,
        "unit": ["μg/m³"] * n, "flag": flags, "code": ["a34002"] * n, "mn": [MONITOR] * n,
        "batch": [1] * n, "source_row": list(range(n)),
    }, schema=air_device_schema())
    ws.lake.write("air_minute", table, time_column="time")


def test_dust_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["devices", "add", "SPRAY1", "--type", "other"]) == 0
    capsys.readouterr()
    assert main(["dust", "sites", "add", "YD-1", "--monitor", MONITOR, "--controller", "SPRAY1",
                 "--on", "Spray=1", "--off", "Spray=0", "--alarm", "Alarm=1", "--upper", "150",
                 "--lower", "100", "--min-run", "300", "--json"]) == 0
    site = json.loads(capsys.readouterr().out)
    assert site["controllers"][0] == {"mn": "SPRAY1", "on": {"cn": "3021", "params": {"Spray": "1"}},
                                      "off": {"cn": "3021", "params": {"Spray": "0"}},
                                      "alarm": {"cn": "3021", "params": {"Alarm": "1"}}}
    assert main(["--lang", "en", "dust", "sites", "edit", "YD-1", "--start-after", "3"]) == 0
    assert f"device {MONITOR} is not registered" in capsys.readouterr().err
    assert main(["--lang", "en", "dust", "sites", "list"]) == 0
    assert "YD-1" in capsys.readouterr().out
    assert main(["dust", "sites", "edit", "YD-1", "--lower", "160"]) == 1
    assert "必须小于上限" in capsys.readouterr().err
    assert main(["--lang", "en", "dust", "sites", "add", "YD-2", "--monitor", "M",
                 "--controller", "C", "--on", "nonsense"]) == 1
    assert "NAME=VALUE" in capsys.readouterr().err

    # no gateway has run: one pass does nothing
    assert main(["dust", "control", "--once", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    ws = Workspace()
    _minute_history(ws)
    assert main(["dust", "replay", "--site", "YD-1", "--from", "2026-11-27T08:00",
                 "--to", "2026-11-27T09:00", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["readings"], r["flagged"], r["starts"]) == (60, 5, 1)
    got = [(a["time"][11:16], a["action"], a["reason"]) for a in r["actions"]]
    # on at the 3rd consecutive reading ≥ 150 (08:12), off at the first ≤ 100 (08:25, past the
    # 300 s minimum run); the 900 μg/m³ calibration values (flag C) start nothing
    assert got == [("08:12", "on", "upper"), ("08:12", "alarm", "upper"),
                   ("08:25", "off", "lower")]
    assert main(["--lang", "en", "dust", "replay", "--site", "YD-1", "--from", "2026-11-27T08:00",
                 "--to", "2026-11-27T09:00"]) == 0
    shown = capsys.readouterr()
    assert "1 starts" in shown.err and "replay YD-1: 60 values" in shown.out
    assert main(["dust", "replay", "--site", "YD-1", "--from", "yesterday", "--to", "x"]) == 1
    assert "--from" in capsys.readouterr().err
    assert main(["dust", "log", "--site", "YD-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # replay logs nothing
