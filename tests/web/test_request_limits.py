"""Issue 19, finding 2: no request exhausts the server — limits apply before any work.

The middleware is driven directly over ASGI with a body source that counts what was read, and
once through a real uvicorn socket.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import csrf_of, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BOUNDARY = "----ecoplanlimit"
FILE_PART = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"evidence\"; "
             f"filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-").encode()


class Source:
    """An ASGI ``receive`` that hands out ``chunks`` chunks of ``size`` bytes (optionally
    stalling before chunk ``stall_at``) and counts how many were taken."""

    def __init__(self, chunks: int, size: int = 64 * 1024, stall_at: int | None = None,
                 first: bytes = b"") -> None:
        self.chunks, self.size, self.stall_at, self.first = chunks, size, stall_at, first
        self.taken = 0

    async def __call__(self) -> dict:
        if self.stall_at is not None and self.taken == self.stall_at:
            await asyncio.sleep(3600)
        self.taken += 1
        body = self.first if self.taken == 1 and self.first else b"x" * self.size
        return {"type": "http.request", "body": body, "more_body": self.taken < self.chunks}


def run_asgi(app, method: str, path: str, headers: dict[str, str], source: Source,  # type: ignore[no-untyped-def]
             query: str = "") -> tuple[int, dict[str, str], bytes]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    asyncio.run(asyncio.wait_for(app(scope, source, send), timeout=60))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def cookie_header(client) -> str:  # type: ignore[no-untyped-def]
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def test_declared_oversize_body_is_refused_before_reading(app) -> None:  # type: ignore[no-untyped-def]
    src = Source(chunks=4000)
    status, headers, _ = run_asgi(app, "POST", "/entry/project", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "content-length": str(200 * 1024 * 1024)}, src)
    assert status == 413 and src.taken == 0
    assert headers.get("x-content-type-options") == "nosniff"


def test_anonymous_multipart_is_refused_before_reading(app) -> None:  # type: ignore[no-untyped-def]
    """1 GB without a length (chunked), anonymous, no CSRF token: not a byte is read."""
    src = Source(chunks=16 * 1024)
    status, headers, _ = run_asgi(app, "POST", "/entry/project", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "transfer-encoding": "chunked"}, src)
    assert status in (303, 401) and src.taken == 0
    status, _, _ = run_asgi(app, "POST", "/api/v1/progress/project", {
        "content-type": "application/json"}, Source(chunks=10))
    assert status == 401


def test_signed_in_multipart_needs_the_csrf_token_outside_the_body(client_for, app) -> None:  # type: ignore[no-untyped-def]
    c = client_for("zjj")
    cookies = cookie_header(c)
    src = Source(chunks=100)
    status, _, _ = run_asgi(app, "POST", "/entry/project", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", "cookie": cookies,
        "transfer-encoding": "chunked"}, src)
    assert status == 403 and src.taken == 0
    # the upload form's way: the token in the action's query string
    form = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"indicator_key\"\r\n\r\n6\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"year\"\r\n\r\n2024\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n4\r\n"
            f"--{BOUNDARY}--\r\n").encode()
    status, headers, _ = run_asgi(app, "POST", "/entry/indicator", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", "cookie": cookies,
        "content-length": str(len(form))}, Source(chunks=1, first=form),
        query=f"csrf_token={csrf_of(c)}")
    assert status == 303 and "flash=report-saved" in headers["location"]


def test_streamed_body_is_cut_off_at_the_limit(client_for, app) -> None:  # type: ignore[no-untyped-def]
    c = client_for("zjj")
    app.state.ctx.max_body_bytes = 1024 * 1024
    src = Source(chunks=16 * 1024, first=FILE_PART)  # 1 GB if read to the end
    status, _, _ = run_asgi(app, "POST", "/entry/project", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "cookie": cookie_header(c), "x-csrf-token": csrf_of(c),
        "transfer-encoding": "chunked"}, src)
    assert status == 413
    assert src.taken <= 1024 * 1024 // (64 * 1024) + 1


def test_slow_body_times_out(client_for, app) -> None:  # type: ignore[no-untyped-def]
    c = client_for("zjj")
    app.state.ctx.body_chunk_timeout = 0.5
    src = Source(chunks=10, stall_at=1, first=FILE_PART)
    t0 = time.monotonic()
    status, _, _ = run_asgi(app, "POST", "/entry/project", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "cookie": cookie_header(c), "x-csrf-token": csrf_of(c),
        "content-length": str(200_000)}, src)
    assert status == 408 and time.monotonic() - t0 < 10


def test_evidence_is_streamed_to_disk_with_the_limit(client_for, app, web_ws) -> None:  # type: ignore[no-untyped-def]
    c = client_for("zjj")
    app.state.ctx.max_evidence_bytes = 64 * 1024
    big = PDF + b"0" * (200 * 1024)
    r = c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "1"},
               files={"evidence": ("big.pdf", big, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 400 and "64" not in r.text or "MB" in r.text
    folder = Path(web_ws.settings.home) / "evidence"
    assert not [p for p in folder.glob(".upload-*")], "no partial upload left behind"
    r = c.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "1"},
               files={"evidence": ("ok.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(app) -> Iterator[int]:  # type: ignore[no-untyped-def]
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        access_log=False, timeout_keep_alive=5))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    th.join(timeout=10)


def test_real_server_answers_an_anonymous_huge_upload_at_once(live: int) -> None:
    """Through uvicorn: a 1 GB chunked multipart POST without sign-in or CSRF gets its answer
    after the first chunk; a body declaring 200 MB and sending 5 bytes gets 413 at once."""
    for head in ("Transfer-Encoding: chunked\r\n", f"Content-Length: {200 * 1024 * 1024}\r\n"):
        with socket.create_connection(("127.0.0.1", live), timeout=10) as s:
            s.sendall((f"POST /entry/project HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{head}\r\n"
                       ).encode())
            s.sendall(b"5\r\nhello\r\n" if "chunked" in head else b"hello")
            t0 = time.monotonic()
            answer = s.recv(4096).decode("latin-1")
            assert time.monotonic() - t0 < 5
        status = int(answer.split(" ", 2)[1])
        assert status in ((303, 401) if "chunked" in head else (413,)), answer[:200]
        assert "x-frame-options" in answer.lower()


def test_login_form_itself_is_small(app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(app)
    r = c.post("/login", content=b"username=a&password=" + b"x" * 100_000,
               headers={"content-type": "application/x-www-form-urlencoded",
                        "x-csrf-token": csrf_of(c)})
    assert r.status_code == 413
    login(c, "admin")
