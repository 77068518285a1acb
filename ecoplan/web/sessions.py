"""Signing in: password checks with per-account lockout, the optional TOTP step, server-side
sessions, and the login audit (success, failure, lockout) in the audit log.

Lockout is per account, never per address (a county office shares one address): after
:attr:`WebContext.max_failures_user` consecutive failures the account is locked for
:data:`LOCK_BASE`, and each further failure doubles the lock (exponential back-off, at most
:data:`LOCK_MAX`); a successful sign-in resets the count. While locked, the password is not
even checked. Every attempt is kept in ``login_attempts`` and written to the audit log
(``login`` / ``login_failed`` / ``lockout`` / ``login_locked``), which admins see on /admin.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.store.models import User
from ecoplan.store.web_models import LoginAttempt, WebSession
from ecoplan.web import audit, totp
from ecoplan.web.security import (
    AuthError,
    dummy_hash,
    hash_token,
    new_session_token,
    same,
    verify_password,
)

LOCK_BASE = timedelta(minutes=1)
LOCK_MAX = timedelta(hours=24)
#: how long the second step (TOTP code) may take after the password was accepted
TOTP_CHALLENGE_SECONDS = 300
LOGIN_ACTIONS = ("login", "login_failed", "lockout", "login_locked", "logout")


class ThrottledError(AuthError):
    """The account is locked after too many failed sign-ins."""

    http_status = 429


class SecondFactorRequired(Exception):
    """The password was right and the account has TOTP: ask for the code (``challenge``)."""

    def __init__(self, challenge: str) -> None:
        super().__init__("totp")
        self.challenge = challenge


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def lock_duration(failures: int, threshold: int) -> timedelta:
    """Lock after ``threshold`` failures: 1 min, then 2, 4, 8 … minutes, at most 24 h."""
    if failures < threshold:
        return timedelta(0)
    return min(LOCK_BASE * (2 ** (failures - threshold)), LOCK_MAX)


def _locked_message(until: datetime) -> ThrottledError:
    minutes = max(1, int((until - datetime.now(UTC)).total_seconds() + 59) // 60)
    return ThrottledError(
        f"登录失败次数过多，该账号已锁定，请 {minutes} 分钟后再试。",
        f"Too many failed sign-ins; the account is locked, try again in {minutes} minutes.",
    )


def _failed(session: Session, ctx, user: User | None, username: str, ip: str,  # type: ignore[no-untyped-def]
            reason: str) -> None:
    """Count a failure on the account (locking it when the threshold is reached); audited."""
    now = datetime.now(UTC)
    session.add(LoginAttempt(username=username[:64], ip=ip, at=now, success=False))
    if user is None:
        audit.record(session, username[:64] or "?", "login_failed", "user", username[:64], None,
                     {"ip": ip, "reason": "unknown user"})
        return
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(session, user.username, "login_failed", "user", user.username, None,
                 {"ip": ip, "reason": reason, "failures": user.failed_logins})
    lock = lock_duration(user.failed_logins, ctx.max_failures_user)
    if lock:
        user.locked_until = now + lock
        audit.record(session, user.username, "lockout", "user", user.username, None,
                     {"ip": ip, "failures": user.failed_logins,
                      "until": user.locked_until, "minutes": int(lock.total_seconds() // 60)})


def authenticate(session: Session, ctx, username: str, password: str, ip: str) -> User:  # type: ignore[no-untyped-def]
    """Check a password against the account (refusing a locked account without checking).

    Raises :class:`SecondFactorRequired` when the account has TOTP enabled."""
    now = datetime.now(UTC)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    until = _aware(user.locked_until) if user is not None else None
    if user is not None and until is not None and until > now:
        verify_password(password, dummy_hash())  # the same time as a real check
        session.add(LoginAttempt(username=username[:64], ip=ip, at=now, success=False))
        audit.record(session, user.username, "login_locked", "user", user.username, None,
                     {"ip": ip, "until": until})
        raise _locked_message(until)
    if user is None:
        verify_password(password, dummy_hash())
        ok, new_hash = False, None
    else:
        ok, new_hash = verify_password(password, user.password_hash)
    if not ok or user is None:
        _failed(session, ctx, user, username, ip, "wrong password")
        raise AuthError("用户名或密码错误。", "Wrong user name or password.")
    if not user.active:
        session.add(LoginAttempt(username=username[:64], ip=ip, at=now, success=False))
        audit.record(session, user.username, "login_failed", "user", user.username, None,
                     {"ip": ip, "reason": "disabled"})
        raise AuthError("该账号已停用。", "This account is disabled.")
    if new_hash:
        user.password_hash = new_hash
    if user.totp_secret:
        raise SecondFactorRequired(totp_challenge(ctx, user))
    _succeeded(session, user, ip)
    return user


def _succeeded(session: Session, user: User, ip: str) -> None:
    session.add(LoginAttempt(username=user.username, ip=ip, at=datetime.now(UTC), success=True))
    user.failed_logins = 0
    user.locked_until = None


# ---------------------------------------------------------------- TOTP second step
def _challenge_mac(ctx, user_id: int, expires: int, password_hash: str) -> str:  # type: ignore[no-untyped-def]
    key = hashlib.sha256(("totp-challenge:" + ctx.csrf.secret).encode()).digest()
    msg = f"{user_id}.{expires}.{hashlib.sha256(password_hash.encode()).hexdigest()}"
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:32]


def totp_challenge(ctx, user: User) -> str:  # type: ignore[no-untyped-def]
    """A signed, short-lived proof that the password step succeeded (hidden form field)."""
    expires = int(time.time()) + TOTP_CHALLENGE_SECONDS
    return f"{user.id}.{expires}.{_challenge_mac(ctx, user.id, expires, user.password_hash)}"


def complete_totp(session: Session, ctx, challenge: str, code: str, ip: str) -> User:  # type: ignore[no-untyped-def]
    """Second step: the challenge must be valid and unexpired and the code right (and not
    used before); a wrong code counts as a failed sign-in of the account."""
    try:
        uid_s, exp_s, mac = challenge.split(".")
        uid, expires = int(uid_s), int(exp_s)
    except ValueError:
        raise AuthError("登录已过期，请重新登录。", "The sign-in expired; sign in again.") from None
    user = session.get(User, uid)
    if (user is None or expires < time.time() or not user.totp_secret
            or not same(mac, _challenge_mac(ctx, uid, expires, user.password_hash))):
        raise AuthError("登录已过期，请重新登录。", "The sign-in expired; sign in again.")
    now = datetime.now(UTC)
    until = _aware(user.locked_until)
    if until is not None and until > now:
        raise _locked_message(until)
    step = totp.verify(user.totp_secret, code, last_step=user.totp_last_step)
    if step is None:
        _failed(session, ctx, user, user.username, ip, "wrong one-time code")
        raise AuthError("动态口令错误。", "Wrong one-time code.")
    user.totp_last_step = step
    _succeeded(session, user, ip)
    return user


# ---------------------------------------------------------------- sessions
def start_session(session: Session, ctx, user: User, ip: str, user_agent: str) -> str:  # type: ignore[no-untyped-def]
    token = new_session_token()
    now = datetime.now(UTC)
    session.add(WebSession(token_hash=hash_token(token), user_id=user.id, created_at=now,
                           last_seen_at=now, expires_at=now + ctx.session_lifetime, ip=ip,
                           user_agent=user_agent[:256]))
    audit.record(session, user.username, "login", "session", None, None,
                 {"ip": ip, "second_factor": bool(user.totp_secret)})
    return token


def end_session(session: Session, session_id: int, actor: str) -> None:
    ws = session.get(WebSession, session_id)
    if ws is not None and ws.revoked_at is None:
        ws.revoked_at = datetime.now(UTC)
        audit.record(session, actor, "logout", "session", session_id, None, None)
