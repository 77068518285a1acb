"""Fixtures of the ingestion tests: a workspace on the database of ``db_url``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace


def open_workspace(home: Path, db_url: str) -> Workspace:
    init_workspace(home, database_url=db_url)
    return Workspace(load_settings(home=home, database_url=db_url))


@pytest.fixture
def ws(db_url: str, tmp_path: Path) -> Workspace:
    """A fresh workspace whose metadata live in the database of ``db_url`` (SQLite, PostgreSQL)."""
    return open_workspace(tmp_path / "home", db_url)
