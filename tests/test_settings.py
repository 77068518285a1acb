"""Settings refuse insecure defaults and read the workspace env file."""

from __future__ import annotations

import pytest

from ecoplan.errors import InsecureSecretError
from ecoplan.settings import load_settings
from ecoplan.store.workspace import init_workspace


def test_default_secret_is_refused() -> None:
    with pytest.raises(InsecureSecretError) as info:
        load_settings().require_secret()
    assert "ECOPLAN_SECRET_KEY" in info.value.message("zh")


def test_short_secret_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("ECOPLAN_SECRET_KEY", "short")
    with pytest.raises(InsecureSecretError):
        load_settings().require_secret()


def test_init_generates_a_usable_secret(workspace_home) -> None:
    init_workspace(workspace_home)
    secret = load_settings().require_secret()
    assert len(secret) >= 32


def test_environment_overrides_env_file(workspace_home, monkeypatch) -> None:
    init_workspace(workspace_home)
    monkeypatch.setenv("ECOPLAN_SECRET_KEY", "x" * 40)
    assert load_settings().require_secret() == "x" * 40


def test_default_database_is_sqlite_in_home(workspace_home) -> None:
    s = load_settings()
    assert s.effective_database_url == f"sqlite:///{workspace_home.resolve() / 'ecoplan.db'}"
    assert s.lake_dir == workspace_home.resolve() / "lake"
