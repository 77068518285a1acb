"""Request context: the database session, the signed-in principal, roles, CSRF, language.

Dependencies are exposed as ``Annotated`` aliases (as in the FastAPI template):
``DbDep``, ``UserDep`` (principal or None), ``LoggedIn`` (must be signed in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.store.db import transaction
from ecoplan.store.models import ApiToken, Department, User
from ecoplan.store.web_models import WebSession
from ecoplan.web.context import WebContext
from ecoplan.web.permissions import allowed
from ecoplan.web.security import hash_token

SESSION_COOKIE = "ecoplan_session"
CSRF_COOKIE = "ecoplan_csrf"
LANG_COOKIE = "ecoplan_lang"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """Raised when a page or endpoint needs a signed-in user (→ 401 or a redirect to /login)."""


class Forbidden(Exception):
    """The signed-in user's role does not allow this action (→ 403)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class CsrfFailed(Exception):
    """An unsafe request without a matching CSRF token (→ 403)."""


@dataclass(frozen=True)
class Principal:
    """Who is making the request."""

    id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    department_code: str | None
    department_name: str | None
    via: str  # "session" | "token"
    session_id: int | None = None

    def can(self, action: str) -> bool:
        return allowed(self.role, action)


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """A session per request: committed when the endpoint returns, rolled back on error."""
    with transaction(ctx_of(request).sessionmaker) as session:
        yield session
    ctx_of(request).after_commit()  # committed: e.g. recompute the overview in the background


DbDep = Annotated[Session, Depends(get_db, scope="function")]


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _principal(session: Session, user: User, via: str, session_id: int | None) -> Principal:
    dept = session.get(Department, user.department_id) if user.department_id else None
    return Principal(user.id, user.username, user.display_name, user.role, user.department_id,
                     dept.code if dept else None, dept.name_zh if dept else None, via, session_id)


def resolve_principal(request: Request, session: Session) -> Principal | None:
    """Bearer API token first (no cookies then), else the session cookie."""
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    principal: Principal | None = None
    now = datetime.now(UTC)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        request.state.via_token = True
        token = auth[7:].strip()
        row = session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_token(token))
        ).first()
        if row is not None:
            tok, user = row
            exp = _aware(tok.expires_at)
            if user.active and (exp is None or exp > now):
                principal = _principal(session, user, "token", None)
        if principal is None:
            request.state.principal = None
            raise LoginRequired()
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            ctx = ctx_of(request)
            row = session.execute(
                select(WebSession, User).join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == hash_token(cookie))
            ).first()
            if row is not None:
                ws, user = row
                idle_ok = _aware(ws.last_seen_at) + ctx.session_idle > now  # type: ignore[operator]
                if (user.active and ws.revoked_at is None and _aware(ws.expires_at) > now  # type: ignore[operator]
                        and idle_ok):
                    principal = _principal(session, user, "session", ws.id)
                    if now - _aware(ws.last_seen_at) > timedelta(minutes=1):  # type: ignore[operator]
                        ws.last_seen_at = now
    request.state.principal = principal
    return principal


def optional_user(request: Request, db: DbDep) -> Principal | None:
    return resolve_principal(request, db)


UserDep = Annotated[Principal | None, Depends(optional_user)]


def logged_in(user: UserDep) -> Principal:
    if user is None:
        raise LoginRequired()
    return user


LoggedIn = Annotated[Principal, Depends(logged_in)]


def require(action: str) -> Any:
    """Dependency: the signed-in user's role must allow ``action`` (see permissions.py)."""

    def _check(user: LoggedIn) -> Principal:
        if not user.can(action):
            raise Forbidden(action)
        return user

    return Depends(_check)


async def csrf_guard(request: Request) -> None:
    """Double-submit check on every unsafe request that a browser could send with cookies."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # token clients send no cookies; CSRF does not apply
    if request.scope.get("state", {}).get("csrf_checked"):
        return  # multipart bodies: checked from the headers before the body was read
    submitted = request.headers.get("x-csrf-token")
    if not submitted:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            submitted = value if isinstance(value, str) else None
    if not ctx_of(request).csrf.matches(request.cookies.get(CSRF_COOKIE), submitted,
                                        request.cookies.get(SESSION_COOKIE, "")):
        raise CsrfFailed()


def lang_of(request: Request) -> str:
    return getattr(request.state, "lang", "zh")


def translator(request: Request) -> Callable[[str, str], str]:
    """``t(zh, en)`` in the request's language (the pages' and messages' one helper)."""
    lang = lang_of(request)
    return lambda zh, en: zh if lang == "zh" else en
