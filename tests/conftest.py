"""Shared fixtures: workspaces, and every database test on SQLite *and* a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecoplan.i18n import set_lang
from tests.pg_server import PostgresServer, PostgresUnavailable

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own workspace or settings."""
    for var in list(os.environ):
        if var.startswith("ECOPLAN_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ECOPLAN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOPLAN_LANG", "zh")
    set_lang("zh")  # a previous test's --lang en must not leak into this one


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """A PostgreSQL server for the session (None, with a printed reason, outside CI if absent)."""
    server: PostgresServer | None = None
    # Not under pytest's own temporary folder: that one is private (mode 700) to root, and the
    # server runs as the postgres user.
    base = Path(tempfile.mkdtemp(prefix="ecoplan-pg-"))
    base.chmod(0o755)
    try:
        server = PostgresServer(base / "server")
        server.start()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        print(f"\n[ecoplan tests] PostgreSQL not available, its tests are skipped: {exc}")
        yield None
        return
    print(f"\n[ecoplan tests] PostgreSQL test server on 127.0.0.1:{server.port}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL — once on SQLite, once on the PostgreSQL test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta.db'}"
    server = request.getfixturevalue("postgres")
    if server is None:
        pytest.skip("PostgreSQL not available outside CI (install Debian's postgresql)")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def workspace_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """A folder kept after the run for files a person may want to look at (screenshots, PDFs)."""
    d = ARTIFACTS / request.node.name.replace("/", "_")
    d.mkdir(parents=True, exist_ok=True)
    return d


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Say in the log how many tests ran against the real PostgreSQL server."""
    passed = terminalreporter.stats.get("passed", [])
    pg = [r for r in passed if "[postgresql" in r.nodeid and r.when == "call"]
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "[postgresql" in r.nodeid]
    terminalreporter.write_line(
        f"ecoplan: {len(pg)} tests passed against a real PostgreSQL server"
        + (f", {len(skipped)} skipped" if skipped else "")
    )
