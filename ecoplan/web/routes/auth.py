"""Sign in / sign out, own password and own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ecoplan.errors import EcoplanError
from ecoplan.web import accounts, render
from ecoplan.web.deps import SESSION_COOKIE, DbDep, LoggedIn, UserDep, ctx_of
from ecoplan.web.inputs import RowId
from ecoplan.web.sessions import authenticate, end_session, start_session

router = APIRouter(include_in_schema=False)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(nxt: str | None) -> str:
    if not nxt or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        return "/"
    return nxt


@router.get("/login")
def login_form(request: Request, user: UserDep, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render.page(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(request: Request, db: DbDep, username: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    ctx = ctx_of(request)
    try:
        user = authenticate(db, ctx, username.strip(), password, _client_ip(request))
    except EcoplanError as exc:
        db.commit()  # keep the failed attempt for throttling
        lang = getattr(request.state, "lang", "zh")
        return render.page(request, "login.html", status_code=getattr(exc, "http_status", 401),
                           next=_safe_next(next), error=exc.message(lang))
    token = start_session(db, ctx, user, _client_ip(request),
                          request.headers.get("user-agent", ""))
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                    secure=ctx.secure_cookie(request), path="/",
                    max_age=int(ctx.session_lifetime.total_seconds()))
    return resp


@router.post("/logout")
def logout(request: Request, db: DbDep, user: UserDep) -> Response:
    if user is not None and user.session_id is not None:
        end_session(db, user.session_id, user.username)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/account")
def account(request: Request, db: DbDep, user: LoggedIn) -> Response:
    tokens = accounts.list_tokens(db, user.username)
    return render.page(request, "account.html", tokens=tokens, message=None, new_token=None)


@router.post("/account/password")
def change_password(request: Request, db: DbDep, user: LoggedIn,
                    current: Annotated[str, Form()], new: Annotated[str, Form()],
                    confirm: Annotated[str, Form()]) -> Response:
    from ecoplan.web.security import verify_password

    lang = getattr(request.state, "lang", "zh")
    row = accounts.get_user(db, user.username)
    message: str
    if not verify_password(current, row.password_hash)[0]:
        message = "当前密码错误。" if lang == "zh" else "The current password is wrong."
    elif new != confirm:
        message = "两次输入的新密码不一致。" if lang == "zh" else "The new passwords differ."
    else:
        try:
            accounts.set_password(db, user.username, user.username, new)
            db.commit()
            resp = RedirectResponse("/login", status_code=303)
            resp.delete_cookie(SESSION_COOKIE, path="/")
            return resp
        except EcoplanError as exc:
            message = exc.message(lang)
    return render.page(request, "account.html", status_code=400,
                       tokens=accounts.list_tokens(db, user.username), message=message,
                       new_token=None)


@router.post("/account/tokens")
def create_own_token(request: Request, db: DbDep, user: LoggedIn,
                     name: Annotated[str, Form()]) -> Response:
    new = accounts.create_token(db, user.username, user.username, name)
    db.flush()
    return render.page(request, "account.html", tokens=accounts.list_tokens(db, user.username),
                       message=None, new_token=new.token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, db: DbDep, user: LoggedIn, token_id: RowId) -> Response:
    mine = {t.id for t, _ in accounts.list_tokens(db, user.username)}
    if token_id not in mine and not user.can("users.manage"):
        from ecoplan.web.deps import Forbidden

        raise Forbidden("tokens.own")
    accounts.revoke_token(db, user.username, token_id)
    return RedirectResponse("/account", status_code=303)
