"""Signing in: throttled password checks and server-side sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoplan.store import audit
from ecoplan.store.models import User
from ecoplan.store.web_models import LoginAttempt, WebSession
from ecoplan.web.security import (
    AuthError,
    dummy_hash,
    hash_token,
    new_session_token,
    verify_password,
)


class ThrottledError(AuthError):
    """Too many failed sign-ins for this user name or address."""

    http_status = 429


def _failures(session: Session, since: datetime, **where: str) -> int:
    q = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since,
                                                             LoginAttempt.success.is_(False))
    for col, value in where.items():
        q = q.where(getattr(LoginAttempt, col) == value)
    return int(session.execute(q).scalar_one())


def authenticate(session: Session, ctx, username: str, password: str, ip: str) -> User:  # type: ignore[no-untyped-def]
    """Check a password, refusing when the user name or the address has too many recent
    failures (the attempt is recorded either way)."""
    now = datetime.now(UTC)
    since = now - ctx.throttle_window
    minutes = int(ctx.throttle_window.total_seconds() // 60)
    if (_failures(session, since, username=username) >= ctx.max_failures_user
            or _failures(session, since, ip=ip) >= ctx.max_failures_ip):
        session.add(LoginAttempt(username=username[:64], ip=ip, at=now, success=False))
        raise ThrottledError(
            f"登录失败次数过多，请 {minutes} 分钟后再试。",
            f"Too many failed sign-ins; try again in {minutes} minutes.",
        )
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        verify_password(password, dummy_hash())
        ok, new_hash = False, None
    else:
        ok, new_hash = verify_password(password, user.password_hash)
    session.add(LoginAttempt(username=username[:64], ip=ip, at=now, success=bool(ok and user
                                                                                   and user.active)))
    if not ok or user is None:
        raise AuthError("用户名或密码错误。", "Wrong user name or password.")
    if not user.active:
        raise AuthError("该账号已停用。", "This account is disabled.")
    if new_hash:
        user.password_hash = new_hash
    return user


def start_session(session: Session, ctx, user: User, ip: str, user_agent: str) -> str:  # type: ignore[no-untyped-def]
    token = new_session_token()
    now = datetime.now(UTC)
    session.add(WebSession(token_hash=hash_token(token), user_id=user.id, created_at=now,
                           last_seen_at=now, expires_at=now + ctx.session_lifetime, ip=ip,
                           user_agent=user_agent[:256]))
    audit.record(session, user.username, "login", "session", None, None, {"ip": ip})
    return token


def end_session(session: Session, session_id: int, actor: str) -> None:
    ws = session.get(WebSession, session_id)
    if ws is not None and ws.revoked_at is None:
        ws.revoked_at = datetime.now(UTC)
        audit.record(session, actor, "logout", "session", session_id, None, None)
