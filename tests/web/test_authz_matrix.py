"""Every write endpoint × every role, against the expectations in
``tests/data/web/authz_matrix.csv`` (allow / deny), and every GET route × every role against
``tests/data/web/authz_read_matrix.csv`` (the exact status, or deny).

deny  = 401 / 403, or a redirect to the sign-in page;
allow = the action was done: a 2xx/3xx answer (a 400 or 404 no longer counts as "allowed").
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecoplan.web.accounts import DEMO_PASSWORD
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
    # reachable by everyone by design (the public complaint form: CSRF-checked, rate-limited,
    # tests/web/test_cases_web.py)
    exempt = {"/login", "/login/totp", "/logout", "/public/complaint"}
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
    _world(ws)
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


def _world(ws) -> None:  # type: ignore[no-untyped-def]
    """What the write rows act on, so that "allow" means the action is really done: an
    enterprise, a heavy-pollution response in force, a registered device."""

    from ecoplan.devices.device_registry import add_device
    from ecoplan.devices.keys import issue_key, vault_for
    from ecoplan.supervision import sources as S

    with ws.session() as s:
        S.add_enterprise(s, "91141122MA0K0C0016", "矩阵测试企业")
    _inspections(ws)
    _active_response(ws)
    add_device(ws.engine, "MATRIX-DEV-0001", device_type="air", name="矩阵设备")
    # an HJ 212-2025 key, so that revoking (in whatever order the rows run) has a key to act on
    issue_key(ws.engine, vault_for(ws), "MATRIX-DEV-0001", origin="operator", actor="test")


def _inspections(ws) -> None:  # type: ignore[no-untyped-def]
    """Draw 1 (published) and inspection 1 of 县住建局 (department_own), with two inspectors."""
    from datetime import date, datetime

    from ecoplan.supervision import inspection_draw as D
    from ecoplan.supervision import inspections as I

    with ws.session() as s:
        for code in ("MATRIX-I1", "MATRIX-I2"):
            D.add_inspector(s, code, code, "矩阵执法队", certificate_no=code,
                            certificate_expires=date(2099, 1, 1), actor="test")
        D.publish(s, D.run_draw(s, "2026", actor="test").id, actor="test")
        I.record_inspection(s, "91141122MA0K0C0016", inspected_at=datetime(2026, 1, 5, 9),
                            inspectors=["MATRIX-I1"], actor="zjj", department="县住建局")


def _active_response(ws) -> int:  # type: ignore[no-untyped-def]
    """The heavy-pollution response in force now (issued when there is none)."""
    from datetime import timedelta

    from ecoplan.supervision import emergency as em

    now = em.now_local()
    st = em.active_response(ws.engine, now)
    if st is None:
        st = em.issue(ws.engine, level="orange", start=now,
                      planned_end=now + timedelta(days=2), doc_no="交环应急〔2026〕矩阵")
    return int(st.id)


def _no_response(ws) -> None:  # type: ignore[no-untyped-def]
    """Lift the response in force, so that a new warning may be issued."""
    from datetime import timedelta

    from ecoplan.supervision import emergency as em

    st = em.active_response(ws.engine, em.now_local())
    if st is not None:
        at = max(st.start, em.now_local() - timedelta(minutes=1))
        em.lift(ws.engine, st.id, at=at, doc_no="交环应急〔2026〕矩阵解除")
        while em.now_local() <= at:  # the new warning starts after the lift
            time.sleep(0.2)


def _workbook(tmp: Path) -> bytes:
    from ecoplan.supervision.sources_excel import write_template

    path = write_template(tmp / "sources.xlsx")
    return path.read_bytes()


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
                progress.review(s, "indicator", rec.id, actor="matrix-reviewer")
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
    if placeholder == "alert":  # a fresh alert sent to the analysts
        from ecoplan.supervision import alerts as al

        rule = al.AlertRule(id="matrix", type="expiring_permit", name_zh="矩阵", name_en="matrix",
                            recipients=[al.Recipients(roles=["analyst"])])
        return str(al.open_alert(ws.engine, rule, al.Finding(
            f"M{next(_counter)}", "矩阵测试告警", "matrix test alert")))
    if placeholder == "response":  # a fresh warning (orange) for each change or lift
        _no_response(ws)
        return str(_active_response(ws))
    if placeholder == "bulletin":  # a fresh draft for each approval
        from ecoplan.store import bulletins

        with ws.session() as s:
            return str(bulletins.register(s, kind="air", period="2025-12", file="/nonexistent",
                                          digest="0" * 64, actor="matrix").id)
    if placeholder == "command":
        from ecoplan.devices.command_queue import enqueue

        return str(enqueue(ws.engine, "MATRIX-DEV-0001", "1062", {"RtdInterval": "60"},
                           requested_by="test"))
    if placeholder in CASE_PLACEHOLDERS:
        return _case_world(ws, placeholder)
    raise AssertionError(placeholder)


CASE_PLACEHOLDERS = ("case", "task", "complaint", "dispatched", "handled", "replied")
_last_case: list[int] = []


def _case_world(ws, placeholder: str) -> str:  # type: ignore[no-untyped-def]
    """A fresh case of 县住建局 (zjj), a joint task of 水利局 (slj) on the case prepared just
    before, or a complaint received / dispatched to zjj / handled / replied."""
    from datetime import date

    from ecoplan.supervision import cases as C
    from ecoplan.supervision import complaints as Q

    today = date.today()
    with ws.session() as s:
        if placeholder == "case":
            case = C.open_case(s, source_kind="manual", source_id=None, title="矩阵案件",
                               party_name="矩阵测试企业", department="zjj", actor="test",
                               opened_on=today)
            _last_case.append(case.id)
            return str(case.id)
        if placeholder == "task":
            ev = C.add_task(s, C.get_case(s, _last_case[-1]), department="slj", task="协查",
                            due=today, actor="test", on_date=today)
            return str(ev.id)
        c = Q.intake(s, channel="phone", content="矩阵测试投诉内容", actor="test",
                     received_on=today)
        steps = ("dispatched", "handled", "replied")
        if placeholder in steps:
            Q.dispatch(s, c, department="zjj", actor="test", on_date=today)
        if placeholder in steps[1:]:
            Q.handle(s, c, note="已办理", actor="test", on_date=today)
        if placeholder == "replied":
            Q.reply(s, c, text="已答复", actor="test", on_date=today)
        return str(c.id)


CASES = [(row, role) for row in ROWS for role in ROLES]


@pytest.mark.parametrize("row,role", CASES, ids=[f"{r['id']}-{role}" for r, role in CASES])
def test_authorization(matrix_env, row: dict[str, str], role: str,  # type: ignore[no-untyped-def]
                       tmp_path: Path) -> None:
    ws, clients = matrix_env
    path = row["path"]
    for ph in ("submitted", "reviewed", "quarantine", "token", "command", "response", "alert",
               *CASE_PLACEHOLDERS, "bulletin"):
        if "{" + ph + "}" in path:
            path = path.replace("{" + ph + "}", _prepare(ws, ph))
    if row["id"] == "form-emergency-issue":
        _no_response(ws)
    elif row["id"] == "form-emergency-inspection":
        _active_response(ws)
    uniq = str(next(_counter))
    body = json.loads(row["body"].replace("{uniq}", uniq).replace("{demo}", DEMO_PASSWORD)
                      ) if row["body"] else {}
    c = clients[role]
    if row["body_kind"] == "json":
        r = c.request(row["method"], path, json=body, follow_redirects=False)
    elif row["body_kind"] == "workbook":
        r = c.request(row["method"], path, follow_redirects=False, files={"file": (
            "sources.xlsx", _workbook(tmp_path), "application/octet-stream")})
    else:
        r = c.request(row["method"], path, data=body, follow_redirects=False)
    changed = False
    if row["id"] == "own-change-password" and role != "anonymous" and r.status_code == 303:
        from ecoplan.web import accounts
        from ecoplan.web.security import verify_password

        with ws.session() as s:  # the action done? then put the demo password back
            user = accounts.get_user(s, ROLE_USERS[role])
            changed = verify_password(body["new"], user.password_hash)[0]
            accounts.set_password(s, "test", ROLE_USERS[role], DEMO_PASSWORD)
        c.cookies.clear()
        c.headers.pop("X-CSRF-Token", None)
        login(c, ROLE_USERS[role])
    if path.startswith("/admin/users/lyj/disable") and r.status_code < 400:
        with ws.session() as s:
            from ecoplan.web import accounts

            accounts.set_active(s, "test", "lyj", True)
    assert r.status_code < 500, r.text[-800:]
    denied = not changed and (r.status_code in (401, 403) or (
        r.status_code in (302, 303) and r.headers.get("location", "").startswith("/login")))
    expected = row[role]
    if expected == "refused":  # let through to the business rule, which says no (400)
        assert r.status_code == 400, f"{row['id']} as {role}: HTTP {r.status_code}"
        return
    if expected == "allow":  # the action must have been done, not refused as a bad value
        assert 200 <= r.status_code < 400 and not denied, (
            f"{row['id']} as {role}: expected the action done, got HTTP {r.status_code} "
            f"{r.text[-300:]}")
    assert ("deny" if denied else "allow") == expected, (
        f"{row['id']} as {role}: HTTP {r.status_code} {r.text[-300:]}")


# ---------------------------------------------------------------- read side (every GET route)
READ_MATRIX = MATRIX.with_name("authz_read_matrix.csv")


def _read_rows() -> list[dict[str, str]]:
    with READ_MATRIX.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


READ_ROWS = _read_rows()
NOT_PAGES = {"/static", "/static-docs", "/healthz", "/favicon.ico", "/boom-for-test"}


def test_read_matrix_covers_every_get_route(app) -> None:  # type: ignore[no-untyped-def]
    """Every GET route of the application (routers and app-level) is in the read matrix."""
    from starlette.routing import Mount, Route

    concrete = [re.sub(r"\{[a-z_]+\}", "x", row["path"]) for row in READ_ROWS]
    missing = []
    for r in app.routes:
        if isinstance(r, Mount) or not isinstance(r, Route) or "GET" not in (r.methods or ()):
            continue
        if r.path in NOT_PAGES:
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$")
        if not any(pattern.match(p) for p in concrete):
            missing.append(r.path)
    assert not missing, f"GET routes missing from authz_read_matrix.csv: {missing}"


@pytest.fixture(scope="module")
def read_fixtures(matrix_env) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An evidence file of 县住建局, a device of 县住建局, a generated report file."""
    from ecoplan.devices.device_registry import add_device

    ws, clients = matrix_env
    r = clients["department_own"].post(
        "/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "1"},
        files={"evidence": ("proof.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        follow_redirects=False)
    assert r.status_code == 303, r.text[-300:]
    reports = clients["department_own"].get("/api/v1/progress/indicator").json()
    uri = next(e["uri"] for rep in reports for e in rep["evidence"] if e.get("uri"))
    add_device(ws.engine, "MATRIXZJJ0000001", device_type="other", enterprise="县住建局",
               name="工地扬尘")
    ws.settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (ws.settings.reports_dir / "matrix-report.docx").write_bytes(b"PK\x03\x04 matrix")
    from ecoplan.supervision import cases as C

    case = _case_world(ws, "case")  # of zjj, decided (the decision document exists)
    with ws.session() as s:
        c = C.get_case(s, case)
        on = c.opened_on
        for stage in ("investigation", "notice"):
            C.advance(s, c, stage, actor="test", on_date=on)
        C.advance(s, c, "decision", actor="test", on_date=on, basis="DQ115", fine=10000,
                  waived=True)
    return {"evidence": uri.rsplit("/", 1)[1], "device": "MATRIXZJJ0000001",
            "report": "matrix-report.docx", "case": case,
            "complaint": _case_world(ws, "dispatched")}


READ_CASES = [(row, role) for row in READ_ROWS for role in ROLES]


@pytest.mark.parametrize("row,role", READ_CASES, ids=[f"{r['id']}-{role}" for r, role in READ_CASES])
def test_read_authorization(matrix_env, read_fixtures, row: dict[str, str], role: str) -> None:  # type: ignore[no-untyped-def]
    """The exact outcome per role: the page (200, or the stated code) or a refusal.
    (The matrix workspace's lake is empty, so /api/v1/measurements is a 400 "no dataset"
    for every signed-in role.)"""
    _ws, clients = matrix_env
    path = row["path"]
    for key, value in read_fixtures.items():
        path = path.replace("{" + key + "}", value)
    r = clients[role].get(path, follow_redirects=False)
    denied = r.status_code in (401, 403) or (
        r.status_code in (302, 303) and r.headers.get("location", "").startswith("/login"))
    expected = row[role]
    got = "deny" if denied else str(r.status_code)
    assert got == expected, f"{row['id']} as {role}: HTTP {r.status_code} {r.text[-300:]}"
