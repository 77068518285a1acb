"""A workspace: one folder holding the settings file, the SQLite database (by default), the
Parquet lake and generated reports. ``ecoplan init`` creates it."""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ecoplan.errors import WorkspaceError
from ecoplan.settings import ENV_FILE_NAME, Settings, load_settings
from ecoplan.store import db
from ecoplan.store.engine import Analytics, EngineName
from ecoplan.store.lake import Lake
from ecoplan.store.reviewed_flags import ReviewedFlags


@dataclass
class InitResult:
    home: Path
    created: bool
    secret_generated: bool
    database_url: str
    revisions: list[str] = field(default_factory=list)


def init_workspace(home: Path | None = None, *, database_url: str | None = None) -> InitResult:
    """Create (or complete) a workspace and bring its database schema up to date.

    Safe to re-run: an existing secret key and existing data are kept.
    """
    overrides: dict[str, object] = {}
    if home is not None:
        overrides["home"] = Path(home)
    if database_url:
        overrides["database_url"] = database_url
    settings = load_settings(**overrides)
    home_dir = settings.home
    created = not home_dir.exists()
    try:
        for sub in (home_dir, settings.lake_dir, settings.reports_dir):
            sub.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            f"无法创建工作区目录 {home_dir}：{exc.strerror}",
            f"Cannot create the workspace directory {home_dir}: {exc.strerror}",
        ) from exc
    env_file = home_dir / ENV_FILE_NAME
    secret_generated = False
    if not env_file.exists():
        env_file.write_text(
            "# ecoplan workspace settings (ECOPLAN_* environment variables take precedence)\n"
            f"ECOPLAN_SECRET_KEY={secrets.token_urlsafe(32)}\n",
            encoding="utf-8",
        )
        env_file.chmod(0o600)
        secret_generated = True
    settings = load_settings(**overrides)
    revisions = db.upgrade(settings.effective_database_url)
    return InitResult(home_dir, created, secret_generated, settings.effective_database_url,
                      revisions)


class Workspace:
    """The open workspace: settings, metadata database (engine and sessions), lake, analytics
    engine and the reviewed-flag source. Created once (by a command, the web app, the gateway)
    and passed explicitly to everything that reads or writes the workspace."""

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None) -> None:
        self.settings = settings or load_settings()
        self._engine = engine  # a database opened by the caller (the web app's pool), else lazily
        #: results computed from this workspace's data, kept while it lives (e.g. the county-town
        #: daily table of the indicators); :meth:`forget_results` drops them after new data.
        self.results: dict[str, dict[Hashable, Any]] = {}
        if not self.settings.home.exists():
            raise WorkspaceError(
                f"工作区 {self.settings.home} 不存在，请先运行 ecoplan init。",
                f"Workspace {self.settings.home} does not exist; run `ecoplan init` first.",
            )

    @property
    def engine(self) -> Engine:
        """The metadata database (its schema checked current when first opened)."""
        if self._engine is None:
            engine = db.make_engine(self.settings.effective_database_url)
            db.require_current(engine)
            self._engine = engine
        return self._engine

    def memo(self, name: str) -> dict[Hashable, Any]:
        """The results kept under ``name`` (created empty)."""
        return self.results.setdefault(name, {})

    def forget_results(self) -> None:
        """Drop every kept result (the lake or the reviews changed)."""
        self.results.clear()

    @cached_property
    def lake(self) -> Lake:
        return Lake(self.settings.lake_dir)

    @cached_property
    def reviewed_flags(self) -> ReviewedFlags:
        return ReviewedFlags(lambda: self.engine)

    @cached_property
    def analytics(self) -> Analytics:
        return Analytics(self.lake, self.settings.engine, spark_master=self.settings.spark_master,
                         reviewed_flags=self.reviewed_flags)

    def analytics_on(self, engine: EngineName | None) -> Analytics:
        """The analytics of this workspace on ``engine`` (its configured one when None)."""
        return self.analytics if engine is None else self.analytics.on(engine)

    def session(self) -> AbstractContextManager[Session]:
        """A transaction on the metadata database (committed on success, rolled back on error)."""
        return db.session_scope(self.engine)
