"""Effective settings, read from the environment and the workspace's ``ecoplan.env``.

Precedence (highest first): environment variables ``ECOPLAN_*``, then ``<home>/ecoplan.env``
(written by ``ecoplan init`` with a freshly generated secret key), then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ecoplan.errors import ConfigError, InsecureSecretError

DEFAULT_SECRET = "changethis"
ENV_FILE_NAME = "ecoplan.env"


def default_home() -> Path:
    return Path(os.environ.get("ECOPLAN_HOME") or Path.home() / "ecoplan").expanduser()


class Settings(BaseSettings):
    """Settings of one ecoplan workspace."""

    model_config = SettingsConfigDict(env_prefix="ECOPLAN_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="workspace directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<home>/ecoplan.db"
    )
    engine: Literal["duckdb", "pyspark"] = Field(
        default="duckdb", description="analytics engine running the Ibis pipelines"
    )
    secret_key: SecretStr = Field(default=SecretStr(DEFAULT_SECRET))
    lang: Literal["zh", "en"] = "zh"
    spark_master: str = "local[2]"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # web limits and security switches (docs/security.md)
    web_max_body_mb: int = Field(default=25, ge=1, le=1024,
                                 description="largest request body (MB); 413 above")
    web_max_evidence_mb: int = Field(default=10, ge=1, le=1024,
                                     description="largest evidence file (MB)")
    web_body_chunk_timeout: float = Field(default=10.0, gt=0, le=600,
                                          description="seconds a body may pause; 408 after")
    web_body_total_timeout: float = Field(default=120.0, gt=0, le=3600,
                                          description="seconds a whole body may take")
    web_future_tolerance_days: int = Field(default=0, ge=0, le=3660,
                                           description="how far ahead other dates may lie")
    web_api_docs: bool = Field(default=True, description="serve /api/docs (signed-in users)")
    #: four-eyes rule: the approver of a progress report must differ from its reviewer (the
    #: reporter may never review or approve); ``ECOPLAN_DISTINCT_APPROVER=false`` relaxes it
    distinct_approver: bool = True
    # map (docs/map.md): base map "offline" (bundled county outlines), "tianditu" (the
    # standard map with the county's key and its 审图号) or "xyz" (an intranet XYZ/WMTS server)
    map_base: Literal["offline", "tianditu", "xyz"] = "offline"
    map_tile_url: str = Field(default="", description="XYZ/WMTS template with {z}/{x}/{y}")
    map_tianditu_key: SecretStr = Field(default=SecretStr(""))
    map_approval_number: str = Field(default="", description="审图号 shown on the map")
    map_attribution: str = ""
    #: datum of the base map's tiles; GCJ-02 tiles get the points shifted (standards/gcj02.py)
    map_tile_datum: Literal["wgs84", "gcj02"] = "wgs84"
    map_center: tuple[float, float] = (112.156, 37.556)  # lon, lat: 交城县城 (WGS84)
    map_zoom: int = Field(default=10, ge=3, le=18)
    # alerts (docs/alerts.md): the rules file, SMTP and robot webhooks (secrets only here)
    alert_rules_file: Path | None = None
    alert_smtp_host: str = ""
    alert_smtp_port: int = 25
    alert_smtp_user: str = ""
    alert_smtp_password: SecretStr = Field(default=SecretStr(""))
    alert_smtp_starttls: bool = False
    alert_smtp_ssl: bool = False
    alert_smtp_from: str = "ecoplan@localhost"
    #: name → {"kind": "wecom"|"dingtalk", "url": "...key=…", "secret": "SEC… (DingTalk 加签)"}
    alert_webhooks: dict[str, dict[str, str]] = Field(default_factory=dict)
    alert_web_url: str = Field(default="", description="the platform's address in messages")
    alert_retry_base_s: float = Field(default=60.0, gt=0, le=86400)
    alert_max_attempts: int = Field(default=6, ge=1, le=50)

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ecoplan.db'}"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def env_file(self) -> Path:
        return self.home / ENV_FILE_NAME

    def require_secret(self) -> str:
        """Return the secret key, refusing the default or a weak one (FastAPI-template rule)."""
        value = self.secret_key.get_secret_value()
        if not value or value == DEFAULT_SECRET or len(value) < 16:
            raise InsecureSecretError(
                "密钥为默认值或过短，拒绝启动网页服务。请运行 ecoplan init 生成密钥，"
                "或设置环境变量 ECOPLAN_SECRET_KEY（至少 16 个字符）。",
                "The secret key is the default or too short; refusing to start the web "
                "server. Run `ecoplan init` to generate one or set ECOPLAN_SECRET_KEY "
                "(at least 16 characters).",
            )
        return value

    def require_alert_secrets(self) -> None:
        """Refuse an obviously default SMTP password or webhook key before anything is sent."""
        weak = {"changethis", "password", "123456", "secret", "xxx", "xxxx", "your_key",
                "yourkey", "key", "token", "access_token"}
        password = self.alert_smtp_password.get_secret_value()
        if self.alert_smtp_user and (not password or password.lower() in weak):
            raise InsecureSecretError(
                "SMTP 密码为空或为默认值（ECOPLAN_ALERT_SMTP_PASSWORD），拒绝发送。",
                "The SMTP password is empty or a default (ECOPLAN_ALERT_SMTP_PASSWORD); "
                "refusing to send.")
        for name, hook in self.alert_webhooks.items():
            url = hook.get("url", "")
            key = url.rsplit("=", 1)[-1] if "=" in url else ""
            if hook.get("kind") not in ("wecom", "dingtalk") or not url.startswith(
                    ("http://", "https://")) or not key or key.lower() in weak \
                    or hook.get("secret", "x").lower() in weak:
                raise InsecureSecretError(
                    f"机器人 {name} 的设置无效或密钥为默认值（ECOPLAN_ALERT_WEBHOOKS）。",
                    f"Robot webhook {name} is invalid or has a default key "
                    "(ECOPLAN_ALERT_WEBHOOKS).")

    def masked(self) -> dict[str, str]:
        """The effective settings as strings, secrets masked, for ``ecoplan config``."""
        from sqlalchemy.engine import make_url  # deferred: settings load on every CLI start

        try:
            db = make_url(self.effective_database_url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - malformed URL shown as given, but masked
            db = "<invalid URL>"
        secret = self.secret_key.get_secret_value()
        return {
            "home": str(self.home),
            "database_url": db,
            "lake_dir": str(self.lake_dir),
            "engine": self.engine,
            "secret_key": "（默认，不安全）" if secret == DEFAULT_SECRET else "********",
            "lang": self.lang,
            "spark_master": self.spark_master,
            "web": f"{self.web_host}:{self.web_port}",
            "distinct_approver": str(self.distinct_approver).lower(),
            "map_base": self.map_base,
            "alert_smtp": f"{self.alert_smtp_host}:{self.alert_smtp_port}"
            if self.alert_smtp_host else "(none)",
            "alert_webhooks": ", ".join(sorted(self.alert_webhooks)) or "(none)",
            "env_file": str(self.env_file) + ("" if self.env_file.exists() else " (absent)"),
        }


def load_settings(**overrides: object) -> Settings:
    """Settings for the workspace named by ECOPLAN_HOME (or ``home=``), reading its env file."""
    home = Path(str(overrides.get("home") or default_home())).expanduser()
    env_file = home / ENV_FILE_NAME
    try:
        if env_file.exists():
            return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
        return Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic ValidationError → located, readable message
        # deferred: settings load on every CLI start
        from pydantic import ValidationError as PydanticValidationError

        if isinstance(exc, PydanticValidationError):
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise ConfigError(
                f"设置项 ECOPLAN_{field.upper()} 无效：{err['msg']}",
                f"Setting ECOPLAN_{field.upper()} is invalid: {err['msg']}",
            ) from exc
        raise
