"""The metadata database: engine creation, connection checks and Alembic migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ecoplan import __version__
from ecoplan.errors import DatabaseError, SchemaTooNewError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; malformed URLs and missing drivers raise DatabaseError."""
    try:
        if url.startswith("sqlite"):
            path = url.split("sqlite:///", 1)[-1]
            if path and path != ":memory:":
                parent = Path(path).parent
                if not parent.exists():
                    raise DatabaseError(
                        f"数据库目录不存在：{parent}（请先运行 ecoplan init）",
                        f"Database directory does not exist: {parent} (run `ecoplan init` first)",
                    )
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        kwargs: dict[str, object] = {"pool_pre_ping": True}
        if url.startswith("postgresql"):
            kwargs["connect_args"] = {"connect_timeout": 15}
        return create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseError(
            f"数据库地址无效：{exc}", f"Invalid database URL: {exc}"
        ) from exc


def check_connection(engine: Engine) -> None:
    """Open one connection; an unreachable server becomes a one-line DatabaseError."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        safe = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"无法连接数据库 {safe}：{reason}",
            f"Cannot connect to the database {safe}: {reason}",
        ) from exc


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config  # deferred: Alembic loads only for schema upgrades and checks

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> list[str]:
    """Bring the schema to ``revision`` (all heads by default); returns the heads reached."""
    from alembic import command  # deferred: Alembic loads only for schema upgrades and checks

    engine = make_engine(url)
    check_connection(engine)
    require_known(engine)
    cfg = alembic_config(url)
    cfg.attributes["connection_engine"] = engine
    command.upgrade(cfg, revision)
    return current_revisions(engine)


def current_revisions(engine: Engine) -> list[str]:
    insp = inspect(engine)
    if not insp.has_table("alembic_version"):
        return []
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def head_revisions() -> list[str]:
    # deferred: Alembic loads only for schema upgrades and checks
    from alembic.script import ScriptDirectory

    return sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def known_revisions() -> set[str]:
    """Every schema revision this version of ecoplan knows (its migrations)."""
    from alembic.script import ScriptDirectory  # deferred: Alembic loads only for schema checks

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def require_known(engine: Engine) -> None:
    """Refuse a database stamped with a revision this ecoplan does not know: it was created or
    upgraded by a newer ecoplan, and an older one must neither use nor "upgrade" it."""

    unknown = [r for r in current_revisions(engine) if r not in known_revisions()]
    if unknown:
        names = ", ".join(unknown)
        raise SchemaTooNewError(
            f"数据库结构版本 {names} 不是本版 ecoplan（{__version__}）所知的版本：该数据库已由更新的 "
            "ecoplan 创建或升级。为免损坏数据，ecoplan 拒绝在其上运行。请先将 ecoplan 升级到"
            "与该数据库相同或更新的版本（git pull && make install，或 pip install -U ecoplan），"
            "再运行 ecoplan db upgrade；不要降级数据库。",
            f"The database schema revision {names} is unknown to this ecoplan ({__version__}): "
            "the database was created or upgraded by a newer ecoplan. To protect the data, "
            "ecoplan refuses to run on it. Upgrade ecoplan to that version or later (git pull && "
            "make install, or pip install -U ecoplan), then run `ecoplan db upgrade`; do not "
            "downgrade the database.",
        )


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is behind the code (or ahead of it)."""
    check_connection(engine)
    require_known(engine)
    if current_revisions(engine) != head_revisions():
        raise DatabaseError(
            "数据库结构不是最新版本，请运行 ecoplan db upgrade。",
            "The database schema is not up to date; run `ecoplan db upgrade`.",
        )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session of ``factory`` as one transaction: committed on success, rolled back on any
    error, closed in every case."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on any error."""
    with transaction(sessionmaker(engine, expire_on_commit=False)) as session:
        yield session
