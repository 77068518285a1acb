"""ASGI entry point for ``uvicorn ecoplan.web.asgi:app`` (reads ECOPLAN_HOME / settings)."""

from __future__ import annotations

import os

from ecoplan.web.app import create_app

_secure = os.environ.get("ECOPLAN_WEB_SECURE_COOKIES")
app = create_app(cookie_secure=None if _secure is None else _secure == "1")
