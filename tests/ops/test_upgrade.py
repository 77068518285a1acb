"""Upgrades: a workspace of the first release (tests/data/upgrade) upgrades in place with every
row kept and serves the web platform; a database stamped by a newer ecoplan is refused."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from ecoplan.cli import main
from ecoplan.settings import load_settings
from ecoplan.store import db
from ecoplan.store.workspace import init_workspace

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "upgrade" / "first_release"
# tables whose new columns a revision fills on purpose (0010_security: the audit hash chain,
# the lockout counter 0, random evidence ids)
BACKFILLED = {"audit_log", "users", "evidence_files"}


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_first_release_workspace_upgrades_in_place(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "old"
    shutil.copytree(FIXTURE, home)
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    before = _tables(home / "ecoplan.db")
    assert before["alembic_version"] == [("0001_initial",)]
    counts = {t: len(rows) for t, rows in before.items()}
    assert counts["stations"] == 2 and counts["ingest_batches"] == 1 and counts["quarantine"] == 1

    assert main(["ingest", "list"]) == 1  # behind the code: refused until upgraded
    assert "ecoplan db upgrade" in capsys.readouterr().err
    assert main(["db", "upgrade", "--json"]) == 0
    reached = json.loads(capsys.readouterr().out)["revisions"]
    assert reached == db.head_revisions()

    after = _tables(home / "ecoplan.db")
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        # a later revision may add columns (e.g. stations.station_type): they start empty and
        # every value that existed is kept
        width = len(rows[0]) if rows else 0
        assert [r[:width] for r in after[table]] == rows, f"rows of {table} changed by the upgrade"
        if table not in BACKFILLED:
            assert all(v is None for r in after[table] for v in r[width:]), table
    assert main(["audit", "verify"]) == 0  # 0010_security chained the old audit rows
    assert {t: len(after[t]) for t in counts if t != "alembic_version"} == {
        t: n for t, n in counts.items() if t != "alembic_version"}
    assert set(after) > set(before)  # the later revisions' tables were added

    assert main(["lake", "list", "--json"]) == 0
    lake = {d["dataset"]: d["rows"] for d in json.loads(capsys.readouterr().out)}
    assert lake == {"air_hourly_sample": 72}
    assert main(["ingest", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 1 and "air_hourly_sample" in json.dumps(listed)

    # the web server starts on the upgraded workspace (a real process)
    port = _free_port()
    env = dict(os.environ, ECOPLAN_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    assert r.status == 200 and 'action="/login"' in r.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the web server did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _stamp_future(url: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0042_future')"))
    engine.dispose()


def test_newer_schema_is_refused_everywhere(db_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    init_workspace(home, database_url=db_url)
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", db_url)
    _stamp_future(db_url)
    revisions_before = db.current_revisions(db.make_engine(db_url))
    capsys.readouterr()
    for args in (["ingest", "list"], ["db", "upgrade"], ["serve", "--port", str(_free_port())],
                 ["gateway", "--port", "0", "--duration", "1"], ["dust", "control", "--once"],
                 ["assess", "--year", "2024"], ["backup", "-o", str(tmp_path / "b.tar.gz")]):
        assert main(args) == 1, args
        err = capsys.readouterr().err.replace("\n", "")
        assert "0042_future" in err and "升级" in err and "ecoplan" in err, (args, err)
    assert main(["--lang", "en", "ingest", "list"]) == 1
    err = capsys.readouterr().err.replace("\n", "")
    assert "0042_future" in err and "newer ecoplan" in err and "Upgrade ecoplan" in err
    # refused, not "upgraded": the database is as it was
    assert db.current_revisions(db.make_engine(db_url)) == revisions_before
    assert load_settings().home == home
