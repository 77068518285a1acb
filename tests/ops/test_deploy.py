"""``ecoplan deploy``: the generated systemd units are valid, and the web server, the HJ 212
gateway and the dust controller start exactly as the units say (their ExecStart command lines,
Environment and EnvironmentFile) against the PostgreSQL test server, and answer."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.ingest.hj212 import encode
from ecoplan.ingest.hj212.codec import decode
from ecoplan.ingest.hj212.framer import Framer
from ecoplan.store.workspace import init_workspace
from tests.hj212.conftest import ORACLE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values…]}} (keys may repeat)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            out.setdefault(section, {})
            continue
        key, value = line.split("=", 1)
        out[section].setdefault(key.strip(), []).append(value.strip())
    return out


def environment_file(path: Path) -> dict[str, str]:
    """Read an EnvironmentFile as systemd does (KEY=VALUE, comments, optional quotes)."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def unit_process(unit: dict[str, dict[str, list[str]]]) -> tuple[list[str], dict[str, str], str]:
    """The command line, environment and working directory systemd would give the service."""
    svc = unit["Service"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for assignment in svc.get("Environment", []):
        for item in shlex.split(assignment):
            k, v = item.split("=", 1)
            env[k] = v
    for f in svc.get("EnvironmentFile", []):
        env.update(environment_file(Path(f.lstrip("-"))))
    (exec_start,) = svc["ExecStart"]
    return shlex.split(exec_start), env, svc["WorkingDirectory"][0]


def _wait_http(url: str, proc: subprocess.Popen[str], timeout: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read().decode("utf-8")
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def _hj212_exchange(port: int, raw: bytes, proc: subprocess.Popen[str],
                    timeout: float = 90) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, proc.communicate()
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    with sock:
        sock.sendall(raw)
        framer = Framer()
        sock.settimeout(10)
        while True:
            data = sock.recv(65536)
            assert data, "the gateway closed the connection without a reply"
            replies = [x for x in framer.feed(data) if isinstance(x, bytes) and b";ST=91;" in x]
            if replies:
                return replies[0]


def _stop(proc: subprocess.Popen[str], unit: dict[str, dict[str, list[str]]]) -> tuple[str, str]:
    sig = unit["Service"].get("KillSignal", ["SIGTERM"])[0]
    proc.send_signal(getattr(signal, sig))
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def _nginx() -> str | None:
    """nginx, if installed (or named by NGINX_FOR_TESTS): the site is then run for real."""
    found = os.environ.get("NGINX_FOR_TESTS") or shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    return found if found and shutil.which("openssl") else None


def _through_nginx(nginx: str, site: Path, tmp: Path) -> None:
    """Run the generated site (ports and certificate paths moved to the test's own) and fetch the
    login page over TLS through it; plain HTTP is redirected to HTTPS."""
    tmp.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=ecoplan.test", "-keyout", str(tmp / "key.pem"), "-out",
                    str(tmp / "cert.pem")], check=True, capture_output=True)
    http_port, https_port = _free_port(), _free_port()
    conf = site.read_text()
    conf = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp / 'cert.pem'};", conf)
    conf = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp / 'key.pem'};", conf)
    conf = conf.replace("/var/log/nginx/", f"{tmp}/")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    conf = conf.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    conf = "\n".join(line for line in conf.splitlines() if "[::]" not in line)
    (tmp / "site.conf").write_text(conf)
    temps = " ".join(f"{k}_temp_path {tmp / k};" for k in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"error_log {tmp / 'error.log'};\npid {tmp / 'nginx.pid'};\nevents {{}}\n"
        f"http {{\n access_log {tmp / 'access.log'};\n {temps}\n include {tmp / 'site.conf'};\n}}\n")
    args = [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([*args, "-g", "daemon off;"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ctx = ssl.create_default_context(cafile=str(tmp / "cert.pem"))
        ctx.check_hostname = False
        deadline = time.monotonic() + 30
        while True:
            try:
                req = urllib.request.Request(f"https://127.0.0.1:{https_port}/login",
                                             headers={"Host": "ecoplan.test"})
                with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:
                    assert resp.status == 200 and 'action="/login"' in resp.read().decode()
                    assert "max-age" in (resp.headers.get("Strict-Transport-Security") or "")
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.3)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):  # type: ignore[no-untyped-def]
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(urllib.request.Request(f"http://127.0.0.1:{http_port}/login",
                                               headers={"Host": "ecoplan.test"}), timeout=5)
            raise AssertionError("plain HTTP was not redirected")
        except urllib.error.HTTPError as exc:
            assert exc.code == 301 and exc.headers["Location"] == "https://ecoplan.test/login"
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.communicate(timeout=30)


@pytest.mark.slow
@pytest.mark.postgres
def test_units_run_the_real_services_on_postgresql(tmp_path: Path, postgres,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    if postgres is None:
        pytest.skip("PostgreSQL not available outside CI (install Debian's postgresql)")
    url = postgres.create_database(f"d_{uuid.uuid4().hex[:10]}")
    home = tmp_path / "srv" / "ecoplan"
    init_workspace(home, database_url=url)
    env_file = home / "ecoplan.env"  # as postgresql-setup.sh writes it
    env_file.write_text(env_file.read_text() + f"ECOPLAN_DATABASE_URL={url}\n")
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    web_port, gw_port = _free_port(), _free_port()
    out = tmp_path / "deploy"
    assert main(["deploy", "--out", str(out), "--web-port", str(web_port), "--gateway-port",
                 str(gw_port), "--gateway-host", "127.0.0.1", "--web-workers", "1",
                 "--server-name", "ecoplan.test", "--backup-dir", str(tmp_path / "bk")]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"ecoplan-web.service", "ecoplan-gateway.service", "ecoplan-dust.service",
            "ecoplan-backup.service", "ecoplan-backup.timer", "nginx-ecoplan.conf",
            "postgresql-setup.sql", "postgresql-setup.sh", "install.sh", "README.md"} <= names

    units = {n: parse_unit(out / n) for n in names if n.endswith((".service", ".timer"))}
    for name in ("ecoplan-web.service", "ecoplan-gateway.service", "ecoplan-dust.service"):
        svc = units[name]["Service"]
        assert svc["Restart"] == ["on-failure"] and svc["User"] == ["ecoplan"]
        assert svc["EnvironmentFile"] == [str(env_file)]
        assert svc["ReadWritePaths"] == [str(home)] and svc["NoNewPrivileges"] == ["yes"]
        assert svc["StandardOutput"] == ["journal"]
    backup_cmd = units["ecoplan-backup.service"]["Service"]["ExecStart"][0]
    assert "backup -o" in backup_cmd and "--keep 14" in backup_cmd
    assert units["ecoplan-backup.timer"]["Timer"]["Unit"] == ["ecoplan-backup.service"]
    nginx = (out / "nginx-ecoplan.conf").read_text()
    assert f"server 127.0.0.1:{web_port};" in nginx and "X-Forwarded-Proto $scheme" in nginx
    assert "client_max_body_size" in nginx and "ecoplan.test" in nginx

    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify",
                                *[str(out / n) for n in sorted(units)]],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        assert "ecoplan-" not in check.stderr, check.stderr

    # ---- start the web server, the gateway and the controller exactly as the units do
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for name in ("ecoplan-web.service", "ecoplan-gateway.service", "ecoplan-dust.service"):
            cmd, env, cwd = unit_process(units[name])
            assert env["ECOPLAN_DATABASE_URL"] == url and env["ECOPLAN_HOME"] == str(home)
            procs[name] = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
        status, body = _wait_http(f"http://127.0.0.1:{web_port}/login",
                                  procs["ecoplan-web.service"])
        assert status == 200 and 'action="/login"' in body
        status, body = _wait_http(f"http://127.0.0.1:{web_port}/healthz",
                                  procs["ecoplan-web.service"])
        assert status == 200 and '"ok"' in body
        packet = next(p for p in ORACLE if p.expect == "hj212"
                      and encode.reply_for(decode(p.raw).packet) is not None)
        reply = _hj212_exchange(gw_port, packet.raw, procs["ecoplan-gateway.service"])
        assert reply == encode.reply_for(decode(packet.raw).packet)
        assert procs["ecoplan-dust.service"].poll() is None
        nginx = _nginx()
        # CI installs nginx-light (scripts/system-deps.sh): there the TLS site must run for real.
        assert nginx or not os.environ.get("CI"), "nginx missing: run make system-deps"
        if nginx:  # the TLS site in front of the running web server
            _through_nginx(nginx, out / "nginx-ecoplan.conf", tmp_path / "nginx")
    finally:
        results = {n: _stop(p, units[n]) for n, p in procs.items()}
    for name, p in procs.items():
        assert p.returncode in (0, -signal.SIGTERM), (name, p.returncode, results[name][1])
    assert "HJ 212" in results["ecoplan-gateway.service"][0] + results[
        "ecoplan-gateway.service"][1]


@pytest.mark.postgres
def test_postgresql_recipe_creates_role_database_and_schema(
        tmp_path: Path, postgres, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """postgresql-setup.sh as written by deploy, run against the PostgreSQL test server (the
    service user is root here: the test cannot create system users)."""
    if postgres is None:
        pytest.skip("PostgreSQL not available outside CI (install Debian's postgresql)")
    if os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("psql"):
        pytest.skip("the recipe runs as root with runuser and psql")
    home = tmp_path / "ws"
    init_workspace(home)
    monkeypatch.setenv("ECOPLAN_HOME", str(home))
    out = tmp_path / "deploy"
    assert main(["deploy", "--out", str(out), "--user", "root"]) == 0
    name = f"p_{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(postgres.port), PGUSER="ecoplan",
               ECOPLAN_DB=name, ECOPLAN_DB_ROLE=f"{name}_role", ECOPLAN_DB_PASSWORD="Pw-0123456789")
    for _ in range(2):  # safe to re-run
        run = subprocess.run(["sh", str(out / "postgresql-setup.sh")], env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr + run.stdout
    url = (f"postgresql+psycopg://{name}_role:Pw-0123456789@127.0.0.1:{postgres.port}/{name}")
    lines = (home / "ecoplan.env").read_text().splitlines()
    assert [x for x in lines if x.startswith("ECOPLAN_DATABASE_URL=")] == [
        f"ECOPLAN_DATABASE_URL={url}"]
    assert (home / "ecoplan.env").stat().st_mode & 0o777 == 0o600
    from ecoplan.settings import load_settings
    from ecoplan.store import db

    assert load_settings(home=home).effective_database_url == url
    engine = db.make_engine(url)  # the new role logs in with its password and owns the schema
    assert db.current_revisions(engine) == db.head_revisions()
    engine.dispose()
