"""Issue 19, deliverable 1 (property-based): generated values sent to every write route — the
API's JSON models and the HTML forms — never give a 500, and after each accepted submission
(approved at once, so it reaches the public pages) every page and API endpoint still answers
200. Bounded: a few examples per route (hypothesis), marked slow.

Routes are taken from the write matrix (tests/data/web/authz_matrix.csv), so a new write route
is fuzzed as soon as it is in the matrix.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.web.test_authz_matrix import (  # noqa: F401 - fixture
    CASE_PLACEHOLDERS,
    ROWS,
    _no_response,
    _prepare,
    matrix_env,
)

pytestmark = pytest.mark.slow

NASTY = ["1e400", "-1e400", "inf", "-Infinity", "nan", "NaN", "1e-400", "-0", "9" * 40, "1e20",
         "2999-01-01", "0001-01-01", "2024-02-30", "", " ", "\x00", "<script>alert(1)</script>",
         "'; DROP TABLE users; --", "字" * 2001, "../../etc/passwd", "%PDF-", "0x1F", "١٢٣"]
wild_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
wild_scalar = st.one_of(wild_text, st.integers(min_value=-10**22, max_value=10**22),
                        st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans())
PAGES = ["/", "/air", "/water", "/projects", "/entry", "/data", "/reports", "/admin",
         "/devices", "/sources", "/emergency", "/account", "/public", "/public/air",
         "/public/water", "/public/progress", "/api/v1/indicators", "/api/v1/assessments",
         "/api/v1/projects", "/api/v1/tasks", "/api/v1/progress/indicator",
         "/api/v1/progress/project", "/api/v1/progress/task", "/api/v1/reports",
         "/api/v1/devices", "/cases", "/complaints", "/credit", "/public/complaint"]
SUBMIT = {"/api/v1/progress/indicator": "indicator", "/api/v1/progress/project": "project",
          "/api/v1/progress/task": "task", "/entry/indicator": "indicator",
          "/entry/project": "project", "/entry/task": "task"}
# report generation is a real Word build: its fields are fuzzed but the valid year is avoided
SKIP_VALID = {"api-generate-report", "form-generate-report"}
FUZZED = [r for r in ROWS if r["method"] == "POST" and r["body_kind"] in ("json", "form")]


def _fields(row: dict[str, str]) -> dict[str, Any]:
    return json.loads(row["body"].replace("{uniq}", "1").replace("{demo}", "x")) if row[
        "body"] else {}


def _bodies(row: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Start from the matrix's valid body and replace some fields with wild values."""
    base = _fields(row) or {"reason": "ok", "note": "ok"}
    keys = sorted(base) + ["note"]

    def mutate(picks: dict[str, Any]) -> dict[str, Any]:
        body = dict(base)
        body.update(picks)
        if row["id"] in SKIP_VALID and str(body.get("year")) in ("2025", "2024"):
            body["year"] = "1e400"
        return body

    return st.dictionaries(st.sampled_from(keys), wild_scalar, max_size=len(keys)).map(mutate)


def _approve(clients: dict, kind: str, rid: int) -> None:  # type: ignore[type-arg]
    a = clients["analyst"].post(f"/api/v1/progress/{kind}/{rid}/review", json={})
    assert a.status_code < 500, a.text[-300:]
    b = clients["admin"].post(f"/api/v1/progress/{kind}/{rid}/approve", json={})
    assert b.status_code < 500, b.text[-300:]


def _all_pages_ok(clients: dict, after: str) -> None:  # type: ignore[type-arg]
    for path in PAGES:
        r = clients["admin"].get(path, follow_redirects=False)
        assert r.status_code == 200, (after, path, r.status_code, r.text[-300:])
    for path in ("/public", "/public/progress"):
        assert clients["anonymous"].get(path).status_code == 200


def _as_form(body: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in body.items()}


@pytest.mark.parametrize("row", FUZZED, ids=[r["id"] for r in FUZZED])
def test_generated_values_never_break_the_platform(matrix_env, row: dict[str, str]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    ws, clients = matrix_env
    role = "admin" if row["admin"] == "allow" else "analyst"
    if row["id"].startswith("own-change-password"):
        pytest.skip("changes the signed-in user's password (covered by the matrix)")
    path = row["path"]
    for ph in ("submitted", "reviewed", "quarantine", "token", "command", "response", "alert",
               *CASE_PLACEHOLDERS, "bulletin"):
        if "{" + ph + "}" in path:
            path = path.replace("{" + ph + "}", _prepare(ws, ph))

    accepted = []

    @settings(max_examples=8, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=_bodies(row))
    def run(body: dict[str, Any]) -> None:
        c = clients[role]
        if row["id"] == "form-emergency-issue":
            _no_response(ws)  # a new warning needs none in force
        if row["body_kind"] == "json":
            try:
                payload = json.dumps(body)
            except ValueError:
                return
            r = c.post(path, content=payload, headers={"content-type": "application/json"},
                       follow_redirects=False)
        else:
            r = c.post(path, data=_as_form(body), follow_redirects=False)
        assert r.status_code < 500, (row["id"], body, r.status_code, r.text[-500:])
        if r.status_code in (200, 201, 303):
            accepted.append(body)
        if r.status_code in (200, 201, 303) and path in SUBMIT:
            if row["body_kind"] == "json":
                rid = r.json()["id"]
            else:
                loc = r.headers["location"]
                rid = int(loc.split("id=")[1].split("&")[0])
            _approve(clients, SUBMIT[path], rid)
            _all_pages_ok(clients, f"{row['id']} {body}")

    if row["id"] not in SKIP_VALID:  # the valid body too, so each route accepts one
        run = example(body=_fields(row) or {"reason": "ok"})(run)
    run()
    _all_pages_ok(clients, row["id"])
    if row["id"] not in SKIP_VALID and row[role] == "allow":
        assert accepted, f"{row['id']}: no generated or example body was accepted"
