"""Start a throw-away PostgreSQL server from Debian's packages for the test suite.

The server runs on a free loopback port with its data directory under the test's temporary
folder and is stopped at the end of the session. As root (CI) it runs as the ``postgres`` user,
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        found = shutil.which("initdb")
        if not found:
            raise PostgresUnavailable("PostgreSQL server binaries (Debian package postgresql) not found")
        return Path(found).resolve().parent
    return Path(candidates[0]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "pgdata"
        self.sock = base / "sock"
        self.port = _free_port()
        self.bindir = _bindir()
        self.user_prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root but no 'postgres' system user") from exc
            self.user_prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self.user_prefix, *args], capture_output=True, text=True, timeout=420)
        if proc.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {proc.stderr.strip()[-500:]}")

    def start(self) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.user_prefix:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "ecoplan",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.base / "server.log"), "-w", "-t", "300", "start")
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://ecoplan@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=ecoplan dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.user_prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
