"""The FastAPI application factory: ``create_app(settings)``.

Server-rendered pages (Jinja2 + htmx, ECharts vendored under ``static/vendor``), the public
disclosure pages, and the REST API under ``/api/v1`` share one app, one database and one set of
security rules (see :mod:`ecoplan.web.deps` and :mod:`ecoplan.web.permissions`).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecoplan.errors import EcoplanError
from ecoplan.i18n import set_lang
from ecoplan.settings import Settings, load_settings
from ecoplan.store.workspace import Workspace
from ecoplan.web import render
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.assets import AssetFiles, docs_page, swagger_dir
from ecoplan.web.context import WebContext
from ecoplan.web.deps import (
    CSRF_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    CsrfFailed,
    Forbidden,
    LoggedIn,
    LoginRequired,
    csrf_guard,
)
from ecoplan.web.limits import RequestLimits
from ecoplan.web.map_data import tile_origins
from ecoplan.web.routes import admin, api, auth, devices, entry, pages, public
from ecoplan.web.routes import alerts as alerts_routes
from ecoplan.web.routes import bulletins as bulletin_routes
from ecoplan.web.routes import cases as cases_routes
from ecoplan.web.routes import complaints as complaints_routes
from ecoplan.web.routes import credit as credit_routes
from ecoplan.web.routes import devkeys as devkeys_routes
from ecoplan.web.routes import emergency as emergency_routes
from ecoplan.web.routes import inspections as inspections_routes
from ecoplan.web.routes import map as map_routes
from ecoplan.web.routes import plans as plans_routes
from ecoplan.web.routes import risk as risk_routes
from ecoplan.web.routes import sources as sources_routes
from ecoplan.web.security import CsrfSigner
from ecoplan.web.warm import Warmer

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"



SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        b"form-action 'self'",
    ),
]


def security_headers(img_origins: list[str]) -> list[tuple[bytes, bytes]]:
    """The security headers; ``img_origins`` are a configured map tile server's (docs/map.md)."""
    if not img_origins:
        return SECURITY_HEADERS
    extra = " ".join(img_origins).encode()
    return [(k, v.replace(b"img-src 'self' data:", b"img-src 'self' data: " + extra))
            for k, v in SECURITY_HEADERS]


class LangAndHeaders:
    """Pure ASGI middleware: picks the language (``?lang=`` → cookie → workspace default),
    issues the CSRF cookie when missing, and adds the security headers."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx
        self.security = security_headers(tile_origins(ctx.settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        wanted = request.query_params.get("lang")
        lang = wanted if wanted in ("zh", "en") else request.cookies.get(LANG_COOKIE)
        if lang not in ("zh", "en"):
            lang = self.ctx.settings.lang
        scope.setdefault("state", {})
        scope["state"]["lang"] = lang
        set_lang(lang)
        csrf = request.cookies.get(CSRF_COOKIE)
        bind = request.cookies.get(SESSION_COOKIE, "")
        new_csrf = None if self.ctx.csrf.valid(csrf, bind) else self.ctx.csrf.new(bind)
        scope["state"]["csrf_token"] = new_csrf or csrf
        secure = "; Secure" if self.ctx.secure_cookie(request) else ""
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.extend(self.security)
                if new_csrf:
                    headers.append((b"set-cookie", (
                        f"{CSRF_COOKIE}={new_csrf}; Path=/; HttpOnly; SameSite=Strict{secure}"
                    ).encode()))
                if wanted in ("zh", "en"):
                    headers.append((b"set-cookie", (
                        f"{LANG_COOKIE}={wanted}; Path=/; Max-Age=31536000; SameSite=Lax{secure}"
                    ).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if not started:  # the 500 page carries the security headers too
                body = ("<!doctype html><meta charset=utf-8><title>500</title><p>服务器内部错误，"
                        "已记录。Internal server error; it has been logged.</p>").encode()
                await send_wrapper({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())]})
                await send_wrapper({"type": "http.response.body", "body": body})
            raise


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", "")


def create_app(settings: Settings | None = None, *, cookie_secure: bool | None = None,
               engine: Engine | None = None) -> FastAPI:
    """Build the web application for a workspace (its database must be up to date)."""
    settings = settings or load_settings()
    secret = settings.require_secret()
    workspace = Workspace(settings, engine=engine)
    engine = workspace.engine  # checks the schema is current (when not given)
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    render.install_filters(templates)
    ctx = WebContext(settings=settings, engine=engine,
                     sessionmaker=sessionmaker(engine, expire_on_commit=False),
                     csrf=CsrfSigner(secret), templates=templates, cookie_secure=cookie_secure,
                     workspace=workspace,
                     max_evidence_bytes=settings.web_max_evidence_mb * 1024 * 1024,
                     max_body_bytes=settings.web_max_body_mb * 1024 * 1024,
                     body_chunk_timeout=settings.web_body_chunk_timeout,
                     body_total_timeout=settings.web_body_total_timeout,
                     future_tolerance_days=settings.web_future_tolerance_days)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.warmer = Warmer(ctx)
        ctx.warmer.start()
        try:
            yield
        finally:
            ctx.warmer.stop()
            ctx.warmer = None

    app = FastAPI(
        lifespan=lifespan,
        title="ecoplan",
        version="1",
        description="生态环境保护规划平台 API / eco-environment plan platform API",
        docs_url=None,  # served below from local files, signed-in users only
        redoc_url=None,
        openapi_url=None,  # served below to signed-in users
        dependencies=[Depends(csrf_guard)],
    )
    app.state.ctx = ctx
    app.state.instance = secrets.token_hex(4)
    app.add_middleware(RequestLimits, ctx=ctx)
    app.add_middleware(LangAndHeaders, ctx=ctx)  # outermost: headers on every answer
    app.mount("/static", AssetFiles(STATIC_DIR), name="static")
    docs_files = swagger_dir() if settings.web_api_docs else None
    if docs_files is not None:
        app.mount("/static-docs", AssetFiles(docs_files), name="static-docs")
    for module in (auth, pages, entry, admin, public, api, devices):
        app.include_router(module.router)
    app.include_router(plans_routes.router)
    app.include_router(sources_routes.router)
    app.include_router(emergency_routes.router)
    app.include_router(risk_routes.router)
    app.include_router(inspections_routes.router)
    app.include_router(cases_routes.router)
    app.include_router(complaints_routes.router)
    app.include_router(credit_routes.router)
    app.include_router(devkeys_routes.router)
    app.include_router(bulletin_routes.router)
    app.include_router(map_routes.router)
    app.include_router(alerts_routes.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request) or request.headers.get("hx-request"):
            return JSONResponse({"detail": "authentication required / 需要登录"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")

        return RedirectResponse(f"/login?next={quote(nxt)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": f"forbidden / 无权限: {exc.action}"}, status_code=403)
        return render.page(request, "error.html", status_code=403,
                           message_zh="您的角色无权执行此操作。",
                           message_en="Your role does not allow this action.")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "CSRF token missing or invalid / CSRF 校验失败"},
                                status_code=403)
        return render.page(request, "error.html", status_code=403,
                           message_zh="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。",
                           message_en="The form expired or came from elsewhere (CSRF check "
                           "failed); reload the page and try again.")

    @app.exception_handler(EcoplanError)
    async def _ecoplan_error(request: Request, exc: EcoplanError) -> Response:
        code = 404 if isinstance(exc, NotFoundError) else 400
        code = getattr(exc, "http_status", code)
        lang = getattr(request.state, "lang", "zh")
        if _wants_json(request):
            return JSONResponse({"detail": exc.message(lang), "detail_zh": exc.message("zh"),
                                 "detail_en": exc.message("en")}, status_code=code)
        return render.page(request, "error.html", status_code=code,
                           message_zh=exc.message("zh"), message_en=exc.message("en"))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, _exc: OverflowError) -> Response:
        # a number too large for the database in a parameter nobody bounded: a bad request
        zh, en = "参数数值过大。", "A parameter is too large."
        if _wants_json(request):
            return JSONResponse({"detail": en, "detail_zh": zh, "detail_en": en}, status_code=400)
        return render.page(request, "error.html", status_code=400, message_zh=zh, message_en=en)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    def openapi_schema(user: LoggedIn) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(user: LoggedIn) -> Response:
        """Swagger UI for the API (local files; 404 when switched off or not installed)."""

        if docs_files is None:
            raise NotFoundError("API 文档未启用（ECOPLAN_WEB_API_DOCS）。",
                                "The API documentation is switched off (ECOPLAN_WEB_API_DOCS).")
        return HTMLResponse(docs_page("/api/v1/openapi.json", "ecoplan API"))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app
