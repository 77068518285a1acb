"""Fixtures of the web tests: a real workspace (SQLite by default, PostgreSQL where asked),
the demo accounts, and clients signed in as each role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecoplan.web.accounts import DEMO_PASSWORD

ROLE_USERS = {
    "admin": "admin",
    "analyst": "analyst",
    "leader": "leader",
    "department_own": "zjj",
    "department_other": "slj",
}


def make_workspace(home: Path, database_url: str | None = None):  # type: ignore[no-untyped-def]
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace, init_workspace
    from ecoplan.web.seed import seed_demo_accounts

    init_workspace(home, database_url=database_url)
    overrides = {"database_url": database_url} if database_url else {}
    ws = Workspace(load_settings(home=home, **overrides))
    from ecoplan.plan import bundled_plan_path, load_plan
    from ecoplan.store.plan_store import load_plan_into_db

    path = bundled_plan_path("jiaocheng-2021-2025")
    load_plan_into_db(ws.engine, load_plan(path), source_file=path)
    seed_demo_accounts(ws, lambda zh, en: None)
    return ws


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated workspace with the demo accounts, built once (Argon2 is slow on purpose)."""
    home = tmp_path_factory.mktemp("web-template") / "home"
    old = os.environ.get("ECOPLAN_HOME")
    os.environ["ECOPLAN_HOME"] = str(home)
    try:
        ws = make_workspace(home)
        ws.engine.dispose()
    finally:
        if old is None:
            os.environ.pop("ECOPLAN_HOME", None)
        else:
            os.environ["ECOPLAN_HOME"] = old
    return home


@pytest.fixture
def web_ws(template_home: Path, workspace_home: Path):  # type: ignore[no-untyped-def]
    """A fresh copy of the template workspace (SQLite) for one test."""
    from ecoplan.store.workspace import Workspace

    shutil.copytree(template_home, workspace_home)
    return Workspace()


@pytest.fixture
def app(web_ws):  # type: ignore[no-untyped-def]
    from ecoplan.web.app import create_app

    return create_app(web_ws.settings)


def csrf_of(client: TestClient) -> str:
    token = client.cookies.get("ecoplan_csrf")
    if not token:
        client.get("/public")
        token = client.cookies.get("ecoplan_csrf")
    assert token
    return token


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> TestClient:
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": csrf_of(client), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


@pytest.fixture
def client_for(app) -> Callable[[str | None], TestClient]:  # type: ignore[no-untyped-def]
    """``client_for("admin")`` → a client signed in as that demo user (None: anonymous)."""
    made: list[TestClient] = []

    def _make(username: str | None) -> TestClient:
        c = TestClient(app)
        made.append(c)
        if username is None:
            c.headers["X-CSRF-Token"] = csrf_of(c)
            return c
        return login(c, username)

    yield _make
    for c in made:
        c.close()
