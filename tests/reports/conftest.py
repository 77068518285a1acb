"""A demo workspace (generated example data 2020–2025) built once per test session — once for
all xdist workers, under a file lock — and copied for each worker, so tests that write to it
(progress submissions) never see each other's changes."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest


def _build(home: Path) -> dict[str, Any]:
    from ecoplan.demo.air_series import build_demo_series
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace, init_workspace

    init_workspace(home)
    ws = Workspace(load_settings(home=home))
    res = build_demo_series(ws)
    ws.engine.dispose()
    return {"batches": res.batches, "drawn": res.drawn, "reports": res.reports}


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    src = shared / "ecoplan-demo-workspace"
    with open(shared / "ecoplan-demo-workspace.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (src / "demo.json").exists():
                shutil.rmtree(src, ignore_errors=True)
                info = _build(src / "home")
                (src / "demo.json").write_text(json.dumps(info, default=str), "utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    home = tmp_path_factory.mktemp("demo") / "home"
    shutil.copytree(src / "home", home)
    ws = Workspace(load_settings(home=home))
    ws.demo_series = SimpleNamespace(**json.loads((src / "demo.json").read_text("utf-8")))  # type: ignore[attr-defined]
    yield ws
    ws.engine.dispose()
