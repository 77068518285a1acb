"""Sign-in, sessions, throttling, CSRF, API tokens, language switch, security headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoplan.store.models import ApiToken, AuditEntry
from ecoplan.store.web_models import WebSession
from ecoplan.web.accounts import DEMO_PASSWORD
from tests.web.conftest import csrf_of, login


def test_pages_need_login_and_public_does_not(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/"
    assert c.get("/api/v1/indicators").status_code == 401
    r = c.get("/public")
    assert r.status_code == 200 and "信息公开" in r.text
    assert "登录" in r.text  # Chinese by default


def test_login_sets_a_secure_session_cookie_and_logout_revokes_it(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                               "csrf_token": csrf_of(c), "next": "/admin"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    cookie = r.headers["set-cookie"]
    assert "ecoplan_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    with web_ws.session() as s:
        stored = s.execute(select(WebSession)).scalars().one()
        raw = c.cookies.get("ecoplan_session")
        assert stored.token_hash != raw and len(stored.token_hash) == 64
    assert c.get("/").status_code == 200
    c.post("/logout", data={"csrf_token": csrf_of(c)})
    c.cookies.set("ecoplan_session", raw)
    assert c.get("/", follow_redirects=False).status_code == 303
    with web_ws.session() as s:
        actions = [e.action for e in s.execute(select(AuditEntry)).scalars()]
    assert "login" in actions and "logout" in actions


def test_cookie_is_secure_over_https(web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.web.app import create_app

    c = TestClient(create_app(web_ws.settings), base_url="https://testserver")
    r = c.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                               "csrf_token": csrf_of(c)}, follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_wrong_password_then_throttled(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    tok = csrf_of(c)
    for _ in range(5):
        r = c.post("/login", data={"username": "leader", "password": "nope", "csrf_token": tok})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = c.post("/login", data={"username": "leader", "password": DEMO_PASSWORD, "csrf_token": tok})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    # another account from the same address is not locked by these five failures
    login(c, "analyst")


def test_unknown_user_gets_the_same_answer(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.post("/login", data={"username": "ghost", "password": "x", "csrf_token": csrf_of(c)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_csrf_is_required_for_forms_and_cookie_api_calls(client_for) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(client_for("admin").app)
    r = c.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    admin = client_for("admin")
    del admin.headers["X-CSRF-Token"]
    r = admin.post("/admin/departments", data={"code": "x1", "name_zh": "测试"})
    assert r.status_code == 403
    r = admin.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024,
                                                       "value": 0})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = admin.post("/admin/departments", data={"code": "x1", "name_zh": "测试",
                                               "csrf_token": "forged.token"})
    assert r.status_code == 403
    admin.headers["X-CSRF-Token"] = csrf_of(admin)
    r = admin.post("/admin/departments", data={"code": "x1", "name_zh": "测试"},
                   follow_redirects=False)
    assert r.status_code == 303


def test_disabled_user_cannot_sign_in_and_loses_sessions(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    lyj = client_for("lyj")
    assert lyj.get("/").status_code == 200
    from ecoplan.web import accounts

    with web_ws.session() as s:
        accounts.set_active(s, "test", "lyj", False)
    assert lyj.get("/", follow_redirects=False).status_code == 303
    c = TestClient(lyj.app)
    r = c.post("/login", data={"username": "lyj", "password": DEMO_PASSWORD,
                               "csrf_token": csrf_of(c)})
    assert r.status_code == 401 and "停用" in r.text


def test_api_token_auth(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.web import accounts

    with web_ws.session() as s:
        new = accounts.create_token(s, "test", "leader", "pytest")
        expired = accounts.create_token(s, "test", "leader", "old")
    with web_ws.session() as s:
        stored = s.execute(select(ApiToken).where(ApiToken.id == new.id)).scalar_one()
        assert new.token not in stored.token_hash
        s.get(ApiToken, expired.id).expires_at = datetime.now(UTC) - timedelta(days=1)
    c = TestClient(app)
    ok = c.get("/api/v1/me", headers={"Authorization": f"Bearer {new.token}"})
    assert ok.status_code == 200 and ok.json()["role"] == "leader"
    for bad in ("ecp_nope", expired.token):
        r = c.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401
    # token clients need no CSRF token (they send no cookies); leader still may not write
    r = c.post("/api/v1/progress/indicator", headers={"Authorization": f"Bearer {new.token}"},
               json={"indicator_key": "6", "year": 2024, "value": 0})
    assert r.status_code == 403


def test_language_switch_and_security_headers(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.get("/public?lang=en")
    assert "Public information" in r.text and "ecoplan_lang=en" in r.headers["set-cookie"]
    assert "Public information" in c.get("/public").text  # remembered
    assert "信息公开" in c.get("/public?lang=zh").text
    h = r.headers
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in h["content-security-policy"]


@pytest.mark.parametrize("path", ["/static/vendor/echarts/echarts.min.js",
                                  "/static/vendor/htmx/htmx.min.js",
                                  "/static/vendor/echarts/LICENSE"])
def test_vendored_assets_are_served(app, path: str) -> None:  # type: ignore[no-untyped-def]
    r = TestClient(app).get(path)
    assert r.status_code == 200 and len(r.content) > 1000


def test_password_change_enforces_policy(client_for) -> None:  # type: ignore[no-untyped-def]
    c = client_for("leader")
    r = c.post("/account/password", data={"current": DEMO_PASSWORD, "new": "short",
                                          "confirm": "short"})
    assert r.status_code == 400 and "密码不符合要求" in r.text
    r = c.post("/account/password", data={"current": DEMO_PASSWORD, "new": "Chief-2026-new!",
                                          "confirm": "Chief-2026-new!"}, follow_redirects=False)
    assert r.status_code == 303
    login(TestClient(c.app), "leader", "Chief-2026-new!")
