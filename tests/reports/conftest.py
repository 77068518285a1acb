"""A demo workspace (generated example data 2020–2025) built once for the report tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ecoplan.assess.demo_series import build_demo_series
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace, init_workspace

    home: Path = tmp_path_factory.mktemp("demo") / "home"
    init_workspace(home)
    ws = Workspace(load_settings(home=home))
    ws.demo_series = build_demo_series(ws)  # type: ignore[attr-defined]
    yield ws
    ws.engine.dispose()
