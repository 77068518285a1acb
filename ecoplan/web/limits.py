"""Resource limits applied before any work is done for a request (pure ASGI middleware).

* **Body size** — a declared ``Content-Length`` above the limit is answered 413 before a byte
  of the body is read; a body without a length (chunked) is counted while it streams and
  answered 413 as soon as the count passes the limit (the rest is never read).
* **Slow bodies** — every chunk must arrive within ``body_chunk_timeout`` seconds and the
  whole body within ``body_total_timeout``; otherwise 408 (uvicorn's ``--timeout-keep-alive``
  covers idle connections between requests, see docs/security.md).
* **Who may send a body** — an unsafe request (POST …) is refused before its body is read
  unless it comes from a signed-in user (session cookie or API token); ``/login`` is the one
  exception. A ``multipart/form-data`` body from a browser session must in addition carry the
  CSRF token outside the body (header ``X-CSRF-Token`` or query ``?csrf_token=``, which the
  upload forms put in their ``action``), so a forged or anonymous upload is never parsed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecoplan.web.deps import CSRF_COOKIE, SESSION_COOKIE, LoginRequired, resolve_principal

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: unsafe paths anybody may post to (small url-encoded forms only; /public/complaint is the
#: public complaint form, CSRF-checked and rate-limited per client)
OPEN_PATHS = frozenset({"/login", "/login/totp", "/logout", "/public/complaint"})
OPEN_PATH_MAX_BYTES = 16 * 1024


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


async def _reply(send: Send, status: int, zh: str, en: str) -> None:
    body = json.dumps({"detail": f"{en} / {zh}", "detail_zh": zh, "detail_en": en},
                      ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Enforce the request-body limit, the slow-body timeouts and "who may send a body"."""

    def __init__(self, app: ASGIApp, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        ctx = self.ctx
        path = scope["path"]
        limit = OPEN_PATH_MAX_BYTES if path in OPEN_PATHS else ctx.max_body_bytes
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _reply(send, 413, f"请求体超过上限 {limit // 1048576 or limit} "
                             f"{'MB' if limit >= 1048576 else '字节'}",
                             f"request body over the limit of {limit} bytes")
                return
        if path not in OPEN_PATHS:
            refusal = await run_in_threadpool(self._refusal, scope, headers)
            if refusal is not None:
                browser_form = not (path.startswith("/api/") or "hx-request" in headers)
                if refusal[0] == 401 and browser_form:
                    await send({"type": "http.response.start", "status": 303,
                                "headers": [(b"location", b"/login"), (b"content-length", b"0"),
                                            (b"connection", b"close")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await _reply(send, *refusal)
                return

        received = 0
        started = False
        failure: tuple[int, str, str] | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ctx.body_total_timeout

        async def limited_receive() -> Message:
            nonlocal received, failure
            if failure is not None:
                return {"type": "http.disconnect"}
            remaining = min(ctx.body_chunk_timeout, deadline - loop.time())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                failure = (408, "请求体发送过慢，已中止", "request body too slow; aborted")
                raise BodyTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    failure = (413, "请求体超过上限", f"request body over the limit of {limit} bytes")
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            # the application may turn the interrupted body into its own error (FastAPI answers
            # 400 "error parsing the body"): the client gets the real reason instead
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if failure is not None:
                    await _reply(send, *failure)
                    return
            elif failure is not None:
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except (BodyTooLarge, BodyTimeout):
            if not started and failure is not None:
                await _reply(send, *failure)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """Sign-in and (for multipart bodies) CSRF, checked from the headers alone."""

        request = Request(scope)
        session = self.ctx.sessionmaker()
        try:
            try:
                principal = resolve_principal(request, session)
            except LoginRequired:
                principal = None
            session.commit()
        finally:
            session.close()
        if principal is None:
            return 401, "需要登录", "authentication required"
        if principal.via == "token":
            return None
        if headers.get("content-type", "").startswith("multipart/"):
            submitted = headers.get("x-csrf-token") or request.query_params.get("csrf_token")
            if not self.ctx.csrf.matches(request.cookies.get(CSRF_COOKIE), submitted,
                                         request.cookies.get(SESSION_COOKIE, "")):
                return 403, "CSRF 校验失败", "CSRF token missing or invalid"
            scope.setdefault("state", {})["csrf_checked"] = True
        return None
