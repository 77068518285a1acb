"""Sign in / sign out, own password and own API tokens."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ecoplan.errors import EcoplanError
from ecoplan.store import audit
from ecoplan.store.models import User
from ecoplan.web import accounts, flash, render, totp
from ecoplan.web.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    DbDep,
    Forbidden,
    LoggedIn,
    UserDep,
    ctx_of,
)
from ecoplan.web.inputs import RowId
from ecoplan.web.security import same, verify_password
from ecoplan.web.sessions import (
    SecondFactorRequired,
    authenticate,
    complete_totp,
    end_session,
    start_session,
)

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
def login(request: Request, db: DbDep, username: Annotated[str, Form(max_length=256)],
          password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    ctx = ctx_of(request)
    try:
        user = authenticate(db, ctx, username.strip(), password, _client_ip(request))
    except SecondFactorRequired as step:
        db.commit()
        return render.page(request, "login.html", next=_safe_next(next), error=None,
                           challenge=step.challenge)
    except EcoplanError as exc:
        db.commit()  # keep the failed attempt, the lockout and their audit entries
        lang = getattr(request.state, "lang", "zh")
        return render.page(request, "login.html", status_code=getattr(exc, "http_status", 401),
                           next=_safe_next(next), error=exc.message(lang))
    return _signed_in(request, db, user, next)


@router.post("/login/totp")
def login_totp(request: Request, db: DbDep, challenge: Annotated[str, Form(max_length=256)],
               code: Annotated[str, Form(max_length=16)],
               next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """The second step for accounts with TOTP: the code from the authenticator app."""
    ctx = ctx_of(request)
    try:
        user = complete_totp(db, ctx, challenge, code, _client_ip(request))
    except EcoplanError as exc:
        db.commit()
        lang = getattr(request.state, "lang", "zh")
        expired = "expired" in exc.message("en")
        return render.page(request, "login.html", status_code=getattr(exc, "http_status", 401),
                           next=_safe_next(next), error=exc.message(lang),
                           challenge=None if expired else challenge)
    return _signed_in(request, db, user, next)


def _signed_in(request: Request, db: DbDep, user: User, next: str) -> Response:
    ctx = ctx_of(request)
    token = start_session(db, ctx, user, _client_ip(request),
                          request.headers.get("user-agent", ""))
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                    secure=ctx.secure_cookie(request), path="/",
                    max_age=int(ctx.session_lifetime.total_seconds()))
    # a CSRF token bound to the new session (the one from before sign-in no longer validates)
    resp.set_cookie(CSRF_COOKIE, ctx.csrf.new(token), httponly=True, samesite="strict",
                    secure=ctx.secure_cookie(request), path="/")
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
    return _account_page(request, db, user)


def _account_page(request: Request, db: DbDep, user: LoggedIn, status_code: int = 200,
                  **extra: object) -> Response:
    row = accounts.get_user(db, user.username)
    context: dict[str, object] = {"tokens": accounts.list_tokens(db, user.username),
                                  "message": None, "new_token": None, "notice": flash.read(request),
                                  "totp_enabled": bool(row.totp_secret), "totp_setup": None}
    context.update(extra)
    return render.page(request, "account.html", status_code=status_code, **context)


def _setup_sig(request: Request, user: LoggedIn, secret: str) -> str:
    key = hashlib.sha256(("totp-setup:" + ctx_of(request).csrf.secret).encode()).digest()
    return hmac.new(key, f"{user.id}.{secret}".encode(), hashlib.sha256).hexdigest()[:32]


@router.post("/account/totp/setup")
def totp_setup(request: Request, db: DbDep, user: LoggedIn) -> Response:
    """A new key to add to an authenticator app (stored only once a code from it is right)."""
    secret = totp.new_secret()
    return _account_page(request, db, user, totp_setup={
        "secret": secret, "uri": totp.provisioning_uri(secret, user.username),
        "sig": _setup_sig(request, user, secret)})


@router.post("/account/totp/enable")
def totp_enable(request: Request, db: DbDep, user: LoggedIn,
                secret: Annotated[str, Form(max_length=64)], sig: Annotated[str, Form(max_length=64)],
                code: Annotated[str, Form(max_length=16)]) -> Response:
    lang = getattr(request.state, "lang", "zh")
    if not same(sig, _setup_sig(request, user, secret)):
        raise Forbidden("totp.enable")
    step = totp.verify(secret, code)
    if step is None:
        return _account_page(request, db, user, status_code=400, message=(
            "动态口令不正确，请重试。" if lang == "zh" else "The code is wrong; try again."),
            totp_setup={"secret": secret, "uri": totp.provisioning_uri(secret, user.username),
                        "sig": sig})
    row = accounts.get_user(db, user.username)
    row.totp_secret = secret
    row.totp_last_step = step
    audit.record(db, user.username, "totp_enable", "user", user.username, None, None)
    return flash.redirect(request, "/account", "totp-enabled")


@router.post("/account/totp/disable")
def totp_disable(request: Request, db: DbDep, user: LoggedIn,
                 current: Annotated[str, Form(max_length=1024)]) -> Response:
    row = accounts.get_user(db, user.username)
    if not verify_password(current, row.password_hash)[0]:
        lang = getattr(request.state, "lang", "zh")
        return _account_page(request, db, user, status_code=400, message=(
            "当前密码错误。" if lang == "zh" else "The current password is wrong."))
    row.totp_secret = None
    row.totp_last_step = None
    audit.record(db, user.username, "totp_disable", "user", user.username, None, None)
    return flash.redirect(request, "/account", "totp-disabled")


@router.post("/account/password")
def change_password(request: Request, db: DbDep, user: LoggedIn,
                    current: Annotated[str, Form()], new: Annotated[str, Form()],
                    confirm: Annotated[str, Form()]) -> Response:
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
    return _account_page(request, db, user, status_code=400, message=message)


@router.post("/account/tokens")
def create_own_token(request: Request, db: DbDep, user: LoggedIn,
                     name: Annotated[str, Form(max_length=64)]) -> Response:
    new = accounts.create_token(db, user.username, user.username, name)
    db.flush()
    return _account_page(request, db, user, new_token=new.token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, db: DbDep, user: LoggedIn, token_id: RowId) -> Response:
    mine = {t.id for t, _ in accounts.list_tokens(db, user.username)}
    if token_id not in mine and not user.can("users.manage"):
        raise Forbidden("tokens.own")
    accounts.revoke_token(db, user.username, token_id)
    return RedirectResponse("/account", status_code=303)
