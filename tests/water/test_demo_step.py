"""The water demo step on a real workspace (what the coordinator wires into ecoplan/demo.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoplan.demo.steps import DemoResult
from ecoplan.demo.water import demo_step
from ecoplan.store.workspace import Workspace, init_workspace


def test_water_demo_step(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    result = DemoResult(home=ws.settings.home)
    said: list[str] = []
    demo_step(ws, lambda zh, en: said.append(en), result)
    out = result.outputs["water"]
    assert out["realtime_reproduced"] == out["realtime_published"] == 124
    assert out["beiyukou_2021_04_class"] == "Ⅱ" and out["beiyukou_attained"] is True
    sec = pd.read_csv(out["section_csv"])
    assert sec.loc[0, "site"] == "北峪口" and sec.loc[0, "target"] == "Ⅱ"
    assert len(said) == 2
