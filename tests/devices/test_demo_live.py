"""The bounded live demo the coordinator can call from ``make demo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoplan.demo.devices import run_live_demo
from ecoplan.devices.live_state import read_snapshot
from ecoplan.store.workspace import Workspace, init_workspace


@pytest.mark.slow
def test_run_live_demo(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    said: list[str] = []
    out = run_live_demo(ws, seconds=2, devices=2, rate=4, say=lambda zh, en: said.append(en))
    assert out["storage_error"] is None
    s = out["simulator"]
    assert s["answered"] == s["sent"] > 0 and s["retransmitted"] == 0
    assert out["rows_written"] > 0
    assert len(out["live"]["values"]) == 2
    assert len(ws.lake.read_arrow("air_hourly")) > 0
    assert read_snapshot(workspace_home)["stats"]["accepted"] == s["sent"]
    assert said and "answered" in said[0]
