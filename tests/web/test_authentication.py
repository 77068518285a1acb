"""Issue 19, finding 3: authentication as 等保 2.0 level 3 asks — per-account lockout with
back-off, login audit visible to admins, CSRF bound to the session, TOTP (RFC 6238), the
real common-password list, the client address not taken from a spoofable header."""

from __future__ import annotations

import csv
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoplan.web import totp
from ecoplan.web.accounts import DEMO_PASSWORD
from ecoplan.web.passwords import check_password_policy, common_passwords
from tests.web.conftest import csrf_of, login

VECTORS = Path(__file__).resolve().parents[1] / "data" / "web" / "rfc6238_vectors.csv"
RFC_KEYS = {"sha1": b"12345678901234567890", "sha256": b"1234567890" * 3 + b"12",
            "sha512": b"1234567890" * 6 + b"1234"}
# RFC 4226 Appendix D: HOTP of the key "12345678901234567890", counters 0-9
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
           "399871", "520489"]


def _vectors() -> list[dict[str, str]]:
    with VECTORS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.mark.parametrize("row", _vectors(), ids=lambda r: f"{r['algorithm']}-{r['unix_time']}")
def test_totp_matches_rfc6238_appendix_b(row: dict[str, str]) -> None:
    key = RFC_KEYS[row["algorithm"]]
    assert totp.totp_at(key, int(row["unix_time"]), digits=8,
                        algorithm=row["algorithm"]) == row["totp"]


def test_hotp_matches_rfc4226_appendix_d() -> None:
    assert [totp.hotp(b"12345678901234567890", i) for i in range(10)] == RFC4226


def test_totp_verify_window_and_replay() -> None:
    secret = totp.new_secret()
    key = totp._key(secret)
    now = 1_800_000_000.0
    code = totp.totp_at(key, now)
    step = totp.verify(secret, code, now=now)
    assert step == int(now // 30)
    assert totp.verify(secret, code, now=now + 30) == step  # one step of drift
    assert totp.verify(secret, code, now=now + 120) is None
    assert totp.verify(secret, code, now=now, last_step=step) is None  # used once only
    assert totp.verify(secret, "12345", now=now) is None


def test_common_password_list_is_the_real_top_10000() -> None:
    words = common_passwords()
    assert len(words) >= 10_000 and {"123456", "password", "qwerty", "dragon"} <= words
    for weak in ("Password123!", "Qwerty123456", "P@ssw0rd-2026", "Iloveyou2026!"):
        with pytest.raises(Exception, match="common password"):
            check_password_policy(weak, "bob")
    check_password_policy(DEMO_PASSWORD, "admin")  # the demo accounts keep working


def _user(ws, name):  # type: ignore[no-untyped-def]
    from ecoplan.store.models import User

    with ws.session() as s:
        u = s.execute(select(User).where(User.username == name)).scalar_one()
        s.expunge(u)
        return u


def test_lockout_is_per_account_with_exponential_backoff(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.store.models import User

    c = TestClient(app)
    tok = csrf_of(c)
    for _ in range(5):
        r = c.post("/login", data={"username": "lyj", "password": "wrong", "csrf_token": tok})
        assert r.status_code == 401
    first = _user(web_ws, "lyj")
    assert first.failed_logins == 5
    lock1 = first.locked_until.replace(tzinfo=first.locked_until.tzinfo or UTC) - datetime.now(UTC)
    assert timedelta(seconds=30) < lock1 <= timedelta(minutes=1)
    r = c.post("/login", data={"username": "lyj", "password": DEMO_PASSWORD, "csrf_token": tok})
    assert r.status_code == 429  # locked: even the right password is refused
    # 25 failures of other accounts from the same address do not block anybody else
    for i in range(25):
        c.post("/login", data={"username": f"ghost{i}", "password": "x", "csrf_token": tok})
    login(TestClient(app), "slj")
    # the lock expires; the next failure doubles it
    with web_ws.session() as s:
        s.execute(select(User).where(User.username == "lyj")).scalar_one().locked_until = (
            datetime.now(UTC) - timedelta(seconds=1))
    r = c.post("/login", data={"username": "lyj", "password": "wrong", "csrf_token": tok})
    assert r.status_code == 401
    second = _user(web_ws, "lyj")
    lock2 = second.locked_until.replace(tzinfo=second.locked_until.tzinfo or UTC) - datetime.now(UTC)
    assert timedelta(seconds=90) < lock2 <= timedelta(minutes=2)
    # the admin sees the failures and the lockout
    admin = login(TestClient(app), "admin")
    page = admin.get("/admin").text
    section = page[page.index('id="login-audit"'):page.index('id="audit-table"')]
    assert "账号锁定" in section and "登录失败" in section and "登录成功" in section
    assert section.count("login-lockout") >= 2


def test_client_address_is_not_taken_from_x_forwarded_for(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.store.web_models import LoginAttempt

    c = TestClient(app)
    c.post("/login", data={"username": "lyj", "password": "wrong", "csrf_token": csrf_of(c)},
           headers={"X-Forwarded-For": "203.0.113.9"})
    with web_ws.session() as s:
        ips = {a.ip for a in s.execute(select(LoginAttempt)).scalars()}
    assert "203.0.113.9" not in ips


def test_csrf_token_is_bound_to_the_session(app) -> None:  # type: ignore[no-untyped-def]
    a = login(TestClient(app), "admin")
    b = login(TestClient(app), "admin")
    # B's own token works; A's token (valid signature, other session) does not
    ok = b.post("/account/tokens", data={"name": "mine"}, follow_redirects=False)
    assert ok.status_code == 200
    b.cookies.set("ecoplan_csrf", a.cookies.get("ecoplan_csrf"))
    r = b.post("/account/tokens", data={"name": "x"},
               headers={"X-CSRF-Token": a.cookies.get("ecoplan_csrf")})
    assert r.status_code == 403
    # the token from before sign-in stops working at sign-in
    c = TestClient(app)
    before = csrf_of(c)
    login(c, "analyst")
    assert c.cookies.get("ecoplan_csrf") != before
    r = c.post("/account/tokens", data={"name": "x"}, headers={"X-CSRF-Token": before})
    assert r.status_code == 403


def test_totp_second_factor_for_an_admin(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    admin = login(TestClient(app), "admin")
    page = admin.post("/account/totp/setup").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    sig = re.search(r'name="sig" value="([0-9a-f]+)"', page).group(1)
    bad = admin.post("/account/totp/enable", data={"secret": secret, "sig": "0" * 32,
                                                   "code": "000000"})
    assert bad.status_code == 403
    code = totp.totp_at(totp._key(secret), time.time())
    r = admin.post("/account/totp/enable", data={"secret": secret, "sig": sig, "code": code},
                   follow_redirects=False)
    assert r.status_code == 303
    assert _user(web_ws, "admin").totp_secret == secret
    # signing in now takes a second step
    c = TestClient(app)
    r = c.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                               "csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 200 and 'id="totp-form"' in r.text
    assert "ecoplan_session" not in c.cookies
    challenge = re.search(r'name="challenge" value="([^"]+)"', r.text).group(1)
    r = c.post("/login/totp", data={"challenge": challenge, "code": "000000",
                                    "csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 401 and "ecoplan_session" not in c.cookies
    r = c.post("/login/totp", data={"challenge": challenge + "x", "code": code,
                                    "csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 401
    # the code used to enable is spent; wait for the next step's code
    now = time.time()
    later = totp.totp_at(totp._key(secret), now + 30)
    from ecoplan.store.models import User

    with web_ws.session() as s:  # pretend the enabling code was one step earlier
        s.execute(select(User).where(User.username == "admin")).scalar_one().totp_last_step = \
            int(now // 30)
    r = c.post("/login/totp", data={"challenge": challenge, "code": later,
                                    "csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 303 and "ecoplan_session" in c.cookies
    # the same code again (replay) is refused
    d = TestClient(app)
    r = d.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                               "csrf_token": csrf_of(d)})
    ch2 = re.search(r'name="challenge" value="([^"]+)"', r.text).group(1)
    r = d.post("/login/totp", data={"challenge": ch2, "code": later, "csrf_token": csrf_of(d)},
               follow_redirects=False)
    assert r.status_code == 401


def test_unlock_command(web_ws, capsys) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.cli import main
    from ecoplan.store.models import User

    with web_ws.session() as s:
        u = s.execute(select(User).where(User.username == "lyj")).scalar_one()
        u.failed_logins, u.locked_until, u.totp_secret = 9, datetime.now(UTC) + timedelta(hours=1), "JBSWY3DPEHPK3PXP"
    assert main(["users", "unlock", "lyj", "--totp"]) == 0
    after = _user(web_ws, "lyj")
    assert (after.failed_logins, after.locked_until, after.totp_secret) == (0, None, None)
