"""Every write endpoint × every role, against the expectations in
``tests/data/web/authz_matrix.csv`` (allow / deny).

deny  = 401 / 403, or a redirect to the sign-in page;
allow = anything else that is not a server error (a 400 for a bad value still means the role
        was let through to the business rules).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import ROLE_USERS, csrf_of, login

MATRIX = Path(__file__).resolve().parents[1] / "data" / "web" / "authz_matrix.csv"
ROLES = ("admin", "analyst", "department_own", "department_other", "leader", "anonymous")
_counter = itertools.count(1)


def _rows() -> list[dict[str, str]]:
    with MATRIX.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


def test_matrix_covers_every_write_endpoint() -> None:
    """A new unsafe route must be added to the matrix (the test fails otherwise)."""
    import importlib
    import pkgutil

    from starlette.routing import Route

    import ecoplan.web.routes as routes_pkg

    declared = set()
    modules = {m.name: importlib.import_module(f"{routes_pkg.__name__}.{m.name}")
               for m in pkgutil.iter_modules(routes_pkg.__path__)}
    assert {"admin", "api", "devices", "emergency", "sources"} <= set(modules)
    for mod in modules.values():
        for r in mod.router.routes:
            if isinstance(r, Route) and r.methods and r.methods & {"POST", "PUT", "PATCH", "DELETE"}:
                declared.add(r.path)
    exempt = {"/login", "/logout"}  # reachable by everyone by design
    concrete = [re.sub(r"\{[a-z]+\}", "1", row["path"]) for row in ROWS]
    missing = []
    for route in sorted(declared - exempt):
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route) + "$")
        if not any(pattern.match(p) for p in concrete):
            missing.append(route)
    assert not missing, f"write endpoints missing from authz_matrix.csv: {missing}"


@pytest.fixture(scope="module")
def matrix_env(template_home: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace
    from ecoplan.web.app import create_app

    home = tmp_path_factory.mktemp("matrix") / "home"
    shutil.copytree(template_home, home)
    ws = Workspace(load_settings(home=home))
    app = create_app(ws.settings)
    clients: dict[str, TestClient] = {}
    for role in ROLES:
        c = TestClient(app)
        if role == "anonymous":
            c.headers["X-CSRF-Token"] = csrf_of(c)
        else:
            login(c, ROLE_USERS[role])
        clients[role] = c
    yield ws, clients
    for c in clients.values():
        c.close()


def _prepare(ws, placeholder: str) -> str:  # type: ignore[no-untyped-def]
    from ecoplan.assess import progress
    from ecoplan.store.models import IngestBatch, QuarantinedRow
    from ecoplan.web import accounts

    with ws.session() as s:
        if placeholder in ("submitted", "reviewed"):
            rec = progress.submit_indicator_value(
                s, plan_code="jiaocheng-2021-2025", indicator_key="6", year=2023, value="0",
                reporter="zjj", department="县住建局")
            if placeholder == "reviewed":
                progress.review(s, "indicator", rec.id, actor="analyst")
            return str(rec.id)
        if placeholder == "quarantine":
            b = IngestBatch(dataset="air_hourly", source_file="x.csv", file_hash="0" * 64)
            s.add(b)
            s.flush()
            q = QuarantinedRow(batch_id=b.id, file="x.csv", row=2, field="pm25", value="-1",
                               reason="negative")
            s.add(q)
            s.flush()
            return str(q.id)
        if placeholder == "token":
            return str(accounts.create_token(s, "test", "lyj", "victim").id)
    raise AssertionError(placeholder)


CASES = [(row, role) for row in ROWS for role in ROLES]


@pytest.mark.parametrize("row,role", CASES, ids=[f"{r['id']}-{role}" for r, role in CASES])
def test_authorization(matrix_env, row: dict[str, str], role: str) -> None:  # type: ignore[no-untyped-def]
    ws, clients = matrix_env
    path = row["path"]
    for ph in ("submitted", "reviewed", "quarantine", "token"):
        if "{" + ph + "}" in path:
            path = path.replace("{" + ph + "}", _prepare(ws, ph))
    uniq = str(next(_counter))
    body = json.loads(row["body"].replace("{uniq}", uniq)) if row["body"] else {}
    c = clients[role]
    if row["body_kind"] == "json":
        r = c.request(row["method"], path, json=body, follow_redirects=False)
    else:
        r = c.request(row["method"], path, data=body, follow_redirects=False)
    if path.startswith("/admin/users/lyj/disable") and r.status_code < 400:
        with ws.session() as s:
            from ecoplan.web import accounts

            accounts.set_active(s, "test", "lyj", True)
    assert r.status_code < 500, r.text[-800:]
    denied = r.status_code in (401, 403) or (
        r.status_code in (302, 303) and r.headers.get("location", "").startswith("/login"))
    expected = row[role]
    assert ("deny" if denied else "allow") == expected, (
        f"{row['id']} as {role}: HTTP {r.status_code} {r.text[-300:]}")
