"""The CLI skeleton: help, init, config, db upgrade, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoplan.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_core_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("init", "config", "db", "lake"):
        assert command in out


def test_init_creates_workspace_and_is_rerunnable(capsys, workspace_home: Path) -> None:
    code, out, _ = run(capsys, "init", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["secret_generated"] is True
    assert (workspace_home / "ecoplan.env").exists()
    assert (workspace_home / "lake").is_dir()
    secret = (workspace_home / "ecoplan.env").read_text()
    code, out, _ = run(capsys, "init", "--json")
    assert code == 0
    assert json.loads(out)["secret_generated"] is False
    assert (workspace_home / "ecoplan.env").read_text() == secret


def test_config_masks_secrets(capsys, workspace_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", "postgresql://bureau:s3cret@127.0.0.1:5432/eco")
    monkeypatch.setenv("ECOPLAN_SECRET_KEY", "a-very-long-secret-value-123")
    code, out, _ = run(capsys, "config", "--json")
    assert code == 0
    data = json.loads(out)
    assert "s3cret" not in out and "a-very-long-secret" not in out
    assert data["database_url"].startswith("postgresql://bureau:***@")
    assert data["secret_key"] == "********"


def test_unreachable_database_is_a_one_line_user_error(capsys, monkeypatch) -> None:
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", "postgresql://x:y@127.0.0.1:1/nowhere")
    code, out, err = run(capsys, "db", "upgrade")
    assert code == 1
    assert "Traceback" not in err
    assert "无法连接数据库" in err and "127.0.0.1" in err
    assert "y@" not in err  # password never shown


def test_invalid_setting_is_a_user_error(capsys, monkeypatch) -> None:
    monkeypatch.setenv("ECOPLAN_ENGINE", "oracle")
    code, _, err = run(capsys, "config")
    assert code == 1
    assert "ECOPLAN_ENGINE" in err


def test_english_messages(capsys, monkeypatch) -> None:
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", "postgresql://x:y@127.0.0.1:1/nowhere")
    code, _, err = run(capsys, "--lang", "en", "db", "upgrade")
    assert code == 1
    assert "Cannot connect to the database" in err


def test_unknown_command_is_a_user_error(capsys) -> None:
    code, _, _ = run(capsys, "no-such-command")
    assert code == 1


def test_internal_error_exit_code_and_debug(capsys, monkeypatch) -> None:
    import ecoplan.settings as settings_mod

    def boom(**_: object) -> None:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(settings_mod, "load_settings", boom)
    code, _, err = run(capsys, "config")
    assert code == 2
    assert "kaputt" in err and "Traceback" not in err
    code, _, err = run(capsys, "--debug", "config")
    assert code == 2
    assert "Traceback" in err
