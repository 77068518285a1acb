"""``ecoplan backup`` / ``ecoplan restore`` on SQLite and PostgreSQL: round trip with identical
lake summary, ingest list and assessment; a backup taken while a real load runs in another
process; damaged archives refused with the target untouched; secrets left out by default."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text

from ecoplan.cli import main
from ecoplan.ingest.journal import lake_lock
from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.ops.backup import MANIFEST
from ecoplan.sample_data import sample_path
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace

DATA = Path(__file__).resolve().parents[1] / "data"


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> object:
    capsys.readouterr()
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def _views(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           home: Path) -> dict[str, object]:
    """What the issue compares: lake summary, ingest list and the assessment of 2019."""
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    monkeypatch.delenv("ECOPLAN_DATABASE_URL", raising=False)
    return {"lake": _json(capsys, ["lake", "summary"]),
            "ingest": _json(capsys, ["ingest", "list"]),
            "assess": _json(capsys, ["assess", "--year", "2019"])}


def _make_workspace(home: Path, db_url: str, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> Workspace:
    init_workspace(home, database_url=db_url)
    env = home / "ecoplan.env"
    env.write_text(env.read_text() + f"ECOPLAN_DATABASE_URL={db_url}\n")
    ws = Workspace(load_settings(home=home))
    import_bundled(ws.engine, ("shanxi",))
    ingest_file(ws, "air", sample_path("air", "china_sites_20190101.csv"))
    ingest_file(ws, "air", DATA / "ingest" / "dept_air_gbk.csv")  # with quarantined rows
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    assert main(["plan", "load"]) == 0
    (home / "reports" / "年报.txt").write_text("报告", encoding="utf-8")
    (home / "evidence" / "ab").mkdir(parents=True)
    (home / "evidence" / "ab" / "abc.pdf").write_bytes(b"%PDF-1.4 test")
    (home / "hj212_live.json").write_text("{}")  # a live snapshot: transient, not archived
    (home / "cache" / "sql").mkdir(parents=True)  # compiled SQL: rebuilt on demand, not archived
    (home / "cache" / "sql" / "k.json").write_text("{}")
    capsys.readouterr()
    return ws


def _target_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if db_url.startswith("sqlite"):
        return None
    return request.getfixturevalue("postgres").create_database(f"r_{uuid.uuid4().hex[:10]}")


def test_round_trip_identical(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch,
                              request: pytest.FixtureRequest) -> None:
    src = tmp_path / "src"
    _make_workspace(src, db_url, capsys, monkeypatch)
    before = _views(capsys, monkeypatch, src)
    assert before["lake"] and len(before["ingest"]) == 2  # type: ignore[arg-type]
    archive = tmp_path / "b" / "ws.tar.gz"
    monkeypatch.setenv("ECOPLAN_HOME", str(src))
    made = _json(capsys, ["backup", "-o", str(archive)])
    assert made["batches_committed"] == 2 and made["lake_files"] >= 2  # type: ignore[index]
    assert archive.stat().st_mode & 0o777 == 0o600  # the whole database: owner only
    names = tarfile.open(archive).getnames()
    assert "home/reports/年报.txt" in names and "home/evidence/ab/abc.pdf" in names
    assert "home/hj212_live.json" not in names and MANIFEST in names
    assert not any(n.startswith("home/cache") for n in names)
    env_text = tarfile.open(archive).extractfile("home/ecoplan.env").read().decode()  # type: ignore[union-attr]
    secret = load_settings(home=src).secret_key.get_secret_value()
    assert secret not in env_text and "ECOPLAN_SECRET_KEY=" not in env_text

    dst = tmp_path / "dst"
    args = ["restore", str(archive), "--home", str(dst), "--new-secret"]
    target = _target_url(db_url, request, tmp_path)
    if target:
        args += ["--database-url", target]
    restored = _json(capsys, args)
    assert restored["secret_generated"] is True and restored["needs_upgrade"] is False  # type: ignore[index]
    after = _views(capsys, monkeypatch, dst)
    assert after == before
    assert (dst / "reports" / "年报.txt").read_text(encoding="utf-8") == "报告"
    assert not (dst / "hj212_live.json").exists()
    new_secret = load_settings(home=dst).secret_key.get_secret_value()
    assert len(new_secret) >= 32 and new_secret != secret

    # a second restore into the now non-empty folder is refused, and nothing changes
    marker = (dst / "reports" / "年报.txt").stat().st_mtime_ns
    monkeypatch.setenv("ECOPLAN_HOME", str(src))
    assert main(["restore", str(archive), "--home", str(dst)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (dst / "reports" / "年报.txt").stat().st_mtime_ns == marker
    # with --force the workspace (and a non-empty PostgreSQL database) is replaced
    (dst / "extra.txt").write_text("x")
    if target:  # an empty folder, but the database is not empty: refused without --force
        assert main(["restore", str(archive), "--home", str(tmp_path / "e"), "--database-url",
                     target]) == 1
        assert "不为空" in capsys.readouterr().err and not (tmp_path / "e").exists()
    args = ["restore", str(archive), "--home", str(dst), "--force"]
    assert main([*args, *(["--database-url", target] if target else [])]) == 0
    assert not (dst / "extra.txt").exists()
    assert _views(capsys, monkeypatch, dst) == before


def test_include_secrets_keeps_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    init_workspace(home)
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    secret = load_settings(home=home).secret_key.get_secret_value()
    assert main(["backup", "-o", str(tmp_path / "out") + "/", "--include-secrets"]) == 0
    archive = next((tmp_path / "out").glob("ecoplan-backup-*.tar.gz"))
    assert main(["restore", str(archive), "--home", str(tmp_path / "r")]) == 0
    assert load_settings(home=tmp_path / "r").secret_key.get_secret_value() == secret


def _flip_member(archive: Path, member: str, out: Path) -> None:
    """Rewrite the archive with one byte of ``member`` flipped (the manifest kept as it was)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for m in src:
            data = src.extractfile(m).read()  # type: ignore[union-attr]
            if m.name == member:
                data = data[:10] + bytes([data[10] ^ 0x01]) + data[11:]
            import io
            dst.addfile(m, io.BytesIO(data))


def test_damaged_archive_refused_and_target_unchanged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    ws = Workspace(load_settings(home=init_workspace(home).home))
    import_bundled(ws.engine, ("shanxi",))
    ingest_file(ws, "air", sample_path("air", "china_sites_20190101.csv"))
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    good = tmp_path / "good.tar.gz"
    assert main(["backup", "-o", str(good)]) == 0
    lake_member = next(n for n in tarfile.open(good).getnames() if n.endswith(".parquet"))
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("untouched")
    before = sorted(p.name for p in tmp_path.iterdir())

    bad = tmp_path / "bad-member.tar.gz"
    _flip_member(good, lake_member, bad)
    checked = _json(capsys, ["restore", str(good), "--check"])
    assert checked["ok"] is True and checked["batches_committed"] == 1  # type: ignore[index]
    assert main(["restore", str(bad), "--check"]) == 1
    capsys.readouterr()
    assert main(["restore", str(bad), "--home", str(target), "--force"]) == 1
    err = capsys.readouterr().err
    assert "校验和不符" in err and lake_member.split("/")[-1] in err.replace("\n", "")
    assert [p.name for p in target.iterdir()] == ["keep.txt"]

    raw = bytearray(good.read_bytes())  # a flipped byte in the compressed stream itself
    raw[len(raw) // 2] ^= 0xFF
    broken = tmp_path / "bad-bytes.tar.gz"
    broken.write_bytes(bytes(raw))
    monkeypatch.setenv("ECOPLAN_LANG", "en")
    assert main(["--lang", "en", "restore", str(broken), "--home", str(target), "--force"]) == 1
    assert "damaged or incomplete" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (target / "keep.txt").read_text() == "untouched"
    # no staging folder left next to the target
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, bad.name, broken.name])


def _half_month_files(folder: Path) -> list[Path]:
    """January to April of the bundled 2019 Shanxi year cut into half-month files (8 loads of
    ~20 000 rows each)."""
    folder.mkdir()
    with gzip.open(sample_path("realdata", "shanxi_hourly_2019.csv.gz"), "rt",
                   encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype={"station_code": str})
    ts = pd.to_datetime(df["timestamp"])
    out = []
    for m in range(1, 5):
        for half, days in ((1, ts.dt.day <= 15), (2, ts.dt.day > 15)):
            p = folder / f"shanxi_2019_{m:02d}_{half}.csv"
            df[(ts.dt.month == m) & days].to_csv(p, index=False)
            out.append(p)
    return out


def _committed(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM ingest_batches WHERE status='committed'")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_backup_during_a_running_load(db_url: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch,
                                      request: pytest.FixtureRequest) -> None:
    home = tmp_path / "home"
    init_workspace(home, database_url=db_url)
    env_file = home / "ecoplan.env"
    env_file.write_text(env_file.read_text() + f"ECOPLAN_DATABASE_URL={db_url}\n")
    ws = Workspace(load_settings(home=home))
    import_bundled(ws.engine, ("shanxi",))
    files = _half_month_files(tmp_path / "year")
    url = ws.settings.effective_database_url
    env = dict(os.environ, ECOPLAN_HOME=str(home))
    load = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "ingest", "air",
                             str(tmp_path / "year"), "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stopped = False
    try:
        deadline = time.monotonic() + 300
        while _committed(url) < 2 and time.monotonic() < deadline:
            assert load.poll() is None, load.communicate()
            time.sleep(0.2)
        # Hold the load between two batches so the backup surely falls inside it, however fast
        # the machine: take the lake lock (the load finishes its batch first, or waits), stop
        # the load's process, let go of the lock, back up, and let the load go on.
        with lake_lock(ws.lake):
            assert load.poll() is None, "the load ended before the backup could start"
            assert _committed(url) < len(files)
            os.kill(load.pid, signal.SIGSTOP)
            stopped = True
            # wait until it has stopped: a waiting load woken by the signal must not find the
            # lock free before it halts
            _, status = os.waitpid(load.pid, os.WUNTRACED)
            assert os.WIFSTOPPED(status)
        monkeypatch.setenv("ECOPLAN_HOME", str(home))
        archive = tmp_path / "mid.tar.gz"
        made = _json(capsys, ["backup", "-o", str(archive)])
        os.kill(load.pid, signal.SIGCONT)
        stopped = False
        out, err = load.communicate(timeout=600)
    finally:
        if load.poll() is None:
            if stopped:
                os.kill(load.pid, signal.SIGCONT)
            load.kill()
    assert load.returncode == 0, err
    in_backup = made["batches_committed"]  # type: ignore[index]
    assert 2 <= in_backup < len(files), "the backup was not taken while the load ran"
    dst = tmp_path / "restored"
    target = _target_url(db_url, request, tmp_path)
    assert main(["restore", str(archive), "--home", str(dst),
                 *(["--database-url", target] if target else [])]) == 0
    # every batch of the restored ledger is wholly in the restored lake, and nothing else is
    rws = Workspace(load_settings(home=dst))
    with rws.engine.connect() as conn:
        batches = conn.execute(text(
            "SELECT id, status, message FROM ingest_batches ORDER BY id")).all()
    assert [b.status for b in batches] == ["committed"] * in_backup
    lake = pd.concat([pq.read_table(f, columns=["batch"]).to_pandas()
                      for f in rws.lake.files("air_hourly")])
    per_batch = lake.groupby("batch").size().to_dict()
    assert set(per_batch) == {b.id for b in batches}
    for b in batches:
        assert per_batch[b.id] == json.loads(b.message)["written"]
    # and the source, finished meanwhile, holds every file
    assert _committed(url) == len(files)
