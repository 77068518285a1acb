"""The map's risk layer: risk enterprises of supervision/risk.py at their WGS84 location,
coloured by the HJ 941-2018 level computed from their stored gradings; an ungraded one is grey."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import risk
from ecoplan.web.map_data import GREY, LAYERS, RISK_COLOURS, map_sites


def test_risk_enterprises_on_the_map(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    with ws.session() as s:
        risk.add_enterprise(s, "91141122MA0RISK001", "示例化工企业", actor="t",
                            longitude=112.16, latitude=37.55)
        risk.add_enterprise(s, "91141122MA0RISK002", "示例未分级企业", actor="t")
        risk.add_grading(s, "91141122MA0RISK001", "air", 150, 50, "E1", date(2026, 6, 1),
                         actor="t")
    sites = {m.code: m for m in map_sites(ws, ("risk",))}
    graded, plain = sites["91141122MA0RISK001"], sites["91141122MA0RISK002"]
    with ws.session() as s:
        lvl, _ = risk.level_of(s, "91141122MA0RISK001")
    assert lvl is not None and graded.colour == RISK_COLOURS[lvl.level]
    assert graded.state_zh.startswith(lvl.level) and lvl.code in graded.state_zh
    assert (graded.lon, graded.lat) == (112.16, 37.55) and graded.href == "/risk"
    assert plain.colour == GREY and plain.state_zh == "未分级" and plain.lon is None
    assert "risk" in LAYERS
