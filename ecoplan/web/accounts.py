"""Users, departments and API tokens — the services behind the CLI and the admin pages.

Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.assess.owners import COUNTY_OFFICES
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
#: the county offices, shared with the departments ``plan load`` creates from the plan
DEMO_DEPARTMENTS: tuple[tuple[str, str, str], ...] = COUNTY_OFFICES
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


# ---------------------------------------------------------------- one identity, CLI and web
@dataclass
class Identity:
    """Who acts, as recorded in workflow events: the account's user name when the workspace
    has accounts (whatever the CLI was given: user name or display name), its department."""

    username: str
    display_name: str | None
    department: str | None


def resolve_identity(session: Session, name: str | None) -> Identity:
    """Map a name given on the command line (``--user`` / ``ECOPLAN_USER``, ``--reporter``,
    ``--actor``) to the account the web uses, so that CLI and web record the same person.

    The name may be the user name (``zhangsan``) or the display name (``张三``). A workspace
    without accounts (CLI only) records the name as given; a workspace with accounts refuses a
    name that is no account's."""
    raw = (name or "").strip()
    if not raw:
        raise ValidationError("请用 --user 或环境变量 ECOPLAN_USER 指明操作人。",
                              "Name who acts with --user or ECOPLAN_USER.")
    users = list_users(session)
    if not users:
        return Identity(raw, None, None)
    match = [u for u in users if u.username == raw] or \
        [u for u in users if u.display_name == raw]
    if len(match) != 1:
        zh = "对应多个账号" if match else "不是本工作区的账号"
        en = "matches several accounts" if match else "is not an account of this workspace"
        raise ValidationError(
            f"“{raw}”{zh}；请用网页登录名（ecoplan users list 可查看），使命令行和网页记录同一人。",
            f"“{raw}” {en}; use the web login name (see ecoplan users list) so that the command "
            "line and the web record the same person.")
    user = match[0]
    if not user.active:
        raise AuthError(f"用户 {user.username} 已停用。", f"User {user.username} is disabled.")
    dept = session.get(Department, user.department_id) if user.department_id else None
    return Identity(user.username, user.display_name, dept.name_zh if dept else None)
