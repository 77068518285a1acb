"""``ecoplan backup`` / ``ecoplan restore``: one archive of a workspace, verified before use.

An archive (``.tar.gz``) holds

* ``db/ecoplan.db`` — a SQLite snapshot made with SQLite's online-backup API, or
  ``db/ecoplan.pgdump`` — a ``pg_dump`` custom-format dump of the PostgreSQL database;
* ``home/…`` — the workspace folder: the Parquet lake (``home/lake/…``), the settings file
  ``home/ecoplan.env`` (secret key and database password removed unless ``--include-secrets``),
  reports, evidence files and every other file a user or ecoplan put there;
* ``manifest.json`` — SHA-256 and size of every member, the ecoplan version, the schema
  revisions, the database kind and the ingest batches committed in the snapshot; and
  ``manifest.json.sha256``, the checksum of the manifest itself.

Consistency with running writers. Every writer of the lake (file loads, the HJ 212 gateway's
loads, compaction) holds the lake's ingest lock (:func:`ecoplan.ingest.journal.lake_lock`) from
the moment it registers its batch until the batch is ``committed`` (or rolled back). The backup
takes the same lock for a short moment, during which it (1) finishes or undoes batches a killed
process left behind (the journal's normal recovery), (2) fixes the database snapshot — the
SQLite online backup, or for PostgreSQL a ``REPEATABLE READ`` transaction whose snapshot is
exported and later handed to ``pg_dump --snapshot`` — and (3) hard-links every visible lake file
into a private staging folder (a copy where links are impossible). The lock is then released and
the slow part (``pg_dump``, compression) runs while loads go on. So the archive holds exactly the
batches that were committed at one instant, each with all its files: a load running at that
moment is either wholly in the archive (it finished before the lock was granted) or wholly
absent (it starts after). Files are never modified in place in the lake (new files are renamed
into place, compaction removes old ones), so the hard links keep the snapshot intact. The other
files of the workspace (reports, evidence) are read after the snapshot; an evidence file is
written before its database row, so every file the snapshot refers to is in the archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from glob import glob
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from ecoplan import __version__
from ecoplan.errors import BackupError
from ecoplan.ingest.journal import LOCK_NAME, lake_lock, recover
from ecoplan.settings import ENV_FILE_NAME, Settings, load_settings
from ecoplan.store import db
from ecoplan.store.lake import TMP_PREFIX, Lake

FORMAT = "ecoplan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
DB_SQLITE = "db/ecoplan.db"
DB_PG = "db/ecoplan.pgdump"
HOME_PREFIX = "home/"
STAGING_PREFIX = ".backup-staging-"
RESTORE_PREFIX = ".ecoplan-restore-"
ARCHIVE_GLOB = "ecoplan-backup-*.tar.gz"
SECRET_VARS = ("ECOPLAN_SECRET_KEY",)
REMOVED_MARK = "# removed by ecoplan backup (no --include-secrets): "
_CHUNK = 1 << 20


@dataclass
class BackupResult:
    path: Path
    bytes: int
    files: int
    lake_files: int
    database: str
    revisions: list[str]
    batches_committed: int
    include_secrets: bool
    seconds: float
    removed_old: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    home: Path
    database: str
    database_url: str
    files: int
    revisions: list[str]
    secret_restored: bool
    secret_generated: bool
    needs_upgrade: bool
    ecoplan_version: str


# ------------------------------------------------------------------------------ helpers
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("内存数据库无法备份", "An in-memory database cannot be backed up")
    return Path(path)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL tools, the password passed in the environment."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def pg_tool(name: str, server_major: int | None = None) -> str:
    """The PostgreSQL client program ``name`` (pg_dump/pg_restore): Debian's versioned copy
    matching the server's major version (or the oldest newer one), else the newest installed."""
    found: dict[int, str] = {}
    for p in glob(f"/usr/lib/postgresql/*/bin/{name}"):
        with contextlib.suppress(ValueError):
            found[int(Path(p).parts[-3])] = p
    if found:
        if server_major is None:
            return found[max(found)]
        newer = sorted(v for v in found if v >= server_major)
        if newer:
            return found[newer[0]]
    path = shutil.which(name)
    if path:
        return path
    want = f"postgresql-client-{server_major}" if server_major else "postgresql-client"
    raise BackupError(
        f"未找到 {name}（PostgreSQL 客户端工具），请安装 Debian 软件包 {want}。",
        f"{name} (PostgreSQL client tools) was not found; install the Debian package {want}.")


def _server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    return num // 10000


def _run(cmd: list[str], env: dict[str, str], what_zh: str, what_en: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        tail = " | ".join(detail[-4:])
        raise BackupError(f"{what_zh}失败（{Path(cmd[0]).name} 退出码 {proc.returncode}）：{tail}",
                          f"{what_en} failed ({Path(cmd[0]).name} exit code {proc.returncode}): "
                          f"{tail}")


def _transient(rel: PurePosixPath) -> bool:
    """Workspace files never archived: locks, half-written temporaries, live snapshots, the
    cache (compiled SQL, rebuilt on demand: ``ecoplan/store/sql_cache.py``)."""
    name = rel.name
    top = rel.parts[0]
    return (top.startswith((STAGING_PREFIX, RESTORE_PREFIX)) or top == "cache"
            or name == LOCK_NAME
            or name.startswith(TMP_PREFIX) or (name.startswith("hj212_live") and
                                               name.endswith(".json") and len(rel.parts) == 1))


def _mask_env(text_: str, include_secrets: bool) -> str:
    """The settings file as archived: without --include-secrets the secret key is removed and a
    database password replaced by ``***``."""
    if include_secrets:
        return text_
    out = []
    for line in text_.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in SECRET_VARS:
            out.append(f"{REMOVED_MARK}{key}")
        elif key == "ECOPLAN_DATABASE_URL" and "=" in line:
            value = line.split("=", 1)[1].strip().strip('"').strip("'")
            try:
                value = make_url(value).render_as_string(hide_password=True)
            except Exception:  # noqa: BLE001 - unparsable: drop the value rather than leak it
                value = "***"
            out.append(f"ECOPLAN_DATABASE_URL={value}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


class _Hashing:
    """A file object that hashes what tarfile reads from it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.h = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        b = self.fh.read(n)
        self.h.update(b)
        return b


def _add(tar: tarfile.TarFile, arcname: str, path: Path, files: dict[str, dict[str, Any]]) -> None:
    st = path.stat()
    info = tarfile.TarInfo(arcname)
    info.size = st.st_size
    info.mtime = int(st.st_mtime)
    info.mode = 0o600 if arcname.endswith(ENV_FILE_NAME) else 0o644
    with open(path, "rb") as fh:
        hashing = _Hashing(fh)
        tar.addfile(info, hashing)
    files[arcname] = {"sha256": hashing.h.hexdigest(), "bytes": st.st_size}


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        b = self.data[self.pos:end]
        self.pos = end
        return b


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _committed_batches(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM ingest_batches WHERE status = 'committed'")).scalar_one())
    except Exception:  # noqa: BLE001 - an old schema without the table: nothing to count
        return 0


# ------------------------------------------------------------------------------ backup
def resolve_output(out: str | Path) -> Path:
    """``-o FILE`` as given; ``-o DIR`` (an existing folder or a path ending in /) names a
    timestamped archive inside it."""
    raw = os.fspath(out)
    path = Path(raw).expanduser().resolve()
    if path.is_dir() or raw.endswith(os.sep):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return path / f"ecoplan-backup-{stamp}.tar.gz"
    return path


@contextlib.contextmanager
def _pg_snapshot(url: str) -> Iterator[tuple[Any, str]]:
    """An open REPEATABLE READ transaction and its exported snapshot id."""

    uri, env = _libpq(url)
    conn = psycopg.connect(uri, password=env.get("PGPASSWORD"), connect_timeout=15)
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snap = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snap is not None
        yield conn, str(snap[0])
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()


def backup(out: str | Path, *, settings: Settings | None = None, include_secrets: bool = False,
           keep: int | None = None) -> BackupResult:
    """Write one archive of the workspace to ``out`` (see the module docstring)."""
    started = time.perf_counter()
    settings = settings or load_settings()
    home = settings.home
    if not home.is_dir():
        raise BackupError(f"工作区 {home} 不存在，无可备份。",
                          f"Workspace {home} does not exist; nothing to back up.")
    url = settings.effective_database_url
    engine = db.make_engine(url)
    db.check_connection(engine)
    db.require_known(engine)
    lake = Lake(settings.lake_dir)
    out = resolve_output(out)
    if out.is_relative_to(settings.lake_dir):
        raise BackupError("备份文件不能写在数据湖目录内。",
                          "The backup file cannot be written inside the lake folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=home))
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    db_member = DB_SQLITE if kind == "sqlite" else DB_PG
    tmp_out = out.with_name(f".{out.name}.partial")
    try:
        with contextlib.ExitStack() as stack:
            pg: tuple[Any, str] | None = None
            with lake_lock(lake):
                revisions = db.current_revisions(engine)
                if revisions == db.head_revisions():
                    recover(engine, lake)  # a killed writer's batch: finish or undo it first
                if kind == "sqlite":
                    _sqlite_snapshot(_sqlite_path(url), staging / DB_SQLITE)
                else:
                    pg = stack.enter_context(_pg_snapshot(url))
                lake_files = []
                if lake.root.exists():
                    for f in sorted(lake.root.rglob("*.parquet")):
                        if f.name.startswith(TMP_PREFIX):
                            continue
                        rel = f.relative_to(lake.root)
                        _link_or_copy(f, staging / "lake" / rel)
                        lake_files.append(rel)
            # the lock is released: loads go on while the dump and the archive are written
            if kind == "sqlite":
                snap_engine = db.make_engine(f"sqlite:///{staging / DB_SQLITE}")
                committed = _committed_batches(snap_engine)
                snap_engine.dispose()
            else:
                assert pg is not None
                conn, snap_id = pg
                try:
                    row = conn.execute("SELECT count(*) FROM ingest_batches WHERE status = "
                                       "'committed'").fetchone()
                    committed = int(row[0]) if row else 0
                except Exception:  # noqa: BLE001 - old schema: no ledger to count
                    conn.rollback()
                    committed = 0
                _pg_dump(url, engine, snap_id, staging / DB_PG)
        files: dict[str, dict[str, Any]] = {}
        tmp_out.touch(mode=0o600)  # the archive holds the whole database: owner only
        tmp_out.chmod(0o600)
        with tarfile.open(tmp_out, "w:gz", compresslevel=6) as tar:
            _add(tar, db_member, staging / db_member, files)
            for rel in lake_files:
                _add(tar, f"{HOME_PREFIX}lake/{rel.as_posix()}", staging / "lake" / rel, files)
            if settings.env_file.exists():
                masked = _mask_env(settings.env_file.read_text(encoding="utf-8"),
                                   include_secrets)
                (staging / ENV_FILE_NAME).write_text(masked, encoding="utf-8")
                _add(tar, f"{HOME_PREFIX}{ENV_FILE_NAME}", staging / ENV_FILE_NAME, files)
            for path in _home_files(home, settings, url, out):
                with contextlib.suppress(FileNotFoundError):  # removed meanwhile: not needed
                    _add(tar, f"{HOME_PREFIX}{path.relative_to(home).as_posix()}", path, files)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "ecoplan_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "source_home": str(home),
                "database": {"kind": kind, "member": db_member,
                             "format": "sqlite" if kind == "sqlite" else "pg_dump-custom"},
                "schema_revisions": revisions,
                "include_secrets": include_secrets,
                "batches_committed": committed,
                "lake_files": len(lake_files),
                "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, data)
            _add_bytes(tar, MANIFEST_SUM,
                       f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n".encode())
        os.replace(tmp_out, out)
    except BaseException:
        tmp_out.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        engine.dispose()
    removed = _rotate(out, keep) if keep else []
    return BackupResult(out, out.stat().st_size, len(files), len(lake_files), kind, revisions,
                        committed, include_secrets, round(time.perf_counter() - started, 2),
                        removed)


def _sqlite_snapshot(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_dump(url: str, engine: Engine, snapshot: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    uri, env = _libpq(url)
    tool = pg_tool("pg_dump", _server_major(engine))
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
          f"--file={dest}", f"--dbname={uri}"], env, "导出 PostgreSQL 数据库",
         "Dumping the PostgreSQL database")


def _home_files(home: Path, settings: Settings, url: str, out: Path) -> Iterator[Path]:
    """Every other file of the workspace (reports, evidence, examples, …)."""
    skip: set[Path] = {settings.lake_dir, settings.env_file}
    if _is_sqlite(url):
        base = _sqlite_path(url).resolve()
        skip |= {base, Path(f"{base}-wal"), Path(f"{base}-shm"), Path(f"{base}-journal")}
    for root, dirs, names in os.walk(home):
        rootp = Path(root)
        kept = []
        for d in sorted(dirs):
            p = rootp / d
            if p not in skip and not _transient(PurePosixPath(p.relative_to(home).as_posix())):
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            p = rootp / name
            rel = PurePosixPath(p.relative_to(home).as_posix())
            if p in skip or _transient(rel) or not p.is_file() or p.is_symlink():
                continue
            if p == out or p.name.startswith(f".{out.name}") or (
                    p.parent == out.parent and p.match(ARCHIVE_GLOB)):
                continue
            yield p


def _rotate(out: Path, keep: int) -> list[str]:
    """Keep the newest ``keep`` timestamped archives in the folder of ``out``."""
    archives = sorted(out.parent.glob(ARCHIVE_GLOB))
    old = archives[:-keep] if len(archives) > keep else []
    for p in old:
        p.unlink(missing_ok=True)
    return [str(p) for p in old]


# ------------------------------------------------------------------------------ restore
def _safe_member(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise BackupError(f"备份文件含不安全的路径 {name!r}，拒绝恢复。",
                          f"The archive holds an unsafe path {name!r}; refusing to restore.")
    return p


def _damaged(archive: Path, why_zh: str, why_en: str | None = None) -> BackupError:
    return BackupError(
        f"备份文件 {archive} 已损坏或不完整（{why_zh}），未做任何改动。请改用另一份备份。",
        f"The backup archive {archive} is damaged or incomplete ({why_en or why_zh}); nothing "
        "was changed. Use another backup.")


def verify_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Extract ``archive`` into the empty folder ``into`` and check every member against the
    manifest; returns the manifest. Raises :class:`BackupError` on any mismatch."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}", f"Backup archive {archive} not found")
    got: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for m in tar:
                rel = _safe_member(m.name)
                if m.isdir():
                    continue
                if not m.isfile():
                    raise BackupError(f"备份文件含非普通文件成员 {m.name!r}，拒绝恢复。",
                                      f"The archive holds a non-regular member {m.name!r}; "
                                      "refusing to restore.")
                src = tar.extractfile(m)
                assert src is not None
                dest = into.joinpath(*rel.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                h = hashlib.sha256()
                with open(dest, "wb") as fh:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        fh.write(chunk)
                got[rel.as_posix()] = (h.hexdigest(), m.size)
    except BackupError:
        raise
    except tarfile.ReadError as exc:
        raise _damaged(archive, "不是可读的 tar.gz 归档", "not a readable tar.gz archive") from exc
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:  # a disk error, not the archive
            raise BackupError(f"解包备份时出错：{exc}", f"Error while unpacking: {exc}") from exc
        raise _damaged(archive, f"{type(exc).__name__}: {exc}") from exc
    if MANIFEST not in got or MANIFEST_SUM not in got:
        raise _damaged(archive, "缺少 manifest.json", "manifest.json is missing")
    data = (into / MANIFEST).read_bytes()
    stated = (into / MANIFEST_SUM).read_text(encoding="utf-8", errors="replace").split()[:1]
    if stated != [hashlib.sha256(data).hexdigest()]:
        raise _damaged(archive, "manifest.json 校验和不符", "manifest checksum mismatch")
    manifest = json.loads(data)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} 不是 ecoplan 备份文件。",
                          f"{archive} is not an ecoplan backup archive.")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest['format_version']} 比本版 ecoplan 支持的新，请升级 ecoplan。",
            f"Backup format version {manifest['format_version']} is newer than this ecoplan "
            "supports; upgrade ecoplan.")
    files: dict[str, dict[str, Any]] = manifest["files"]
    for name, meta in sorted(files.items()):
        if name not in got:
            raise _damaged(archive, f"缺少成员 {name}", f"member {name} is missing")
        digest, size = got[name]
        if digest != meta["sha256"] or size != meta["bytes"]:
            raise _damaged(archive, f"成员 {name} 校验和不符", f"checksum mismatch in {name}")
    extra = sorted(set(got) - set(files) - {MANIFEST, MANIFEST_SUM})
    if extra:
        raise _damaged(archive, f"清单外的成员 {extra[0]}", f"member {extra[0]} not in the manifest")
    return manifest


def check_archive(archive: Path) -> dict[str, Any]:
    """Verify every checksum of ``archive`` without restoring it; returns its manifest summary."""
    archive = Path(archive).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix=RESTORE_PREFIX) as tmp:
        manifest = verify_archive(archive, Path(tmp))
    files = manifest["files"]
    return {"archive": str(archive), "ok": True, "created_at": manifest.get("created_at"),
            "ecoplan_version": manifest.get("ecoplan_version"),
            "database": manifest["database"]["kind"],
            "schema_revisions": manifest.get("schema_revisions"),
            "include_secrets": manifest.get("include_secrets"),
            "batches_committed": manifest.get("batches_committed"),
            "files": len(files), "lake_files": manifest.get("lake_files"),
            "bytes": sum(int(f["bytes"]) for f in files.values()),
            "source_home": manifest.get("source_home")}


def _target_empty_pg(url: str) -> bool:
    engine = db.make_engine(url)
    try:
        db.check_connection(engine)
        with engine.connect() as conn:
            n = conn.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')")).scalar_one()
        return int(n) == 0
    finally:
        engine.dispose()


def _pg_restore(url: str, dump: Path, *, clean: bool) -> None:
    uri, env = _libpq(url)
    cmd = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
           "--single-transaction"]
    if clean:
        cmd += ["--clean", "--if-exists"]
    _run([*cmd, f"--dbname={uri}", str(dump)], env, "恢复 PostgreSQL 数据库",
         "Restoring the PostgreSQL database")


def _restored_env(text_: str, *, database_url: str | None, new_secret: bool) -> tuple[str, bool]:
    """The settings file written into the restored workspace; returns (text, has_secret)."""
    lines: list[str] = []
    has_secret = False
    for line in text_.splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "ECOPLAN_SECRET_KEY":
            has_secret = True
        if key == "ECOPLAN_DATABASE_URL" or line.startswith(f"{REMOVED_MARK}ECOPLAN_SECRET_KEY"):
            continue
        lines.append(line)
    if not has_secret:
        if new_secret:
            lines.append(f"ECOPLAN_SECRET_KEY={secrets.token_urlsafe(32)}")
        else:
            lines.append("# ECOPLAN_SECRET_KEY= (not in the backup: run `ecoplan restore … "
                         "--new-secret`, or copy the line from the original ecoplan.env)")
    if database_url:
        lines.append(f"ECOPLAN_DATABASE_URL={database_url}")
    return "\n".join(lines) + "\n", has_secret


def restore(archive: Path, home: Path, *, force: bool = False, database_url: str | None = None,
            new_secret: bool = False) -> RestoreResult:
    """Restore ``archive`` into the workspace folder ``home`` (see the module docstring).

    Nothing in ``home`` (or the target database) is touched before every checksum is verified.
    """
    archive = Path(archive).expanduser().resolve()
    home = Path(home).expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise BackupError(f"{home} 不是目录。", f"{home} is not a directory.")
    if home.exists() and any(home.iterdir()) and not force:
        raise BackupError(
            f"目标目录 {home} 不为空，未做任何改动。请指定一个空目录，或加 --force 以备份内容替换"
            "该目录中的工作区（原有文件将被删除）。",
            f"The target folder {home} is not empty; nothing was changed. Give an empty folder, "
            "or add --force to replace the workspace in it with the backup (its files are "
            "deleted).")
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=RESTORE_PREFIX, dir=home.parent))
    try:
        manifest = verify_archive(archive, staging)
        revisions = list(manifest.get("schema_revisions") or [])
        known = db.known_revisions()
        unknown = [r for r in revisions if r not in known]
        if unknown:
            raise BackupError(
                f"备份的数据库结构版本 {', '.join(unknown)} 比本版 ecoplan（{__version__}）新，"
                f"未做任何改动。请先升级 ecoplan（备份由 {manifest.get('ecoplan_version')} 生成）。",
                f"The backup's schema revision {', '.join(unknown)} is newer than this ecoplan "
                f"({__version__}); nothing was changed. Upgrade ecoplan first (the backup was "
                f"made by {manifest.get('ecoplan_version')}).")
        kind = manifest["database"]["kind"]
        target_settings = load_settings(home=home)
        target_url = database_url or target_settings.database_url
        if kind == "postgresql":
            if not target_url or _is_sqlite(target_url):
                raise BackupError(
                    "该备份的数据库是 PostgreSQL：请用 --database-url（或环境变量 "
                    "ECOPLAN_DATABASE_URL）指定要恢复到的 PostgreSQL 数据库（应为空库）。"
                    "未做任何改动。",
                    "This backup holds a PostgreSQL database: name the PostgreSQL database to "
                    "restore into with --database-url (or ECOPLAN_DATABASE_URL); it should be "
                    "empty. Nothing was changed.")
            if not _target_empty_pg(target_url) and not force:
                safe = make_url(target_url).render_as_string(hide_password=True)
                raise BackupError(
                    f"目标数据库 {safe} 不为空，未做任何改动。请使用空数据库，或加 --force 覆盖。",
                    f"The target database {safe} is not empty; nothing was changed. Use an empty "
                    "database, or add --force to overwrite it.")
        else:
            if target_url and not _is_sqlite(target_url):
                raise BackupError(
                    "该备份的数据库是 SQLite，不能恢复到 PostgreSQL（请先恢复到 SQLite 工作区）。"
                    "未做任何改动。",
                    "This backup holds a SQLite database and cannot be restored into "
                    "PostgreSQL (restore it into a SQLite workspace). Nothing was changed.")
            target_url = target_url or f"sqlite:///{home / 'ecoplan.db'}"
        # ---- verified: now replace the workspace
        if home.exists() and force:
            for child in home.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        home.mkdir(parents=True, exist_ok=True)
        src_home = staging / HOME_PREFIX.rstrip("/")
        if src_home.exists():
            for child in src_home.iterdir():
                if child.name != ENV_FILE_NAME:
                    shutil.move(str(child), str(home / child.name))
        env_src = src_home / ENV_FILE_NAME
        env_text = env_src.read_text(encoding="utf-8") if env_src.exists() else ""
        write_url = target_url if (kind == "postgresql" or database_url) else None
        env_out, had_secret = _restored_env(env_text, database_url=write_url,
                                            new_secret=new_secret)
        env_file = home / ENV_FILE_NAME
        env_file.write_text(env_out, encoding="utf-8")
        env_file.chmod(0o600)
        (home / "lake").mkdir(exist_ok=True)
        (home / "reports").mkdir(exist_ok=True)
        if kind == "sqlite":
            dest = _sqlite_path(target_url)
            dest.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{dest}{suffix}").unlink(missing_ok=True)
            shutil.move(str(staging / DB_SQLITE), str(dest))
        else:
            _pg_restore(target_url, staging / DB_PG, clean=force)
        engine = db.make_engine(target_url)
        try:
            current = db.current_revisions(engine)
        finally:
            engine.dispose()
        safe_url = make_url(target_url).render_as_string(hide_password=True)
        return RestoreResult(home, kind, safe_url, len(manifest["files"]), current, had_secret,
                             new_secret and not had_secret, current != db.head_revisions(),
                             str(manifest.get("ecoplan_version")))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def result_dict(result: BackupResult | RestoreResult) -> dict[str, Any]:
    d = asdict(result)
    for k, v in d.items():
        if isinstance(v, Path):
            d[k] = str(v)
    return d
