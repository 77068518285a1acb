"""``ecoplan serve``, ``users``, ``departments``, ``tokens`` on a real workspace."""

from __future__ import annotations

import json

from ecoplan.cli import main


def _init(workspace_home) -> None:  # type: ignore[no-untyped-def]
    assert main(["init", str(workspace_home)]) == 0


def test_users_departments_and_tokens(workspace_home, capsys) -> None:  # type: ignore[no-untyped-def]
    _init(workspace_home)
    assert main(["departments", "add", "slj", "县水利局", "--en", "Water Resources Bureau"]) == 0
    assert main(["users", "add", "wang", "--role", "department", "--department", "slj",
                 "--password", "Shuili-2026-ok", "--name", "王工"]) == 0
    assert main(["users", "add", "weak", "--role", "leader", "--password", "short"]) == 1
    err = capsys.readouterr().err
    assert "密码不符合要求" in err
    assert main(["users", "add", "x", "--role", "department", "--password",
                 "Shuili-2026-ok"]) == 1  # a department user needs a department
    assert main(["users", "list", "--json"]) == 0
    users = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["role"], u["department"]) for u in users] == [
        ("wang", "department", "slj")]
    assert main(["tokens", "create", "wang", "--name", "etl", "--json"]) == 0
    tok = json.loads(capsys.readouterr().out)
    assert tok["token"].startswith("ecp_")
    assert main(["tokens", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert tok["token"] not in listed and '"etl"' in listed
    assert main(["users", "passwd", "wang", "--password", "Shuili-2027-ok"]) == 0
    assert main(["users", "disable", "wang"]) == 0
    assert main(["users", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["active"] is False
    assert main(["tokens", "create", "wang", "--json"]) == 1  # disabled users get no token
    assert main(["tokens", "revoke", str(tok["id"])]) == 0
    assert main(["tokens", "revoke", str(tok["id"])]) == 1
    assert main(["users", "seed-demo", "--json"]) == 0
    logins = json.loads(capsys.readouterr().out)
    assert {x["role"] for x in logins} == {"admin", "analyst", "leader", "department"}


def test_serve_refuses_the_default_secret(workspace_home, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _init(workspace_home)
    monkeypatch.setenv("ECOPLAN_SECRET_KEY", "changethis")
    assert main(["serve", "--port", "0"]) == 1
    assert "密钥" in capsys.readouterr().err


def test_help_is_bilingual() -> None:
    for args in (["serve", "--help"], ["users", "--help"], ["tokens", "--help"],
                 ["bench", "web", "--help"]):
        assert main(args) == 0
