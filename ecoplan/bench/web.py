"""``ecoplan bench web``: N concurrent users against the platform on 127.0.0.1 only.

The server runs in its own process (uvicorn, one worker), the load generator is an asyncio
loop of httpx clients. Each virtual user is signed in (its own session cookie) and repeats:
request one page or API endpoint from a fixed mix, then wait an exponentially distributed
think time. Every run is bounded in time and in number of requests and stops by itself.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
from sqlalchemy import select

from ecoplan.assess import progress
from ecoplan.console import progress as progress_bar
from ecoplan.errors import ValidationError
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.settings import load_settings
from ecoplan.store.models import Station, User
from ecoplan.store.plan_store import load_plan_into_db
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.web import accounts
from ecoplan.web.accounts import ensure_demo_accounts
from ecoplan.web.sessions import start_session

ENDPOINTS = (
    ("overview", "/", "session"),
    ("public", "/public", "none"),
    ("api indicators", "/api/v1/indicators", "token"),
    ("api assessments", "/api/v1/assessments", "token"),
    ("api projects", "/api/v1/projects", "token"),
    ("api tasks", "/api/v1/tasks", "token"),
    ("api measurements", "/api/v1/measurements?dataset=air_hourly&page_size=100", "token"),
)
WEIGHTS = (4, 1, 2, 1, 1, 1, 1)
HOST = "127.0.0.1"  # loopback only, by design


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def prepare_demo(home: Path) -> None:
    """A workspace with the demo accounts, approved department reports and a month of hourly
    air data in the lake (so the pages and the measurement API have something to serve)."""
    init_workspace(home)

    ws = Workspace(load_settings(home=home))

    path = bundled_plan_path("jiaocheng-2021-2025")
    load_plan_into_db(ws.engine, load_plan(path), source_file=path)
    with ws.session() as s:
        ensure_demo_accounts(s)
        if not progress.list_reports(s, "indicator"):
            plan_code = "jiaocheng-2021-2025"
            reports = [
                progress.submit_indicator_value(s, plan_code=plan_code, indicator_key="6",
                                                year=2025, value="0", reporter="zjj",
                                                department="县住建局"),
                progress.submit_indicator_value(s, plan_code=plan_code, indicator_key="17",
                                                year=2025, value="57.4", reporter="lyj",
                                                department="县林业局"),
            ]
            for r in reports:
                progress.review(s, "indicator", r.id, actor="analyst")
                progress.approve(s, "indicator", r.id, actor="admin")
            for n in (17, 18):
                p = progress.submit_project_progress(
                    s, plan_code=plan_code, project_number=n, as_of="2025-12-31",
                    percent_complete="100", invested_wan_yuan="800", status="completed",
                    reporter="zjj", department="县住建局")
                progress.review(s, "project", p.id, actor="analyst")
                progress.approve(s, "project", p.id, actor="admin")


    with ws.session() as s:
        known = set(s.execute(select(Station.code)).scalars())
        for code, name in (("1471A", "县城北"), ("1472A", "县城南"), ("1473A", "开发区")):
            if code not in known:
                s.add(Station(code=code, name=name, county="交城县", network_level="county",
                              county_town=True))
    if not ws.lake.files("air_hourly"):
        start = datetime(2025, 1, 1, 1)
        n = 24 * 31
        ts = [start + timedelta(hours=i) for i in range(n)]
        rng = random.Random(1)
        rows: dict[str, list[Any]] = {"station_code": [], "timestamp": [], "pm25": [],
                                      "pm10": [], "so2": [], "no2": [], "o3": [], "co": []}
        for code in ("1471A", "1472A", "1473A"):
            for t in ts:
                rows["station_code"].append(code)
                rows["timestamp"].append(t)
                rows["pm25"].append(float(rng.randint(10, 120)))
                rows["pm10"].append(float(rng.randint(20, 200)))
                rows["so2"].append(float(rng.randint(5, 40)))
                rows["no2"].append(float(rng.randint(10, 60)))
                rows["o3"].append(float(rng.randint(10, 180)))
                rows["co"].append(round(rng.uniform(0.3, 2.5), 1))
        table = pa.table({**rows, "timestamp": pa.array(rows["timestamp"], pa.timestamp("us")),
                          "batch": pa.array([0] * len(rows["timestamp"]), pa.int64())})
        ws.lake.write("air_hourly", table, batch="benchweb")
    ws.engine.dispose()


def _credentials(home: Path, users: int) -> tuple[list[str], str]:
    """Session cookies for ``users`` virtual users (made directly, not through the slow Argon2
    sign-in, which is not what is measured) and one API token."""
    class _Ctx:
        session_lifetime = timedelta(hours=2)

    ws = Workspace(load_settings(home=home))
    cookies = []
    with ws.session() as s:
        people = list(s.execute(select(User).where(User.active.is_(True))).scalars())
        for i in range(users):
            cookies.append(start_session(s, _Ctx, people[i % len(people)], HOST, "bench"))
        token = accounts.create_token(s, "bench", "leader", "bench web", days=1).token
    ws.engine.dispose()
    return cookies, token


async def _user(client: Any, cookie: str, token: str, deadline: float, think: float,
                budget: list[int], rng: random.Random,
                samples: dict[str, list[float]], errors: dict[str, int]) -> None:
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        name, path, auth = rng.choices(ENDPOINTS, weights=WEIGHTS)[0]
        headers = {"Authorization": f"Bearer {token}"} if auth == "token" else {}
        cookies = {"ecoplan_session": cookie} if auth == "session" else None
        t0 = time.perf_counter()
        try:
            r = await client.get(path, headers=headers, cookies=cookies)
            ok = r.status_code == 200
        except Exception:  # noqa: BLE001 - every failure counts as an error
            ok = False
        samples[name].append((time.perf_counter() - t0) * 1000)
        if not ok:
            errors[name] += 1
        await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)


async def _run_once(base: str, cookies: list[str], token: str, seconds: float, think: float,
                    max_requests: int, seed: int) -> dict[str, Any]:

    samples: dict[str, list[float]] = {e[0]: [] for e in ENDPOINTS}
    errors: dict[str, int] = {e[0]: 0 for e in ENDPOINTS}
    limits = httpx.Limits(max_connections=len(cookies), max_keepalive_connections=len(cookies))
    budget = [max_requests]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*[
            _user(client, c, token, deadline, think, budget, random.Random(seed * 1000 + i),
                  samples, errors) for i, c in enumerate(cookies)])
    return {"samples": samples, "errors": errors}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the web server did not start in time")


def run_bench(*, users: int = 50, seconds: float = 20.0, runs: int = 3, think: float = 1.0,
              home: Path | None = None, warmup: float = 3.0, workers: int = 1) -> dict[str, Any]:
    """Run the load test; returns per-endpoint and overall figures (median over runs)."""
    if users < 1 or users > 500 or seconds <= 0 or seconds > 600 or runs < 1 or runs > 10:
        raise ValidationError("参数超出范围：用户 1–500，时长 ≤600 秒，轮数 1–10。",
                              "Out of range: users 1–500, seconds ≤ 600, runs 1–10.")
    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="ecoplan-bench-web-")
        home = Path(tmp.name) / "home"
        prepare_demo(home)
    home = home.resolve()
    cookies, token = _credentials(home, users)
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, "ECOPLAN_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ecoplan.web.asgi:app", "--host", HOST, "--port",
         str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    per_run: list[dict[str, Any]] = []
    try:
        _wait_ready(base, proc)

        for _ in range(2 * workers):  # first computations fill the caches (every worker)
            for _name, path, auth in ENDPOINTS:
                headers = {"Authorization": f"Bearer {token}"} if auth == "token" else {}
                httpx.get(base + path, headers=headers,
                          cookies={"ecoplan_session": cookies[0]}, timeout=300)
        max_requests = int(users * seconds * 20)
        asyncio.run(_run_once(base, cookies, token, warmup, think, max_requests, 0))
        with progress_bar() as bar:
            task = bar.add_task("bench web", total=runs)
            for i in range(runs):
                cpu0 = _cpu_seconds(proc.pid) if workers == 1 else None
                result = asyncio.run(_run_once(base, cookies, token, seconds, think,
                                               max_requests, i + 1))
                cpu1 = _cpu_seconds(proc.pid) if workers == 1 else None
                n = sum(len(v) for v in result["samples"].values())
                result["cpu_ms_per_request"] = (None if cpu0 is None or cpu1 is None or not n
                                                else (cpu1 - cpu0) * 1000 / n)
                per_run.append(result)
                bar.advance(task)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if tmp is not None:
            tmp.cleanup()
    endpoints = []
    for name, path, _auth in ENDPOINTS:
        p50 = [_percentile(r["samples"][name], 50) for r in per_run]
        p95 = [_percentile(r["samples"][name], 95) for r in per_run]
        p99 = [_percentile(r["samples"][name], 99) for r in per_run]
        endpoints.append({
            "endpoint": name, "path": path,
            "requests": int(statistics.median(len(r["samples"][name]) for r in per_run)),
            "errors": sum(r["errors"][name] for r in per_run),
            "p50_ms": round(statistics.median(p50), 1), "p95_ms": round(statistics.median(p95), 1),
            "p99_ms": round(statistics.median(p99), 1),
        })
    overall_p95 = [_percentile([x for v in r["samples"].values() for x in v], 95) for r in per_run]
    overall_n = [sum(len(v) for v in r["samples"].values()) for r in per_run]
    return {
        "users": users, "seconds": seconds, "runs": runs, "think_s": think, "host": HOST,
        "requests": int(statistics.median(overall_n)),
        "throughput_rps": round(statistics.median(overall_n) / seconds, 1),
        "errors": sum(e["errors"] for e in endpoints),
        "p95_ms": round(statistics.median(overall_p95), 1),
        "p95_per_run_ms": [round(x, 1) for x in overall_p95],
        "endpoints": endpoints, "workers": workers,
        "server_cpu_ms_per_request": (None if any(r["cpu_ms_per_request"] is None
                                                  for r in per_run) else round(statistics.median(
                                                      r["cpu_ms_per_request"] for r in per_run), 2)),
        "load_average_after": os.getloadavg()[0],
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
