"""Users, departments and API tokens — the services behind the CLI and the admin pages.

Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError, ValidationError
from ecoplan.store.models import ApiToken, Department, Role, User
from ecoplan.store.web_models import WebSession
from ecoplan.web import audit
from ecoplan.web.security import (
    AuthError,
    check_password_policy,
    hash_password,
    hash_token,
    new_api_token,
)

ROLES = ("admin", "analyst", "department", "leader")


class NotFoundError(EcoplanError):
    """A user, department or token that does not exist."""


def user_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "department_id": user.department_id,
        "active": user.active,
    }


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFoundError(f"用户 {username} 不存在。", f"User {username} does not exist.")
    return user


def get_department(session: Session, code: str) -> Department:
    dept = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
    if dept is None:
        raise NotFoundError(f"部门 {code} 不存在。", f"Department {code} does not exist.")
    return dept


def create_department(session: Session, actor: str, code: str, name_zh: str,
                      name_en: str | None = None) -> Department:
    code = code.strip()
    if not code or not name_zh.strip():
        raise ValidationError("部门代码和中文名称不能为空。",
                              "Department code and Chinese name are required.")
    exists = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
    if exists is not None:
        raise ValidationError(f"部门代码 {code} 已存在。", f"Department code {code} already exists.")
    dept = Department(code=code, name_zh=name_zh.strip(), name_en=(name_en or "").strip() or None)
    session.add(dept)
    session.flush()
    audit.record(session, actor, "create", "department", dept.id, None,
                 {"code": dept.code, "name_zh": dept.name_zh, "name_en": dept.name_en})
    return dept


def list_departments(session: Session) -> list[Department]:
    return list(session.execute(select(Department).order_by(Department.code)).scalars())


def create_user(session: Session, actor: str, username: str, password: str, role: str,
                display_name: str | None = None, department: str | None = None) -> User:
    """Create an account; the department role needs a department (its code)."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationError("用户名不能为空、不能含空格、最长 64 字符。",
                              "User name must be non-empty, without spaces, at most 64 characters.",
                              )
    if role not in ROLES or session.get(Role, role) is None:
        raise ValidationError(f"角色 {role} 无效（可选：{'、'.join(ROLES)}）。",
                              f"Invalid role {role} (one of: {', '.join(ROLES)}).")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise ValidationError(f"用户名 {username} 已存在。", f"User name {username} already exists.")
    dept_id = None
    if role == "department":
        if not department:
            raise ValidationError("部门角色的用户必须指定所属部门。",
                                  "A user with the department role needs a department.")
    if department:
        dept_id = get_department(session, department).id
    check_password_policy(password, username)
    user = User(username=username, display_name=(display_name or username).strip(),
                password_hash=hash_password(password), role=role, department_id=dept_id,
                active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, None, user_dict(user))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def set_password(session: Session, actor: str, username: str, password: str) -> User:
    user = get_user(session, username)
    check_password_policy(password, username)
    user.password_hash = hash_password(password)
    _revoke_sessions(session, user.id)
    audit.record(session, actor, "set_password", "user", user.id, None, {"password": "(changed)"})
    return user


def set_active(session: Session, actor: str, username: str, active: bool) -> User:
    user = get_user(session, username)
    before = user_dict(user)
    user.active = active
    if not active:
        _revoke_sessions(session, user.id)
    audit.record(session, actor, "enable" if active else "disable", "user", user.id, before,
                 user_dict(user))
    return user


def unlock(session: Session, actor: str, username: str, *, clear_totp: bool = False) -> User:
    """End a lockout (and, for a lost authenticator, remove the TOTP key); audited."""
    user = get_user(session, username)
    user.failed_logins = 0
    user.locked_until = None
    if clear_totp:
        user.totp_secret = None
        user.totp_last_step = None
    audit.record(session, actor, "unlock", "user", user.id, None,
                 {"username": username, "totp_cleared": clear_totp})
    return user


def update_user(session: Session, actor: str, username: str, *, role: str | None = None,
                department: str | None = None, display_name: str | None = None) -> User:
    user = get_user(session, username)
    before = user_dict(user)
    if role is not None:
        if role not in ROLES:
            raise ValidationError(f"角色 {role} 无效。", f"Invalid role {role}.")
        user.role = role
    if department is not None:
        user.department_id = get_department(session, department).id if department else None
    if user.role == "department" and user.department_id is None:
        raise ValidationError("部门角色的用户必须指定所属部门。",
                              "A user with the department role needs a department.")
    if display_name:
        user.display_name = display_name
    audit.record(session, actor, "update", "user", user.id, before, user_dict(user))
    return user


def _revoke_sessions(session: Session, user_id: int) -> None:
    now = datetime.now(UTC)
    for s in session.execute(select(WebSession).where(WebSession.user_id == user_id,
                                                      WebSession.revoked_at.is_(None))).scalars():
        s.revoked_at = now


@dataclass
class NewToken:
    id: int
    name: str
    username: str
    token: str
    expires_at: datetime | None


def create_token(session: Session, actor: str, username: str, name: str,
                 days: int | None = 365) -> NewToken:
    """Create an API token; the clear text is returned once and only its hash is stored."""
    user = get_user(session, username)
    if not user.active:
        raise AuthError(f"用户 {username} 已停用。", f"User {username} is disabled.")
    token = new_api_token()
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    row = ApiToken(user_id=user.id, name=name.strip()[:64] or "token",
                   token_hash=hash_token(token), expires_at=expires)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "api_token", row.id, None,
                 {"user": username, "name": row.name, "expires_at": expires})
    return NewToken(row.id, row.name, username, token, expires)


def revoke_token(session: Session, actor: str, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"令牌 {token_id} 不存在。", f"Token {token_id} does not exist.")
    before = {"user_id": row.user_id, "name": row.name}
    session.delete(row)
    audit.record(session, actor, "revoke", "api_token", token_id, before, None)


def list_tokens(session: Session, username: str | None = None) -> list[tuple[ApiToken, str]]:
    q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username:
        q = q.where(User.username == username)
    return [(t, u) for t, u in session.execute(q.order_by(ApiToken.id)).all()]


# ---------------------------------------------------------------- demo accounts
DEMO_PASSWORD = "Demo-2026-eco"
DEMO_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("sthjj", "生态环境分局", "Jiaocheng Sub-bureau of Ecology and Environment"),
    ("fgj", "县发展和改革局", "Development and Reform Bureau"),
    ("zjj", "县住建局", "Housing and Urban-Rural Development Bureau"),
    ("slj", "县水利局", "Water Resources Bureau"),
    ("lyj", "县林业局", "Forestry Bureau"),
    ("zrzyj", "县自然资源局", "Natural Resources Bureau"),
    ("nyj", "县能源局", "Energy Bureau"),
    ("yjglj", "县应急管理局", "Emergency Management Bureau"),
    ("nyncj", "县农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("gxj", "县工信局", "Industry and Information Technology Bureau"),
    ("jtj", "县交通运输局", "Transport Bureau"),
)
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin", "系统管理员", "admin", None),
    ("analyst", "分局业务员", "analyst", "sthjj"),
    ("leader", "县领导", "leader", None),
    ("zjj", "住建局填报员", "department", "zjj"),
    ("slj", "水利局填报员", "department", "slj"),
    ("lyj", "林业局填报员", "department", "lyj"),
)


def ensure_demo_accounts(session: Session) -> list[dict[str, str]]:
    """Create the demo departments and users when missing (idempotent); returns the logins."""
    existing = {d.code for d in list_departments(session)}
    for code, zh, en in DEMO_DEPARTMENTS:
        if code not in existing:
            create_department(session, "demo", code, zh, en)
    logins = []
    for username, name, role, dept in DEMO_USERS:
        if session.execute(select(User).where(User.username == username)).scalar_one_or_none() is None:
            create_user(session, "demo", username, DEMO_PASSWORD, role, name, dept)
        logins.append({"username": username, "password": DEMO_PASSWORD, "role": role,
                       "department": dept or ""})
    return logins
