"""The plan's demo step, on a real workspace (the coordinator calls it from ecoplan/demo.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoplan.demo.plan import demo_step_plan, load_bundled_plan
from ecoplan.store.workspace import Workspace, init_workspace


@dataclass
class _Result:
    outputs: dict[str, Any] = field(default_factory=dict)


def test_demo_step_loads_exports_and_checks(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    said: list[tuple[str, str]] = []
    result = _Result()
    demo_step_plan(ws, lambda zh, en: said.append((zh, en)), result)
    assert result.outputs["plan"]["status"] == "loaded"
    assert result.outputs["plan"]["numbered_indicators"] == 18
    assert Path(result.outputs["plan_xlsx"]).stat().st_size > 5000
    check = json.loads(Path(result.outputs["plan_check"]["file"]).read_text(encoding="utf-8"))
    assert check["counts"] == {"error": 4, "warning": 12, "info": 8}
    assert "155804.95" in said[0][0]
    # running the demo again changes nothing
    assert load_bundled_plan(ws)["status"] == "unchanged"
