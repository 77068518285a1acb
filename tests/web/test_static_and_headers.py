"""Issue 19, deliverable 6: static assets compressed with long cache lifetimes and hashed URLs,
the API docs from local files behind sign-in, security headers on every answer (500 too)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import login


def test_pages_link_assets_by_content_hash_and_those_are_cached_for_a_year(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    html = c.get("/public").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+\?v=[0-9a-f]{12})"', html)
    assert any("echarts.min.js" in u for u in urls) and any("app.css" in u for u in urls)
    echarts = next(u for u in urls if "echarts.min.js" in u)
    r = c.get(echarts, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age=31536000" in r.headers["cache-control"] and "immutable" in r.headers["cache-control"]
    raw = c.get(echarts, headers={"Accept-Encoding": "identity"})
    assert int(r.headers["content-length"]) < len(raw.content) / 2  # 1.1 MB → ≈ 0.4 MB
    assert r.content == raw.content  # the client decoded the gzip body
    assert r.headers["x-content-type-options"] == "nosniff"
    # an old or missing hash must revalidate
    stale = c.get(echarts.split("?")[0] + "?v=000000000000")
    assert "no-cache" in stale.headers["cache-control"]
    etag = r.headers["etag"]
    assert c.get(echarts, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
                 ).status_code == 304


def test_api_docs_are_local_and_need_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    anon = TestClient(app)
    r = anon.get("/api/docs", follow_redirects=False)
    assert r.status_code in (303, 401)
    c = login(TestClient(app), "leader")
    page = c.get("/api/docs").text
    assert "cdn" not in page.lower() and "/static-docs/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # no inline script (CSP script-src 'self')
    js = c.get("/static-docs/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip"
    assert c.get("/api/v1/openapi.json").status_code == 200


def test_security_headers_on_errors_including_500(app) -> None:  # type: ignore[no-untyped-def]
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("boom")

    c = TestClient(app, raise_server_exceptions=False)
    for path, code in (("/boom-for-test", 500), ("/no-such-page", 404), ("/admin", 303)):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == code
        assert r.headers["x-frame-options"] == "DENY", path
        assert "default-src 'self'" in r.headers["content-security-policy"], path
    assert "Traceback" not in c.get("/boom-for-test").text
