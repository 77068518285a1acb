"""A workspace: one folder holding the settings file, the SQLite database (by default), the
Parquet lake and generated reports. ``ecoplan init`` creates it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from ecoplan.errors import WorkspaceError
from ecoplan.settings import ENV_FILE_NAME, Settings, load_settings
from ecoplan.store import db
from ecoplan.store.engine import Analytics
from ecoplan.store.lake import Lake


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
    """The open workspace: settings, metadata database, lake and analytics engine."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        if not self.settings.home.exists():
            raise WorkspaceError(
                f"工作区 {self.settings.home} 不存在，请先运行 ecoplan init。",
                f"Workspace {self.settings.home} does not exist; run `ecoplan init` first.",
            )

    @cached_property
    def engine(self) -> Engine:
        engine = db.make_engine(self.settings.effective_database_url)
        db.require_current(engine)
        return engine

    @cached_property
    def lake(self) -> Lake:
        return Lake(self.settings.lake_dir)

    @cached_property
    def analytics(self) -> Analytics:
        return Analytics(self.lake, self.settings.engine, spark_master=self.settings.spark_master)

    def session(self):  # type: ignore[no-untyped-def]
        return db.session_scope(self.engine)
