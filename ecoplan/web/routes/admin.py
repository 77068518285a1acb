"""Administration: users, roles, departments, API tokens and the audit log."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ecoplan.assess.owners import assign
from ecoplan.store import audit
from ecoplan.store.models import Role
from ecoplan.web import accounts, flash, render, views
from ecoplan.web.deps import DbDep, ctx_of, require
from ecoplan.web.inputs import PageNo, RowId
from ecoplan.web.sessions import LOGIN_ACTIONS

router = APIRouter(include_in_schema=False)
AuditReader = require("read.audit")
UserAdmin = require("users.manage")
DeptAdmin = require("departments.manage")


@router.get("/admin")
def admin(request: Request, db: DbDep, user=AuditReader, page: PageNo = 1,  # type: ignore[no-untyped-def]
          actor: str | None = None, entity: str | None = None) -> Response:
    size = 50
    total, entries = audit.entries(db, limit=size, offset=(max(page, 1) - 1) * size,
                                   actor=actor or None, entity=entity or None)
    login_total, logins = audit.entries(db, limit=50, actions=LOGIN_ACTIONS)
    depts = accounts.list_departments(db)
    return render.page(
        request, "admin.html", users=accounts.list_users(db), departments=depts,
        dept_by_id={d.id: d for d in depts}, roles=db.query(Role).all(), entries=entries,
        page=max(page, 1), pages=max(1, math.ceil(total / size)), total=total,
        tokens=accounts.list_tokens(db), logins=logins, login_total=login_total, actor=actor or "", entity=entity or "", message=flash.read(request),
    )


def _back(request: Request, message: str) -> Response:
    return flash.redirect(request, "/admin", message)


@router.post("/admin/users")
def add_user(request: Request, db: DbDep, username: Annotated[str, Form()],
             password: Annotated[str, Form()], role: Annotated[str, Form()],
             display_name: Annotated[str, Form()] = "", department: Annotated[str, Form()] = "",
             user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.create_user(db, user.username, username, password, role, display_name or None,
                         department or None)
    return _back(request, "user-created")


@router.post("/admin/users/{username}/disable")
def disable_user(request: Request, db: DbDep, username: str, user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.set_active(db, user.username, username, False)
    return _back(request, "user-disabled")


@router.post("/admin/users/{username}/enable")
def enable_user(request: Request, db: DbDep, username: str, user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.set_active(db, user.username, username, True)
    return _back(request, "user-enabled")


@router.post("/admin/users/{username}/password")
def reset_password(request: Request, db: DbDep, username: str, password: Annotated[str, Form()],
                   user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.set_password(db, user.username, username, password)
    return _back(request, "password-set")


@router.post("/admin/users/{username}/role")
def change_role(request: Request, db: DbDep, username: str, role: Annotated[str, Form()],
                department: Annotated[str, Form()] = "", user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.update_user(db, user.username, username, role=role,
                         department=department if department else None)
    return _back(request, "user-updated")


@router.post("/admin/departments")
def add_department(request: Request, db: DbDep, code: Annotated[str, Form()], name_zh: Annotated[str, Form()],
                   name_en: Annotated[str, Form()] = "", user=DeptAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.create_department(db, user.username, code, name_zh, name_en or None)
    return _back(request, "department-created")


@router.post("/admin/owners")
def assign_owner(request: Request, db: DbDep, kind: Annotated[str, Form()],  # type: ignore[no-untyped-def]
                 subject: Annotated[str, Form()], departments: Annotated[list[str], Form()],
                 user=DeptAdmin) -> Response:
    """Set the departments responsible for a project, task or indicator (as ``ecoplan
    departments assign``); kept on later plan loads, written to the audit log."""

    ctx = ctx_of(request)
    assign(db, views.current_plan(ctx, db), kind, subject.strip(), departments,
           actor=user.username)
    ctx.invalidate()
    return _back(request, "owners-assigned")


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, db: DbDep, token_id: RowId, user=UserAdmin) -> Response:  # type: ignore[no-untyped-def]
    accounts.revoke_token(db, user.username, token_id)
    return _back(request, "token-revoked")
