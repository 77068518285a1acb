"""What every request of the web app shares: :class:`WebContext` (settings, database, signer,
templates, limits, the read-model cache and the workspace). Created once by
:func:`ecoplan.web.app.create_app`; routes reach it through :func:`ecoplan.web.deps.ctx_of`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from ecoplan.settings import Settings
from ecoplan.store.engine import Analytics
from ecoplan.store.lake import Lake
from ecoplan.store.reviewed_flags import ReviewedFlags
from ecoplan.store.workspace import Workspace
from ecoplan.web.security import CsrfSigner

#: How long a lake computation (read model, rendered fragment) is kept in the cache at most.
LAKE_CACHE_SECONDS = 300

#: set in the cache-warming thread: results cached before ``since`` are recomputed
REFRESHING = threading.local()


def fresh(hit: Any) -> bool:
    """Whether a cached ``(monotonic time, value)`` entry may be served: younger than
    LAKE_CACHE_SECONDS and, in the warming thread, computed during this warm-up."""
    if hit is None:
        return False
    since = getattr(REFRESHING, "since", None)
    if since is not None and hit[0] < since:
        return False
    return bool(hit[0] > time.monotonic() - LAKE_CACHE_SECONDS)


@dataclass
class WebContext:
    """What every request needs: settings, database, signer, templates, limits, caches."""

    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker  # type: ignore[type-arg]
    csrf: CsrfSigner
    templates: Jinja2Templates
    cookie_secure: bool | None = None  # None: Secure when the request came over HTTPS
    session_lifetime: timedelta = timedelta(hours=12)
    session_idle: timedelta = timedelta(hours=2)
    max_failures_user: int = 5
    max_failures_ip: int = 20
    throttle_window: timedelta = timedelta(minutes=15)
    max_evidence_bytes: int = 10 * 1024 * 1024
    max_body_bytes: int = 25 * 1024 * 1024
    body_chunk_timeout: float = 10.0
    body_total_timeout: float = 120.0
    future_tolerance_days: int = 0
    cache: dict[Any, Any] = field(default_factory=dict)
    workspace: Workspace | None = None
    lake_lock: Any = field(default_factory=threading.RLock)

    @property
    def home(self) -> Path:
        return self.settings.home

    def secure_cookie(self, request: Request) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        proto = request.headers.get("x-forwarded-proto", request.url.scheme)
        return proto == "https"

    warmer: Any = None  # ecoplan.web.warm.Warmer while the server runs
    rewarm_pending: bool = False

    def invalidate(self) -> None:
        """Drop cached read models (after an approval, an upload, a new report …); the
        overview is recomputed in the background once the change is committed."""
        for key in [k for k in self.cache if isinstance(k, str) and k.startswith("indicators")]:
            self.cache.pop(key, None)
        self.rewarm_pending = True

    def after_commit(self) -> None:
        if self.rewarm_pending and self.warmer is not None:
            self.rewarm_pending = False
            self.warmer.poke()

    def lake_analytics(self) -> Analytics:
        """The analytics engine the pages read the lake with (DuckDB, interactive), with the
        workspace's reviewer judgements; created once."""
        if "analytics" not in self.cache:
            self.cache["analytics"] = Analytics(
                Lake(self.settings.lake_dir), "duckdb",
                reviewed_flags=ReviewedFlags(self.engine))
        return self.cache["analytics"]  # type: ignore[no-any-return]

