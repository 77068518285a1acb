"""Static assets: content-hashed URLs, long cache lifetimes, gzip/brotli compression, and the
OpenAPI documentation page from locally bundled Swagger UI files.

* :func:`static_url` gives ``/static/<path>?v=<hash of the content>``; a request carrying the
  current hash is cached for a year (``immutable``), anything else must revalidate.
* Compressible files (JS, CSS, SVG, JSON, maps) are sent brotli-compressed when the client
  accepts it and the optional ``brotli`` module is installed, else gzip; each variant is
  compressed once per process and kept in memory (ECharts: 1.1 MB → ≈ 370 kB gzip).
* The docs page loads Swagger UI from ``/static-docs/`` (the PyPI package ``swagger-ui-bundle``,
  Apache-2.0) — nothing comes from a CDN — and only signed-in users see it (``/api/docs``).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".map", ".txt", ".html"}
YEAR = 31_536_000


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def content_hash(root: Path, rel: str) -> str:
    path = (root / rel).resolve()
    try:
        return _digest(path, path.stat().st_mtime_ns)
    except OSError:
        return "missing"


@lru_cache(maxsize=128)
def _compressed(path: Path, mtime_ns: int, encoding: str) -> bytes:
    data = path.read_bytes()
    if encoding == "br":
        import brotli  # optional dependency (pip install brotli); deferred: rarely installed

        return bytes(brotli.compress(data, quality=9))
    return gzip.compress(data, compresslevel=9, mtime=0)


def _brotli_available() -> bool:
    try:
        import brotli  # noqa: F401 - optional, only probed
    except ImportError:
        return False
    return True


class AssetFiles(StaticFiles):
    """StaticFiles with compression and cache headers keyed on the content hash."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=str(directory))
        self.root = Path(directory).resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await super().__call__(scope, receive, send)
            return
        request = Request(scope)
        rel = self.get_path(scope).lstrip("/")
        path = (self.root / rel).resolve()
        if not path.is_file() or self.root not in path.parents:
            await super().__call__(scope, receive, send)
            return
        stamp = content_hash(self.root, rel)
        versioned = request.query_params.get("v") == stamp
        cache = f"public, max-age={YEAR}, immutable" if versioned else "public, no-cache"
        accepted = request.headers.get("accept-encoding", "")
        encoding = None
        if path.suffix in COMPRESSIBLE and path.stat().st_size > 1024:
            if "br" in accepted and _brotli_available():
                encoding = "br"
            elif "gzip" in accepted:
                encoding = "gzip"
        if encoding is None:
            async def with_cache(message: dict) -> None:  # type: ignore[type-arg]
                if message["type"] == "http.response.start":
                    message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                          if k.lower() != b"cache-control"]
                    message["headers"].append((b"cache-control", cache.encode()))
                await send(message)

            await super().__call__(scope, receive, with_cache)  # type: ignore[arg-type]
            return
        etag = f'"{stamp}-{encoding}"'
        headers = {"cache-control": cache, "etag": etag, "vary": "Accept-Encoding",
                   "content-encoding": encoding}
        if request.headers.get("if-none-match") == etag:
            await Response(status_code=304, headers=headers)(scope, receive, send)
            return
        body = _compressed(path, path.stat().st_mtime_ns, encoding)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
            ctype += "; charset=utf-8"
        resp = Response(b"" if scope["method"] == "HEAD" else body, media_type=ctype,
                        headers=headers)
        resp.headers["content-length"] = str(len(body))
        await resp(scope, receive, send)


def swagger_dir() -> Path | None:
    """The Swagger UI distribution shipped by the ``swagger-ui-bundle`` package, if installed."""
    try:
        import swagger_ui_bundle  # deferred: only the docs page needs it
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def docs_page(openapi_url: str, title: str) -> str:
    """The Swagger UI page: local files only, no inline script (CSP ``script-src 'self'``)."""
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>"
        f"<link rel=\"stylesheet\" href=\"/static-docs/swagger-ui.css\">"
        "</head><body><div id=\"swagger-ui\" "
        f"data-openapi-url=\"{openapi_url}\"></div>"
        "<script src=\"/static-docs/swagger-ui-bundle.js\"></script>"
        f"<script src=\"/static/docs-init.js?v={content_hash(Path(__file__).parent / 'static', 'docs-init.js')}\"></script>"
        "</body></html>"
    )
